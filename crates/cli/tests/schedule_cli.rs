//! Learning-rate schedules by epoch (Zaremba et al.'s PTB recipe): the exact rate of every
//! epoch in metrics.jsonl, unchanged by a pause and resume; bad values refused.
mod common;
use common::{TOY, geosparse, ok};
use std::path::Path;

fn lrs(run: &Path) -> Vec<f64> {
    std::fs::read_to_string(run.join("metrics.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()["lr"].as_f64().unwrap())
        .collect()
}

#[test]
fn epoch_decay_sets_the_exact_rate_of_every_epoch() {
    let d = tempfile::tempdir().unwrap();
    let cfg = d.path().join("z.toml");
    let text = TOY
        .replace(r#"optimizer = { kind = "adamw", lr = 3e-3, weight_decay = 0.01 }"#, "optimizer = { kind = \"sgd\", lr = 1.0 }\nlr_decay = 0.5\nlr_decay_after = 4")
        .replace("epochs = 3", "epochs = 7")
        .replace("lambda = 0.1", "lambda = 0.0");
    std::fs::write(&cfg, text).unwrap();
    let (a, b) = (d.path().join("a"), d.path().join("b"));
    let train = |out: &Path, extra: &[&str]| {
        let mut args = vec!["--threads", "1", "train", "--config", cfg.to_str().unwrap(), "--out", out.to_str().unwrap(), "--no-plots", "--quiet"];
        args.extend_from_slice(extra);
        geosparse(&args)
    };
    ok(&train(&a, &[]));
    assert_eq!(lrs(&a), [1.0, 1.0, 1.0, 1.0, 0.5, 0.25, 0.125]);
    // paused inside epoch 5 and resumed: the same rates, the same model
    ok(&train(&b, &["--max-steps", "18"]));
    ok(&train(&b, &["--resume"]));
    assert_eq!(lrs(&b), lrs(&a));
    assert_eq!(std::fs::read(a.join("model.safetensors")).unwrap(), std::fs::read(b.join("model.safetensors")).unwrap());
    // Zaremba's medium model: ÷ 1.2 after 6 epochs, computed from the base rate each epoch
    let medium = geosparse_engine::optim::EpochDecay { after: 6, factor: (1.0f64 / 1.2) as f32 };
    assert_eq!(medium.lr(1.0, 5), 1.0);
    assert_eq!(medium.lr(1.0, 6), (1.0f64 * (1.0f64 / 1.2) as f32 as f64) as f32);
    assert!((medium.lr(1.0, 38) as f64 - (1.0 / 1.2f64).powi(33)).abs() < 1e-6);
}

#[test]
fn bad_schedules_are_refused() {
    let d = tempfile::tempdir().unwrap();
    let cfg = d.path().join("t.toml");
    std::fs::write(&cfg, TOY).unwrap();
    for (set, want) in [
        (vec!["train.lr_decay=0"], "train.lr_decay: 0"),
        (vec!["train.lr_decay=1.5"], "train.lr_decay: 1.5"),
        (vec!["train.lr_decay=-0.5"], "train.lr_decay: -0.5"),
        (vec!["train.lr_decay_after=4"], "train.lr_decay_after: 4 has no effect"),
        (vec!["train.lr_decay=0.5", "train.plateau_divisor=4"], "two learning-rate schedules"),
    ] {
        let mut args = vec!["train", "--config", cfg.to_str().unwrap(), "--out", d.path().join("never").to_str().unwrap().to_string().leak()];
        for s in &set {
            args.push("--set");
            args.push(s);
        }
        let o = geosparse(&args);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{set:?}: {err}");
        assert!(err.contains(want), "{set:?}: expected {want:?} in {err}");
    }
}

fn column(run: &Path, key: &str) -> Vec<f64> {
    std::fs::read_to_string(run.join("metrics.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap()[key].as_f64().unwrap())
        .collect()
}

#[test]
fn lambda_schedules_scale_the_penalty_per_epoch_and_resume_exactly() {
    let d = tempfile::tempdir().unwrap();
    let write = |name: &str, schedule: &str| {
        let p = d.path().join(name);
        // per-tensor pruning keeps W_hh (and so the penalty) alive
        std::fs::write(&p, TOY.replace("epochs = 3", "epochs = 4").replace("target = 0.9", "target = 0.5\nscope = \"per-tensor\"") + schedule).unwrap();
        p
    };
    let run = |cfg: &Path, out: &Path, extra: &[&str]| {
        let mut args = vec!["--threads", "1", "train", "--config", cfg.to_str().unwrap(), "--out", out.to_str().unwrap(), "--no-plots", "--quiet"];
        args.extend_from_slice(extra);
        geosparse(&args)
    };
    let warm = write("w.toml", "[penalty.schedule]\nkind = \"warmup\"\nwarmup_epochs = 4\n");
    let (a, b) = (d.path().join("a"), d.path().join("b"));
    ok(&run(&warm, &a, &[]));
    assert_eq!(column(&a, "lambda_factor"), [0.25, 0.5, 0.75, 1.0]);
    // paused mid-run and resumed: the same numbers
    ok(&run(&warm, &b, &["--max-steps", "6"]));
    ok(&run(&warm, &b, &["--resume"]));
    assert_eq!(std::fs::read(a.join("model.safetensors")).unwrap(), std::fs::read(b.join("model.safetensors")).unwrap());
    assert_eq!(column(&a, "penalty"), column(&b, "penalty"));
    // a constant schedule is the plain run; the warm-up charges less in its first epoch
    let flat = write("c.toml", "");
    let c = d.path().join("c");
    ok(&run(&flat, &c, &[]));
    assert_eq!(column(&c, "lambda_factor"), [1.0; 4]);
    let (pw, pc) = (column(&a, "penalty"), column(&c, "penalty"));
    assert!(pw[0] < 0.5 * pc[0], "{pw:?} vs {pc:?}");
    // cosine to 0: the last epoch and the summary carry no penalty
    let cos = write("z.toml", "[penalty.schedule]\nkind = \"cosine\"\nend = 0.0\n");
    let z = d.path().join("z");
    ok(&run(&cos, &z, &[]));
    let f = column(&z, "lambda_factor");
    assert_eq!((f[0], f[3]), (1.0, 0.0));
    let s: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(z.join("summary.json")).unwrap()).unwrap();
    assert_eq!(s["train"]["penalty"].as_f64(), Some(0.0));
    // unknown kinds and bad fields are refused by name
    for (schedule, want) in [("kind = \"sawtooth\"", "sawtooth"), ("kind = \"steps\"", "penalty.schedule.milestones"), ("kind = \"warmup\"\nwarmup_epochs = 0", "penalty.schedule.warmup_epochs")] {
        let bad = write("bad.toml", &format!("[penalty.schedule]\n{schedule}\n"));
        let o = run(&bad, &d.path().join("never"), &[]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{err}");
        assert!(err.contains(want), "expected {want:?} in {err}");
    }
}
