//! The breaking point of each group (issue 19): the first pruning target at which the group's
//! mean metric exceeds `factor` × the dense mean (default 2; the dense mean pools every dense
//! run of the report). Written only for lower-is-better metrics (errors, losses, MSE,
//! perplexity) and when the report has dense runs; with `--x` it is left out (sizes would pool).
//!
//! ```
//! use geosparse_experiments::report::breaking::lower_is_better;
//! assert!(lower_is_better("test_error_cm") && !lower_is_better("val_accuracy"));
//! ```

use super::{Row, Stat};

/// The default factor over dense.
pub const FACTOR: f64 = 2.0;

/// Whether a smaller value of `metric` is better (so "exceeds k × dense" means broken).
pub fn lower_is_better(metric: &str) -> bool {
    ["error", "loss", "mse", "ppl"].iter().any(|k| metric.contains(k)) && !metric.contains("accuracy")
}

/// One group's breaking point: Some((target label, mean there)) or None (held to the last target).
pub fn breaking(rows: &[Row], group: &str, sparsities: &[(String, f64)], limit: f64) -> (Option<(String, f64)>, Option<String>) {
    let mut last_ok = None;
    for (s, _) in sparsities.iter().filter(|(_, v)| *v > 0.0) {
        let vals: Vec<f64> = rows.iter().filter(|r| r.group == group && &r.sparsity == s).map(|r| r.value).collect();
        if vals.is_empty() {
            continue;
        }
        let mean = Stat::of(&vals).mean;
        if mean > limit {
            return (Some((s.clone(), mean)), last_ok);
        }
        last_ok = Some(s.clone());
    }
    (None, last_ok)
}

/// The Markdown section ("" when it does not apply).
pub fn section(rows: &[Row], groups: &[String], sparsities: &[(String, f64)], metric: &str, factor: f64) -> String {
    let dense: Vec<f64> = rows.iter().filter(|r| r.sparsity_value == 0.0).map(|r| r.value).collect();
    let targets = sparsities.iter().filter(|(_, v)| *v > 0.0).count();
    if dense.is_empty() || targets < 2 || !lower_is_better(metric) {
        return String::new();
    }
    let d = Stat::of(&dense).mean;
    let limit = factor * d;
    let mut md = format!(
        "\n### Breaking point: the first target at which the group's mean {metric} exceeds {factor} × dense ({factor} × {d:.3} = {limit:.3}; dense pools {} run(s))\n\n| group | breaks at | mean there | last target below |\n|---|---|---|---|\n",
        dense.len()
    );
    for g in groups {
        if rows.iter().all(|r| &r.group != g || r.sparsity_value == 0.0) {
            continue;
        }
        let (broke, last) = breaking(rows, g, sparsities, limit);
        let (at, mean) = broke.map_or(("none up to its last target".to_string(), "—".to_string()), |(s, m)| (s, format!("{m:.3}")));
        md.push_str(&format!("| {g} | {at} | {mean} | {} |\n", last.unwrap_or_else(|| "—".into())));
    }
    md
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::tests::row;

    #[test]
    fn each_group_breaks_at_its_first_target_above_the_limit() {
        let rows = vec![
            row("dense", 0.0, 8.0),
            row("dense", 0.0, 10.0),
            row("torus", 0.9, 12.0),
            row("torus", 0.95, 17.0),
            row("torus", 0.95, 19.0), // mean 18 ≤ 18: still below
            row("torus", 0.99, 30.0),
            row("none", 0.9, 28.0),
            row("none", 0.99, 60.0),
            row("l1", 0.9, 10.0),
        ];
        let sp: Vec<(String, f64)> = vec![("dense".into(), 0.0), ("90 %".into(), 0.9), ("95 %".into(), 0.95), ("99 %".into(), 0.99)];
        let groups: Vec<String> = ["dense", "torus", "none", "l1"].map(String::from).to_vec();
        let md = section(&rows, &groups, &sp, "test_error_cm", 2.0);
        assert!(md.contains("2 × 9.000 = 18.000") && md.contains("2 run(s)"), "{md}");
        assert!(md.contains("| torus | 99 % | 30.000 | 95 % |"), "{md}");
        assert!(md.contains("| none | 90 % | 28.000 | — |"), "{md}");
        assert!(md.contains("| l1 | none up to its last target | — | 90 % |"), "{md}");
        assert!(!md.contains("| dense |"), "{md}");
        // not for higher-is-better metrics, nor without dense runs or with one target
        assert_eq!(section(&rows, &groups, &sp, "val_accuracy", 2.0), "");
        assert_eq!(section(&rows[2..], &groups, &sp, "test_error_cm", 2.0), "");
        assert_eq!(section(&rows, &groups, &sp[..2], "test_error_cm", 2.0), "");
    }
}
