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
