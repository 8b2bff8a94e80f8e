//! The report's analysis columns: what `geosparse analyze` found in each run, averaged per
//! group and sparsity — grid fraction (> 0.3) and grid cells (also above their shuffle null),
//! activity Betti numbers (listed per seed: a mean of Betti numbers means nothing), the wiring
//! cost against the permuted null and Louvain modularity of the first penalised W_hh.
//!
//! Reads `RUN/analysis/analysis.json`; a run without one is counted and the report says how to
//! make it (`geosparse report --analyze` makes it with the defaults of `geosparse analyze`).
//!
//! ```no_run
//! use geosparse_experiments::report::analysis::Analysed;
//! if let Some(a) = Analysed::read("runs/abc".as_ref()) { println!("modularity {:?}", a.modularity); }
//! ```

use super::{Row, Stat};
use serde_json::Value;
use std::path::Path;

/// The scalars of one run's analysis.json that the report shows.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Analysed {
    pub grid_fraction: Option<f64>,
    pub grid_cells: Option<f64>,
    pub betti: Option<Vec<u64>>,
    pub wiring_ratio: Option<f64>,
    pub modularity: Option<f64>,
}

impl Analysed {
    /// Reads `dir/analysis/analysis.json`; None when absent or unreadable.
    pub fn read(dir: &Path) -> Option<Analysed> {
        let text = std::fs::read_to_string(dir.join("analysis").join("analysis.json")).ok()?;
        Some(Self::from_json(&serde_json::from_str(&text).ok()?))
    }

    pub fn from_json(v: &Value) -> Analysed {
        let graph = &v["graphs"][0];
        Analysed {
            grid_fraction: v["grid"]["fraction_above_threshold"].as_f64(),
            grid_cells: v["grid"]["fraction_grid_cells"].as_f64(),
            betti: v["activity"]["betti"].as_array().map(|b| b.iter().filter_map(Value::as_u64).collect()),
            wiring_ratio: graph["wiring"]["ratio"].as_f64(),
            modularity: graph["modularity"]["q"].as_f64(),
        }
    }
}

fn stat_cell(values: impl Iterator<Item = Option<f64>>) -> String {
    let v: Vec<f64> = values.flatten().collect();
    Stat::of(&v).cell()
}

/// The Markdown section (empty when no run has an analysis) and the note on runs without one.
pub fn section(rows: &[Row], analysed: &[Option<Analysed>], groups: &[String], sparsities: &[(String, f64)]) -> String {
    let missing = rows.iter().filter(|r| analysed[r.run].is_none()).count();
    let mut md = String::new();
    if rows.iter().any(|r| analysed[r.run].is_some()) {
        md.push_str("\n### What the nets became (`geosparse analyze`): mean ± population std over analysed seeds\n\n");
        md.push_str("| group | sparsity | grid fraction > 0.3 | grid cells (above own shuffle null) | activity Betti (per seed) | wiring cost / permuted null | modularity Q |\n|---|---|---|---|---|---|---|\n");
        for g in groups {
            for (s, _) in sparsities {
                let a: Vec<&Analysed> = rows.iter().filter(|r| &r.group == g && &r.sparsity == s).filter_map(|r| analysed[r.run].as_ref()).collect();
                if a.is_empty() {
                    continue;
                }
                let betti: Vec<String> = a.iter().map(|x| x.betti.as_ref().map_or("—".into(), |b| format!("({})", b.iter().map(u64::to_string).collect::<Vec<_>>().join(",")))).collect();
                md.push_str(&format!(
                    "| {g} | {s} | {} | {} | {} | {} | {} |\n",
                    stat_cell(a.iter().map(|x| x.grid_fraction)),
                    stat_cell(a.iter().map(|x| x.grid_cells)),
                    betti.join(" "),
                    stat_cell(a.iter().map(|x| x.wiring_ratio)),
                    stat_cell(a.iter().map(|x| x.modularity)),
                ));
            }
        }
    }
    if missing > 0 {
        md.push_str(&format!(
            "\n{missing} completed run(s) have no analysis (no `analysis/analysis.json`): `geosparse report --analyze` makes them with `geosparse analyze`'s defaults, or run `geosparse analyze RUN` on each.\n"
        ));
    }
    md
}

/// `analysis.csv`: one line per completed run.
pub fn csv(rows: &[Row], analysed: &[Option<Analysed>], dirs: &[&Path]) -> String {
    let f = |x: Option<f64>| x.map_or(String::new(), |v| v.to_string());
    let mut out = String::from("run,group,sparsity,grid_fraction,grid_cells,betti,wiring_ratio,modularity\n");
    for r in rows {
        let Some(a) = &analysed[r.run] else { continue };
        let betti = a.betti.as_ref().map_or(String::new(), |b| b.iter().map(u64::to_string).collect::<Vec<_>>().join(" "));
        out.push_str(&format!("{},{},{},{},{},{betti},{},{}\n", dirs[r.run].display(), super::tables::quoted(&r.group), r.sparsity, f(a.grid_fraction), f(a.grid_cells), f(a.wiring_ratio), f(a.modularity)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn row(group: &str, run: usize) -> Row {
        Row { group: group.into(), sparsity: "90 %".into(), sparsity_value: 0.9, value: 1.0, run, geometry: None, x: f64::NAN }
    }

    #[test]
    fn groups_average_their_analysed_seeds_and_missing_runs_are_counted() {
        let a = |g: f64, q: f64, b: [u64; 3]| {
            Some(Analysed::from_json(&json!({"grid": {"fraction_above_threshold": g, "fraction_grid_cells": g / 2.0}, "activity": {"betti": b}, "graphs": [{"wiring": {"ratio": 0.5}, "modularity": {"q": q}}]})))
        };
        let rows = vec![row("torus", 0), row("torus", 1), row("torus", 2), row("none", 3)];
        let analysed = vec![a(0.2, 0.3, [1, 2, 1]), a(0.4, 0.5, [1, 1, 0]), None, None];
        let md = section(&rows, &analysed, &["torus".into(), "none".into()], &[("90 %".into(), 0.9)]);
        assert!(md.contains("| torus | 90 % | 0.30 ± 0.10 (n=2) | 0.15 ± 0.05 (n=2) | (1,2,1) (1,1,0) | 0.50 ± 0.00 (n=2) | 0.40 ± 0.10 (n=2) |"), "{md}");
        assert!(!md.contains("| none |"), "a group with no analysed run has no row: {md}");
        assert!(md.contains("2 completed run(s) have no analysis"), "{md}");
        let p = std::path::PathBuf::from("r");
        let c = csv(&rows, &analysed, &[&p, &p, &p, &p]);
        assert_eq!(c.lines().count(), 3);
        assert!(c.contains("r,\"torus\",90 %,0.2,0.1,1 2 1,0.5,0.3"), "{c}");
    }

    #[test]
    fn an_analysis_without_navigation_parts_reads_as_none() {
        let a = Analysed::from_json(&json!({"grid": null, "activity": null, "graphs": [{"wiring": {"ratio": 0.9}, "modularity": {"q": 0.1}}]}));
        assert_eq!((a.grid_fraction, a.betti.clone(), a.wiring_ratio), (None, None, Some(0.9)));
    }
}
