//! `geosparse sweep` and `geosparse report`: grid expansion and ids, local workers with
//! resume, cluster-style --index processes, report statistics, bad sweep files.
mod common;
use common::{geosparse, ok};
use std::path::{Path, PathBuf};
use std::process::Command;

const BASE: &str = r#"
seed = 0
[task]
kind = "navigation"
place_cells = 12
hidden = 16
sequence = 4
batch = 4
steps_per_epoch = 3
eval_batches = 1
eval_batch_size = 4
[train]
epochs = 2
optimizer = { kind = "adamw", lr = 3e-3 }
[penalty]
lambda = 0.1
[penalty.regularizer]
space = "torus"
inhibitor = "dog"
invert = true
[prune]
target = 0.5
"#;

const SWEEP: &str = r#"
base = "base.toml"
name = "toy"
[axes]
seed = [0, 1]
[[variants]]
label = "torus DoG"
[[variants]]
label = "no penalty"
set = { "penalty.lambda" = 0.0 }
"#;

fn setup(sweep: &str) -> (tempfile::TempDir, PathBuf) {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("base.toml"), BASE).unwrap();
    let s = d.path().join("sweep.toml");
    std::fs::write(&s, sweep).unwrap();
    (d, s)
}

fn show(sweep: &Path) -> Vec<(String, String, String)> {
    let o = geosparse(&["sweep", "--config", sweep.to_str().unwrap(), "--show"]);
    ok(&o);
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            (f[0].to_string(), f[1].to_string(), f[2].to_string())
        })
        .collect()
}

#[test]
fn grid_expansion_and_ids_are_stable() {
    let (_d, s) = setup(SWEEP);
    let o = geosparse(&["sweep", "--config", s.to_str().unwrap(), "--list"]);
    ok(&o);
    assert_eq!(String::from_utf8_lossy(&o.stdout).trim(), "4");
    let grid = show(&s);
    let labels: Vec<&str> = grid.iter().map(|g| g.2.as_str()).collect();
    assert_eq!(labels, ["torus DoG, seed=0", "torus DoG, seed=1", "no penalty, seed=0", "no penalty, seed=1"]);
    // ids are hashes of the configs: the same file written differently gives the same ids
    let (_d2, s2) = setup("name = \"renamed\"\nbase = \"base.toml\"\n[[variants]]\nlabel = \"torus DoG\"\n[[variants]]\nset = { \"penalty.lambda\" = 0.0 }\nlabel = \"no penalty\"\n[axes]\nseed = [0, 1]\n");
    assert_eq!(show(&s2).iter().map(|g| &g.1).collect::<Vec<_>>(), grid.iter().map(|g| &g.1).collect::<Vec<_>>());
    // and a different value gives a different id
    let (_d3, s3) = setup(&SWEEP.replace("seed = [0, 1]", "seed = [0, 2]"));
    let g3 = show(&s3);
    assert_eq!(g3[0].1, grid[0].1);
    assert_ne!(g3[1].1, grid[1].1);
    // a field a later version adds with its default does not move an id: the id hashes the
    // config without its default values
    let mut old = serde_json::json!({"seed": 3, "train": {"epochs": 5, "clip": 0.0}});
    let mut newer = serde_json::json!({"seed": 3, "train": {"epochs": 5, "clip": 0.0, "added": 1.0}});
    let default = serde_json::json!({"seed": 0, "train": {"epochs": 20, "clip": 0.0, "added": 1.0}});
    geosparse_experiments::sweep::spec::strip_defaults(&mut old, &default);
    geosparse_experiments::sweep::spec::strip_defaults(&mut newer, &default);
    assert_eq!(old, newer);
    assert_eq!(old, serde_json::json!({"seed": 3, "train": {"epochs": 5}}));
    // inside an optional section (absent from the default config) its own defaults are left out
    // too, but the section's presence stays: given at its defaults, it still differs from none
    use geosparse_experiments::sweep::spec::strip_defaults_with;
    let optional = serde_json::json!({"seed": 0, "penalty": {"swaps": {"every": 200, "count": 16}}});
    let default = serde_json::json!({"seed": 0, "penalty": {}});
    let strip = |mut v: serde_json::Value| {
        strip_defaults_with(&mut v, &default, &optional);
        v
    };
    assert_eq!(strip(serde_json::json!({"seed": 0, "penalty": {"swaps": {"every": 200, "count": 16}}})), serde_json::json!({"penalty": {"swaps": {}}}));
    assert_eq!(strip(serde_json::json!({"seed": 0, "penalty": {"swaps": {"every": 50, "count": 16, "added": true}}})), serde_json::json!({"penalty": {"swaps": {"every": 50, "added": true}}}));
    assert_eq!(strip(serde_json::json!({"seed": 0, "penalty": {}})), serde_json::json!({}));
    // the hash function itself is FNV-1a 64 (its published test vectors)
    assert_eq!(geosparse_experiments::sweep::spec::fnv1a(b""), 0xcbf29ce484222325);
    assert_eq!(geosparse_experiments::sweep::spec::fnv1a(b"a"), 0xaf63dc4c8601ec8c);
}

fn summary(dir: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("summary.json")).unwrap()).unwrap()
}

#[test]
fn a_killed_sweep_resumes_skipping_exactly_the_finished_runs() {
    let (d, s) = setup(SWEEP);
    let out = d.path().join("out");
    let grid = show(&s);
    let run = |i: usize| out.join("runs").join(&grid[i].1);
    // run 0 finished, run 1 half-way (paused), runs 2 and 3 not started
    ok(&geosparse(&["--threads", "1", "sweep", "--config", s.to_str().unwrap(), "--out", out.to_str().unwrap(), "--index", "0"]));
    let done_bytes = std::fs::read(run(0).join("model.safetensors")).unwrap();
    let done_time = std::fs::metadata(run(0).join("model.safetensors")).unwrap().modified().unwrap();
    let resolved = d.path().join("resolved1.toml");
    // the resolved config of run 1, as the sweep would write it
    ok(&geosparse(&["--threads", "1", "sweep", "--config", s.to_str().unwrap(), "--out", d.path().join("scratch").to_str().unwrap(), "--index", "1"]));
    std::fs::copy(d.path().join("scratch/runs").join(&grid[1].1).join("config.toml"), &resolved).unwrap();
    ok(&geosparse(&["--threads", "1", "train", "--config", resolved.to_str().unwrap(), "--out", run(1).to_str().unwrap(), "--max-steps", "3", "--quiet"]));
    assert_eq!(summary(&run(1))["status"], "running");
    // the sweep with two workers finishes the rest
    let o = geosparse(&["--threads", "2", "sweep", "--config", s.to_str().unwrap(), "--out", out.to_str().unwrap(), "--jobs", "2"]);
    ok(&o);
    let log = String::from_utf8_lossy(&o.stderr);
    assert!(log.contains("4 runs, 1 finished, 3 to do"), "{log}");
    assert!(!log.contains("started run 0 "), "{log}");
    for i in 0..4 {
        assert_eq!(summary(&run(i))["status"], "completed", "run {i}");
    }
    // run 0 untouched, run 1 resumed to the same numbers as an uninterrupted run
    assert_eq!(std::fs::read(run(0).join("model.safetensors")).unwrap(), done_bytes);
    assert_eq!(std::fs::metadata(run(0).join("model.safetensors")).unwrap().modified().unwrap(), done_time);
    let fresh = d.path().join("scratch/runs").join(&grid[1].1);
    assert_eq!(std::fs::read(run(1).join("model.safetensors")).unwrap(), std::fs::read(fresh.join("model.safetensors")).unwrap());
    // a second pass has nothing to do
    let o = geosparse(&["--threads", "2", "sweep", "--config", s.to_str().unwrap(), "--out", out.to_str().unwrap(), "--jobs", "2"]);
    ok(&o);
    assert!(String::from_utf8_lossy(&o.stderr).contains("4 finished, 0 to do"));
}

#[test]
fn two_index_processes_share_a_folder_without_clobbering() {
    let (d, s) = setup(SWEEP);
    let out = d.path().join("shared");
    let spawn = |i: &str| {
        Command::new(env!("CARGO_BIN_EXE_geosparse"))
            .args(["--threads", "1", "sweep", "--config", s.to_str().unwrap(), "--out", out.to_str().unwrap(), "--index", i])
            .spawn()
            .unwrap()
    };
    let (mut a, mut b) = (spawn("2"), spawn("3"));
    assert!(a.wait().unwrap().success() && b.wait().unwrap().success());
    let grid = show(&s);
    for i in [2, 3] {
        let dir = out.join("runs").join(&grid[i].1);
        assert_eq!(summary(&dir)["status"], "completed");
        let point: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(dir.join("point.json")).unwrap()).unwrap();
        assert_eq!(point["index"], i);
    }
    let idx: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(out.join("sweep.json")).unwrap()).unwrap();
    assert_eq!(idx["runs"].as_array().unwrap().len(), 4);
    // the same seed in both variants: different folders, different files
    assert_ne!(grid[2].1, grid[3].1);
    let o = geosparse(&["sweep", "--config", s.to_str().unwrap(), "--out", out.to_str().unwrap(), "--index", "4"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--index: 4 is out of range; the sweep has 4 runs"));
}

/// A hand-made run folder with a given metric value.
fn fake_run(root: &Path, name: &str, variant: &str, seed: u64, status: &str, error_cm: f64) {
    let dir = root.join(name);
    std::fs::create_dir_all(&dir).unwrap();
    let cfg = BASE.replace("seed = 0", &format!("seed = {seed}")).replace("lambda = 0.1", "lambda = 0.0");
    std::fs::write(dir.join("config.toml"), cfg).unwrap();
    let train = serde_json::json!({"epochs": 2, "steps": 6, "val_loss": 1.0, "val": {"error_cm": error_cm}, "test_loss": 1.0, "test": {"error_cm": error_cm}, "sparsity": 0.5, "sparsity_per_tensor": {}});
    let s = serde_json::json!({
        "name": name, "status": status, "message": if status == "completed" { serde_json::Value::Null } else { "loss NaN at step 3".into() },
        "task": "navigation", "seed": seed, "primary_metric": "error_cm",
        "train": if status == "completed" { train } else { serde_json::Value::Null },
        "control_kind": null, "control": null, "regularizers": [], "threads": 1, "wall_s": 1.0, "geosparse_version": "0.1.0"
    });
    std::fs::write(dir.join("summary.json"), serde_json::to_string(&s).unwrap()).unwrap();
    let p = serde_json::json!({"index": 0, "id": name, "label": format!("{variant}, seed={seed}"), "variant": variant, "axes": {"seed": seed.to_string()}});
    std::fs::write(dir.join("point.json"), p.to_string()).unwrap();
}

#[test]
fn report_statistics_on_hand_made_runs_list_the_failed_one() {
    let d = tempfile::tempdir().unwrap();
    let root = d.path().join("runs");
    fake_run(&root, "a0", "alpha", 0, "completed", 10.0);
    fake_run(&root, "a1", "alpha", 1, "completed", 14.0);
    fake_run(&root, "a2", "alpha", 2, "diverged", f64::NAN);
    fake_run(&root, "b0", "beta", 0, "completed", 3.0);
    let out = d.path().join("rep");
    let o = geosparse(&["report", root.to_str().unwrap(), "--out", out.to_str().unwrap(), "--metric", "val_error"]);
    ok(&o);
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    // alpha: mean 12, population std 2 over 2 completed runs; beta: 3 ± 0 (n=1)
    assert!(md.contains("| 50 % | 12.00 ± 2.00 (n=2) | 3.00 ± 0.00 (n=1) |"), "{md}");
    assert!(md.contains("did not complete") && md.contains("a2") && md.contains("diverged"), "{md}");
    let csv = std::fs::read_to_string(out.join("report.csv")).unwrap();
    assert!(csv.contains("\"alpha\",50 %,val_error,12,2,2,\"10 14\""), "{csv}");
    for f in ["metric_vs_sparsity.png", "metric_vs_sparsity.svg", "curves.png", "curves.svg"] {
        assert!(out.join(f).exists(), "{f}");
    }
    // --x: the metric against a config key (here the seed: alpha 10 / 14, beta 3 at seed 0)
    ok(&geosparse(&["report", root.to_str().unwrap(), "--out", out.to_str().unwrap(), "--metric", "val_error", "--x", "seed"]));
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(md.contains("against seed") && md.contains("| 0 | 50 % | 10.00 ± 0.00 (n=1) | 3.00 ± 0.00 (n=1) |") && md.contains("| 1 | 50 % | 14.00 ± 0.00 (n=1) | — |") && !md.contains("| 50 % | 12.00"), "{md}");
    assert!(out.join("metric_vs_x.png").is_file() && out.join("metric_vs_x.svg").is_file());
    let o = geosparse(&["report", root.to_str().unwrap(), "--out", out.to_str().unwrap(), "--x", "name"]);
    assert_eq!(o.status.code(), Some(2), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--x: 'name'"));
    // an unknown metric is a clear error
    let o = geosparse(&["report", root.to_str().unwrap(), "--out", out.to_str().unwrap(), "--metric", "val_speed"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("error_cm"));
}

#[test]
fn bad_sweep_files_are_refused_clearly() {
    let cases = [
        (SWEEP.replace("seed = [0, 1]", "\"prune.tarjet\" = [0.5]"), vec!["tarjet"]),
        (SWEEP.replace("seed = [0, 1]", "seed = []"), vec!["axes.\"seed\"", "empty"]),
        (SWEEP.replace("seed = [0, 1]", "seed = [3, 1, 3]"), vec!["axes.\"seed\"", "3 appears twice"]),
        (SWEEP.replace("label = \"no penalty\"", "label = \"torus DoG\""), vec!["'torus DoG' appears twice"]),
        (SWEEP.replace("base = \"base.toml\"", "base = \"missing.toml\""), vec!["missing.toml"]),
        (SWEEP.replace("[axes]", "[axis]"), vec!["axis"]),
    ];
    for (i, (text, wants)) in cases.iter().enumerate() {
        let (_d, s) = setup(text);
        let o = geosparse(&["sweep", "--config", s.to_str().unwrap(), "--list"]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "case {i}: {err}");
        for w in wants {
            assert!(err.contains(w), "case {i}: expected {w:?} in {err}");
        }
    }
}

#[test]
fn report_scores_geometry_recovery_with_the_unpenalised_run_as_null_reference() {
    // a strong torus penalty against none, on 64 neurons pruned to 90 %; plain SGD, whose
    // shrinkage is proportional to R (Adam would shrink every penalised weight at ≈ lr)
    let sweep = r#"
base = "base.toml"
name = "geo"
[axes]
seed = [0]
[[variants]]
label = "torus DoG"
set = { "penalty.lambda" = 20.0, "task.hidden" = 64, "prune.target" = 0.9, "prune.scope" = "per-tensor", "train.epochs" = 3, "task.steps_per_epoch" = 30, "train.optimizer.kind" = "sgd", "train.optimizer.lr" = 0.01 }
[[variants]]
label = "no penalty"
set = { "penalty.lambda" = 0.0, "task.hidden" = 64, "prune.target" = 0.9, "prune.scope" = "per-tensor", "train.epochs" = 3, "task.steps_per_epoch" = 30, "train.optimizer.kind" = "sgd", "train.optimizer.lr" = 0.01 }
"#;
    let (d, s) = setup(sweep);
    let out = d.path().join("out");
    ok(&geosparse(&["--threads", "1", "sweep", "--config", s.to_str().unwrap(), "--out", out.to_str().unwrap()]));
    let rep = d.path().join("rep");
    ok(&geosparse(&["report", out.to_str().unwrap(), "--out", rep.to_str().unwrap()]));
    let csv = std::fs::read_to_string(rep.join("geometry.csv")).unwrap();
    let row = |group: &str| -> Vec<f64> {
        let line = csv.lines().find(|l| l.contains(&format!("\"{group}\""))).unwrap_or_else(|| panic!("no {group} row in {csv}"));
        line.split(',').skip(3).map(|v| v.parse().unwrap()).collect()
    };
    // columns: spearman, band_fraction, band_baseline, enrichment, distance_ratio
    let (torus, none) = (row("torus DoG"), row("no penalty"));
    assert_eq!(torus[2], none[2], "both are scored against the same points");
    assert!(torus[3] > 2.0, "the penalty concentrates survivors in the cheap band: {torus:?}");
    assert!((none[3] - 1.0).abs() < 0.5, "no penalty, no preference: {none:?}");
    assert!(torus[0] < none[0], "{torus:?} vs {none:?}");
    let md = std::fs::read_to_string(rep.join("report.md")).unwrap();
    assert!(md.contains("| no penalty | 90 % |"));
    // the markdown table ends with the survivors' mean distance over all pairs' (any inhibitor,
    // where a fixed band R < 10 can hold every pair), the CSV's last column
    assert!(md.contains("| mean d of survivors / of all pairs |"), "{md}");
    let torus_row = md.lines().find(|l| l.starts_with("| torus DoG | 90 % |") && l.matches('|').count() == 8).unwrap_or_else(|| panic!("{md}"));
    let last = torus_row.trim_end_matches('|').rsplit('|').next().unwrap().trim();
    assert!(last.starts_with(&format!("{:.2}", torus[4])), "{last} vs {}", torus[4]);
}
