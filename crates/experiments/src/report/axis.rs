//! `geosparse report --x KEY`: the metric against a numeric config key (e.g. `task.hidden` over
//! the scaling sweeps of several sizes), per group, as a table (rows = the key's values × the
//! sparsity rows, columns = groups, mean ± population std over seeds; it replaces the pooled
//! sparsity table) and a figure with error bars
//! (`metric_vs_x.png`/`.svg`; a log₂ axis when the values are positive and span a factor ≥ 4).
//!
//! ```no_run
//! use geosparse_experiments::report::{report, ReportOptions};
//! let dirs = ["sweeps-out/n256".into(), "sweeps-out/n512".into()];
//! let r = report(&dirs, &ReportOptions { x: Some("task.hidden".into()), ..Default::default() }).unwrap();
//! ```

use super::collect::RunRecord;
use super::group::{lookup, shorthand};
use super::{Row, Stat};

/// The value of `key` in each run's config (NaN without a config); an error names the key
/// when a run lacks it or it is not a number.
pub fn values(runs: &[RunRecord], key: &str) -> anyhow::Result<Vec<f64>> {
    let path = shorthand(key);
    runs.iter()
        .map(|r| {
            let Some(c) = &r.config else { return Ok(f64::NAN) };
            let text = lookup(&serde_json::to_value(c).expect("serialises"), path);
            text.parse::<f64>().map_err(|_| anyhow::anyhow!("--x: '{key}' is {text} in {}; give a numeric config key such as task.hidden or penalty.lambda", r.dir.display()))
        })
        .collect()
}

/// The distinct finite x values of `rows`, sorted.
pub fn xs(rows: &[Row]) -> Vec<f64> {
    let mut v: Vec<f64> = rows.iter().map(|r| r.x).filter(|x| x.is_finite()).collect();
    v.sort_by(f64::total_cmp);
    v.dedup();
    v
}

/// Whether the figure's axis is log₂: positive values spanning a factor of 4 or more.
pub fn log_axis(xs: &[f64]) -> bool {
    xs.first().is_some_and(|&a| a > 0.0) && xs.last().zip(xs.first()).is_some_and(|(b, a)| b / a >= 4.0)
}

/// Markdown: rows = the key's values × the sparsity rows, columns = groups (this table replaces
/// the report's sparsity table, which would pool the key's values).
pub fn table(rows: &[Row], groups: &[String], key: &str, metric: &str, sparsities: &[(String, f64)]) -> String {
    let mut md = format!("### {metric} against {key}: mean ± population std over seeds (n runs)\n\n| {key} | sparsity | {} |\n|---|---|{}\n", groups.join(" | "), "---|".repeat(groups.len()));
    for x in xs(rows) {
        for (s, _) in sparsities {
            let at = |g: &String| rows.iter().filter(|r| &r.group == g && r.x == x && &r.sparsity == s).map(|r| r.value).collect::<Vec<_>>();
            if groups.iter().all(|g| at(g).is_empty()) {
                continue;
            }
            let cells: Vec<String> = groups.iter().map(|g| Stat::of(&at(g)).cell()).collect();
            md.push_str(&format!("| {x} | {s} | {} |\n", cells.join(" | ")));
        }
    }
    md
}

/// Per group, (x or log₂ x, mean, std) at each value of the key the group has.
pub fn series(rows: &[Row], groups: &[String], log: bool) -> super::figures::Series {
    groups
        .iter()
        .map(|g| {
            let pts = xs(rows)
                .into_iter()
                .filter_map(|x| {
                    let v: Vec<f64> = rows.iter().filter(|r| &r.group == g && r.x == x).map(|r| r.value).collect();
                    (!v.is_empty()).then(|| {
                        let st = Stat::of(&v);
                        (if log { x.log2() } else { x }, st.mean, st.std)
                    })
                })
                .collect();
            (g.clone(), pts)
        })
        .filter(|(_, p): &(String, Vec<_>)| !p.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(group: &str, x: f64, value: f64) -> Row {
        Row { group: group.into(), sparsity: "90 %".into(), sparsity_value: 0.9, value, run: 0, geometry: None, x }
    }

    #[test]
    fn groups_are_summarised_at_each_value_of_the_key() {
        let rows = vec![row("torus", 256.0, 12.0), row("torus", 256.0, 14.0), row("torus", 512.0, 8.0), row("none", 256.0, 28.0), row("none", 1024.0, 9.0)];
        let groups = vec!["torus".to_string(), "none".to_string()];
        let md = table(&rows, &groups, "task.hidden", "test_error_cm", &[("90 %".into(), 0.9), ("99 %".into(), 0.99)]);
        assert!(md.contains("| 256 | 90 % | 13.00 ± 1.00 (n=2) | 28.00 ± 0.00 (n=1) |"), "{md}");
        assert!(md.contains("| 512 | 90 % | 8.00 ± 0.00 (n=1) | — |") && !md.contains("99 %"), "{md}");
        assert!(log_axis(&xs(&rows)) && !log_axis(&[0.0, 0.01]) && !log_axis(&[1.0, 2.0]));
        let s = series(&rows, &groups, true);
        assert_eq!(s[0].1, vec![(8.0, 13.0, 1.0), (9.0, 8.0, 0.0)]);
        assert_eq!(s[1].1, vec![(8.0, 28.0, 0.0), (10.0, 9.0, 0.0)]);
    }
}
