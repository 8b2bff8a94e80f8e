//! `prune.kind = "dynamic"` end to end on the toy navigation config: sparse at the target from
//! the first epoch, the mask moving on schedule, reproducible, resumable, and bad settings
//! refused before any work.
mod common;
use common::{TOY, assert_refused, geosparse, metrics, ok, write_config as write};
use std::collections::HashMap;
use std::path::Path;
use std::process::Output;

fn train(cfg: &Path, out: &Path, extra: &[&str]) -> Output {
    common::train_quiet(cfg, out, &[&["--no-plots"], extra].concat())
}

/// The toy with dynamic sparsity at 90 % (ΔT 2: updates at steps 2, 4, 6, 8 of 12).
fn dynamic_toy(regrow: &str) -> String {
    let toy = TOY.replace("[train]\n", "[train]\ncheckpoint_every = 1\n").replace("kind = \"linear\"", "kind = \"dynamic\"");
    format!("{toy}[prune.dynamic]\nupdate_every = 2\nregrow = \"{regrow}\"\ninit = \"geometric\"\n")
}

/// name → mask bytes of a safetensors file written by geosparse (U8 tensors `__mask__.<name>`).
fn masks(path: &Path) -> HashMap<String, Vec<u8>> {
    let bytes = std::fs::read(path).unwrap();
    let st = safetensors::SafeTensors::deserialize(&bytes).unwrap();
    st.iter().filter(|(n, _)| n.starts_with("__mask__.")).map(|(n, v)| (n.to_string(), v.data().to_vec())).collect()
}

#[test]
fn erk_densities_share_the_target_by_shape_and_hold_every_epoch() {
    let d = tempfile::tempdir().unwrap();
    let cfg = write(d.path(), "erk.toml", &dynamic_toy("random").replace("[prune.dynamic]\n", "[prune.dynamic]\ndensities = \"erk\"\n"));
    let out = d.path().join("erk");
    ok(&train(&cfg, &out, &[]));
    // ERK by hand: kept fraction ε (r + c) / (r c), ε · Σ (r + c) = 0.1 · Σ r c (none capped here)
    let shapes = [("encoder.weight", 24usize, 16usize), ("rnn.weight_ih_l0", 24, 2), ("rnn.weight_hh_l0", 24, 24), ("decoder.weight", 16, 24)];
    let eps = 0.1 * shapes.iter().map(|s| (s.1 * s.2) as f64).sum::<f64>() / shapes.iter().map(|s| (s.1 + s.2) as f64).sum::<f64>();
    let (mut kept, mut total) = (0.0, 0.0);
    for rec in metrics(&out) {
        for &(name, r, c) in &shapes {
            let len = (r * c) as f64;
            let want = 1.0 - (eps * (r + c) as f64 / len * len).round() / len;
            let sp = rec["sparsity_per_tensor"][name].as_f64().unwrap();
            assert!((sp - want).abs() < 1e-9, "{name}: {sp} vs {want}");
            (kept, total) = (kept + (1.0 - sp) * len, total + len);
        }
    }
    assert!((kept / total - 0.1).abs() < 0.01, "the set keeps about 10 %: {}", kept / total);
    let resolved = std::fs::read_to_string(out.join("config.toml")).unwrap();
    assert!(resolved.contains("densities = \"erk\""), "{resolved}");
    // at 72 % the 2-wide W_ih's share passes 1: it stays whole and the others share the rest
    let capped = d.path().join("capped");
    let cfg70 = dynamic_toy("random").replace("[prune.dynamic]\n", "[prune.dynamic]\ndensities = \"erk\"\n").replace("target = 0.9", "target = 0.72");
    assert!(cfg70.contains("target = 0.72"));
    ok(&train(&write(d.path(), "erk70.toml", &cfg70), &capped, &[]));
    let eps = (0.28 * 1392.0 - 48.0) / (40.0 + 48.0 + 40.0); // W_ih (48 entries) whole; ε · Σ (r + c) of the rest
    for rec in metrics(&capped) {
        assert_eq!(rec["sparsity_per_tensor"]["rnn.weight_ih_l0"].as_f64(), Some(0.0));
        for &(name, r, c) in shapes.iter().filter(|s| s.0 != "rnn.weight_ih_l0") {
            let len = (r * c) as f64;
            let want = 1.0 - (eps * (r + c) as f64 / len * len).round() / len;
            let sp = rec["sparsity_per_tensor"][name].as_f64().unwrap();
            assert!((sp - want).abs() < 1e-9, "{name}: {sp} vs {want}");
        }
    }
    let bad = dynamic_toy("random").replace("[prune.dynamic]\n", "[prune.dynamic]\ndensities = \"lognormal\"\n");
    assert_refused(d.path(), &[(bad, vec!["densities", "lognormal"])]);
}

#[test]
fn a_dynamic_run_is_sparse_from_the_start_moves_its_mask_and_resumes_exactly() {
    let d = tempfile::tempdir().unwrap();
    let cfg = write(d.path(), "dyn.toml", &dynamic_toy("gradient-geometric"));
    let (a, b, paused) = (d.path().join("a"), d.path().join("b"), d.path().join("paused"));
    ok(&train(&cfg, &a, &[]));
    let m = metrics(&a);
    assert_eq!(m.len(), 3);
    for (e, rec) in m.iter().enumerate() {
        // every tensor at exactly round(0.1 · len) kept from the first epoch on
        for (name, sp) in rec["sparsity_per_tensor"].as_object().unwrap() {
            let len = match name.as_str() {
                "encoder.weight" => 24 * 16,
                "rnn.weight_ih_l0" => 24 * 2,
                "rnn.weight_hh_l0" => 24 * 24,
                "decoder.weight" => 16 * 24,
                other => panic!("unexpected tensor {other}"),
            };
            let want = 1.0 - (0.1 * len as f64).round() / len as f64;
            assert!((sp.as_f64().unwrap() - want).abs() < 1e-9, "epoch {e} {name}: {sp} vs {want}");
        }
    }
    // updates at steps 2 (epoch 0), 4, 6 (epoch 1) and 8 (epoch 2; none from 9 = 75 % of 12),
    // each trading ⌊α_t · kept⌋ weights of every tensor, α_t = 0.15 (1 + cos(π t / 9))
    let kept = [38u64, 5, 58, 38]; // round(0.1 · len) of encoder, W_ih, W_hh, decoder
    let traded = |t: u64| -> u64 {
        let a = 0.5 * 0.3 * (1.0 + (std::f64::consts::PI * t as f64 / 9.0).cos());
        kept.iter().map(|&k| (a * k as f64).floor() as u64).sum()
    };
    let regrown: Vec<u64> = m.iter().map(|r| r["regrown"].as_u64().unwrap()).collect();
    assert_eq!(regrown, vec![traded(2), traded(4) + traded(6), traded(8)]);
    assert!(regrown[0] > 0 && regrown[1] > 0, "{regrown:?}");
    // the saved config spells out the dynamic defaults
    let resolved = std::fs::read_to_string(a.join("config.toml")).unwrap();
    for key in ["[prune.dynamic]", "alpha = 0.3", "end = 0.75", "tau = 0.1"] {
        assert!(resolved.contains(key), "config.toml lacks {key}:\n{resolved}");
    }
    // bit for bit: the same run twice, and a run paused mid-epoch and resumed
    ok(&train(&cfg, &b, &[]));
    assert_eq!(metrics(&a), metrics(&b));
    assert_eq!(std::fs::read(a.join("model.safetensors")).unwrap(), std::fs::read(b.join("model.safetensors")).unwrap());
    ok(&train(&cfg, &paused, &["--max-steps", "5"]));
    ok(&geosparse(&["--threads", "2", "train", "--resume", "--out", paused.to_str().unwrap(), "--no-plots", "--quiet"]));
    assert_eq!(metrics(&a), metrics(&paused));
    assert_eq!(std::fs::read(a.join("model.safetensors")).unwrap(), std::fs::read(paused.join("model.safetensors")).unwrap());
    // another regrowth rule ends with another mask (the same first mask: same seed, same init)
    let random = d.path().join("random");
    ok(&train(&write(d.path(), "rand.toml", &dynamic_toy("random")), &random, &[]));
    let (ma, mr) = (masks(&a.join("model.safetensors")), masks(&random.join("model.safetensors")));
    assert!(!ma.is_empty());
    assert_ne!(ma, mr);
}

#[test]
fn bad_dynamic_settings_are_refused_before_any_work() {
    let d = tempfile::tempdir().unwrap();
    let base = dynamic_toy("random");
    let cases: Vec<(String, Vec<&str>)> = vec![
        (base.replace("target = 0.9", "target = 0.0"), vec!["prune.target", "dynamic"]),
        (base.replace("target = 0.9", "target = 1.0"), vec!["prune.target", "1"]),
        (base.replace("update_every = 2", "update_every = 0"), vec!["prune.dynamic.update_every", "0"]),
        (base.replace("update_every = 2", "update_every = 2\nalpha = 1.5"), vec!["prune.dynamic.alpha", "1.5"]),
        (base.replace("update_every = 2", "update_every = 2\nend = 0.0"), vec!["prune.dynamic.end"]),
        (base.replace("update_every = 2", "update_every = 2\ntau = -1"), vec!["prune.dynamic.tau", "-1"]),
        (base.replace("regrow = \"random\"", "regrow = \"nearest\""), vec!["nearest", "gradient-geometric"]),
        (base.replace("inhibitor = \"dog\"\ninvert = true", "inhibitor = \"constant\""), vec!["prune.dynamic", "constant"]),
        (format!("{TOY}[prune.dynamic]\nalpha = 0.2\n"), vec!["prune.dynamic", "kind = \"dynamic\""]),
    ];
    assert_refused(d.path(), &cases);
}
