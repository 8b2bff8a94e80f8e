//! Helpers shared by the command-line tests: run the binary, insist on success.
#![allow(dead_code)]
use std::process::{Command, Output};

/// Runs `geosparse ARGS` and waits for it.
pub fn geosparse(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_geosparse")).args(args).output().unwrap()
}

/// Fails the test with both streams unless the command succeeded.
pub fn ok(o: &Output) {
    assert!(o.status.success(), "stdout: {}\nstderr: {}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
}

/// The standard output of a successful command.
pub fn stdout(o: &Output) -> String {
    ok(o);
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// A toy navigation config that trains in a fraction of a second (global pruning to 90 %).
pub const TOY: &str = r#"
seed = 4
[task]
kind = "navigation"
place_cells = 16
hidden = 24
sequence = 5
batch = 6
steps_per_epoch = 4
eval_batches = 1
eval_batch_size = 8
[train]
epochs = 3
optimizer = { kind = "adamw", lr = 3e-3, weight_decay = 0.01 }
[penalty]
lambda = 0.1
[penalty.regularizer]
space = "torus"
inhibitor = "dog"
invert = true
[prune]
kind = "linear"
target = 0.9
"#;

/// Writes `text` to `dir/name` and returns the path.
pub fn write_config(dir: &std::path::Path, name: &str, text: &str) -> std::path::PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

/// `geosparse --threads 2 train --config CFG --out OUT --quiet EXTRA...`.
pub fn train_quiet(cfg: &std::path::Path, out: &std::path::Path, extra: &[&str]) -> Output {
    let mut args = vec!["--threads", "2", "train", "--config", cfg.to_str().unwrap(), "--out", out.to_str().unwrap(), "--quiet"];
    args.extend_from_slice(extra);
    geosparse(&args)
}

/// metrics.jsonl of a run without the wall-clock field (what must repeat bit for bit).
pub fn metrics(run: &std::path::Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(run.join("metrics.jsonl"))
        .unwrap()
        .lines()
        .map(|l| {
            let mut v: serde_json::Value = serde_json::from_str(l).unwrap();
            v.as_object_mut().unwrap().remove("wall_s");
            v
        })
        .collect()
}

/// The values of a little-endian f32 .npy file written by geosparse.
pub fn npy_f32(path: &std::path::Path) -> Vec<f32> {
    let b = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let header = u16::from_le_bytes([b[8], b[9]]) as usize;
    b[10 + header..].chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect()
}

/// Each (config text, expected fragments): `train` exits 2 with every fragment in its error,
/// no panic, and no run folder.
pub fn assert_refused(dir: &std::path::Path, cases: &[(String, Vec<&str>)]) {
    let out = dir.join("never");
    for (i, (text, wants)) in cases.iter().enumerate() {
        let cfg = write_config(dir, &format!("bad{i}.toml"), text);
        let o = train_quiet(&cfg, &out, &["--no-plots"]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "case {i}: {err}");
        assert!(!err.contains("panicked"), "case {i}: {err}");
        for w in wants {
            assert!(err.contains(w), "case {i}: expected {w:?} in {err}");
        }
        assert!(!out.exists(), "case {i}: a refused config must not create the run folder");
    }
}
