//! Persistent homology of a point cloud: `geosparse analyze --points CLOUD.npy`.
//!
//! Reads an M × k array, optionally projects it on its top `pca` principal components,
//! computes Vietoris–Rips persistence up to H_maxdim on at most `landmarks` max-min landmarks
//! (see `geosparse_analysis::homology`), and writes `barcodes.json` (per dimension a list of
//! [birth, death], death null for an essential class), `analysis.json` (Betti numbers under the
//! long-bar rule, the rule and its parameters, M, k, landmarks, radius) and
//! `persistence_diagram.png`. Clouds above [`MAX_POINTS`] points are subsampled evenly (a
//! message says so): landmark selection is O(M · L · k).
//!
//! ```no_run
//! use geosparse_experiments::analyze::points::{analyze_points, PointsOptions};
//! let opts = PointsOptions { pca: Some(6), ..PointsOptions::default() };
//! let v = analyze_points("activity.npy".as_ref(), &opts, "analysis".as_ref()).unwrap();
//! assert!(v["homology"]["betti"].is_array());
//! ```

use super::{figures, make_dir, num, read_npy, refuse, refuse_analysis, write_json};
use geosparse_analysis::cloud::Cloud;
use geosparse_analysis::homology::{LongBarRule, Persistence, RipsOptions, long_bars_of, rips_persistence};
use geosparse_analysis::pca::fit_pca;
use serde_json::{Value, json};
use std::path::Path;

/// Clouds with more points are subsampled evenly to this many before the analysis.
pub const MAX_POINTS: usize = 100_000;

/// Settings of the topology of a cloud.
#[derive(Debug, Clone, PartialEq)]
pub struct PointsOptions {
    /// Highest homology dimension, 0..=2 (default 2).
    pub maxdim: usize,
    /// Project on this many principal components first (default: no projection).
    pub pca: Option<usize>,
    /// Max-min landmarks the filtration is built on (default 100).
    pub landmarks: usize,
}

impl Default for PointsOptions {
    fn default() -> Self {
        Self { maxdim: 2, pca: None, landmarks: RipsOptions::default().max_landmarks }
    }
}

/// Checks the options; errors name the flag.
pub fn check(o: &PointsOptions) -> anyhow::Result<()> {
    if o.maxdim > 2 {
        return Err(refuse(format!("--maxdim: {} is not allowed; give 0, 1 or 2", o.maxdim)));
    }
    if o.pca == Some(0) {
        return Err(refuse("--pca: 0 is not allowed; give at least 1 component"));
    }
    let max = geosparse_analysis::homology::MAX_LANDMARKS;
    if o.landmarks < 3 || o.landmarks > max {
        return Err(refuse(format!("--landmarks: {} is not allowed; give 3 to {max}", o.landmarks)));
    }
    Ok(())
}

/// Evenly spaced rows of an M × k array when M > `max` (printing a message), else all of it.
pub fn subsample(data: Vec<f64>, m: usize, k: usize, max: usize, what: &str) -> (Vec<f64>, usize) {
    if m <= max {
        return (data, m);
    }
    eprintln!("{what}: {m} points; subsampling evenly to {max}");
    let rows: Vec<f64> = (0..max).flat_map(|r| { let i = r * m / max; data[i * k..(i + 1) * k].to_vec() }).collect();
    (rows, max)
}

/// PCA (if asked) and persistence of `cloud`; returns the persistence and the JSON summary
/// (everything but the bars), and writes barcodes.json and persistence_diagram.png into `out`.
pub fn topology(cloud: Cloud, o: &PointsOptions, what: &str, out: &Path) -> anyhow::Result<(Persistence, Value)> {
    let (m, k) = (cloud.m(), cloud.k());
    let (cloud, pca) = match o.pca {
        Some(d) if d < k => {
            let p = fit_pca(&cloud, d).map_err(|e| refuse_analysis(what, e))?;
            let kept: f64 = p.variances.iter().sum();
            let projected = p.project(&cloud).map_err(|e| refuse_analysis(what, e))?;
            let frac = if p.total_variance > 0.0 { kept / p.total_variance } else { f64::NAN };
            (projected, json!({ "components": d, "explained_variance_fraction": num(frac) }))
        }
        Some(d) => (cloud, json!({ "components": d, "note": format!("not applied: the cloud has only {k} dimensions") })),
        None => (cloud, Value::Null),
    };
    let opts = RipsOptions { max_dim: o.maxdim, max_landmarks: o.landmarks, ..RipsOptions::default() };
    let ph = rips_persistence(&cloud, &opts).map_err(|e| refuse_analysis(what, e))?;
    let rule = LongBarRule::default();
    let long = long_bars_of(&ph.barcodes, ph.radius, ph.covering_radius, &rule);
    let betti: Vec<usize> = long.iter().map(Vec::len).collect();
    write_json(&out.join("barcodes.json"), &bars_json(&ph.barcodes))?;
    let png = figures::persistence_diagram(&ph.barcodes, ph.radius, &betti)?;
    geosparse_io::atomic_write(&out.join("persistence_diagram.png"), &png)?;
    let summary = json!({
        "points": m,
        "dimension": k,
        "pca": pca,
        "max_dim": o.maxdim,
        "landmarks": ph.landmarks.len(),
        "covering_radius": num(ph.covering_radius),
        "radius": num(ph.radius),
        "simplices": ph.simplex_counts,
        "betti": betti,
        "long_bars": bars_json(&long),
        "rule": rule_json(&rule),
        "filtration": "Vietoris–Rips, Euclidean, cut at the enclosing radius of the landmarks",
    });
    Ok((ph, summary))
}

/// The long-bar rule as JSON (name, parameters, wording).
pub fn rule_json(r: &LongBarRule) -> Value {
    json!({
        "name": "long-bar",
        "fraction": r.fraction,
        "h0_cover_factor": r.h0_cover_factor,
        "description": "a bar counts when its length (death capped at the radius − birth) is at least fraction × the largest finite death; H0 bars must also reach h0_cover_factor × the landmark covering radius",
    })
}

/// Bars per dimension as [[birth, death], ...], death null when infinite.
pub fn bars_json(bars: &[Vec<(f64, f64)>]) -> Value {
    Value::Array(bars.iter().map(|b| Value::Array(b.iter().map(|&(x, y)| json!([num(x), num(y)])).collect())).collect())
}

/// The whole `--points` analysis; returns what it wrote to `out/analysis.json`.
pub fn analyze_points(path: &Path, o: &PointsOptions, out: &Path) -> anyhow::Result<Value> {
    check(o)?;
    let what = "--points";
    let (shape, data) = read_npy(path, what, false)?;
    if shape.len() != 2 {
        return Err(refuse(format!("{what}: {}: expected a 2-d array (M points × k coordinates), got shape {shape:?}", path.display())));
    }
    let (m, k) = (shape[0], shape[1]);
    if m < 3 {
        return Err(refuse(format!("{what}: {}: need at least 3 points, got {m}", path.display())));
    }
    let (data, m_used) = subsample(data, m, k, MAX_POINTS, what);
    let cloud = Cloud::new(data, m_used, k).map_err(|e| refuse_analysis(what, e))?;
    make_dir(out)?;
    let (_, mut homology) = topology(cloud, o, what, out)?;
    homology["points_in_file"] = json!(m);
    let v = json!({ "kind": "points", "input": path.display().to_string(), "homology": homology });
    write_json(&out.join("analysis.json"), &v)?;
    Ok(v)
}
