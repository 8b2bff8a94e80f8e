//! `geosparse analyze`: what a trained net became (issue 13). Wires the algorithms of
//! `geosparse-analysis` (a leaf crate without ML code) to files and run folders:
//!
//! - [`points`]: persistent homology of any point cloud (`--points CLOUD.npy`).
//! - [`ratemaps`]: grid scores of any stack of ratemaps (`--ratemaps MAPS.npy`).
//! - [`run`]: a run folder: the connectivity graph of each penalised W_hh ([`graph`]) and, for
//!   navigation, hidden-unit ratemaps, grid scores and the topology of the population activity
//!   ([`navigation`]).
//! - [`figures`]: persistence diagram, ratemap grid, grid-score histogram.
//!
//! Every bad input (a non-finite value, a wrong rank, too few points, a run of another task)
//! is a [`crate::run::Refused`], which the CLI maps to exit status 2.
//!
//! ```no_run
//! use geosparse_experiments::analyze::points::{analyze_points, PointsOptions};
//! let json = analyze_points("cloud.npy".as_ref(), &PointsOptions::default(), "out".as_ref()).unwrap();
//! println!("Betti numbers: {}", json["homology"]["betti"]);
//! ```

pub mod figures;
pub mod graph;
pub mod navigation;
pub mod points;
pub mod ratemaps;
pub mod run;

use crate::run::Refused;
use std::path::Path;

/// A refusal (exit status 2) with `msg`.
pub(crate) fn refuse(msg: impl Into<String>) -> anyhow::Error {
    anyhow::Error::new(Refused(msg.into()))
}

/// An analysis error on the input named `what`, as a refusal.
pub(crate) fn refuse_analysis(what: &str, e: geosparse_analysis::AnalysisError) -> anyhow::Error {
    refuse(format!("{what}: {e}"))
}

/// Reads a numeric `.npy` (f32, f64, i32, i64) as f64 with its shape; unreadable files and
/// ±∞ are refusals naming `what`. NaN passes only when `allow_nan` (ratemaps: unvisited bins).
pub(crate) fn read_npy(path: &Path, what: &str, allow_nan: bool) -> anyhow::Result<(Vec<usize>, Vec<f64>)> {
    if !path.is_file() {
        return Err(refuse(format!("{what}: {} does not exist or is not a file", path.display())));
    }
    let (shape, data) = geosparse_io::npy::read_f32(path).map_err(|e| refuse(format!("{what}: {e}")))?;
    if let Some(i) = data.iter().position(|v| v.is_infinite() || (!allow_nan && v.is_nan())) {
        return Err(refuse(format!("{what}: {}: non-finite value {} at flat index {i}", path.display(), data[i])));
    }
    Ok((shape, data.into_iter().map(f64::from).collect()))
}

/// Creates `dir` (and parents).
pub(crate) fn make_dir(dir: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| anyhow::anyhow!("creating {}: {e}", dir.display()))
}

/// Writes pretty JSON atomically.
pub(crate) fn write_json(path: &Path, v: &serde_json::Value) -> anyhow::Result<()> {
    let text = serde_json::to_string_pretty(v)? + "\n";
    geosparse_io::atomic_write(path, text.as_bytes())?;
    Ok(())
}

/// A finite f64 as JSON, else null.
pub(crate) fn num(x: f64) -> serde_json::Value {
    if x.is_finite() { serde_json::json!(x) } else { serde_json::Value::Null }
}
