//! A run's figures: training curves; |W| against manifold distance before and after pruning;
//! the embedding with the surviving connections drawn; and, when the geometry moved (neuron
//! swaps, trainable points), where each neuron's point started and ended.
//!
//! ```no_run
//! // written by geosparse_experiments::run::train into RUNDIR/plots/
//! ```

use super::{err, png, range};
use crate::run::metrics::Metrics;
use geosparse_io::atomic_write;
use geosparse_moduli::{Regularizer, space::Space};
use geosparse_tasks::task::Task;
use plotters::prelude::*;
use std::path::Path;

/// Writes `plots/curves.png`, `plots/weights_vs_distance.png`, `plots/connections.png`, and
/// `plots/points_moved.png` when `moved_from` (the geometry as drawn) is given: `regs` is then
/// the geometry the run ended with.
pub fn write_all(dir: &Path, metrics: &Metrics, init: &dyn Task, trained: &dyn Task, regs: &[(String, Regularizer)], moved_from: Option<&[(String, Regularizer)]>, primary: &str) -> anyhow::Result<()> {
    let pdir = dir.join("plots");
    std::fs::create_dir_all(&pdir).map_err(|e| anyhow::anyhow!("{}: {e}", pdir.display()))?;
    atomic_write(&pdir.join("curves.png"), &curves(metrics, primary)?)?;
    if let Some((param, reg)) = regs.first() {
        let w0 = init.params().into_iter().find(|p| &p.name == param).map(|p| p.value.clone());
        let w1 = trained.params().into_iter().find(|p| &p.name == param).map(|p| (p.value.clone(), p.mask.clone()));
        if let (Some(w0), Some((w1, mask))) = (w0, w1) {
            atomic_write(&pdir.join("weights_vs_distance.png"), &weights_vs_distance(param, reg, &w0, &w1, mask.as_deref())?)?;
            if reg.embedding().is_some() {
                atomic_write(&pdir.join("connections.png"), &connections(param, reg, &w1, mask.as_deref())?)?;
            }
        }
        if let Some((_, first)) = moved_from.and_then(|m| m.iter().find(|r| &r.0 == param))
            && reg.embedding().is_some()
        {
            atomic_write(&pdir.join("points_moved.png"), &points_moved(param, first, reg)?)?;
        }
    }
    Ok(())
}

/// Each neuron's point as drawn (grey) and as the run ended (blue), joined by a line (to the
/// nearest image across a glued edge).
fn points_moved(param: &str, first: &Regularizer, last: &Regularizer) -> anyhow::Result<Vec<u8>> {
    let (space, e0, e1) = (last.space().expect("checked").clone(), first.embedding().expect("same spec"), last.embedding().expect("checked"));
    let n = last.neurons();
    let p0: Vec<[f64; 2]> = (0..n).map(|i| space.chart(e0.point(i))).collect();
    let p1: Vec<[f64; 2]> = (0..n).map(|i| space.chart(e1.point(i))).collect();
    let moved = (0..n).filter(|&i| e0.point(i) != e1.point(i)).count();
    let all: Vec<[f64; 2]> = p0.iter().chain(&p1).copied().collect();
    let [(x0, x1), (y0, y1)] = chart_square(space.as_ref(), &all);
    let axes = space.chart_axes();
    png(900, 900, |root| {
        let mut c = ChartBuilder::on(root)
            .caption(format!("{param}: {moved} of {n} points moved on the {} (grey: start, blue: end)", last.spec.space), ("sans-serif", 18))
            .margin(14)
            .x_label_area_size(34)
            .y_label_area_size(48)
            .build_cartesian_2d(x0..x1, y0..y1)
            .map_err(err("points moved"))?;
        c.configure_mesh().x_desc(axes[0]).y_desc(axes[1]).disable_mesh().draw().map_err(err("points moved"))?;
        c.draw_series((0..n).map(|i| {
            let b = nearest_image(space.as_ref(), &last.spec.geometry, p0[i], p1[i], e1.point(i));
            PathElement::new([(p0[i][0], p0[i][1]), (b[0], b[1])], BLACK.mix(0.35))
        }))
        .map_err(err("points moved"))?;
        c.draw_series(p0.iter().map(|p| Circle::new((p[0], p[1]), 2, RGBColor(150, 150, 150).filled()))).map_err(err("points moved"))?;
        c.draw_series(p1.iter().map(|p| Circle::new((p[0], p[1]), 2, BLUE.filled()))).map_err(err("points moved"))?;
        Ok(())
    })
}

fn curves(metrics: &Metrics, primary: &str) -> anyhow::Result<Vec<u8>> {
    let recs = metrics.records();
    // x axis: epochs counted across phases
    let xs: Vec<f64> = (0..recs.len()).map(|i| i as f64 + 1.0).collect();
    let series: [(&str, Vec<f64>); 4] = [
        ("loss (train: task; val: task + penalty)", recs.iter().map(|r| r.train_loss).collect()),
        (primary, recs.iter().map(|r| r.val.get(primary).copied().unwrap_or(f64::NAN)).collect()),
        ("pruned fraction", recs.iter().map(|r| r.sparsity).collect()),
        ("penalty", recs.iter().map(|r| r.penalty).collect()),
    ];
    let val_loss: Vec<f64> = recs.iter().map(|r| r.val_loss).collect();
    let control_from = recs.iter().position(|r| r.phase == "control");
    png(1400, 900, |root| {
        let panels = root.split_evenly((2, 2));
        for (k, (title, ys)) in series.iter().enumerate() {
            let (x0, x1) = range(xs.iter().copied());
            let mut all: Vec<f64> = ys.clone();
            if k == 0 {
                all.extend(&val_loss);
            }
            let (y0, y1) = range(all.iter().copied());
            let mut c = ChartBuilder::on(&panels[k])
                .caption(*title, ("sans-serif", 18))
                .margin(12)
                .x_label_area_size(34)
                .y_label_area_size(60)
                .build_cartesian_2d(x0..x1.max(x0 + 1.0), y0..y1)
                .map_err(err("curves"))?;
            c.configure_mesh().x_desc(if control_from.is_some() { "epoch (training, then control)" } else { "epoch" }).draw().map_err(err("curves"))?;
            c.draw_series(LineSeries::new(xs.iter().zip(ys).filter(|(_, y)| y.is_finite()).map(|(x, y)| (*x, *y)), BLUE.stroke_width(2)))
                .map_err(err("curves"))?
                .label(if k == 0 { "train" } else { "val" })
                .legend(|(x, y)| PathElement::new([(x, y), (x + 18, y)], BLUE.stroke_width(2)));
            if k == 0 {
                c.draw_series(LineSeries::new(xs.iter().zip(&val_loss).map(|(x, y)| (*x, *y)), RED.stroke_width(2)))
                    .map_err(err("curves"))?
                    .label("val")
                    .legend(|(x, y)| PathElement::new([(x, y), (x + 18, y)], RED.stroke_width(2)));
                c.configure_series_labels().background_style(WHITE.mix(0.8)).border_style(BLACK).draw().map_err(err("curves"))?;
            }
            if let Some(cf) = control_from {
                let x = cf as f64 + 0.5;
                c.draw_series(LineSeries::new([(x, y0), (x, y1)], BLACK.mix(0.5))).map_err(err("curves"))?;
            }
        }
        Ok(())
    })
}

/// (d, |w|) for an evenly spread sample of entries of W (N × N or a stack of gate blocks).
fn sample(reg: &Regularizer, w: &[f32], mask: Option<&[u8]>, keep_only_kept: bool) -> Vec<(f64, f64)> {
    let n = reg.neurons();
    let idx: Vec<usize> = (0..w.len()).filter(|&k| !keep_only_kept || (mask.is_none_or(|m| m[k] != 0) && w[k] != 0.0)).collect();
    let stride = (idx.len() / 30_000).max(1);
    idx.into_iter()
        .step_by(stride)
        .map(|k| {
            let (i, j) = ((k / n) % n, k % n);
            (reg.distance(i, j), w[k].abs() as f64)
        })
        .collect()
}

/// Mean |w| in distance bins.
fn binned(points: &[(f64, f64)], bins: usize, d1: f64) -> Vec<(f64, f64)> {
    let mut sum = vec![0f64; bins];
    let mut cnt = vec![0usize; bins];
    for &(d, w) in points {
        let b = ((d / d1 * bins as f64) as usize).min(bins - 1);
        sum[b] += w;
        cnt[b] += 1;
    }
    (0..bins).filter(|&b| cnt[b] > 0).map(|b| ((b as f64 + 0.5) * d1 / bins as f64, sum[b] / cnt[b] as f64)).collect()
}

fn weights_vs_distance(param: &str, reg: &Regularizer, w0: &[f32], w1: &[f32], mask: Option<&[u8]>) -> anyhow::Result<Vec<u8>> {
    let before = sample(reg, w0, None, false);
    let after = sample(reg, w1, mask, true);
    let d1 = before.iter().chain(&after).map(|p| p.0).fold(0f64, f64::max).max(1e-9);
    let bins = 30;
    png(1400, 560, |root| {
        let panels = root.split_evenly((1, 2));
        for (k, (title, pts)) in [(format!("{param} at initialisation"), &before), (format!("{param} trained (surviving weights)"), &after)].iter().enumerate() {
            let (_, w_hi) = range(pts.iter().map(|p| p.1));
            let mut c = ChartBuilder::on(&panels[k])
                .caption(title, ("sans-serif", 18))
                .margin(12)
                .x_label_area_size(34)
                .y_label_area_size(70)
                .build_cartesian_2d(0.0..d1, 0.0..w_hi.max(1e-12) * 1.05)
                .map_err(err("weights"))?;
            c.configure_mesh().x_desc("manifold distance d(i, j)").y_desc("|W[i, j]|").draw().map_err(err("weights"))?;
            c.draw_series(pts.iter().map(|&(d, w)| Circle::new((d, w), 1, BLUE.mix(0.25).filled()))).map_err(err("weights"))?;
            c.draw_series(LineSeries::new(binned(pts, bins, d1), RED.stroke_width(3)))
                .map_err(err("weights"))?
                .label("mean |W| per distance bin")
                .legend(|(x, y)| PathElement::new([(x, y), (x + 18, y)], RED.stroke_width(3)));
            c.configure_series_labels().background_style(WHITE.mix(0.8)).border_style(BLACK).draw().map_err(err("weights"))?;
        }
        Ok(())
    })
}

/// The end point to draw from a towards b: b's nearest image on a torus or Klein bottle (so a
/// connection across a glued edge leaves the square instead of crossing it).
fn nearest_image(space: &dyn Space, spec: &geosparse_moduli::spec::Geometry, a: [f64; 2], b: [f64; 2], raw_b: &[f32]) -> [f64; 2] {
    use geosparse_moduli::spec::Geometry;
    let _ = space;
    match spec {
        Geometry::Torus { side, dim: 2 } => {
            let wrap = |d: f64| d - side * (d / side).round();
            [a[0] + wrap(b[0] - a[0]), a[1] + wrap(b[1] - a[1])]
        }
        // longitude in degrees: across the ±180° seam the short way
        Geometry::Sphere { dim: 1 | 2, .. } => [a[0] + (b[0] - a[0]) - 360.0 * ((b[0] - a[0]) / 360.0).round(), b[1]],
        Geometry::Klein { side } => {
            let k = geosparse_moduli::space::Klein { side: *side };
            let mut best = (f64::INFINITY, b);
            for m in -1..=1 {
                for n in -1..=1 {
                    let (x, y) = k.image(m, n, raw_b[0] as f64, raw_b[1] as f64);
                    let d = (x - a[0]).hypot(y - a[1]);
                    if d < best.0 {
                        best = (d, [x, y]);
                    }
                }
            }
            best.1
        }
        _ => b,
    }
}

/// The figure's axes: the whole chart of a bounded space, else a square around the points.
fn chart_square(space: &dyn geosparse_moduli::space::Space, pts: &[[f64; 2]]) -> [(f64, f64); 2] {
    if let Some(b) = space.chart_bounds() {
        return b;
    }
    let (x0, x1) = range(pts.iter().map(|p| p[0]));
    let (y0, y1) = range(pts.iter().map(|p| p[1]));
    let half = 0.5 * (x1 - x0).max(y1 - y0);
    let (cx, cy) = (0.5 * (x0 + x1), 0.5 * (y0 + y1));
    [(cx - half, cx + half), (cy - half, cy + half)]
}

fn connections(param: &str, reg: &Regularizer, w: &[f32], mask: Option<&[u8]>) -> anyhow::Result<Vec<u8>> {
    let (space, emb) = (reg.space().expect("checked").clone(), reg.embedding().expect("checked"));
    let n = reg.neurons();
    let pts: Vec<[f64; 2]> = (0..n).map(|i| space.chart(emb.point(i))).collect();
    // the strongest surviving connections of the first gate block, at most 3000
    let mut edges: Vec<(f32, usize, usize)> = (0..n * n)
        .filter(|&k| k / n != k % n && mask.is_none_or(|m| m[k] != 0) && w[k] != 0.0)
        .map(|k| (w[k].abs(), k / n, k % n))
        .collect();
    let total = edges.len();
    edges.sort_by(|a, b| b.0.total_cmp(&a.0));
    edges.truncate(3000);
    let [(x0, x1), (y0, y1)] = chart_square(space.as_ref(), &pts);
    let axes = space.chart_axes();
    let wmax = edges.first().map_or(1.0, |e| e.0 as f64);
    png(900, 900, |root| {
        let mut c = ChartBuilder::on(root)
            .caption(format!("{param}: the {} strongest of {total} surviving connections on the {}", edges.len(), reg.spec.space), ("sans-serif", 18))
            .margin(14)
            .x_label_area_size(34)
            .y_label_area_size(48)
            .build_cartesian_2d(x0..x1, y0..y1)
            .map_err(err("connections"))?;
        c.configure_mesh().x_desc(axes[0]).y_desc(axes[1]).disable_mesh().draw().map_err(err("connections"))?;
        c.draw_series(edges.iter().map(|&(v, i, j)| {
            let b = nearest_image(space.as_ref(), &reg.spec.geometry, pts[i], pts[j], emb.point(j));
            let alpha = 0.15 + 0.6 * (v as f64 / wmax);
            PathElement::new([(pts[i][0], pts[i][1]), (b[0], b[1])], BLUE.mix(alpha))
        }))
        .map_err(err("connections"))?;
        c.draw_series(pts.iter().map(|p| Circle::new((p[0], p[1]), 2, BLACK.filled()))).map_err(err("connections"))?;
        Ok(())
    })
}
