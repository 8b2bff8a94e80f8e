//! The regularizer picture: the embedding coloured by R to one neuron, R against distance, and
//! the histogram of R.
//!
//! ```no_run
//! # let reg: geosparse_moduli::Regularizer = unimplemented!();
//! let png = geosparse_experiments::plot::regularizer::render_png(&reg, &reg.distances()).unwrap();
//! ```

use super::{ensure_font, err, range};
use geosparse_moduli::Regularizer;
use plotters::prelude::*;

const W: u32 = 1650;
const H: u32 = 520;

/// Renders the three-panel figure to PNG bytes. `d` is the N × N distance matrix.
pub fn render_png(reg: &Regularizer, d: &[f32]) -> anyhow::Result<Vec<u8>> {
    ensure_font();
    let mut rgb = vec![0u8; (W * H * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, (W, H)).into_drawing_area();
        root.fill(&WHITE).map_err(err("background"))?;
        let spec = &reg.spec;
        let title = format!(
            "{} · {}{}{} · N = {} · seed {}",
            spec.space,
            spec.inhibitor.name(),
            if spec.invert { " (inverted)" } else { "" },
            if spec.permute { " (permuted)" } else { "" },
            spec.neurons,
            spec.seed
        );
        let root = root.titled(&title, ("sans-serif", 22)).map_err(err("title"))?;
        let panels = root.split_evenly((1, 3));
        embedding_panel(reg, &panels[0])?;
        profile_panel(reg, d, &panels[1])?;
        histogram_panel(reg, &panels[2])?;
        root.present().map_err(err("figure"))?;
    }
    encode_png(&rgb, W, H)
}

/// PNG-encodes an RGB buffer (plotters' `image` dependency does the work).
pub fn encode_png(rgb: &[u8], w: u32, h: u32) -> anyhow::Result<Vec<u8>> {
    let mut out = Vec::new();
    let img = image::RgbImage::from_raw(w, h, rgb.to_vec()).ok_or_else(|| anyhow::anyhow!("bad image buffer"))?;
    img.write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)?;
    Ok(out)
}

fn embedding_panel<DB: DrawingBackend>(reg: &Regularizer, area: &DrawingArea<DB, plotters::coord::Shift>) -> anyhow::Result<()>
where
    DB::ErrorType: 'static,
{
    let n = reg.neurons();
    let r = reg.matrix();
    let (Some(space), Some(emb)) = (reg.space(), reg.embedding()) else {
        area.draw(&Text::new("distance matrix given: no embedding to draw", (30, 200), ("sans-serif", 16)))
            .map_err(err("embedding"))?;
        return Ok(());
    };
    let pts: Vec<[f64; 2]> = (0..n).map(|i| space.chart(emb.point(i))).collect();
    let (x0, x1) = range(pts.iter().map(|p| p[0]));
    let (y0, y1) = range(pts.iter().map(|p| p[1]));
    let (r0, r1) = range(r[..n].iter().map(|&v| v as f64));
    let axes = space.chart_axes();
    let mut chart = ChartBuilder::on(area)
        .caption("embedding coloured by R[0, j] (dark = cheap; neuron 0 ringed)", ("sans-serif", 16))
        .margin(12)
        .x_label_area_size(36)
        .y_label_area_size(48)
        .build_cartesian_2d(x0..x1, y0..y1)
        .map_err(err("embedding"))?;
    chart.configure_mesh().x_desc(axes[0]).y_desc(axes[1]).disable_mesh().draw().map_err(err("embedding"))?;
    let size = if n > 2000 { 2 } else { 3 };
    chart
        .draw_series(pts.iter().enumerate().map(|(j, p)| {
            let c = ViridisRGB::get_color_normalized(r[j] as f64, r0, r1);
            Circle::new((p[0], p[1]), size, c.filled())
        }))
        .map_err(err("embedding"))?;
    chart
        .draw_series(std::iter::once(Circle::new((pts[0][0], pts[0][1]), 7, RED.stroke_width(2))))
        .map_err(err("embedding"))?;
    Ok(())
}

fn profile_panel<DB: DrawingBackend>(reg: &Regularizer, d: &[f32], area: &DrawingArea<DB, plotters::coord::Shift>) -> anyhow::Result<()>
where
    DB::ErrorType: 'static,
{
    let n = reg.neurons();
    let r = reg.matrix();
    // an evenly spread sample of at most ~20 000 pairs
    let stride = ((n * n) / 20_000).max(1);
    let idx: Vec<usize> = (0..n * n).step_by(stride).collect();
    let (d0, d1) = range(idx.iter().map(|&k| d[k] as f64));
    let (r0, r1) = range(idx.iter().map(|&k| r[k] as f64));
    let mut chart = ChartBuilder::on(area)
        .caption("R against distance (sampled pairs)", ("sans-serif", 16))
        .margin(12)
        .x_label_area_size(36)
        .y_label_area_size(48)
        .build_cartesian_2d(d0.min(0.0)..d1, r0.min(0.0)..r1 * 1.05)
        .map_err(err("profile"))?;
    chart.configure_mesh().x_desc("d(i, j)").y_desc("R[i, j]").draw().map_err(err("profile"))?;
    chart
        .draw_series(idx.iter().map(|&k| Circle::new((d[k] as f64, r[k] as f64), 1, BLUE.mix(0.35).filled())))
        .map_err(err("profile"))?;
    Ok(())
}

fn histogram_panel<DB: DrawingBackend>(reg: &Regularizer, area: &DrawingArea<DB, plotters::coord::Shift>) -> anyhow::Result<()>
where
    DB::ErrorType: 'static,
{
    let r = reg.matrix();
    let s = reg.stats();
    let (lo, hi) = range([s.min as f64, s.max as f64].into_iter());
    let bins = 50usize;
    let width = (hi - lo) / bins as f64;
    let mut counts = vec![0u64; bins];
    for &v in r {
        let b = (((v as f64 - lo) / width) as usize).min(bins - 1);
        counts[b] += 1;
    }
    let total = r.len() as f64;
    let top = counts.iter().copied().max().unwrap_or(1) as f64 / total;
    let mut chart = ChartBuilder::on(area)
        .caption(
            format!("histogram of R: mean {:.1}, {:.1} % below 10", s.mean, 100.0 * s.frac_below_10),
            ("sans-serif", 16),
        )
        .margin(12)
        .x_label_area_size(36)
        .y_label_area_size(56)
        .build_cartesian_2d(lo..hi, 0.0..top * 1.08)
        .map_err(err("histogram"))?;
    chart.configure_mesh().x_desc("R").y_desc("fraction of entries").draw().map_err(err("histogram"))?;
    chart
        .draw_series(counts.iter().enumerate().map(|(b, &c)| {
            let x = lo + b as f64 * width;
            Rectangle::new([(x, 0.0), (x + width, c as f64 / total)], BLUE.mix(0.6).filled())
        }))
        .map_err(err("histogram"))?;
    if lo < 10.0 && hi > 10.0 {
        chart
            .draw_series(LineSeries::new([(10.0, 0.0), (10.0, top * 1.05)], RED.stroke_width(2)))
            .map_err(err("histogram"))?
            .label("R = 10");
    }
    Ok(())
}
