//! Geometry recovery: how strongly a run's surviving recurrent weights concentrate where its
//! geometry says connections are cheap.
//!
//! * `spearman`: rank correlation of |W_ij| with d(i, j) over the off-diagonal pairs (pruned
//!   weights count as 0); negative when strong weights sit at short distance.
//! * `band_fraction`: share of the surviving weights whose R_ij < 10 (the inhibitor's cheap
//!   band), next to `band_baseline`, the share of all pairs in that band; their ratio is the
//!   enrichment (1 = no preference).
//!
//! A run without a penalty (λ = 0) is scored against the geometry its config names (the points
//! it would have been given): the null reference, which should show no preference.
//!
//! ```
//! use geosparse_experiments::report::geometry::spearman;
//! assert!((spearman(&[1.0, 2.0, 3.0], &[10.0, 20.0, 30.0]) - 1.0).abs() < 1e-12);
//! assert!((spearman(&[1.0, 2.0, 3.0], &[3.0, 2.0, 1.0]) + 1.0).abs() < 1e-12);
//! ```

use crate::config::RunConfig;
use crate::run::penalty::regularizer_seed;
use geosparse_engine::checkpoint;
use serde::{Deserialize, Serialize};
use std::path::Path;

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct GeometryScore {
    pub spearman: f64,
    pub band_fraction: f64,
    pub band_baseline: f64,
    pub enrichment: f64,
    /// Mean distance of surviving weights over the mean distance of all pairs.
    pub distance_ratio: f64,
}

/// Average ranks (ties share their mean rank).
fn ranks(x: &[f64]) -> Vec<f64> {
    let mut idx: Vec<usize> = (0..x.len()).collect();
    idx.sort_by(|&a, &b| x[a].total_cmp(&x[b]));
    let mut r = vec![0f64; x.len()];
    let mut i = 0;
    while i < idx.len() {
        let mut j = i;
        while j + 1 < idx.len() && x[idx[j + 1]] == x[idx[i]] {
            j += 1;
        }
        let avg = (i + j) as f64 / 2.0 + 1.0;
        for &k in &idx[i..=j] {
            r[k] = avg;
        }
        i = j + 1;
    }
    r
}

/// Spearman's rank correlation (0 when either side is constant).
pub fn spearman(a: &[f64], b: &[f64]) -> f64 {
    let (ra, rb) = (ranks(a), ranks(b));
    let n = a.len() as f64;
    let (ma, mb) = (ra.iter().sum::<f64>() / n, rb.iter().sum::<f64>() / n);
    let (mut sab, mut saa, mut sbb) = (0f64, 0f64, 0f64);
    for (x, y) in ra.iter().zip(&rb) {
        sab += (x - ma) * (y - mb);
        saa += (x - ma).powi(2);
        sbb += (y - mb).powi(2);
    }
    if saa == 0.0 || sbb == 0.0 { 0.0 } else { sab / (saa * sbb).sqrt() }
}

/// Mean |W| (pruned = 0) in `bins` equal distance bins up to the largest distance: the
/// weight-versus-distance profile of a run.
pub fn profile(dir: &Path, cfg: &RunConfig, param: &str, bins: usize) -> anyhow::Result<Vec<(f64, f64)>> {
    if let Some(c) = cached(dir, param) {
        return c.profile.filter(|_| c.bins == bins).ok_or_else(|| anyhow::anyhow!("{}: the record's weight profile has {} bins, not {bins}", dir.display(), c.bins));
    }
    let (w, n, reg) = load(dir, cfg, param, 0)?;
    Ok(profile_of(&w, n, &reg, bins))
}

/// The weight-versus-distance profile of a trained matrix `w` against `reg`.
pub(crate) fn profile_of(w: &[f32], n: usize, reg: &geosparse_moduli::Regularizer, bins: usize) -> Vec<(f64, f64)> {
    let pairs: Vec<usize> = (0..n * n).filter(|k| k / n != k % n).collect();
    let stride = (pairs.len() / 200_000).max(1);
    let pts: Vec<(f64, f64)> = pairs.iter().step_by(stride).map(|&k| (reg.distance(k / n, k % n), w[k].abs() as f64)).collect();
    let dmax = pts.iter().map(|p| p.0).fold(0f64, f64::max).max(1e-12);
    let mut sum = vec![0f64; bins];
    let mut cnt = vec![0usize; bins];
    for (d, a) in pts {
        let b = ((d / dmax * bins as f64) as usize).min(bins - 1);
        sum[b] += a;
        cnt[b] += 1;
    }
    (0..bins).filter(|&b| cnt[b] > 0).map(|b| ((b as f64 + 0.5) * dmax / bins as f64, sum[b] / cnt[b] as f64)).collect()
}

/// A run record's cached geometry of `param` (a folder without model.safetensors only).
fn cached(dir: &Path, param: &str) -> Option<super::records::CachedGeometry> {
    if dir.join("model.safetensors").is_file() {
        return None;
    }
    super::records::read(dir).filter(|c| c.param == param)
}

type Loaded = (Vec<f32>, usize, geosparse_moduli::Regularizer);

/// The matrix a run is scored on: its first penalised one, else (no penalty) layer 0's W_hh.
pub fn scored_param(summary: &crate::run::summary::Summary) -> &str {
    summary.regularizers.first().map(|i| i.param.as_str()).unwrap_or("rnn.weight_hh_l0")
}

/// The trained matrix and its regularizer, rebuilt from the run's config and seed.
pub(crate) fn load(dir: &Path, cfg: &RunConfig, param: &str, layer: usize) -> anyhow::Result<Loaded> {
    let ck = checkpoint::load(&dir.join("model.safetensors"))?;
    let (shape, w) = ck.tensors.get(param).ok_or_else(|| anyhow::anyhow!("{}: model.safetensors has no {param}", dir.display()))?;
    let n = shape[1];
    let reg = regularizer_of_model(cfg, n, layer, param, &ck).map_err(|e| anyhow::anyhow!("{}: {e:#}", dir.display()))?;
    Ok((w.clone(), n, reg))
}

/// The regularizer `param` ended training with: rebuilt from the config and seed, at the trained
/// points (`[penalty.trainable]`) or relabelled by the neuron swaps (`[penalty.swaps]`) that
/// model.safetensors recorded, if any.
pub(crate) fn regularizer_of_model(cfg: &RunConfig, n: usize, layer: usize, param: &str, model: &checkpoint::Loaded) -> anyhow::Result<geosparse_moduli::Regularizer> {
    let reg = crate::run::trainable::with_recorded_points(regularizer(cfg, n, layer)?, &model.meta, param)?;
    let order: Option<Vec<usize>> = model.meta.get("orders").and_then(|o| o.get(param)).and_then(|o| serde_json::from_value(o.clone()).ok());
    match order {
        Some(o) if o.len() == n => Ok(reg.relabelled(&o)),
        Some(o) => anyhow::bail!("model.safetensors: the neuron order of {param} has {} entries for N = {n}", o.len()),
        None => Ok(reg),
    }
}

/// The regularizer of recurrent layer `layer` (N = `n`), rebuilt from the run's config and seed
/// as training built it (gate block 0).
pub(crate) fn regularizer(cfg: &RunConfig, n: usize, layer: usize) -> anyhow::Result<geosparse_moduli::Regularizer> {
    let layer_seed = if cfg.penalty.shared_layers { 0 } else { layer };
    cfg.penalty
        .regularizer
        .resolve(Some(n), regularizer_seed(cfg.seed, layer_seed, 0))
        .and_then(|r| r.build())
        .map_err(|e| anyhow::anyhow!("rebuilding the regularizer: {e}"))
}

/// The score of matrix `param` of a run folder (see [`scored_param`]).
pub fn score(dir: &Path, cfg: &RunConfig, param: &str, layer: usize) -> anyhow::Result<GeometryScore> {
    if let Some(c) = cached(dir, param).filter(|_| layer == 0) {
        return c.score.ok_or_else(|| anyhow::anyhow!("{}: the record has no geometry score", dir.display()));
    }
    let (w, n, reg) = load(dir, cfg, param, layer)?;
    Ok(score_of(&w, n, &reg))
}

/// The score of a trained matrix `w` (its first N rows: gate block 0) against `reg`.
pub(crate) fn score_of(w: &[f32], n: usize, reg: &geosparse_moduli::Regularizer) -> GeometryScore {
    let r = reg.matrix();
    // an evenly spread sample of at most 200 000 off-diagonal pairs of gate block 0
    let pairs: Vec<usize> = (0..n * n).filter(|k| k / n != k % n).collect();
    let stride = (pairs.len() / 200_000).max(1);
    let (mut absw, mut dist) = (Vec::new(), Vec::new());
    let (mut band_all, mut band_kept, mut kept, mut d_kept, mut d_all) = (0usize, 0usize, 0usize, 0f64, 0f64);
    for &k in pairs.iter().step_by(stride) {
        let (i, j) = (k / n, k % n);
        let d = reg.distance(i, j);
        let a = w[k].abs() as f64;
        absw.push(a);
        dist.push(d);
        d_all += d;
        let cheap = r[k] < 10.0;
        band_all += cheap as usize;
        if a > 0.0 {
            kept += 1;
            band_kept += cheap as usize;
            d_kept += d;
        }
    }
    let m = absw.len().max(1) as f64;
    let band_baseline = band_all as f64 / m;
    let band_fraction = if kept > 0 { band_kept as f64 / kept as f64 } else { 0.0 };
    GeometryScore {
        spearman: spearman(&absw, &dist),
        band_fraction,
        band_baseline,
        enrichment: if band_baseline > 0.0 { band_fraction / band_baseline } else { f64::NAN },
        distance_ratio: if kept > 0 && d_all > 0.0 { (d_kept / kept as f64) / (d_all / m) } else { f64::NAN },
    }
}
