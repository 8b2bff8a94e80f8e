//! Figures of `geosparse analyze`: the persistence diagram, a grid of the top-scoring
//! ratemaps and a histogram (PNG bytes, drawn with plotters and the bundled font).
//!
//! ```no_run
//! use geosparse_experiments::analyze::figures::histogram;
//! let png = histogram(&[0.1, 0.5, -0.2], 0.3, "grid score").unwrap();
//! std::fs::write("hist.png", png).unwrap();
//! ```

use crate::plot::{err, png, range};
use plotters::prelude::*;

const DIM_COLORS: [RGBColor; 3] = [RGBColor(31, 119, 180), RGBColor(214, 39, 40), RGBColor(44, 160, 44)];

/// Birth against death per dimension; essential bars drawn at the radius (top line);
/// the title gives the Betti numbers of the long bars.
pub fn persistence_diagram(bars: &[Vec<(f64, f64)>], radius: f64, betti: &[usize]) -> anyhow::Result<Vec<u8>> {
    let top = if radius.is_finite() && radius > 0.0 { radius * 1.05 } else { 1.0 };
    let title = format!("persistence diagram (Betti of long bars: {betti:?})");
    png(800, 800, |root| {
        let mut c = ChartBuilder::on(root)
            .caption(title, ("sans-serif", 20))
            .margin(14)
            .x_label_area_size(40)
            .y_label_area_size(56)
            .build_cartesian_2d(0.0..top, 0.0..top)
            .map_err(err("persistence diagram"))?;
        c.configure_mesh().x_desc("birth").y_desc("death (∞ drawn at the radius)").draw().map_err(err("axes"))?;
        c.draw_series(LineSeries::new([(0.0, 0.0), (top, top)], BLACK.mix(0.4))).map_err(err("diagonal"))?;
        for (dim, b) in bars.iter().enumerate() {
            let color = DIM_COLORS[dim.min(2)];
            let pts = b.iter().map(|&(x, y)| (x, if y.is_finite() { y.min(top) } else { radius.min(top) }));
            c.draw_series(pts.map(|p| Circle::new(p, 4, color.filled())))
                .map_err(err("bars"))?
                .label(format!("H{dim} ({} bars)", b.len()))
                .legend(move |(x, y)| Circle::new((x, y), 4, color.filled()));
        }
        c.configure_series_labels().background_style(WHITE.mix(0.8)).border_style(BLACK).position(SeriesLabelPosition::LowerRight).draw().map_err(err("legend"))?;
        Ok(())
    })
}

/// Viridis-like colour of t ∈ [0, 1]; grey for NaN.
fn heat(t: f64) -> RGBColor {
    if !t.is_finite() {
        return RGBColor(200, 200, 200);
    }
    let c = ViridisRGB::get_color(t.clamp(0.0, 1.0));
    RGBColor(c.0, c.1, c.2)
}

/// The `count` maps with the highest scores (h × w each), in a square grid, titled by score.
pub fn ratemap_grid(maps: &[f64], scores: &[f64], h: usize, w: usize, count: usize) -> anyhow::Result<Vec<u8>> {
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&a, &b| {
        let key = |i: usize| if scores[i].is_finite() { scores[i] } else { f64::NEG_INFINITY };
        key(b).total_cmp(&key(a))
    });
    order.truncate(count.min(scores.len()));
    let cols = (order.len() as f64).sqrt().ceil().max(1.0) as usize;
    let rows = order.len().div_ceil(cols).max(1);
    png(220 * cols as u32, 240 * rows as u32, |root| {
        let panels = root.split_evenly((rows, cols));
        for (p, &i) in panels.iter().zip(&order) {
            let map = &maps[i * h * w..(i + 1) * h * w];
            let (lo, hi) = range(map.iter().copied());
            let mut c = ChartBuilder::on(p)
                .caption(format!("unit {i}: {:.2}", scores[i]), ("sans-serif", 16))
                .margin(6)
                .build_cartesian_2d(0.0..w as f64, 0.0..h as f64)
                .map_err(err("ratemap"))?;
            let cells = (0..h * w).map(|k| {
                let (y, x) = ((k / w) as f64, (k % w) as f64);
                Rectangle::new([(x, y), (x + 1.0, y + 1.0)], heat((map[k] - lo) / (hi - lo)).filled())
            });
            c.draw_series(cells).map_err(err("ratemap cells"))?;
        }
        Ok(())
    })
}

/// Histogram of `values` (finite) in 30 bins, with a dashed line at `threshold`.
pub fn histogram(values: &[f64], threshold: f64, label: &str) -> anyhow::Result<Vec<u8>> {
    let (lo, hi) = range(values.iter().copied().chain([threshold]));
    let bins = 30usize;
    let width = (hi - lo) / bins as f64;
    let mut counts = vec![0usize; bins];
    for &v in values.iter().filter(|v| v.is_finite()) {
        counts[(((v - lo) / width) as usize).min(bins - 1)] += 1;
    }
    let ymax = counts.iter().copied().max().unwrap_or(0).max(1) as f64 * 1.1;
    png(800, 500, |root| {
        let mut c = ChartBuilder::on(root)
            .caption(format!("{label} ({} units; {} above {threshold})", values.len(), values.iter().filter(|&&v| v > threshold).count()), ("sans-serif", 20))
            .margin(14)
            .x_label_area_size(40)
            .y_label_area_size(50)
            .build_cartesian_2d(lo..hi, 0.0..ymax)
            .map_err(err("histogram"))?;
        c.configure_mesh().x_desc(label).y_desc("units").draw().map_err(err("axes"))?;
        let bars = counts.iter().enumerate().map(|(b, &n)| {
            let x0 = lo + b as f64 * width;
            Rectangle::new([(x0, 0.0), (x0 + width, n as f64)], DIM_COLORS[0].mix(0.7).filled())
        });
        c.draw_series(bars).map_err(err("bars"))?;
        c.draw_series(DashedLineSeries::new([(threshold, 0.0), (threshold, ymax)], 6, 4, RED.stroke_width(2))).map_err(err("threshold"))?;
        Ok(())
    })
}
