//! Grid scores of a stack of ratemaps: `geosparse analyze --ratemaps MAPS.npy`.
//!
//! Reads an (M, H, W) array (NaN = unvisited bin; ±∞ refused), scores every map by the
//! rotational symmetry of its globally normalised autocorrelogram
//! (`geosparse_analysis::gridscore`: min(r₆₀, r₁₂₀) − max(r₃₀, r₉₀, r₁₅₀), maximised over
//! annuli of inner radius 0.2·n and outer radius 0.4·n … 1.0·n, n = min(H, W)), tests each
//! score against `shuffles` block shuffles of its own map (`gridscore::shuffle`), and writes
//! `grid_scores.npy` (M,), `grid_null_q95.npy` (M,), `analysis.json` (the fraction of maps above
//! [`GRID_THRESHOLD`], the fraction that also beat their null — the grid cells —, mean, max,
//! the rules) and two figures: `ratemaps_top.png` (the top-scoring maps) and `grid_scores.png`
//! (histogram).
//!
//! ```no_run
//! use geosparse_experiments::analyze::ratemaps::analyze_ratemaps;
//! let v = analyze_ratemaps("maps.npy".as_ref(), 50, "out".as_ref()).unwrap();
//! println!("grid cells: {}", v["grid"]["fraction_above_threshold"]);
//! ```

use super::{figures, make_dir, num, read_npy, refuse, refuse_analysis, write_json};
use geosparse_analysis::gridscore::shuffle::{QUANTILE, ShuffleTest, block_side, shuffle_test};
use rayon::prelude::*;
use serde_json::{Value, json};
use std::path::Path;

/// A unit with a grid score above this is counted as a grid cell (Banino et al.; Sorscher et al.).
pub const GRID_THRESHOLD: f64 = 0.3;
/// The most maps accepted in one stack.
pub const MAX_MAPS: usize = 100_000;
/// Maps of fewer bins a side cannot be scored (the annuli need room).
pub const MIN_BINS: usize = 5;

/// Default block shuffles per map for the null test.
pub const SHUFFLES: usize = geosparse_analysis::gridscore::shuffle::SHUFFLES;
/// The most shuffles per map accepted.
pub const MAX_SHUFFLES: usize = 10_000;

/// Checks a shuffle count (0 = no null test).
pub fn check_shuffles(shuffles: usize) -> anyhow::Result<()> {
    if shuffles > MAX_SHUFFLES {
        return Err(super::refuse(format!("--shuffles: {shuffles} is not allowed; give 0 (no null test) to {MAX_SHUFFLES}")));
    }
    Ok(())
}

/// Scores and null-tests one map (map i's shuffles are seeded by i: the same on any thread count).
fn test_map(map: &[f64], h: usize, w: usize, shuffles: usize, i: usize) -> Result<ShuffleTest, geosparse_analysis::AnalysisError> {
    // a map with fewer than 3 visited bins has no score, like a silent one
    if map.iter().filter(|v| !v.is_nan()).count() < 3 {
        return Ok(ShuffleTest { score: f64::NAN, null_q95: f64::NAN });
    }
    match shuffles {
        0 => Ok(ShuffleTest { score: geosparse_analysis::gridscore::grid_score(map, h, w)?.score, null_q95: f64::NAN }),
        k => shuffle_test(map, h, w, k, i as u64),
    }
}

/// Scores `m` maps of h × w (row-major), tests each against `shuffles` block shuffles (0: no
/// test), writes grid_scores.npy, grid_null_q95.npy and the figures into `out`, and returns the
/// JSON summary.
pub fn score_stack(maps: &[f64], m: usize, h: usize, w: usize, shuffles: usize, what: &str, out: &Path) -> anyhow::Result<Value> {
    let tests: Vec<ShuffleTest> = maps
        .par_chunks(h * w)
        .enumerate()
        .map(|(i, map)| test_map(map, h, w, shuffles, i))
        .collect::<Result<_, _>>()
        .map_err(|e| refuse_analysis(what, e))?;
    let scores: Vec<f64> = tests.iter().map(|t| t.score).collect();
    let scores32: Vec<f32> = scores.iter().map(|&s| s as f32).collect();
    geosparse_io::npy::write_f32(&out.join("grid_scores.npy"), &[m], &scores32)?;
    let null32: Vec<f32> = tests.iter().map(|t| t.null_q95 as f32).collect();
    geosparse_io::npy::write_f32(&out.join("grid_null_q95.npy"), &[m], &null32)?;
    let defined: Vec<f64> = scores.iter().copied().filter(|s| s.is_finite()).collect();
    let n = defined.len();
    let above = defined.iter().filter(|&&s| s > GRID_THRESHOLD).count();
    let cells = tests.iter().filter(|t| t.is_grid(GRID_THRESHOLD)).count();
    let mean = if n > 0 { defined.iter().sum::<f64>() / n as f64 } else { f64::NAN };
    let max = defined.iter().copied().fold(f64::NAN, f64::max);
    geosparse_io::atomic_write(&out.join("ratemaps_top.png"), &figures::ratemap_grid(maps, &scores, h, w, 16)?)?;
    geosparse_io::atomic_write(&out.join("grid_scores.png"), &figures::histogram(&defined, GRID_THRESHOLD, "grid score")?)?;
    Ok(json!({
        "maps": m,
        "bins": [h, w],
        "scored": n,
        "undefined": m - n,
        // over all maps: a silent unit (undefined score) is not a grid cell
        "fraction_above_threshold": if m > 0 { above as f64 / m as f64 } else { 0.0 },
        // above the threshold and above the map's own shuffle null: the grid cells
        "fraction_grid_cells": if shuffles == 0 { Value::Null } else { json!(cells as f64 / m.max(1) as f64) },
        "threshold": GRID_THRESHOLD,
        "shuffles": shuffles,
        "mean": num(mean),
        "max": num(max),
        "rule": {
            "score": "min(r60, r120) − max(r30, r90, r150) of Pearson correlations of the autocorrelogram with its rotations, inside an annulus; the maximum over annuli",
            "autocorrelogram": "globally normalised: each lag's mean of (a − μ)(b − μ) over visited pairs, divided by the whole map's variance σ²",
            "null": format!("per map, {shuffles} block shuffles (blocks of {} bins a side, a 4 × 4 mosaic, permuted at random; map i seeded by i); null_q95 = their {QUANTILE} quantile (nearest rank); a grid cell scores above the threshold and above its null_q95. Synthetic field maps with no grid pass at ≈ 0.06 (crates/analysis/src/gridscore/shuffle.rs)", block_side(h, w)),
            "annulus_inner": "0.2 · min(H, W) bins",
            "annulus_outer": "0.4 · min(H, W) … 1.0 · min(H, W) bins, 10 values",
            "undefined": "a map without spatial variance or with fewer than 3 visited bins has no score (NaN in grid_scores.npy) and counts as below the threshold",
        },
    }))
}

/// Checks an (M, H, W) shape; errors name `what`.
pub fn check_shape(shape: &[usize], what: &str) -> anyhow::Result<(usize, usize, usize)> {
    if shape.len() != 3 {
        return Err(refuse(format!("{what}: expected a 3-d array (M maps × H × W bins), got shape {shape:?}")));
    }
    let (m, h, w) = (shape[0], shape[1], shape[2]);
    if m == 0 {
        return Err(refuse(format!("{what}: the stack holds no maps")));
    }
    if m > MAX_MAPS {
        return Err(refuse(format!("{what}: {m} maps exceed the limit {MAX_MAPS}; split the stack")));
    }
    if h < MIN_BINS || w < MIN_BINS {
        return Err(refuse(format!("{what}: maps of {h} × {w} bins are too small; need at least {MIN_BINS} × {MIN_BINS}")));
    }
    Ok((m, h, w))
}

/// The whole `--ratemaps` analysis; returns what it wrote to `out/analysis.json`.
pub fn analyze_ratemaps(path: &Path, shuffles: usize, out: &Path) -> anyhow::Result<Value> {
    let what = "--ratemaps";
    check_shuffles(shuffles)?;
    if path.is_dir() {
        return Err(refuse(not_a_stack(path)));
    }
    let (shape, data) = read_npy(path, what, true)?;
    let (m, h, w) = check_shape(&shape, &format!("{what}: {}", path.display()))?;
    make_dir(out)?;
    let grid = score_stack(&data, m, h, w, shuffles, what, out)?;
    let v = json!({ "kind": "ratemaps", "input": path.display().to_string(), "grid": grid });
    write_json(&out.join("analysis.json"), &v)?;
    Ok(v)
}

/// The message for a folder given to `--ratemaps`.
fn not_a_stack(path: &Path) -> String {
    match crate::run::summary::Summary::read(path) {
        Ok(s) if s.task == "navigation" => format!("--ratemaps: {} is a navigation run folder; give it as `geosparse analyze {}` (ratemaps are computed from its hidden states)", path.display(), path.display()),
        Ok(s) => format!("--ratemaps: {} is a run folder of task {}; ratemaps exist only for navigation runs", path.display(), s.task),
        Err(_) => format!("--ratemaps: {} is a folder; give an (M, H, W) .npy file", path.display()),
    }
}
