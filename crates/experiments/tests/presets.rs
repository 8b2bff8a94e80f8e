//! Every committed preset (`configs/*.toml`) loads and validates, and every committed sweep
//! file (`sweeps/*.toml`) expands to a grid of valid, distinct configs — so a documented command
//! never starts with a config error.

use geosparse_experiments::config::RunConfig;
use geosparse_experiments::sweep::spec::SweepSpec;
use std::path::{Path, PathBuf};

fn files(dir: &str) -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").join(dir);
    let mut v: Vec<PathBuf> = std::fs::read_dir(&root).unwrap().map(|e| e.unwrap().path()).filter(|p| p.extension().is_some_and(|e| e == "toml")).collect();
    v.sort();
    assert!(!v.is_empty(), "no .toml in {}", root.display());
    v
}

#[test]
fn every_preset_loads() {
    for f in files("configs") {
        let cfg = RunConfig::from_file(&f, &[]).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        assert!(!cfg.name.is_empty(), "{}", f.display());
    }
}

#[test]
fn every_sweep_file_expands_to_distinct_runs() {
    for f in files("sweeps") {
        let spec = SweepSpec::from_file(&f).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        let grid = spec.expand().unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        assert!(!grid.is_empty(), "{}", f.display());
        let mut ids: Vec<&str> = grid.iter().map(|p| p.id.as_str()).collect();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), grid.len(), "{}: two grid points share a config", f.display());
    }
}

#[test]
fn the_breaking_point_sweeps_have_the_documented_sizes() {
    let n = |f: &str| SweepSpec::from_file(&Path::new(env!("CARGO_MANIFEST_DIR")).join("../../sweeps").join(f)).unwrap().expand().unwrap().len();
    assert_eq!(n("navigation-breaking-point-256.toml"), 84);
    assert_eq!(n("navigation-breaking-point-512.toml"), 24);
}
