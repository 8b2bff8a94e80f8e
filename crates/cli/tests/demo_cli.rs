//! `geosparse train` without --config: the built-in demo trains its three arms (torus R = d,
//! permuted R = d, no penalty), prints their errors side by side with the ratios, and writes the
//! run folders and a report over them. Shrunk here by --set (which reaches every arm).
mod common;
use common::{geosparse, ok, stdout};

#[test]
fn the_demo_prints_three_errors_side_by_side_and_writes_a_report() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("demo");
    let tiny = ["task.hidden=16", "task.place_cells=16", "task.steps_per_epoch=4", "task.batch=8", "task.eval_batches=1", "task.eval_batch_size=16", "train.epochs=3", "prune.hold_epochs=1"];
    let mut args = vec!["--threads", "2", "train", "--out", out.to_str().unwrap(), "--quiet", "--no-plots"];
    for s in &tiny {
        args.extend(["--set", s]);
    }
    let o = geosparse(&args);
    ok(&o);
    let text = stdout(&o);
    let mut errors = Vec::new();
    for (label, folder) in [("torus distance penalty (R = d)", "torus-d"), ("permuted R = d (geometry scrambled)", "permuted-d"), ("no penalty", "no-penalty")] {
        let line = text.lines().map(str::trim_start).find(|l| l.starts_with(label)).unwrap_or_else(|| panic!("no line for {label} in:\n{text}"));
        let cm: f64 = line[label.len()..].split_whitespace().next().unwrap().parse().unwrap();
        let summary: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(out.join(folder).join("summary.json")).unwrap()).unwrap();
        let test = summary["train"]["test"]["error_cm"].as_f64().unwrap();
        assert!((cm - test).abs() < 0.006, "{label}: printed {cm}, summary {test}");
        errors.push(test);
        let cfg = std::fs::read_to_string(out.join(folder).join("config.toml")).unwrap();
        assert!(cfg.contains("hidden = 16"), "the user's --set reaches {folder}");
    }
    let ratio = format!("{:.2}× the error", errors[0] / errors[2]);
    assert!(text.contains(&ratio), "expected {ratio} in:\n{text}");
    assert!(out.join("report/report.md").is_file());
    let md = std::fs::read_to_string(out.join("report/report.md")).unwrap();
    assert!(md.contains("test_error_cm") && md.contains("no-penalty"), "{md}");
    // a bad --set is refused before any training
    let o = geosparse(&["train", "--out", d.path().join("bad").to_str().unwrap(), "--set", "penalty.lambda=-1"]);
    assert_eq!(o.status.code(), Some(2), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(!d.path().join("bad").exists());
}
