//! `geosparse bench`: the tables it prints and the errors it gives. Timings are printed, never
//! asserted; these tests check the rows (every requested case, finite positive times, the
//! ratio column equal to the ratio of the two times) and the argument checks.
mod common;
use common::{geosparse, stdout};

/// The cells of the Markdown rows that start with `first`.
fn rows<'a>(out: &'a str, first: &str) -> Vec<Vec<&'a str>> {
    out.lines()
        .filter(|l| l.starts_with(&format!("| {first} ")))
        .map(|l| l.trim_matches('|').split('|').map(str::trim).collect())
        .collect()
}

/// The printed ratio agrees with the printed times (each rounded to 1 decimal, the ratio to 2).
fn ratio_agrees(ratio: f64, num: f64, den: f64) -> bool {
    let lo = (num - 0.05) / (den + 0.05);
    let hi = (num + 0.05) / (den - 0.05).max(1e-9);
    ratio >= lo - 0.006 && ratio <= hi + 0.006
}

fn num(cell: &str) -> f64 {
    cell.trim_end_matches('×').parse().unwrap_or_else(|_| panic!("not a number: {cell}"))
}

#[test]
fn infer_prints_one_row_per_case_with_consistent_ratios() {
    let out = stdout(&geosparse(&[
        "--threads", "1", "bench", "infer", "--n", "64", "--sparsity", "0", "--sparsity", "0.9", "--batch", "1", "--batch", "3", "--mask", "geometric",
        "--min-time", "0",
    ]));
    let r = rows(&out, "64");
    assert_eq!(r.len(), 4, "{out}");
    for row in &r {
        assert_eq!(row[3], "geometric");
        let (dense, csr, ratio) = (num(row[4]), num(row[5]), num(row[6]));
        assert!(dense > 0.0 && csr > 0.0, "{row:?}");
        assert!(ratio_agrees(ratio, dense, csr), "{row:?}");
    }
    let sparsities: Vec<&str> = r.iter().map(|row| row[1]).collect();
    assert_eq!(sparsities, ["0.00", "0.00", "0.90", "0.90"]);
}

#[test]
fn sparse_train_step_compares_the_same_case_dense_and_csr() {
    let out = stdout(&geosparse(&["--threads", "1", "bench", "train-step", "--case", "lstm-200", "--sparsity", "0.9", "--steps", "1", "--warmup", "0"]));
    assert!(out.contains("pruned at random to 90 %"), "{out}");
    let r = rows(&out, "lstm-200");
    assert_eq!(r.len(), 1, "{out}");
    let (dense, sparse, ratio) = (num(r[0][1]), num(r[0][2]), num(r[0][3]));
    assert!(dense > 0.0 && sparse > 0.0);
    assert!(ratio_agrees(ratio, dense, sparse), "{out}");
}

#[test]
fn sparse_train_step_rounds_run_the_masked_pytorch_baseline_each_round() {
    // a stand-in for tools/bench_torch.py: records its arguments, prints a fixed 40 ms step
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("baseline.sh");
    let calls = dir.path().join("calls");
    std::fs::write(&script, format!("echo \"$@\" >> '{}'\necho '{{\"ms_per_step\": 40.0, \"torch\": \"stand-in\"}}'\n", calls.display())).unwrap();
    let out = stdout(&geosparse(&[
        "--threads", "1", "bench", "train-step", "--case", "lstm-200", "--sparsity", "0.9", "--steps", "1", "--warmup", "0", "--rounds", "2", "--python", "sh",
        "--torch-script", script.to_str().unwrap(),
    ]));
    let calls = std::fs::read_to_string(&calls).unwrap();
    assert_eq!(calls.lines().count(), 2, "one baseline run per round: {calls}");
    assert!(calls.lines().all(|l| l.contains("--case lstm-200") && l.ends_with("--sparsity 0.9")), "{calls}");
    let r = rows(&out, "lstm-200");
    assert_eq!(r.len(), 1, "{out}");
    let (dense, sparse, torch) = (num(r[0][1]), num(r[0][2]), num(r[0][4]));
    assert!(dense > 0.0 && sparse > 0.0 && torch == 40.0, "{out}");
    // "1.23× (1.10–1.40)": the median of the per-round ratios, inside their range
    for col in [3, 5] {
        let (ratio, range) = r[0][col].split_once(' ').unwrap_or_else(|| panic!("no range: {out}"));
        let (lo, hi) = range.trim_matches(|c| c == '(' || c == ')').split_once('–').unwrap();
        let (ratio, lo, hi) = (num(ratio), num(lo), num(hi));
        assert!(lo <= ratio && ratio <= hi && lo > 0.0, "{out}");
    }
    // without a working baseline the column says why
    let out = stdout(&geosparse(&["--threads", "1", "bench", "train-step", "--case", "lstm-200", "--sparsity", "0.9", "--steps", "1", "--warmup", "0", "--no-torch"]));
    assert!(rows(&out, "lstm-200")[0][4].starts_with("n/a (skipped (--no-torch))"), "{out}");
}

#[test]
fn rounds_alternate_with_the_baseline_and_report_a_median_ratio_in_its_range() {
    // a stand-in baseline (no PyTorch in CI): a shell script printing a fixed 50 ms step
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("baseline.sh");
    let calls = dir.path().join("calls");
    std::fs::write(&script, format!("echo x >> '{}'\necho '{{\"ms_per_step\": 50.0, \"peak_rss_mb\": 7.0, \"torch\": \"stand-in\"}}'\n", calls.display())).unwrap();
    let out = stdout(&geosparse(&[
        "--threads", "1", "bench", "train-step", "--case", "lstm-200", "--steps", "1", "--warmup", "0", "--rounds", "3", "--python", "sh", "--torch-script",
        script.to_str().unwrap(),
    ]));
    assert!(out.contains("3 alternating rounds"), "{out}");
    assert_eq!(std::fs::read_to_string(&calls).unwrap().lines().count(), 3, "one baseline run per round");
    let r = rows(&out, "lstm-200");
    assert_eq!(r.len(), 1, "{out}");
    let (ours, theirs) = (num(r[0][1]), num(r[0][2]));
    assert!(ours > 0.0 && theirs == 50.0, "{out}");
    // "1.23× (1.10–1.40)"
    let (ratio, range) = r[0][3].split_once(' ').unwrap_or_else(|| panic!("no range: {out}"));
    let (lo, hi) = range.trim_matches(|c| c == '(' || c == ')').split_once('–').unwrap();
    let (ratio, lo, hi) = (num(ratio), num(lo), num(hi));
    assert!(lo <= ratio && ratio <= hi && lo > 0.0, "{out}");
    assert_eq!(r[0][5], "7", "{out}");
    assert!(out.contains("PyTorch stand-in"), "{out}");
}

#[test]
fn bad_arguments_are_named() {
    for (args, needle) in [
        (vec!["bench", "train-step", "--sparsity", "1.5"], "--sparsity: 1.5"),
        (vec!["bench", "train-step", "--case", "gru-9"], "--case: 'gru-9'"),
        (vec!["bench", "train-step", "--steps", "0"], "--steps"),
        (vec!["bench", "train-step", "--rounds", "0"], "--rounds"),
        (vec!["bench", "infer", "--sparsity=-0.1"], "--sparsity: -0.1"),
        (vec!["bench", "infer", "--mask", "striped"], "--mask: 'striped'"),
        (vec!["bench", "infer", "--batch", "0"], "--batch"),
    ] {
        let o = geosparse(&args);
        assert!(!o.status.success(), "{args:?} should fail");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains(needle), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{err}");
    }
}
