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
    found.dedup();
    let found = without_copies(found)?;
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

/// One folder per run: a run found twice — its folder and its record (`report --records`), or
/// two records — is the same folder name with the same config.toml and summary.json; the copy
/// with the model (else the first by path) is kept. The same name and config with another
/// summary is the same run with two results (e.g. two builds): an error naming both, since
/// counting both would count one seed twice.
fn without_copies(found: Vec<PathBuf>) -> anyhow::Result<Vec<PathBuf>> {
    // each folder's name, config.toml and summary.json, read once
    type Key = (Option<std::ffi::OsString>, Option<Vec<u8>>, Option<Vec<u8>>);
    let key = |d: &Path| -> Key { (d.file_name().map(|n| n.to_os_string()), std::fs::read(d.join("config.toml")).ok(), std::fs::read(d.join("summary.json")).ok()) };
    let mut kept: Vec<(PathBuf, Key)> = Vec::new();
    for dir in found {
        let k = key(&dir);
        let twin = kept.iter().position(|(_, q)| q.1.is_some() && q.0 == k.0 && q.1 == k.1);
        match twin {
            None => kept.push((dir, k)),
            Some(i) if kept[i].1.2 != k.2 => {
                anyhow::bail!("{} and {} are the same run (config.toml) with different summaries: report one of them", kept[i].0.display(), dir.display())
            }
            Some(i) => {
                if !kept[i].0.join("model.safetensors").is_file() && dir.join("model.safetensors").is_file() {
                    kept[i].0 = dir;
                }
            }
        }
    }
    Ok(kept.into_iter().map(|(d, _)| d).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(dir: &Path, config: &str, message: &str, model: bool) {
        std::fs::create_dir_all(dir).unwrap();
        let mut s = Summary::new("r", "navigation", 0, "error_cm");
        s.message = Some(message.into());
        s.write(dir).unwrap();
        std::fs::write(dir.join("config.toml"), config).unwrap();
        if model {
            std::fs::write(dir.join("model.safetensors"), "w").unwrap();
        }
    }

    #[test]
    fn a_run_and_its_record_count_once_and_the_folder_with_the_model_is_kept() {
        let d = tempfile::tempdir().unwrap();
        run(&d.path().join("a-records/abc"), "seed = 0\n", "m", false);
        run(&d.path().join("b-sweep/runs/abc"), "seed = 0\n", "m", true);
        run(&d.path().join("b-sweep/runs/def"), "seed = 1\n", "m", true);
        // the same folder name with another config is another run (e.g. "seed-0" of two studies)
        run(&d.path().join("c-other/abc"), "seed = 7\n", "m", true);
        let runs = collect(&[d.path().to_path_buf(), d.path().join("b-sweep")]).unwrap();
        let dirs: Vec<String> = runs.iter().map(|r| r.dir.strip_prefix(d.path()).unwrap().display().to_string()).collect();
        assert_eq!(dirs, ["b-sweep/runs/abc", "b-sweep/runs/def", "c-other/abc"]);
    }

    #[test]
    fn the_same_run_with_two_results_is_refused() {
        let d = tempfile::tempdir().unwrap();
        run(&d.path().join("x/abc"), "seed = 0\n", "one", true);
        run(&d.path().join("y/abc"), "seed = 0\n", "two", true);
        let e = collect(&[d.path().to_path_buf()]).unwrap_err().to_string();
        assert!(e.contains("same run") && e.contains("x/abc") && e.contains("y/abc"), "{e}");
    }
}
