//! `[penalty.trainable]` end to end on the toy navigation config: the points move (and stay on
//! their space), every epoch's points are saved, the run reruns and resumes bit for bit, and bad
//! settings — the collapse-prone inhibitors among them — are refused before any work.
mod common;
use common::{TOY, assert_refused, geosparse, metrics, npy_f32, ok, write_config as write};
use std::path::Path;
use std::process::Output;

fn train(cfg: &Path, out: &Path, extra: &[&str]) -> Output {
    common::train_quiet(cfg, out, &[&["--no-plots"], extra].concat())
}

/// The toy (N = 24, 3 epochs × 4 steps) with trainable points.
fn trainable_toy(extra: &str) -> String {
    let toy = TOY.replace("[train]\n", "[train]\ncheckpoint_every = 1\n");
    let (head, prune) = toy.split_at(toy.find("[prune]").unwrap());
    format!("{head}[penalty.trainable]\nlr = 0.05\n{extra}{prune}")
}

#[test]
fn the_points_move_stay_on_their_space_and_resume_exactly() {
    let d = tempfile::tempdir().unwrap();
    for space in ["torus", "klein", "sphere"] {
        let text = trainable_toy("").replace("space = \"torus\"", &format!("space = \"{space}\""));
        let cfg = write(d.path(), &format!("{space}.toml"), &text);
        let a = d.path().join(format!("{space}-a"));
        ok(&train(&cfg, &a, &[]));
        let first = npy_f32(&a.join("embedding_rnn.weight_hh_l0.npy"));
        let last = npy_f32(&a.join("embedding_rnn.weight_hh_l0_final.npy"));
        assert_eq!(first.len(), last.len());
        let moved = first.iter().zip(&last).filter(|(x, y)| x != y).count();
        assert!(moved > first.len() / 2, "{space}: only {moved} of {} coordinates moved", first.len());
        for e in 0..3 {
            assert!(a.join(format!("embeddings/rnn.weight_hh_l0_epoch{e}.npy")).exists(), "{space}: epoch {e}'s points");
        }
        assert_eq!(npy_f32(&a.join("embeddings/rnn.weight_hh_l0_epoch2.npy")), last);
        let k = first.len() / 24;
        for p in last.chunks(k) {
            match space {
                "sphere" => assert!((p.iter().map(|x| x * x).sum::<f32>() - 1.0).abs() < 1e-5, "off the sphere: {p:?}"),
                _ => assert!(p.iter().all(|&x| (0.0..10.0).contains(&x)), "outside the fundamental domain: {p:?}"),
            }
        }
    }
    // with plots: where the points went
    let plotted = d.path().join("plotted");
    ok(&common::train_quiet(&write(d.path(), "p.toml", &trainable_toy("")), &plotted, &[]));
    assert!(plotted.join("plots/points_moved.png").exists());
    // bit for bit: a rerun, and a run paused mid-epoch and resumed
    let cfg = write(d.path(), "t.toml", &trainable_toy(""));
    let (a, b, paused) = (d.path().join("a"), d.path().join("b"), d.path().join("paused"));
    ok(&train(&cfg, &a, &[]));
    ok(&train(&cfg, &b, &[]));
    assert_eq!(metrics(&a), metrics(&b));
    assert_eq!(std::fs::read(a.join("model.safetensors")).unwrap(), std::fs::read(b.join("model.safetensors")).unwrap());
    ok(&train(&cfg, &paused, &["--max-steps", "6"]));
    ok(&geosparse(&["--threads", "2", "train", "--resume", "--out", paused.to_str().unwrap(), "--no-plots", "--quiet"]));
    assert_eq!(metrics(&a), metrics(&paused));
    assert_eq!(std::fs::read(a.join("model.safetensors")).unwrap(), std::fs::read(paused.join("model.safetensors")).unwrap());
    assert_eq!(npy_f32(&a.join("embedding_rnn.weight_hh_l0_final.npy")), npy_f32(&paused.join("embedding_rnn.weight_hh_l0_final.npy")));
    // start = 0.5: the points stay put through epoch 0 (steps 0-3 of 12)
    let late = d.path().join("late");
    ok(&train(&write(d.path(), "late.toml", &trainable_toy("start = 0.5\n")), &late, &[]));
    assert_eq!(npy_f32(&late.join("embeddings/rnn.weight_hh_l0_epoch0.npy")), npy_f32(&late.join("embedding_rnn.weight_hh_l0.npy")));
    assert_ne!(npy_f32(&late.join("embeddings/rnn.weight_hh_l0_epoch2.npy")), npy_f32(&late.join("embedding_rnn.weight_hh_l0.npy")));
    // report and analyze read the trained points back
    ok(&geosparse(&["report", a.to_str().unwrap(), "--out", d.path().join("rep").to_str().unwrap()]));
}

#[test]
fn bad_trainable_settings_are_refused_before_any_work() {
    let d = tempfile::tempdir().unwrap();
    let base = trainable_toy("");
    let cases: Vec<(String, Vec<&str>)> = vec![
        (base.replace("lr = 0.05", "lr = -1"), vec!["penalty.trainable.lr", "-1"]),
        (trainable_toy("decay = 0\n"), vec!["penalty.trainable.decay", "0"]),
        (trainable_toy("start = 1\n"), vec!["penalty.trainable.start", "1"]),
        (base.replace("lambda = 0.1", "lambda = 0.0"), vec!["penalty.trainable", "lambda"]),
        (base.replace("invert = true", "invert = true\npermute = true"), vec!["penalty.trainable", "permute"]),
        (base.replace("inhibitor = \"dog\"\ninvert = true", "inhibitor = \"square\""), vec!["penalty.trainable", "square", "collapse"]),
        (base.replace("inhibitor = \"dog\"\ninvert = true", "inhibitor = \"gauss\"\ninvert = true"), vec!["penalty.trainable", "inverted gauss", "collapse"]),
        (base.replace("[penalty.trainable]", "[penalty.swaps]\n[penalty.trainable]"), vec!["penalty.trainable", "swaps"]),
        (trainable_toy("speed = 2\n"), vec!["unknown field", "speed"]),
    ];
    assert_refused(d.path(), &cases);
}
