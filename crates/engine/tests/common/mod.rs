//! Shared helpers for the engine's integration tests.
#![allow(dead_code)]
use std::collections::HashMap;

/// A fixture written by tools/make_fixtures.py: tensors (shape, f32 data) and metadata.
pub struct Fixture {
    pub tensors: HashMap<String, (Vec<usize>, Vec<f32>)>,
    pub meta: HashMap<String, String>,
}

impl Fixture {
    pub fn load(name: &str) -> Fixture {
        let path = format!("{}/tests/fixtures/{name}.safetensors", env!("CARGO_MANIFEST_DIR"));
        let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let st = safetensors::SafeTensors::deserialize(&bytes).unwrap();
        let (_, md) = safetensors::SafeTensors::read_metadata(&bytes).unwrap();
        let tensors = st
            .iter()
            .map(|(n, v)| (n.to_string(), (v.shape().to_vec(), geosparse_engine::checkpoint::read_f32(&v, n).unwrap())))
            .collect();
        Fixture { tensors, meta: md.metadata().clone().unwrap_or_default() }
    }
    pub fn get(&self, name: &str) -> &[f32] {
        &self.tensors.get(name).unwrap_or_else(|| panic!("fixture has no {name}")).1
    }
    pub fn shape(&self, name: &str) -> &[usize] {
        &self.tensors[name].0
    }
    pub fn usize(&self, key: &str) -> usize {
        self.meta[key].parse().unwrap()
    }
    pub fn has(&self, name: &str) -> bool {
        self.tensors.contains_key(name)
    }
}

/// Elementwise |got − want| ≤ 1e-5·max(|want|, floor), floor = 0.05·rms(want) (values far
/// below the tensor's scale are compared on that scale, where relative error is meaningless).
pub fn assert_close(what: &str, got: &[f32], want: &[f32]) {
    assert_eq!(got.len(), want.len(), "{what}: length");
    let rms = (want.iter().map(|v| (*v as f64).powi(2)).sum::<f64>() / want.len().max(1) as f64).sqrt();
    let floor = 0.05 * rms;
    for (i, (&g, &w)) in got.iter().zip(want).enumerate() {
        let tol = 1e-5 * (w.abs() as f64).max(floor).max(1e-30);
        assert!(((g - w) as f64).abs() <= tol, "{what}[{i}]: got {g}, want {w} (|diff| {:.3e} > tol {:.3e})", (g - w).abs(), tol);
    }
}
