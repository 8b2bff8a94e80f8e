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

/// Each pruned tensor's own sparsity per group and sparsity row (empty when no run prunes): under
/// one global threshold the targets are met overall, not per tensor — this shows where the cut fell.
pub fn tensor_section(rows: &[Row], layout: &Layout, runs: &[RunRecord]) -> String {
    let per_tensor = |r: &Row| runs[r.run].summary.train.as_ref().map(|p| p.sparsity_per_tensor.clone()).unwrap_or_default();
    let mut tensors: Vec<String> = Vec::new();
    for r in rows.iter().filter(|r| r.sparsity_value > 0.0) {
        for k in per_tensor(r).into_keys() {
            if !tensors.contains(&k) {
                tensors.push(k);
            }
        }
    }
    if tensors.is_empty() {
        return String::new();
    }
    tensors.sort();
    let mut md = format!(
        "\n### Each pruned tensor's own sparsity (fraction of its entries at zero; `--metric sparsity.<tensor>` tabulates one)\n\n| group | sparsity | {} |\n|---|---|{}\n",
        tensors.join(" | "),
        "---|".repeat(tensors.len())
    );
    for g in &layout.groups {
        for (s, v) in &layout.sparsities {
            let maps: Vec<_> = rows.iter().filter(|r| &r.group == g && &r.sparsity == s && *v > 0.0).map(per_tensor).collect();
            if maps.is_empty() {
                continue;
            }
            let cells: Vec<String> = tensors.iter().map(|t| percent_cell(Stat::of(&maps.iter().filter_map(|m| m.get(t).copied()).collect::<Vec<_>>()))).collect();
            md.push_str(&format!("| {g} | {s} | {} |\n", cells.join(" | ")));
        }
    }
    md
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
        use crate::run::summary::{PhaseSummary, Summary};
        let run = |hh: f64, enc: f64| {
            let mut summary = Summary::new("r", "navigation", 0, "error_cm");
            let sparsity_per_tensor = [("rnn.weight_hh_l0".to_string(), hh), ("encoder.weight".to_string(), enc)].into_iter().collect();
            summary.train = Some(PhaseSummary { sparsity: 0.9, sparsity_per_tensor, ..Default::default() });
            RunRecord { dir: "r".into(), summary, config: None, point: None, metrics: vec![] }
        };
        let runs = vec![run(0.99, 0.8), run(0.97, 0.8), run(0.0, 0.0)];
        let mut rows = vec![row("global", 0.9, 30.0), row("global", 0.9, 32.0), row("dense", 0.0, 8.0)];
        for (i, r) in rows.iter_mut().enumerate() {
            r.run = i;
        }
        let md = tensor_section(&rows, &Layout::of(&rows), &runs);
        assert!(md.contains("| group | sparsity | encoder.weight | rnn.weight_hh_l0 |"), "{md}");
        assert!(md.contains("| global | 90 % | 80.00 ± 0.00 % (n=2) | 98.00 ± 1.00 % (n=2) |"), "{md}");
        assert!(!md.contains("| dense |"), "a dense run prunes nothing: {md}");
        assert_eq!(tensor_section(&rows[2..], &Layout::of(&rows[2..]), &runs), "", "no pruned run, no table");
    }
}
