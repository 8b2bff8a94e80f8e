//! Finding run folders (any folder holding `summary.json`) and reading what a report needs.
//!
//! ```no_run
//! let runs = geosparse_experiments::report::collect::collect(&["sweeps-out/nav".into()]).unwrap();
//! println!("{} runs", runs.len());
//! ```

use crate::config::RunConfig;
use crate::run::metrics::{Metrics, Record};
use crate::run::summary::Summary;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// A sweep grid point's description (`point.json`).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Point {
    pub index: usize,
    pub id: String,
    pub label: String,
    pub variant: String,
    pub axes: BTreeMap<String, String>,
}

/// One run folder, read.
#[derive(Debug, Clone)]
pub struct RunRecord {
    pub dir: PathBuf,
    pub summary: Summary,
    pub config: Option<RunConfig>,
    pub point: Option<Point>,
    pub metrics: Vec<Record>,
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> anyhow::Result<()> {
    if dir.join("summary.json").is_file() {
        out.push(dir.to_path_buf());
        return Ok(());
    }
    let read = std::fs::read_dir(dir).map_err(|e| anyhow::anyhow!("{}: {e}", dir.display()))?;
    let mut entries: Vec<PathBuf> = read.filter_map(|e| e.ok()).map(|e| e.path()).filter(|p| p.is_dir()).collect();
    entries.sort();
    for e in entries {
        walk(&e, out)?;
    }
    Ok(())
}

/// Every run folder under `dirs`, sorted by path. A folder with an unreadable summary is an
/// error naming it.
pub fn collect(dirs: &[PathBuf]) -> anyhow::Result<Vec<RunRecord>> {
    let mut found = Vec::new();
    for d in dirs {
        if !d.is_dir() {
            anyhow::bail!("{}: not a folder", d.display());
        }
        walk(d, &mut found)?;
    }
    found.sort();
    found
        .into_iter()
        .map(|dir| {
            let summary = Summary::read(&dir)?;
            let config = std::fs::read_to_string(dir.join("config.toml")).ok().and_then(|t| toml::from_str(&t).ok());
            let point = std::fs::read_to_string(dir.join("point.json")).ok().and_then(|t| serde_json::from_str(&t).ok());
            let metrics = Metrics::open(&dir.join("metrics.jsonl")).map(|m| m.records().to_vec()).unwrap_or_default();
            Ok(RunRecord { dir, summary, config, point, metrics })
        })
        .collect()
}
