//! seRNN's weight-dependent cost (`[penalty.communicability]`) on seRNN's lattice (`space =
//! "grid"`) end to end on the toy navigation config: the term is active (the run differs from
//! the plain distance penalty), it reruns and resumes bit for bit, and bad settings are refused
//! before any work.
mod common;
use common::{TOY, assert_refused, geosparse, metrics, ok, write_config as write};

/// The toy (N = 24 = 2 × 3 × 4) on a grid with the distance itself as R (seRNN's setting).
fn grid_toy(extra: &str) -> String {
    let toy = TOY.replace("[train]\n", "[train]\ncheckpoint_every = 1\n").replace(
        "space = \"torus\"\ninhibitor = \"dog\"\ninvert = true\n",
        "space = \"grid\"\nshape = [2, 3, 4]\ninhibitor = \"identity\"\n",
    );
    let (head, prune) = toy.split_at(toy.find("[prune]").unwrap());
    format!("{head}{extra}{prune}")
}

fn train(cfg: &std::path::Path, out: &std::path::Path, extra: &[&str]) -> std::process::Output {
    common::train_quiet(cfg, out, &[&["--no-plots"], extra].concat())
}

#[test]
fn the_communicability_cost_trains_reruns_and_resumes_exactly() {
    let d = tempfile::tempdir().unwrap();
    let comms = write(d.path(), "c.toml", &grid_toy("[penalty.communicability]\nfactor = 1.0\n"));
    let plain = write(d.path(), "p.toml", &grid_toy(""));
    let (a, b, paused, p) = (d.path().join("a"), d.path().join("b"), d.path().join("paused"), d.path().join("plain"));
    ok(&train(&comms, &a, &[]));
    ok(&train(&plain, &p, &[]));
    let (ma, mp) = (metrics(&a), metrics(&p));
    let pen = |m: &[serde_json::Value]| m.iter().map(|r| r["penalty"].as_f64().unwrap()).collect::<Vec<_>>();
    assert!(pen(&ma).iter().all(|v| v.is_finite() && *v > 0.0), "{:?}", pen(&ma));
    assert_ne!(pen(&ma), pen(&mp), "the communicability term must change the penalty");
    let saved = std::fs::read_to_string(a.join("config.toml")).unwrap();
    let flat: String = saved.chars().filter(|c| !c.is_whitespace()).collect();
    assert!(flat.contains("[penalty.communicability]factor=1.0") && flat.contains("shape=[2,3,4"), "{saved}");
    ok(&train(&comms, &b, &[]));
    assert_eq!(ma, metrics(&b));
    assert_eq!(std::fs::read(a.join("model.safetensors")).unwrap(), std::fs::read(b.join("model.safetensors")).unwrap());
    ok(&train(&comms, &paused, &["--max-steps", "6"]));
    ok(&geosparse(&["--threads", "2", "train", "--resume", "--out", paused.to_str().unwrap(), "--no-plots", "--quiet"]));
    assert_eq!(ma, metrics(&paused));
    assert_eq!(std::fs::read(a.join("model.safetensors")).unwrap(), std::fs::read(paused.join("model.safetensors")).unwrap());
    // a plain configuration leaves the section out (sweep ids of older configs stay the same)
    assert!(!std::fs::read_to_string(p.join("config.toml")).unwrap().contains("communicability"));
}

#[test]
fn bad_communicability_and_grid_settings_are_refused() {
    let d = tempfile::tempdir().unwrap();
    let c = "[penalty.communicability]\n";
    let cases: Vec<(String, Vec<&str>)> = vec![
        (grid_toy(&format!("{c}factor = 0.0\n")), vec!["penalty.communicability.factor", "0", "> 0"]),
        (grid_toy(&format!("{c}factor = -1.0\n")), vec!["penalty.communicability.factor", "-1"]),
        (grid_toy(&format!("{c}fator = 2.0\n")), vec!["fator"]),
        (grid_toy(c).replace("lambda = 0.1", "lambda = 0.0"), vec!["penalty.communicability", "lambda is 0"]),
        (grid_toy(c).replace("lambda = 0.1", "lambda = 0.1\np = 2"), vec!["penalty.communicability", "p = 2"]),
        (grid_toy(&format!("{c}[penalty.swaps]\nevery = 2\ncount = 4\n")), vec!["penalty.communicability", "swaps"]),
        (grid_toy("").replace("shape = [2, 3, 4]", "shape = [5, 5]"), vec!["penalty.regularizer.shape", "25 points", "N = 24"]),
        (grid_toy("").replace("shape = [2, 3, 4]\n", ""), vec!["penalty.regularizer.shape", "e.g. shape = [5, 5, 4]"]),
        (grid_toy("").replace("shape = [2, 3, 4]", "shape = [2, 3, 4]\nside = 3.0"), vec!["side", "grid"]),
        (grid_toy("[penalty.trainable]\nlr = 0.01\n"), vec!["penalty.trainable", "grid"]),
    ];
    assert_refused(d.path(), &cases);
}
