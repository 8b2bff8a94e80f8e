//! Which group and which sparsity row a run belongs to: `--by` config keys (with shorthands) or
//! the sweep variant plus every axis but the seed and the target; the row is the pruning target.
//!
//! ```no_run
//! use geosparse_experiments::report::{collect::collect, group};
//! let runs = collect(&["sweeps-out/nav".into()]).unwrap();
//! println!("{} at {}", group::group_label(&runs[0], &["space".into()]), group::sparsity_row(&runs[0]).0);
//! ```

use super::collect::RunRecord;

/// The dotted config key of a `--by` shorthand (other keys pass through).
pub(crate) fn shorthand(k: &str) -> &str {
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
pub(crate) fn lookup(v: &serde_json::Value, path: &str) -> String {
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

/// The run's group: the `--by` keys' values, else its sweep variant and non-seed, non-target
/// axes, else (outside a sweep) its run name without the seed.
pub fn group_label(r: &RunRecord, by: &[String]) -> String {
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
pub fn check_by(runs: &[RunRecord], by: &[String]) -> anyhow::Result<()> {
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

/// The run's sparsity row: its label and target ("dense", 0 for a run that does not prune).
pub fn sparsity_row(r: &RunRecord) -> (String, f64) {
    match &r.config {
        Some(c) if !c.prune.prunes() => ("dense".into(), 0.0),
        Some(c) if c.prune.extra_epochs > 0 => (percent(c.prune.extra_target), c.prune.extra_target),
        Some(c) => (percent(c.prune.target), c.prune.target),
        None => ("?".into(), f64::NAN),
    }
}

/// A pruning target as a row label: 0.9 → "90 %", 0.995 → "99.5 %" (never rounded to 100 %).
pub fn percent(x: f64) -> String {
    let p = 100.0 * x;
    if (p - p.round()).abs() < 1e-6 { format!("{:.0} %", p) } else { format!("{} %", (p * 1000.0).round() / 1000.0) }
}
