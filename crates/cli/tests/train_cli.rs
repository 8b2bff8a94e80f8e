//! `geosparse train` end to end on a toy navigation config: the run folder, reproducibility,
//! resume after a pause and after a kill, the controls, divergence, and bad configs.
mod common;
use common::{geosparse, metrics, ok, write_config};
use std::path::Path;
use std::process::{Command, Output};

use common::TOY;

fn train(cfg: &Path, out: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["--threads", "2", "train", "--config", cfg.to_str().unwrap(), "--out", out.to_str().unwrap(), "--no-plots"];
    args.extend_from_slice(extra);
    geosparse(&args)
}

#[test]
fn run_folder_holds_everything_and_is_reproducible() {
    let d = tempfile::tempdir().unwrap();
    let cfg = write_config(d.path(), "toy.toml", TOY);
    let (a, b) = (d.path().join("a"), d.path().join("b"));
    ok(&geosparse(&["--threads", "2", "train", "--config", cfg.to_str().unwrap(), "--out", a.to_str().unwrap()]));
    ok(&train(&cfg, &b, &[]));
    for f in ["config.toml", "metrics.jsonl", "checkpoint.safetensors", "model.safetensors", "summary.json", "embedding_rnn.weight_hh_l0.npy", "plots/curves.png", "plots/weights_vs_distance.png", "plots/connections.png"] {
        assert!(a.join(f).exists(), "missing {f}");
    }
    // the resolved config spells out every default
    let resolved = std::fs::read_to_string(a.join("config.toml")).unwrap();
    for key in ["weight_decay", "eval_batch_size", "plateau_divisor", "scope", "width2"] {
        assert!(resolved.contains(key), "config.toml lacks {key}:\n{resolved}");
    }
    // one record per epoch, sparsity following a(e) = 0.9·e/(E − 1)
    let m = metrics(&a);
    assert_eq!(m.len(), 3);
    for (e, want) in [0.0, 0.45, 0.9].iter().enumerate() {
        let got = m[e]["sparsity"].as_f64().unwrap();
        assert!((got - want).abs() < 0.01, "epoch {e}: sparsity {got}");
    }
    let s: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(a.join("summary.json")).unwrap()).unwrap();
    assert_eq!(s["status"], "completed");
    assert!(s["train"]["val"]["error_cm"].as_f64().unwrap() > 0.0);
    // each pruned tensor's size is recorded, and with the per-tensor sparsities gives the overall one
    let (sp, entries) = (&s["train"]["sparsity_per_tensor"], s["train"]["entries_per_tensor"].as_object().expect("entries_per_tensor"));
    assert_eq!(entries.len(), sp.as_object().unwrap().len());
    let pruned: f64 = entries.iter().map(|(k, n)| sp[k].as_f64().unwrap() * n.as_f64().unwrap()).sum();
    let total: f64 = entries.values().map(|n| n.as_f64().unwrap()).sum();
    assert!((pruned / total - s["train"]["sparsity"].as_f64().unwrap()).abs() < 1e-12);
    assert!(entries["rnn.weight_hh_l0"].as_u64().unwrap() > 0);
    // same seed and threads: the same numbers, bit for bit
    assert_eq!(metrics(&a), metrics(&b));
    assert_eq!(std::fs::read(a.join("model.safetensors")).unwrap(), std::fs::read(b.join("model.safetensors")).unwrap());
    // another seed differs
    let c = d.path().join("c");
    ok(&train(&cfg, &c, &["--set", "seed=5"]));
    assert_ne!(metrics(&a), metrics(&c));
}

#[test]
fn resume_after_pause_and_after_kill_gives_the_same_run() {
    let d = tempfile::tempdir().unwrap();
    let text = TOY.replace("[train]\n", "[train]\ncheckpoint_every = 1\n");
    let cfg = write_config(d.path(), "toy.toml", &text);
    let full = d.path().join("full");
    ok(&train(&cfg, &full, &[]));
    // paused mid-epoch (step 6 of 12), then resumed
    let paused = d.path().join("paused");
    let o = train(&cfg, &paused, &["--max-steps", "6"]);
    ok(&o);
    assert!(String::from_utf8_lossy(&o.stdout).contains("paused after 6 steps"));
    assert_eq!(metrics(&paused).len(), 1);
    ok(&train(&cfg, &paused, &["--resume"]));
    assert_eq!(metrics(&full), metrics(&paused));
    assert_eq!(std::fs::read(full.join("model.safetensors")).unwrap(), std::fs::read(paused.join("model.safetensors")).unwrap());
    // killed (SIGKILL) at whatever point after its first checkpoint, then resumed
    let killed = d.path().join("killed");
    let slow = text.replace("epochs = 3", "epochs = 3\ncompat_accumulate_grads = false");
    let cfg2 = write_config(d.path(), "toy2.toml", &slow);
    let mut child = Command::new(env!("CARGO_BIN_EXE_geosparse"))
        .args(["--threads", "2", "train", "--config", cfg2.to_str().unwrap(), "--out", killed.to_str().unwrap(), "--no-plots", "--quiet"])
        .spawn()
        .unwrap();
    let ck = killed.join("checkpoint.safetensors");
    let t0 = std::time::Instant::now();
    while !ck.exists() && t0.elapsed().as_secs() < 60 {
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    ok(&geosparse(&["--threads", "2", "train", "--resume", "--out", killed.to_str().unwrap(), "--no-plots"]));
    assert_eq!(metrics(&full), metrics(&killed));
    assert_eq!(std::fs::read(full.join("model.safetensors")).unwrap(), std::fs::read(killed.join("model.safetensors")).unwrap());
    // resuming a finished run changes nothing
    ok(&geosparse(&["--threads", "2", "train", "--resume", "--out", full.to_str().unwrap(), "--no-plots"]));
    assert_eq!(metrics(&full), metrics(&killed));
}

fn tensors(path: &Path) -> std::collections::HashMap<String, (Vec<usize>, Vec<u8>)> {
    let bytes = std::fs::read(path).unwrap();
    let st = safetensors::SafeTensors::deserialize(&bytes).unwrap();
    st.iter().map(|(n, v)| (n.to_string(), (v.shape().to_vec(), v.data().to_vec()))).collect()
}

fn f32s(b: &[u8]) -> Vec<f32> {
    b.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect()
}

#[test]
fn controls_retrain_with_the_right_mask_and_weights() {
    let d = tempfile::tempdir().unwrap();
    // a learning rate so small that the control's weights stay at their starting values
    let frozen = TOY.replace("lr = 3e-3", "lr = 1e-12");
    let cfg = write_config(d.path(), "toy.toml", &frozen);
    let mut masks = Vec::new();
    for kind in ["lottery", "rewind", "random-mask"] {
        let out = d.path().join(kind);
        ok(&train(&cfg, &out, &["--set", &format!("control.kind={kind}")]));
        let trained = tensors(&out.join("model.safetensors"));
        let control = tensors(&out.join("control.safetensors"));
        let s: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
        assert_eq!(s["control_kind"], kind.replace('-', ""));
        assert!(s["control"]["val"]["error_cm"].as_f64().unwrap() > 0.0);
        // one clock for the whole run: the control's records go on from the training's last
        let walls: Vec<f64> = std::fs::read_to_string(out.join("metrics.jsonl")).unwrap().lines().map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["wall_s"].as_f64().unwrap()).collect();
        assert!(walls.windows(2).all(|w| w[1] >= w[0]), "{kind}: wall_s goes back: {walls:?}");
        assert_eq!(s["wall_s"].as_f64().unwrap(), *walls.last().unwrap());
        let name = "__mask__.rnn.weight_hh_l0";
        let (tm, cm) = (&trained[name].1, &control[name].1);
        let ones = |m: &Vec<u8>| m.iter().filter(|&&k| k == 1).count();
        assert_eq!(ones(tm), ones(cm), "{kind}: densities differ");
        match kind {
            "random-mask" => assert_ne!(tm, cm),
            _ => assert_eq!(tm, cm, "{kind}: not the final mask"),
        }
        masks.push(control["rnn.weight_hh_l0"].1.clone());
    }
    // rewind starts from the run's own initial weights; the lottery from fresh ones
    let init = d.path().join("init");
    ok(&train(&cfg, &init, &["--set", "prune.kind=none", "--set", "train.epochs=1"]));
    let w0 = f32s(&tensors(&init.join("model.safetensors"))["rnn.weight_hh_l0"].1);
    let rewind = f32s(&masks[1]);
    let lottery = f32s(&masks[0]);
    let close = |a: &[f32], b: &[f32]| a.iter().zip(b).all(|(x, y)| *x == 0.0 || (x - y).abs() < 1e-5);
    assert!(close(&rewind, &w0), "rewind did not start from the initial weights");
    assert!(!close(&lottery, &w0), "the lottery reused the initial weights");
}

#[test]
fn a_diverging_run_stops_and_keeps_its_last_good_checkpoint() {
    let d = tempfile::tempdir().unwrap();
    let sgd = TOY.replace(r#"optimizer = { kind = "adamw", lr = 3e-3, weight_decay = 0.01 }"#, r#"optimizer = { kind = "sgd", lr = 0.01 }"#);
    let cfg = write_config(d.path(), "toy.toml", &sgd);
    let out = d.path().join("run");
    ok(&train(&cfg, &out, &["--max-steps", "4"])); // one good epoch
    let ck = std::fs::read(out.join("checkpoint.safetensors")).unwrap();
    let o = train(&cfg, &out, &["--resume", "--set", "train.optimizer.lr=1e30"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(err.contains("diverged") && err.contains("last good checkpoint"), "{err}");
    assert!(!err.contains("panicked"));
    assert_eq!(std::fs::read(out.join("checkpoint.safetensors")).unwrap(), ck);
    let s: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(s["status"], "diverged");
    // a config change other than the learning rate is refused on resume
    let o = train(&cfg, &out, &["--resume", "--set", "prune.target=0.5"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("only name, threads, train.optimizer.lr"));
}

#[test]
fn bad_configs_are_refused_before_any_work() {
    let d = tempfile::tempdir().unwrap();
    let out = d.path().join("never");
    let cases: Vec<(String, Vec<&str>)> = vec![
        (TOY.replace("seed = 4", "sede = 4"), vec!["unknown field", "sede"]),
        (TOY.replace("target = 0.9", "target = 1.0"), vec!["prune.target", "1"]),
        (TOY.replace("lambda = 0.1", "lambda = -0.5"), vec!["penalty.lambda", "-0.5"]),
        (TOY.replace("place_cells = 16", "place_cells = 0"), vec!["task.place_cells", "0"]),
        (TOY.replace("space = \"torus\"", "space = \"tours\""), vec!["tours", "torus"]),
        (TOY.replace("kind = \"navigation\"", "kind = \"navigaton\""), vec!["navigaton"]),
        (TOY.replace("epochs = 3", "epochs = 0"), vec!["train.epochs"]),
    ];
    for (i, (text, wants)) in cases.iter().enumerate() {
        let cfg = write_config(d.path(), &format!("bad{i}.toml"), text);
        let o = train(&cfg, &out, &[]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "case {i}: {err}");
        assert!(!err.contains("panicked"), "case {i}: {err}");
        for w in wants {
            assert!(err.contains(w), "case {i}: expected {w:?} in {err}");
        }
    }
    let o = geosparse(&["train", "--config", "/nonexistent/geosparse.toml"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("/nonexistent/geosparse.toml"));
    let cfg = write_config(d.path(), "toy.toml", TOY);
    let o = train(&cfg, &out, &["--set", "prune.target=2"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(!out.exists(), "a refused config must not create the run folder");
    // an existing run folder is never overwritten without --force
    let run = d.path().join("run");
    std::fs::create_dir(&run).unwrap();
    std::fs::write(run.join("notes.txt"), b"mine").unwrap();
    let o = train(&cfg, &run, &[]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--resume") && String::from_utf8_lossy(&o.stderr).contains("--force"));
    assert_eq!(std::fs::read(run.join("notes.txt")).unwrap(), b"mine");
}

#[test]
fn every_shipped_config_is_valid() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../configs");
    let mut n = 0;
    for e in std::fs::read_dir(&dir).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "toml") {
            let cfg = geosparse_experiments::config::RunConfig::from_file(&p, &[]).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            assert!(!cfg.name.is_empty());
            n += 1;
        }
    }
    assert!(n >= 6, "only {n} configs");
}

#[test]
fn every_shipped_sweep_expands_into_valid_distinct_runs() {
    use geosparse_experiments::sweep::spec::SweepSpec;
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../sweeps");
    let mut n = 0;
    for e in std::fs::read_dir(&dir).unwrap() {
        let p = e.unwrap().path();
        if p.extension().is_some_and(|x| x == "toml") {
            let grid = SweepSpec::from_file(&p).and_then(|s| s.expand()).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            let ids: std::collections::BTreeSet<_> = grid.iter().map(|g| g.id.clone()).collect();
            assert_eq!(ids.len(), grid.len(), "{}: two grid points share a run id", p.display());
            n += 1;
        }
    }
    assert!(n >= 10, "only {n} sweep files");
}
