//! `geosparse report`: tables and figures over many runs.
//!
//! Runs are grouped (default: the sweep variant plus every axis but the seed and the pruning
//! target; or `--by` config keys) and summarised over seeds as mean ± population std (ddof 0)
//! and n, in the paper's layout (rows = sparsity, columns = regularizer) as Markdown and CSV.
//! Failed and diverged runs are listed, never silently dropped. Figures: the metric against
//! sparsity per group with error bars, validation curves across seeds, and the weight-versus-
//! distance profile per group; plus each run's geometry-recovery score.
//!
//! ```no_run
//! use geosparse_experiments::report::{report, ReportOptions};
//! let r = report(&["sweeps-out/nav".into()], &ReportOptions::default()).unwrap();
//! println!("{}", r.markdown);
//! ```

pub mod analysis;
pub mod axis;
pub mod breaking;
pub mod collect;
pub mod figures;
pub mod geometry;
pub mod group;
pub mod metric;
pub mod records;
pub mod stat;
pub mod tables;

pub use stat::{Stat, band};

use crate::run::summary::Status;
use analysis::Analysed;
use collect::RunRecord;
use geometry::GeometryScore;
use geosparse_io::atomic_write;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use tables::Layout;

/// What to report.
#[derive(Debug, Clone, Default)]
pub struct ReportOptions {
    /// Group by these config keys (shorthands: space, inhibitor, invert, permute, control,
    /// lambda, target, cell, variant). Empty: the sweep variant and non-seed axes.
    pub by: Vec<String>,
    /// e.g. `val_error_cm`, `test_ppl`, `control_val_error_cm`, `val_loss`; a unique prefix
    /// is enough (`val_error`). Default: `val_` + the task's primary metric.
    pub metric: Option<String>,
    /// Output folder (default: `<first dir>/report`).
    pub out: Option<PathBuf>,
    /// Run `geosparse analyze` (its defaults) on completed runs that have no analysis yet.
    pub analyze: bool,
    /// Also show the metric against this numeric config key (e.g. `task.hidden`).
    pub x: Option<String>,
}

/// One completed run's place in the report.
#[derive(Debug, Clone)]
pub struct Row {
    pub group: String,
    pub sparsity: String,
    pub sparsity_value: f64,
    pub value: f64,
    pub run: usize,
    pub geometry: Option<GeometryScore>,
    /// The `--x` key's value (NaN without `--x`).
    pub x: f64,
}

/// The report's content (also written to files).
#[derive(Debug, Clone)]
pub struct Report {
    pub metric: String,
    pub rows: Vec<Row>,
    pub failed: Vec<(PathBuf, String, String)>,
    pub markdown: String,
    pub csv: String,
    pub runs: Vec<RunRecord>,
}

/// Builds the report and writes `report.md`, `report.csv`, `geometry.csv` and the figures.
pub fn report(dirs: &[PathBuf], opts: &ReportOptions) -> anyhow::Result<Report> {
    let runs = collect::collect(dirs)?;
    if runs.is_empty() {
        anyhow::bail!("no run folders (with summary.json) under {}", dirs.iter().map(|d| d.display().to_string()).collect::<Vec<_>>().join(", "));
    }
    group::check_by(&runs, &opts.by)?;
    let metric = opts.metric.clone().unwrap_or_else(|| format!("val_{}", runs[0].summary.primary_metric));
    let (rows, failed) = rows_of(&runs, opts, &metric)?;
    let layout = Layout::of(&rows);
    let analysed = analyses(&runs, &rows, opts.analyze)?;
    let markdown = markdown(&rows, &layout, &failed, &analysed, &runs, &metric, opts.x.as_deref());
    let csv = tables::summary_csv(&rows, &layout, &metric);
    let out = opts.out.clone().unwrap_or_else(|| dirs[0].join("report"));
    std::fs::create_dir_all(&out).map_err(|e| anyhow::anyhow!("--out {}: {e}", out.display()))?;
    atomic_write(&out.join("report.md"), markdown.as_bytes())?;
    atomic_write(&out.join("report.csv"), csv.as_bytes())?;
    atomic_write(&out.join("geometry.csv"), tables::geometry_csv(&rows, &runs).as_bytes())?;
    if analysed.iter().any(Option::is_some) {
        let dirs: Vec<&Path> = runs.iter().map(|r| r.dir.as_path()).collect();
        atomic_write(&out.join("analysis.csv"), analysis::csv(&rows, &analysed, &dirs).as_bytes())?;
    }
    let report = Report { metric, rows, failed, markdown, csv, runs };
    figures::write_all(&out, &report, &layout.groups)?;
    if let Some(key) = &opts.x {
        figures::write_x(&out, &report, &layout.groups, key)?;
    }
    Ok(report)
}

/// Run not completed: (folder, group, status and message).
type Failed = (PathBuf, String, String);

/// Each completed run's row (metric, sparsity, geometry score); the others as failed.
fn rows_of(runs: &[RunRecord], opts: &ReportOptions, metric: &str) -> anyhow::Result<(Vec<Row>, Vec<Failed>)> {
    let xvals = match &opts.x {
        Some(key) => axis::values(runs, key)?,
        None => vec![f64::NAN; runs.len()],
    };
    let mut rows = Vec::new();
    let mut failed = Vec::new();
    for (i, r) in runs.iter().enumerate() {
        let group = group::group_label(r, &opts.by);
        if r.summary.status != Status::Completed {
            let why = r.summary.message.clone().unwrap_or_else(|| format!("{:?}", r.summary.status).to_lowercase());
            failed.push((r.dir.clone(), group, format!("{:?}: {why}", r.summary.status).to_lowercase()));
            continue;
        }
        let Some(value) = metric::metric_of(r, metric) else {
            anyhow::bail!("--metric: '{metric}' is not a metric of {} (a unique prefix works); its metrics: {}", r.dir.display(), metric::metric_names(r).join(", "));
        };
        let (sparsity, sparsity_value) = group::sparsity_row(r);
        let geometry = r.config.as_ref().and_then(|c| geometry::score(&r.dir, c, geometry::scored_param(&r.summary), 0).ok());
        rows.push(Row { group, sparsity, sparsity_value, value, run: i, geometry, x: xvals[i] });
    }
    Ok((rows, failed))
}

/// Each run's analysis.json; with `analyze`, made first for the completed runs without one.
fn analyses(runs: &[RunRecord], rows: &[Row], analyze: bool) -> anyhow::Result<Vec<Option<Analysed>>> {
    let mut analysed: Vec<Option<Analysed>> = runs.iter().map(|r| Analysed::read(&r.dir)).collect();
    if analyze {
        for r in rows {
            if analysed[r.run].is_none() {
                let dir = &runs[r.run].dir;
                eprintln!("analysing {}", dir.display());
                let v = crate::analyze::run::analyze_run(dir, &crate::analyze::run::RunOptions::default())?;
                analysed[r.run] = Some(Analysed::from_json(&v));
            }
        }
    }
    Ok(analysed)
}

/// `report.md`: the metric table, then (without `--x`, whose groups pool the key's values) the
/// breaking point, geometry, analysis and per-tensor sparsity sections; the failed runs last.
fn markdown(rows: &[Row], layout: &Layout, failed: &[Failed], analysed: &[Option<Analysed>], runs: &[RunRecord], metric: &str, x: Option<&str>) -> String {
    let (groups, sparsities) = (&layout.groups, &layout.sparsities);
    let mut md = match x {
        Some(key) => {
            let mut md = axis::table(rows, groups, key, metric, sparsities);
            md.push_str("\nThe geometry and analysis tables are per value of the key: run `geosparse report` on each value's runs (geometry.csv and analysis.csv list every run).\n");
            md
        }
        None => {
            let mut md = tables::metric_table(rows, layout, metric);
            md.push_str(&breaking::section(rows, groups, sparsities, metric, breaking::FACTOR));
            md.push_str(&tables::geometry_section(rows, layout));
            md.push_str(&analysis::section(rows, analysed, groups, sparsities));
            md.push_str(&tables::tensor_section(rows, layout, runs));
            md
        }
    };
    md.push_str(&tables::failed_section(failed));
    md
}

/// A map of group → values (for figures).
pub fn by_group(rows: &[Row]) -> BTreeMap<String, Vec<&Row>> {
    let mut m: BTreeMap<String, Vec<&Row>> = BTreeMap::new();
    for r in rows {
        m.entry(r.group.clone()).or_default().push(r);
    }
    m
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use group::percent;

    /// A completed navigation run's record for the tests: overall sparsity 0.9 and these
    /// tensors' own sparsities.
    pub(crate) fn record_with(sparsities: &[(&str, f64)]) -> RunRecord {
        use crate::run::summary::{PhaseSummary, Summary};
        let mut summary = Summary::new("r", "navigation", 0, "error_cm");
        let sparsity_per_tensor = sparsities.iter().map(|(k, v)| (k.to_string(), *v)).collect();
        summary.train = Some(PhaseSummary { sparsity: 0.9, sparsity_per_tensor, ..Default::default() });
        RunRecord { dir: "r".into(), summary, config: None, point: None, metrics: vec![] }
    }

    /// A completed run's row for the tests: `s` = 0 is dense.
    pub(crate) fn row(group: &str, s: f64, value: f64) -> Row {
        let sparsity = if s == 0.0 { "dense".to_string() } else { percent(s) };
        Row { group: group.into(), sparsity, sparsity_value: s, value, run: 0, geometry: None, x: f64::NAN }
    }

    #[test]
    fn targets_are_labelled_as_set() {
        assert_eq!(percent(0.9), "90 %");
        assert_eq!(percent(0.95), "95 %");
        assert_eq!(percent(0.995), "99.5 %");
        assert_eq!(percent(0.916), "91.6 %");
    }

    #[test]
    fn several_targets_per_group_give_one_point_each_on_the_kept_fraction_axis() {
        let rows = vec![
            row("torus", 0.9, 10.0),
            row("torus", 0.9, 12.0),
            row("torus", 0.99, 30.0),
            row("torus", 0.95, 20.0),
            row("none", 0.9, 9.0),
            row("dense", 0.0, 8.0),
        ];
        let groups: Vec<String> = ["torus", "none", "dense"].map(String::from).to_vec();
        let s = figures::sparsity_series(&rows, &groups);
        assert_eq!(s.len(), 3);
        let torus = &s[0].1;
        // sorted by target, x = log10(kept fraction): 10 %, 5 %, 1 % kept
        let xs: Vec<f64> = torus.iter().map(|p| p.0).collect();
        let want = [-1.0, (0.05f64).log10(), -2.0];
        assert_eq!(xs.len(), 3);
        for (x, w) in xs.iter().zip(want) {
            assert!((x - w).abs() < 1e-9, "{xs:?}");
        }
        assert_eq!((torus[0].1, torus[0].2), (11.0, 1.0)); // mean 11, population std 1
        assert_eq!(torus[2].1, 30.0);
        assert_eq!(s[2].1, vec![(0.0, 8.0, 0.0)]); // dense: 100 % kept
        assert!(s.iter().flat_map(|g| g.1.iter()).all(|p| p.0 <= 0.0), "no point beyond 100 % kept");
    }
}
