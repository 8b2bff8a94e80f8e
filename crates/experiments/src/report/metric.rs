//! `--metric`: which number of a run's summary the report tabulates (`val_error_cm`,
//! `test_ppl`, `control_val_loss`, `sparsity.rnn.weight_hh_l0` — one pruned tensor's own
//! sparsity —, ...; a unique prefix of a task metric or a tensor name is enough).
//!
//! ```no_run
//! use geosparse_experiments::report::{collect::collect, metric};
//! let runs = collect(&["sweeps-out/nav".into()]).unwrap();
//! println!("{:?}", metric::metric_of(&runs[0], "test_error"));
//! ```

use super::collect::RunRecord;

/// The selectors `--metric` accepts for a run.
pub fn metric_names(r: &RunRecord) -> Vec<String> {
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
        for k in p.sparsity_per_tensor.keys() {
            names.push(format!("{prefix}sparsity.{k}"));
        }
        names.push(format!("{prefix}penalty"));
    }
    names
}

/// The metric of a run by selector (None when the run lacks it).
pub fn metric_of(r: &RunRecord, sel: &str) -> Option<f64> {
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
    let (map, name) = if let Some(n) = rest.strip_prefix("sparsity.") {
        (&p.sparsity_per_tensor, n)
    } else if let Some(n) = rest.strip_prefix("val_") {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::tests::record_with;

    #[test]
    fn a_pruned_tensors_own_sparsity_is_a_metric_by_name_or_unique_prefix() {
        let r = record_with(&[("rnn.weight_hh_l0", 0.993), ("rnn.weight_ih_l0", 0.5), ("encoder.weight", 0.8)]);
        assert_eq!(metric_of(&r, "sparsity.rnn.weight_hh_l0"), Some(0.993));
        assert_eq!(metric_of(&r, "sparsity.rnn.weight_hh"), Some(0.993));
        assert_eq!(metric_of(&r, "sparsity.enc"), Some(0.8));
        assert_eq!(metric_of(&r, "sparsity.rnn.weight"), None, "two tensors match: ambiguous");
        assert_eq!(metric_of(&r, "sparsity.decoder"), None);
        assert_eq!(metric_of(&r, "sparsity"), Some(0.9));
        assert!(metric_names(&r).contains(&"sparsity.rnn.weight_ih_l0".to_string()));
    }
}
