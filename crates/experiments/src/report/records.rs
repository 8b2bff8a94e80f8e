//! Run records: a finished run without its weights. A record holds the small files of a run
//! folder — `config.toml`, `summary.json`, `metrics.jsonl`, `point.json`,
//! `analysis/analysis.json` — and `geometry.json`, the geometry score and weight profile computed
//! from the model before it is left behind. A study commits its records beside its report
//! (`geosparse report … --records`), so the tables can be rebuilt on any machine, and the runs of
//! several machines or sessions merged, without committing run folders or checkpoints.
//!
//! ```no_run
//! use geosparse_experiments::report::{collect::collect, records};
//! let runs = collect(&["sweeps-out/nav".into()]).unwrap();
//! let written = records::write(&runs, "docs/results/nav/runs".as_ref()).unwrap();
//! println!("{written} records");
//! ```

use super::collect::RunRecord;
use crate::run::summary::Status;
use super::geometry::{self, GeometryScore};
use geosparse_io::atomic_write;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// The cached geometry of a record.
pub const GEOMETRY_FILE: &str = "geometry.json";
/// Bins of the cached weight profile (the report's figure uses these).
pub const PROFILE_BINS: usize = 25;
/// The files a record copies from its run folder, when present.
pub const RECORD_FILES: [&str; 5] = ["config.toml", "summary.json", "metrics.jsonl", "point.json", "analysis/analysis.json"];

/// What `geometry.json` holds: the score and profile of the scored matrix, or None when the run
/// had none to score (e.g. a model-less failed run).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CachedGeometry {
    pub param: String,
    pub score: Option<GeometryScore>,
    pub bins: usize,
    pub profile: Option<Vec<(f64, f64)>>,
}

impl CachedGeometry {
    /// A run folder's geometry: from its model when it has one, else from its cache.
    pub fn of(run: &RunRecord) -> Option<CachedGeometry> {
        if !run.dir.join("model.safetensors").is_file() {
            return read(&run.dir);
        }
        let cfg = run.config.as_ref()?;
        let param = geometry::scored_param(&run.summary).to_string();
        // the model loaded once for both
        let (score, profile) = match geometry::load(&run.dir, cfg, &param, 0) {
            Ok((w, n, reg)) => (Some(geometry::score_of(&w, n, &reg)), Some(geometry::profile_of(&w, n, &reg, PROFILE_BINS))),
            Err(_) => (None, None),
        };
        Some(CachedGeometry { param, score, bins: PROFILE_BINS, profile })
    }
}

/// The cached geometry of a record folder, if it has one.
pub fn read(dir: &Path) -> Option<CachedGeometry> {
    serde_json::from_str(&std::fs::read_to_string(dir.join(GEOMETRY_FILE)).ok()?).ok()
}

/// The record folder's name: the run folder's own name (a sweep's run id).
fn name(run: &RunRecord) -> anyhow::Result<String> {
    run.dir.file_name().map(|n| n.to_string_lossy().into_owned()).ok_or_else(|| anyhow::anyhow!("{}: a run folder without a name", run.dir.display()))
}

/// Writes one record per finished run (completed, diverged or failed; a run still running or
/// paused is left out, its record would go stale) under `out/<run folder name>/` (atomically,
/// file by file) and returns how many were written. A record already there with the same files
/// is left as it is; one with other contents under the same name is an error naming both, never
/// overwritten.
pub fn write(runs: &[RunRecord], out: &Path) -> anyhow::Result<usize> {
    let mut written = 0;
    for run in runs.iter().filter(|r| r.summary.status != Status::Running) {
        let dest = out.join(name(run)?);
        if dest == run.dir {
            continue;
        }
        let mut files: Vec<(String, Vec<u8>)> = Vec::new();
        for f in RECORD_FILES {
            if let Ok(bytes) = std::fs::read(run.dir.join(f)) {
                files.push((f.to_string(), bytes));
            }
        }
        if let Some(g) = CachedGeometry::of(run) {
            files.push((GEOMETRY_FILE.to_string(), serde_json::to_string_pretty(&g)?.into_bytes()));
        }
        if dest.join("summary.json").is_file() {
            let same = files.iter().filter(|(f, _)| f != GEOMETRY_FILE).all(|(f, b)| std::fs::read(dest.join(f)).ok().as_ref() == Some(b));
            if !same {
                anyhow::bail!("{}: a record of another run (or another result of the same run) is already there; {} is not copied over it", dest.display(), run.dir.display());
            }
            continue;
        }
        for (f, bytes) in &files {
            let path = dest.join(f);
            std::fs::create_dir_all(path.parent().expect("a file in the record")).map_err(|e| anyhow::anyhow!("{}: {e}", dest.display()))?;
            atomic_write(&path, bytes)?;
        }
        written += 1;
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run::summary::Summary;

    fn run_in(dir: &Path, seed: u64, value: &str) -> RunRecord {
        std::fs::create_dir_all(dir).unwrap();
        let mut s = Summary::new("r", "navigation", seed, "error_cm");
        s.status = Status::Completed;
        s.message = Some(value.into());
        s.write(dir).unwrap();
        std::fs::write(dir.join("config.toml"), format!("seed = {seed}\n")).unwrap();
        std::fs::write(dir.join("metrics.jsonl"), "{}\n").unwrap();
        std::fs::write(dir.join("checkpoint.safetensors"), "weights").unwrap();
        RunRecord { dir: dir.to_path_buf(), summary: s, config: None, point: None, metrics: vec![] }
    }

    #[test]
    fn a_record_keeps_the_small_files_and_leaves_the_weights() {
        let d = tempfile::tempdir().unwrap();
        let run = run_in(&d.path().join("sweep/runs/abc"), 0, "x");
        let out = d.path().join("records");
        assert_eq!(write(std::slice::from_ref(&run), &out).unwrap(), 1);
        let rec = out.join("abc");
        for f in ["config.toml", "summary.json", "metrics.jsonl"] {
            assert_eq!(std::fs::read(rec.join(f)).unwrap(), std::fs::read(run.dir.join(f)).unwrap(), "{f}");
        }
        assert!(!rec.join("checkpoint.safetensors").exists());
        assert!(!rec.join("point.json").exists(), "absent files stay absent");
        // writing again is a no-op; a different run under the same name is refused
        assert_eq!(write(std::slice::from_ref(&run), &out).unwrap(), 0);
        let other = run_in(&d.path().join("elsewhere/abc"), 1, "y");
        let e = write(&[other], &out).unwrap_err().to_string();
        assert!(e.contains("already there") && e.contains("elsewhere"), "{e}");
        assert_eq!(std::fs::read_to_string(rec.join("config.toml")).unwrap(), "seed = 0\n", "never overwritten");
        // a run still running gets no record
        let mut running = run_in(&d.path().join("live/xyz"), 2, "z");
        running.summary.status = Status::Running;
        assert_eq!(write(&[running], &out).unwrap(), 0);
        assert!(!out.join("xyz").exists());
    }

    #[test]
    fn a_record_keeps_its_cached_geometry() {
        let d = tempfile::tempdir().unwrap();
        let run = run_in(&d.path().join("rec"), 0, "x");
        let g = CachedGeometry {
            param: "rnn.weight_hh_l0".into(),
            score: Some(GeometryScore { spearman: -0.5, band_fraction: 0.4, band_baseline: 0.1, enrichment: 4.0, distance_ratio: 0.6 }),
            bins: PROFILE_BINS,
            profile: Some(vec![(0.5, 0.2), (1.5, 0.1)]),
        };
        std::fs::write(run.dir.join(GEOMETRY_FILE), serde_json::to_string(&g).unwrap()).unwrap();
        assert_eq!(CachedGeometry::of(&run), Some(g.clone()), "no model: the cache");
        write(std::slice::from_ref(&run), &d.path().join("copy")).unwrap();
        assert_eq!(read(&d.path().join("copy/rec")), Some(g));
    }
}
