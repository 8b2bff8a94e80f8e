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
pub mod records;

use crate::run::summary::Status;
use collect::RunRecord;
use geometry::GeometryScore;
use geosparse_io::atomic_write;
use std::collections::BTreeMap;
use std::path::PathBuf;

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

/// Mean, population standard deviation and count.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stat {
    pub mean: f64,
    pub std: f64,
    pub n: usize,
}

impl Stat {
    pub fn of(v: &[f64]) -> Stat {
        let n = v.len();
        if n == 0 {
            return Stat { mean: f64::NAN, std: f64::NAN, n };
        }
        let mean = v.iter().sum::<f64>() / n as f64;
        let std = (v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n as f64).sqrt();
        Stat { mean, std, n }
    }
    /// `mean ± std (n=…)`: 2 decimals, or 3 significant digits for values below 0.1 (an MSE).
    pub fn cell(&self) -> String {
        if self.n == 0 {
            return "—".into();
        }
        let small = self.mean.abs() < 0.1 && self.mean != 0.0;
        let d = if small { (2 - self.mean.abs().log10().floor() as i32).max(2) as usize } else { 2 };
        format!("{:.d$} ± {:.d$} (n={})", self.mean, self.std, self.n)
    }
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

fn shorthand(k: &str) -> &str {
    match k {
        "space" => "penalty.regularizer.space",
        "inhibitor" => "penalty.regularizer.inhibitor",
        "invert" => "penalty.regularizer.invert",
        "permute" => "penalty.regularizer.permute",
        "control" => "control.kind",
        "lambda" => "penalty.lambda",
        "target" => "prune.target",
        "cell" => "task.cell",
        other => other,
    }
}

/// A config value by dotted path, as text ("—" when absent).
fn lookup(v: &serde_json::Value, path: &str) -> String {
    let mut cur = v;
    for p in path.split('.') {
        match cur.get(p) {
            Some(x) => cur = x,
            None => return "—".into(),
        }
    }
    match cur {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Null => "—".into(),
        serde_json::Value::Number(n) => number_text(n),
        x => x.to_string(),
    }
}

/// A config number as written: an f32 field (λ 0.1) reads back as 0.1, not 0.10000000149011612.
fn number_text(n: &serde_json::Number) -> String {
    match n.as_f64() {
        Some(x) if n.is_f64() && x as f32 as f64 == x => (x as f32).to_string(),
        _ => n.to_string(),
    }
}

/// The selectors `--metric` accepts for a run.
fn metric_names(r: &RunRecord) -> Vec<String> {
    let mut names = Vec::new();
    for (prefix, phase) in [("", r.summary.train.as_ref()), ("control_", r.summary.control.as_ref())] {
        let Some(p) = phase else { continue };
        for split in ["val", "test"] {
            names.push(format!("{prefix}{split}_loss"));
            names.push(format!("{prefix}{split}_task_loss"));
            for k in if split == "val" { p.val.keys() } else { p.test.keys() } {
                names.push(format!("{prefix}{split}_{k}"));
            }
        }
        names.push(format!("{prefix}sparsity"));
        names.push(format!("{prefix}penalty"));
    }
    names
}

/// The metric of a run by selector (None when the run lacks it).
fn metric_of(r: &RunRecord, sel: &str) -> Option<f64> {
    let s = &r.summary;
    let (phase, rest) = match sel.strip_prefix("control_") {
        Some(rest) => (s.control.as_ref(), rest),
        None => (s.train.as_ref(), sel),
    };
    let p = phase?;
    match rest {
        "val_loss" => return Some(p.val_loss),
        "test_loss" => return Some(p.test_loss),
        "val_task_loss" => return Some(p.val_task_loss),
        "test_task_loss" => return Some(p.test_task_loss),
        "sparsity" => return Some(p.sparsity),
        "penalty" => return Some(p.penalty),
        _ => {}
    }
    let (map, name) = if let Some(n) = rest.strip_prefix("val_") {
        (&p.val, n)
    } else if let Some(n) = rest.strip_prefix("test_") {
        (&p.test, n)
    } else {
        return None;
    };
    map.get(name).copied().or_else(|| {
        let hits: Vec<_> = map.iter().filter(|(k, _)| k.starts_with(name)).collect();
        (hits.len() == 1).then(|| *hits[0].1)
    })
}

fn group_label(r: &RunRecord, by: &[String]) -> String {
    let cfg = r.config.as_ref().map(|c| serde_json::to_value(c).expect("serialises")).unwrap_or_default();
    if !by.is_empty() {
        return by
            .iter()
            .map(|k| {
                if k == "variant" {
                    r.point.as_ref().map(|p| p.variant.clone()).unwrap_or_else(|| "—".into())
                } else {
                    format!("{k}={}", lookup(&cfg, shorthand(k)))
                }
            })
            .collect::<Vec<_>>()
            .join(", ");
    }
    match &r.point {
        Some(p) => {
            let extra: Vec<String> = p.axes.iter().filter(|(k, _)| *k != "seed" && *k != "prune.target").map(|(k, v)| format!("{k}={v}")).collect();
            std::iter::once(p.variant.clone()).chain(extra).filter(|s| !s.is_empty()).collect::<Vec<_>>().join(", ")
        }
        None => {
            // outside a sweep: the run name without its seed
            let name = r.summary.name.split(", seed=").next().unwrap_or("").to_string();
            if name.is_empty() { r.dir.file_name().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default() } else { name }
        }
    }
}

/// Refuses a `--by` key that no run's config has (it would put every run in one group).
fn check_by(runs: &[RunRecord], by: &[String]) -> anyhow::Result<()> {
    for k in by {
        if k == "variant" {
            continue;
        }
        let path = shorthand(k);
        let known = runs.iter().filter_map(|r| r.config.as_ref()).any(|c| lookup(&serde_json::to_value(c).expect("serialises"), path) != "—");
        if !known {
            anyhow::bail!(
                "--by: '{k}' is not a config key of these runs; give a shorthand (space, inhibitor, invert, permute, control, lambda, target, cell, variant) or a dotted key such as penalty.regularizer.side"
            );
        }
    }
    Ok(())
}

fn sparsity_row(r: &RunRecord) -> (String, f64) {
    match &r.config {
        Some(c) if !c.prune.prunes() => ("dense".into(), 0.0),
        Some(c) if c.prune.extra_epochs > 0 => (percent(c.prune.extra_target), c.prune.extra_target),
        Some(c) => (percent(c.prune.target), c.prune.target),
        None => ("?".into(), f64::NAN),
    }
}

/// A pruning target as a row label: 0.9 → "90 %", 0.995 → "99.5 %" (never rounded to 100 %).
fn percent(x: f64) -> String {
    let p = 100.0 * x;
    if (p - p.round()).abs() < 1e-6 { format!("{:.0} %", p) } else { format!("{} %", (p * 1000.0).round() / 1000.0) }
}

/// Builds the report and writes `report.md`, `report.csv`, `geometry.csv` and the figures.
pub fn report(dirs: &[PathBuf], opts: &ReportOptions) -> anyhow::Result<Report> {
    let runs = collect::collect(dirs)?;
    if runs.is_empty() {
        anyhow::bail!("no run folders (with summary.json) under {}", dirs.iter().map(|d| d.display().to_string()).collect::<Vec<_>>().join(", "));
    }
    check_by(&runs, &opts.by)?;
    let xvals = match &opts.x {
        Some(key) => axis::values(&runs, key)?,
        None => vec![f64::NAN; runs.len()],
    };
    let primary = runs[0].summary.primary_metric.clone();
    let metric = opts.metric.clone().unwrap_or_else(|| format!("val_{primary}"));
    let mut rows = Vec::new();
    let mut failed = Vec::new();
    for (i, r) in runs.iter().enumerate() {
        let group = group_label(r, &opts.by);
        if r.summary.status != Status::Completed {
            let why = r.summary.message.clone().unwrap_or_else(|| format!("{:?}", r.summary.status).to_lowercase());
            failed.push((r.dir.clone(), group, format!("{:?}: {why}", r.summary.status).to_lowercase()));
            continue;
        }
        let Some(value) = metric_of(r, &metric) else {
            anyhow::bail!("--metric: '{metric}' is not a metric of {} (a unique prefix works); its metrics: {}", r.dir.display(), metric_names(r).join(", "));
        };
        let (sparsity, sparsity_value) = sparsity_row(r);
        let geometry = r.config.as_ref().and_then(|c| geometry::score(&r.dir, c, geometry::scored_param(&r.summary), 0).ok());
        rows.push(Row { group, sparsity, sparsity_value, value, run: i, geometry, x: xvals[i] });
    }
    let mut groups: Vec<String> = Vec::new();
    for r in &rows {
        if !groups.contains(&r.group) {
            groups.push(r.group.clone());
        }
    }
    let mut srows: Vec<(String, f64)> = Vec::new();
    for r in &rows {
        if !srows.iter().any(|s| s.0 == r.sparsity) {
            srows.push((r.sparsity.clone(), r.sparsity_value));
        }
    }
    srows.sort_by(|a, b| a.1.total_cmp(&b.1));
    let stat = |g: &str, s: &str| Stat::of(&rows.iter().filter(|r| r.group == g && r.sparsity == s).map(|r| r.value).collect::<Vec<_>>());
    // Markdown: rows = sparsity, columns = groups
    let mut md = match &opts.x {
        Some(key) => axis::table(&rows, &groups, key, &metric, &srows),
        None => {
            let mut md = format!("### {metric}: mean ± population std over seeds (n runs)\n\n| sparsity | {} |\n|---|{}\n", groups.join(" | "), "---|".repeat(groups.len()));
            for (s, _) in &srows {
                md.push_str(&format!("| {s} | {} |\n", groups.iter().map(|g| stat(g, s).cell()).collect::<Vec<_>>().join(" | ")));
            }
            md
        }
    };
    let geo_groups: Vec<&String> = groups.iter().filter(|g| rows.iter().any(|r| &r.group == *g && r.geometry.is_some())).collect();
    // with --x the groups span the key's values: per-run tables would pool them
    let pooled = opts.x.is_some();
    if !pooled {
        md.push_str(&breaking::section(&rows, &groups, &srows, &metric, breaking::FACTOR));
    }
    if pooled {
        md.push_str("\nThe geometry and analysis tables are per value of the key: run `geosparse report` on each value's runs (geometry.csv and analysis.csv list every run).\n");
    }
    if !geo_groups.is_empty() && !pooled {
        md.push_str("\n### Geometry recovery (surviving W_hh of layer 0): Spearman ρ(\\|W\\|, d) and cheap-band enrichment\n\n| group | sparsity | ρ(\\|W\\|, d) | share of survivors with R < 10 | share of all pairs with R < 10 | enrichment | mean d of survivors / of all pairs |\n|---|---|---|---|---|---|---|\n");
        for g in &geo_groups {
            for (s, _) in &srows {
                let gs: Vec<GeometryScore> = rows.iter().filter(|r| &r.group == *g && &r.sparsity == s).filter_map(|r| r.geometry).collect();
                if gs.is_empty() {
                    continue;
                }
                let f = |x: fn(&GeometryScore) -> f64| Stat::of(&gs.iter().map(x).collect::<Vec<_>>());
                md.push_str(&format!(
                    "| {g} | {s} | {} | {} | {} | {} | {} |\n",
                    f(|x| x.spearman).cell(),
                    f(|x| x.band_fraction).cell(),
                    f(|x| x.band_baseline).cell(),
                    f(|x| x.enrichment).cell(),
                    f(|x| x.distance_ratio).cell()
                ));
            }
        }
    }
    let mut analysed: Vec<Option<analysis::Analysed>> = runs.iter().map(|r| analysis::Analysed::read(&r.dir)).collect();
    if opts.analyze {
        for r in &rows {
            if analysed[r.run].is_none() {
                let dir = &runs[r.run].dir;
                eprintln!("analysing {}", dir.display());
                let v = crate::analyze::run::analyze_run(dir, &crate::analyze::run::RunOptions::default())?;
                analysed[r.run] = Some(analysis::Analysed::from_json(&v));
            }
        }
    }
    if !pooled {
        md.push_str(&analysis::section(&rows, &analysed, &groups, &srows));
    }
    if !failed.is_empty() {
        md.push_str("\n### Runs that did not complete (not in the statistics)\n\n| run | group | status |\n|---|---|---|\n");
        for (d, g, why) in &failed {
            md.push_str(&format!("| {} | {g} | {} |\n", d.display(), why.replace('|', "/")));
        }
    }
    let mut csv = String::from("group,sparsity,metric,mean,std,n,values\n");
    for g in &groups {
        for (s, _) in &srows {
            let vals: Vec<f64> = rows.iter().filter(|r| &r.group == g && &r.sparsity == s).map(|r| r.value).collect();
            if vals.is_empty() {
                continue;
            }
            let st = Stat::of(&vals);
            csv.push_str(&format!("\"{g}\",{s},{metric},{},{},{},\"{}\"\n", st.mean, st.std, st.n, vals.iter().map(|v| v.to_string()).collect::<Vec<_>>().join(" ")));
        }
    }
    let out = opts.out.clone().unwrap_or_else(|| dirs[0].join("report"));
    std::fs::create_dir_all(&out).map_err(|e| anyhow::anyhow!("--out {}: {e}", out.display()))?;
    atomic_write(&out.join("report.md"), md.as_bytes())?;
    atomic_write(&out.join("report.csv"), csv.as_bytes())?;
    let mut geo = String::from("run,group,sparsity,spearman,band_fraction,band_baseline,enrichment,distance_ratio\n");
    for r in &rows {
        if let Some(g) = r.geometry {
            geo.push_str(&format!("{},\"{}\",{},{},{},{},{},{}\n", runs[r.run].dir.display(), r.group, r.sparsity, g.spearman, g.band_fraction, g.band_baseline, g.enrichment, g.distance_ratio));
        }
    }
    atomic_write(&out.join("geometry.csv"), geo.as_bytes())?;
    if analysed.iter().any(Option::is_some) {
        let dirs: Vec<&std::path::Path> = runs.iter().map(|r| r.dir.as_path()).collect();
        atomic_write(&out.join("analysis.csv"), analysis::csv(&rows, &analysed, &dirs).as_bytes())?;
    }
    let report = Report { metric, rows, failed, markdown: md, csv, runs };
    figures::write_all(&out, &report, &groups)?;
    if let Some(key) = &opts.x {
        figures::write_x(&out, &report, &groups, key)?;
    }
    Ok(report)
}

/// Mean ± std of a list of series of different lengths, position by position.
pub fn band(series: &[Vec<f64>]) -> Vec<(f64, f64)> {
    let len = series.iter().map(|s| s.len()).max().unwrap_or(0);
    (0..len).map(|i| {
        let v: Vec<f64> = series.iter().filter_map(|s| s.get(i).copied()).filter(|x| x.is_finite()).collect();
        let st = Stat::of(&v);
        (st.mean, st.std)
    }).collect()
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
