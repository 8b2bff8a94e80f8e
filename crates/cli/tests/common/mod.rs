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
