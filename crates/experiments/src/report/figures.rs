//! The report's figures, as PNG and SVG: the metric against sparsity per group with error
//! bars, validation curves across seeds (mean ± std), the weight-versus-distance profile.
//!
//! ```no_run
//! // written by geosparse_experiments::report::report
//! ```

use super::{Report, band, by_group, geometry};
use crate::plot::{err, ensure_font, range};
use geosparse_io::atomic_write;
use plotters::coord::Shift;
use plotters::prelude::*;
use std::path::Path;

/// Per group: (label, [(x, mean, std)]).
pub type Series = Vec<(String, Vec<(f64, f64, f64)>)>;

/// One figure: its file stem, texts, error bars or bands, and the x range it may show.
struct Chart<'a> {
    stem: &'a str,
    title: String,
    xdesc: &'a str,
    ydesc: &'a str,
    /// Error bars (true) or ± std bands (false).
    bars: bool,
    /// Bounds of the x axis (e.g. a pruned fraction lies in [0, 1]).
    xlim: Option<(f64, f64)>,
    /// Tick labels of the x axis (default: the number).
    xfmt: Option<fn(&f64) -> String>,
}

fn colour(i: usize) -> RGBColor {
    let c = Palette99::pick(i).to_rgba();
    RGBColor(c.0, c.1, c.2)
}

/// Draws error-bar / band series on one chart.
fn draw<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, chart: &Chart, series: &Series) -> anyhow::Result<()>
where
    DB::ErrorType: 'static,
{
    let &Chart { ref title, xdesc, ydesc, bars, xlim, xfmt, .. } = chart;
    let title = title.as_str();
    area.fill(&WHITE).map_err(err(title))?;
    let (x0, x1) = range(series.iter().flat_map(|s| s.1.iter().map(|p| p.0)));
    let (y0, y1) = range(series.iter().flat_map(|s| s.1.iter().flat_map(|p| [p.1 - p.2, p.1 + p.2])));
    let pad = 0.05 * (x1 - x0);
    // a bounded axis (a pruned fraction) never shows values it cannot take
    let (xa, xb) = match xlim {
        Some((lo, hi)) => ((x0 - pad).max(lo), (x1 + pad).min(hi)),
        None => (x0 - pad, x1 + pad),
    };
    let mut c = ChartBuilder::on(area)
        .caption(title, ("sans-serif", 20))
        .margin(15)
        .x_label_area_size(40)
        .y_label_area_size(70)
        .build_cartesian_2d(xa..xb, (y0 - 0.05 * (y1 - y0)).min(y0)..y1 + 0.05 * (y1 - y0))
        .map_err(err(title))?;
    let default_fmt = |x: &f64| format!("{x}");
    let fmt: &dyn Fn(&f64) -> String = match xfmt {
        Some(f) => &move |x: &f64| f(x),
        None => &default_fmt,
    };
    c.configure_mesh().x_desc(xdesc).y_desc(ydesc).x_label_formatter(fmt).draw().map_err(err(title))?;
    for (i, (label, pts)) in series.iter().enumerate() {
        let col = colour(i);
        c.draw_series(LineSeries::new(pts.iter().map(|p| (p.0, p.1)), col.stroke_width(2)))
            .map_err(err(title))?
            .label(label.as_str())
            .legend(move |(x, y)| PathElement::new([(x, y), (x + 20, y)], col.stroke_width(3)));
        if bars {
            c.draw_series(pts.iter().map(|p| ErrorBar::new_vertical(p.0, p.1 - p.2, p.1, p.1 + p.2, col.stroke_width(2), 8))).map_err(err(title))?;
        } else {
            for sign in [-1.0, 1.0] {
                c.draw_series(LineSeries::new(pts.iter().map(|p| (p.0, p.1 + sign * p.2)), col.mix(0.35))).map_err(err(title))?;
            }
        }
    }
    c.configure_series_labels().background_style(WHITE.mix(0.85)).border_style(BLACK).position(SeriesLabelPosition::UpperRight).draw().map_err(err(title))?;
    Ok(())
}

/// Writes `<stem>.png` and `<stem>.svg`.
fn both(dir: &Path, chart: &Chart, series: &Series) -> anyhow::Result<()> {
    let (stem, title) = (chart.stem, chart.title.as_str());
    ensure_font();
    let (w, h) = (1200u32, 760u32);
    let mut rgb = vec![0u8; (w * h * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut rgb, (w, h)).into_drawing_area();
        draw(&root, chart, series)?;
        root.present().map_err(err(title))?;
    }
    atomic_write(&dir.join(format!("{stem}.png")), &crate::plot::regularizer::encode_png(&rgb, w, h)?)?;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (w, h)).into_drawing_area();
        draw(&root, chart, series)?;
        root.present().map_err(err(title))?;
    }
    atomic_write(&dir.join(format!("{stem}.svg")), svg.as_bytes())?;
    Ok(())
}

/// An x tick of a log10 axis as a percentage: -1 → "10 %", -2.3 → "0.5 %".
fn percent_of_log10(x: &f64) -> String {
    let p = 100.0 * 10f64.powf(*x);
    if p >= 9.95 { format!("{p:.0} %") } else if p >= 0.995 { format!("{p:.1} %") } else { format!("{p:.2} %") }
}

/// Per group, one point per pruning target: x = log10(kept fraction) (dense: 0), the metric's
/// mean and population std over the group's runs at that target, sorted by x.
pub(crate) fn sparsity_series(rows: &[super::Row], groups: &[String]) -> Series {
    let grouped = by_group(rows);
    let mut out: Series = Vec::new();
    for g in groups {
        let Some(rows) = grouped.get(g) else { continue };
        let mut xs: Vec<f64> = rows.iter().map(|x| x.sparsity_value).filter(|s| s.is_finite() && *s < 1.0).collect();
        xs.sort_by(f64::total_cmp);
        xs.dedup();
        let pts = xs
            .iter()
            .map(|&s| {
                let st = super::Stat::of(&rows.iter().filter(|r| r.sparsity_value == s).map(|r| r.value).collect::<Vec<_>>());
                ((1.0 - s).log10(), st.mean, st.std)
            })
            .collect();
        out.push((g.clone(), pts));
    }
    out
}

/// An x tick of a log₂ axis as the value: 8 → "256".
fn pow2(x: &f64) -> String {
    format!("{}", 2f64.powf(*x).round())
}

/// `metric_vs_x.png`/`.svg`: the metric against the `--x` key per group, with error bars.
pub fn write_x(dir: &Path, r: &Report, groups: &[String], key: &str) -> anyhow::Result<()> {
    let log = super::axis::log_axis(&super::axis::xs(&r.rows));
    let series = super::axis::series(&r.rows, groups, log);
    let xdesc = if log { format!("{key} (log₂ scale)") } else { key.to_string() };
    let chart = Chart {
        stem: "metric_vs_x",
        title: format!("{} against {key} (mean ± std over seeds)", r.metric),
        xdesc: &xdesc,
        ydesc: &r.metric,
        bars: true,
        xlim: None,
        xfmt: if log { Some(pow2) } else { None },
    };
    both(dir, &chart, &series)
}

pub fn write_all(dir: &Path, r: &Report, groups: &[String]) -> anyhow::Result<()> {
    let grouped = by_group(&r.rows);
    // 1. metric against sparsity, on a log axis of the kept fraction (90 % → 10 %, 99 % → 1 %)
    let s1 = sparsity_series(&r.rows, groups);
    let chart = Chart {
        stem: "metric_vs_sparsity",
        title: format!("{} against sparsity (mean ± std over seeds)", r.metric),
        xdesc: "kept fraction of the pruned weights (log scale; dense = 100 %)",
        ydesc: &r.metric,
        bars: true,
        xlim: Some((f64::NEG_INFINITY, 0.0)),
        xfmt: Some(percent_of_log10),
    };
    both(dir, &chart, &s1)?;
    // 2. validation curves across seeds (training phase)
    let primary = r.runs.first().map(|x| x.summary.primary_metric.clone()).unwrap_or_default();
    let mut s2: Series = Vec::new();
    for g in groups {
        let curves: Vec<Vec<f64>> = grouped[g]
            .iter()
            .map(|row| r.runs[row.run].metrics.iter().filter(|m| m.phase == "train").map(|m| m.val.get(&primary).copied().unwrap_or(f64::NAN)).collect())
            .collect();
        s2.push((g.clone(), band(&curves).into_iter().enumerate().map(|(e, (m, s))| (e as f64 + 1.0, m, s)).collect()));
    }
    let chart = Chart { stem: "curves", title: format!("validation {primary} during training (mean ± std over seeds)"), xdesc: "epoch", ydesc: &primary, bars: false, xlim: None, xfmt: None };
    both(dir, &chart, &s2)?;
    // 3. weight profile per group (runs without a penalty: against their config's geometry)
    let mut s3: Series = Vec::new();
    for g in groups {
        let profiles: Vec<Vec<(f64, f64)>> = grouped[g]
            .iter()
            .filter_map(|row| {
                let run = &r.runs[row.run];
                geometry::profile(&run.dir, run.config.as_ref()?, geometry::scored_param(&run.summary), 25).ok()
            })
            .collect();
        if profiles.is_empty() {
            continue;
        }
        let xs: Vec<f64> = profiles[0].iter().map(|p| p.0).collect();
        let ys: Vec<Vec<f64>> = profiles.iter().map(|p| p.iter().map(|q| q.1).collect()).collect();
        s3.push((g.clone(), band(&ys).into_iter().zip(xs).map(|((m, s), x)| (x, m, s)).collect()));
    }
    if !s3.is_empty() {
        let chart = Chart { stem: "weight_profile", title: "mean |W_hh| against manifold distance (pruned = 0; mean ± std over seeds)".into(), xdesc: "distance d(i, j)", ydesc: "mean |W_ij|", bars: false, xlim: None, xfmt: None };
        both(dir, &chart, &s3)?;
    }
    Ok(())
}
