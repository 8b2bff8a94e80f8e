//! `[penalty.swaps]` end to end on the toy navigation config: swap rounds that lower the wiring
//! cost, the final neuron order and points in the run folder, bit-for-bit reruns and resumes,
//! and bad settings refused before any work.
mod common;
use common::{TOY, assert_refused, geosparse, metrics, npy_f32, ok, train_quiet as train, write_config as write};

/// The toy (N = 24, 12 steps) with a swap round every 2 steps, 4 neurons each.
fn swapping_toy(extra: &str) -> String {
    let toy = TOY.replace("[train]\n", "[train]\ncheckpoint_every = 1\n");
    let (head, prune) = toy.split_at(toy.find("[prune]").unwrap());
    format!("{head}[penalty.swaps]\nevery = 2\ncount = 4\n{extra}{prune}")
}

#[test]
fn swaps_lower_the_wiring_cost_move_the_points_and_resume_exactly() {
    let d = tempfile::tempdir().unwrap();
    let cfg = write(d.path(), "swap.toml", &swapping_toy(""));
    let (a, b, paused) = (d.path().join("a"), d.path().join("b"), d.path().join("paused"));
    ok(&train(&cfg, &a, &[]));
    let m = metrics(&a);
    // rounds before steps 2 (epoch 0), 4 and 6 (epoch 1), 8 and 10 (epoch 2)
    let rounds: Vec<u64> = m.iter().map(|r| r["swaps"]["rounds"].as_u64().unwrap()).collect();
    assert_eq!(rounds, vec![1, 2, 2]);
    let swaps: u64 = m.iter().map(|r| r["swaps"]["swaps"].as_u64().unwrap()).sum();
    assert!(swaps > 0, "{m:?}");
    for r in &m {
        let g = r["swaps"]["gain"].as_f64().unwrap();
        assert!(g >= 0.0, "a round never raises the cost: {r}");
    }
    assert!(m.iter().any(|r| r["swaps"]["gain"].as_f64().unwrap() > 0.0));
    // the final order is a permutation, not the identity, and the final points follow it
    let s: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(a.join("summary.json")).unwrap()).unwrap();
    let order: Vec<usize> = serde_json::from_value(s["regularizers"][0]["order"].clone()).unwrap();
    let mut sorted = order.clone();
    sorted.sort();
    assert_eq!(sorted, (0..24).collect::<Vec<_>>());
    assert_ne!(order, sorted);
    let (first, last) = (npy_f32(&a.join("embedding_rnn.weight_hh_l0.npy")), npy_f32(&a.join("embedding_rnn.weight_hh_l0_final.npy")));
    let dim = first.len() / 24;
    for (i, &o) in order.iter().enumerate() {
        assert_eq!(last[i * dim..(i + 1) * dim], first[o * dim..(o + 1) * dim], "neuron {i} holds point {o}");
    }
    assert!(a.join("plots/weights_vs_distance.png").exists());
    assert!(a.join("plots/points_moved.png").exists());
    // bit for bit: the same run twice, and a run paused mid-epoch (after a round) and resumed
    ok(&train(&cfg, &b, &["--no-plots"]));
    assert_eq!(metrics(&a), metrics(&b));
    assert_eq!(std::fs::read(a.join("model.safetensors")).unwrap(), std::fs::read(b.join("model.safetensors")).unwrap());
    ok(&train(&cfg, &paused, &["--no-plots", "--max-steps", "7"]));
    ok(&geosparse(&["--threads", "2", "train", "--resume", "--out", paused.to_str().unwrap(), "--no-plots", "--quiet"]));
    assert_eq!(metrics(&a), metrics(&paused));
    assert_eq!(std::fs::read(a.join("model.safetensors")).unwrap(), std::fs::read(paused.join("model.safetensors")).unwrap());
    // `geosparse report` scores the geometry the net ended with (the swapped one)
    let rep = d.path().join("rep");
    ok(&geosparse(&["report", a.to_str().unwrap(), "--out", rep.to_str().unwrap()]));
}

#[test]
fn bad_swap_settings_are_refused_before_any_work() {
    let d = tempfile::tempdir().unwrap();
    let cases: Vec<(String, Vec<&str>)> = vec![
        (swapping_toy("").replace("every = 2", "every = 0"), vec!["penalty.swaps.every", "0"]),
        (swapping_toy("").replace("count = 4", "count = 0"), vec!["penalty.swaps.count", "0", "24"]),
        (swapping_toy("").replace("count = 4", "count = 25"), vec!["penalty.swaps.count", "25", "24"]),
        (swapping_toy("end = 1.5\n"), vec!["penalty.swaps.end", "1.5"]),
        (swapping_toy("").replace("lambda = 0.1", "lambda = 0.0"), vec!["penalty.swaps", "lambda"]),
        (swapping_toy("").replace("lambda = 0.1", "lambda = 0.1\nshared_layers = true"), vec!["penalty.swaps", "shared_layers"]),
        (swapping_toy("rate = 3\n"), vec!["unknown field", "rate"]),
    ];
    assert_refused(d.path(), &cases);
}
