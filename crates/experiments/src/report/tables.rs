//! The report's tables as text: the metric (rows = sparsity, columns = groups), geometry
//! recovery, the runs that did not complete, and the CSV files beside them.
//!
//! ```
//! use geosparse_experiments::report::{Row, tables::{metric_table, Layout}};
//! let rows = vec![Row { group: "torus".into(), sparsity: "90 %".into(), sparsity_value: 0.9, value: 8.5, run: 0, geometry: None, x: f64::NAN }];
//! let layout = Layout::of(&rows);
//! assert!(metric_table(&rows, &layout, "test_error_cm").contains("| 90 % | 8.50 ± 0.00 (n=1) |"));
//! ```

use super::collect::RunRecord;
use super::geometry::GeometryScore;
use super::{Row, Stat};
use crate::run::summary::PhaseSummary;
use std::collections::BTreeMap;
use std::path::PathBuf;

/// The groups in order of first appearance and the sparsity rows sorted by target.
#[derive(Debug, Clone)]
pub struct Layout {
    pub groups: Vec<String>,
    pub sparsities: Vec<(String, f64)>,
}

impl Layout {
    pub fn of(rows: &[Row]) -> Layout {
        let mut groups: Vec<String> = Vec::new();
        let mut sparsities: Vec<(String, f64)> = Vec::new();
        for r in rows {
            if !groups.contains(&r.group) {
                groups.push(r.group.clone());
            }
            if !sparsities.iter().any(|s| s.0 == r.sparsity) {
                sparsities.push((r.sparsity.clone(), r.sparsity_value));
            }
        }
        sparsities.sort_by(|a, b| a.1.total_cmp(&b.1));
        Layout { groups, sparsities }
    }
}

/// The values of one group at one sparsity.
fn values(rows: &[Row], g: &str, s: &str) -> Vec<f64> {
    rows.iter().filter(|r| r.group == g && r.sparsity == s).map(|r| r.value).collect()
}

/// Mean ± population std (n) per sparsity and group.
pub fn metric_table(rows: &[Row], layout: &Layout, metric: &str) -> String {
    let groups = &layout.groups;
    let mut md = format!("### {metric}: mean ± population std over seeds (n runs)\n\n| sparsity | {} |\n|---|{}\n", groups.join(" | "), "---|".repeat(groups.len()));
    for (s, _) in &layout.sparsities {
        md.push_str(&format!("| {s} | {} |\n", groups.iter().map(|g| Stat::of(&values(rows, g, s)).cell()).collect::<Vec<_>>().join(" | ")));
    }
    md
}

/// Geometry recovery of the surviving W_hh per group and sparsity (empty without scored runs).
pub fn geometry_section(rows: &[Row], layout: &Layout) -> String {
    let scored: Vec<&String> = layout.groups.iter().filter(|g| rows.iter().any(|r| &r.group == *g && r.geometry.is_some())).collect();
    if scored.is_empty() {
        return String::new();
    }
    let mut md = String::from("\n### Geometry recovery (surviving W_hh of layer 0): Spearman ρ(\\|W\\|, d) and cheap-band enrichment\n\n| group | sparsity | ρ(\\|W\\|, d) | share of survivors with R < 10 | share of all pairs with R < 10 | enrichment | mean d of survivors / of all pairs |\n|---|---|---|---|---|---|---|\n");
    for g in scored {
        for (s, _) in &layout.sparsities {
            let gs: Vec<GeometryScore> = rows.iter().filter(|r| &r.group == g && &r.sparsity == s).filter_map(|r| r.geometry).collect();
            if gs.is_empty() {
                continue;
            }
            let f = |x: fn(&GeometryScore) -> f64| Stat::of(&gs.iter().map(x).collect::<Vec<_>>()).cell();
            md.push_str(&format!(
                "| {g} | {s} | {} | {} | {} | {} | {} |\n",
                f(|x| x.spearman),
                f(|x| x.band_fraction),
                f(|x| x.band_baseline),
                f(|x| x.enrichment),
                f(|x| x.distance_ratio)
            ));
        }
    }
    md
}

/// Each pruned tensor's own sparsity per group and sparsity row, then (for runs that record
/// their tensors' sizes) each tensor's share of the pruned entries; empty when no run prunes.
/// Under one global threshold the target is met overall, not per tensor: this shows where the
/// cut fell.
pub fn tensor_section(rows: &[Row], layout: &Layout, runs: &[RunRecord]) -> String {
    let pruned: Vec<(&Row, &PhaseSummary)> = rows.iter().filter(|r| r.sparsity_value > 0.0).filter_map(|r| Some((r, runs[r.run].summary.train.as_ref()?))).collect();
    let mut tensors: Vec<&String> = pruned.iter().flat_map(|(_, p)| p.sparsity_per_tensor.keys()).collect();
    tensors.sort();
    tensors.dedup();
    if tensors.is_empty() {
        return String::new();
    }
    let own = |p: &PhaseSummary| Some(p.sparsity_per_tensor.clone());
    let mut md = per_tensor_table(&pruned, layout, &tensors, own, "Each pruned tensor's own sparsity (fraction of its entries at zero; `--metric sparsity.<tensor>` tabulates one)");
    md.push_str(&per_tensor_table(&pruned, layout, &tensors, share_of_pruned, "Each tensor's share of the pruned entries (runs that record their tensors' sizes)"));
    md
}

/// Each tensor's share of the pruned entries of a run (None without its tensors' sizes).
fn share_of_pruned(p: &PhaseSummary) -> Option<BTreeMap<String, f64>> {
    let counts: BTreeMap<String, f64> = p.sparsity_per_tensor.iter().map(|(k, s)| Some((k.clone(), s * *p.entries_per_tensor.get(k)? as f64))).collect::<Option<_>>()?;
    let total: f64 = counts.values().sum();
    (total > 0.0).then(|| counts.into_iter().map(|(k, c)| (k, c / total)).collect())
}

/// One row per group and target, one column per tensor, each cell the runs' `value` as percent.
fn per_tensor_table(pruned: &[(&Row, &PhaseSummary)], layout: &Layout, tensors: &[&String], value: fn(&PhaseSummary) -> Option<BTreeMap<String, f64>>, title: &str) -> String {
    let mut body = String::new();
    for g in &layout.groups {
        for (s, _) in &layout.sparsities {
            let maps: Vec<BTreeMap<String, f64>> = pruned.iter().filter(|(r, _)| &r.group == g && &r.sparsity == s).filter_map(|(_, p)| value(p)).collect();
            if maps.is_empty() {
                continue;
            }
            let cells: Vec<String> = tensors.iter().map(|t| percent_cell(Stat::of(&maps.iter().filter_map(|m| m.get(*t).copied()).collect::<Vec<_>>()))).collect();
            body.push_str(&format!("| {g} | {s} | {} |\n", cells.join(" | ")));
        }
    }
    if body.is_empty() {
        return String::new();
    }
    let names: Vec<&str> = tensors.iter().map(|t| t.as_str()).collect();
    format!("\n### {title}\n\n| group | sparsity | {} |\n|---|---|{}\n{body}", names.join(" | "), "---|".repeat(tensors.len()))
}

/// A fraction as `mean ± std %` with 2 decimals (99.94 %, where a plain cell would read 1.00).
fn percent_cell(st: Stat) -> String {
    if st.n == 0 {
        return "—".into();
    }
    format!("{:.2} ± {:.2} % (n={})", 100.0 * st.mean, 100.0 * st.std, st.n)
}

/// The runs left out of the statistics, with their status (empty when every run completed).
pub fn failed_section(failed: &[(PathBuf, String, String)]) -> String {
    if failed.is_empty() {
        return String::new();
    }
    let mut md = String::from("\n### Runs that did not complete (not in the statistics)\n\n| run | group | status |\n|---|---|---|\n");
    for (d, g, why) in failed {
        md.push_str(&format!("| {} | {g} | {} |\n", d.display(), why.replace('|', "/")));
    }
    md
}

/// `report.csv`: one line per group and sparsity with its statistics and every value.
pub fn summary_csv(rows: &[Row], layout: &Layout, metric: &str) -> String {
    let mut csv = String::from("group,sparsity,metric,mean,std,n,values\n");
    for g in &layout.groups {
        for (s, _) in &layout.sparsities {
            let vals = values(rows, g, s);
            if vals.is_empty() {
                continue;
            }
            let st = Stat::of(&vals);
            csv.push_str(&format!("{},{s},{metric},{},{},{},\"{}\"\n", quoted(g), st.mean, st.std, st.n, vals.iter().map(|v| v.to_string()).collect::<Vec<_>>().join(" ")));
        }
    }
    csv
}

/// `geometry.csv`: one line per scored run.
pub fn geometry_csv(rows: &[Row], runs: &[RunRecord]) -> String {
    let mut geo = String::from("run,group,sparsity,spearman,band_fraction,band_baseline,enrichment,distance_ratio\n");
    for r in rows {
        if let Some(g) = r.geometry {
            geo.push_str(&format!("{},{},{},{},{},{},{},{}\n", runs[r.run].dir.display(), quoted(&r.group), r.sparsity, g.spearman, g.band_fraction, g.band_baseline, g.enrichment, g.distance_ratio));
        }
    }
    geo
}

/// A CSV field in quotes, its own quotes doubled (RFC 4180): group labels can hold a sweep
/// axis's TOML value such as `control.kind="lottery"`.
pub(crate) fn quoted(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::tests::row;

    #[test]
    fn group_labels_with_quotes_stay_one_csv_field() {
        let rows = vec![row("torus, control.kind=\"lottery\"", 0.95, 35.5)];
        let csv = summary_csv(&rows, &Layout::of(&rows), "test_error_cm");
        let line = csv.lines().nth(1).unwrap();
        assert!(line.starts_with("\"torus, control.kind=\"\"lottery\"\"\",95 %,test_error_cm,35.5,0,1,"), "{line}");
        assert_eq!(quoted("a\"b"), "\"a\"\"b\"");
    }

    #[test]
    fn the_tensor_table_shows_each_tensors_own_sparsity_over_seeds() {
        use crate::report::tests::record_with;
        let run = |hh: f64, enc: f64| record_with(&[("rnn.weight_hh_l0", hh), ("encoder.weight", enc)]);
        let runs = vec![run(0.99, 0.8), run(0.97, 0.8), run(0.0, 0.0)];
        let mut rows = vec![row("global", 0.9, 30.0), row("global", 0.9, 32.0), row("dense", 0.0, 8.0)];
        for (i, r) in rows.iter_mut().enumerate() {
            r.run = i;
        }
        let md = tensor_section(&rows, &Layout::of(&rows), &runs);
        assert!(md.contains("| group | sparsity | encoder.weight | rnn.weight_hh_l0 |"), "{md}");
        assert!(md.contains("| global | 90 % | 80.00 ± 0.00 % (n=2) | 98.00 ± 1.00 % (n=2) |"), "{md}");
        assert!(!md.contains("| dense |"), "a dense run prunes nothing: {md}");
        assert!(!md.contains("share of the pruned"), "no run records its sizes: {md}");
        // sizes recorded: W_hh 100 entries at 99 % / 97 %, encoder 300 at 80 % → shares 99/339 and 97/337
        let mut runs = runs;
        for r in &mut runs {
            r.summary.train.as_mut().unwrap().entries_per_tensor = [("rnn.weight_hh_l0".to_string(), 100), ("encoder.weight".to_string(), 300)].into_iter().collect();
        }
        let md = tensor_section(&rows, &Layout::of(&rows), &runs);
        let (a, b): (f64, f64) = (99.0 / 339.0, 97.0 / 337.0);
        let (m, sd) = ((a + b) / 2.0, (a - b).abs() / 2.0);
        let want = format!("| global | 90 % | {:.2} ± {:.2} % (n=2) | {:.2} ± {:.2} % (n=2) |", 100.0 * (1.0 - m), 100.0 * sd, 100.0 * m, 100.0 * sd);
        assert!(md.contains("### Each tensor's share of the pruned entries"), "{md}");
        assert!(md.contains(&want), "{want}\n{md}");
        assert_eq!(tensor_section(&rows[2..], &Layout::of(&rows[2..]), &runs), "", "no pruned run, no table");
    }
}
