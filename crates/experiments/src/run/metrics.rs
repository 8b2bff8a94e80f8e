//! `metrics.jsonl`: one JSON object per epoch. The file is rewritten atomically on each
//! append (it is small), and on resume it is cut back to the checkpoint's epochs.
//!
//! ```
//! use geosparse_experiments::run::metrics::{Metrics, Record};
//! let dir = tempfile::tempdir().unwrap();
//! let mut m = Metrics::open(&dir.path().join("metrics.jsonl")).unwrap();
//! m.append(&Record { phase: "train".into(), epoch: 0, ..Default::default() }).unwrap();
//! assert_eq!(Metrics::open(&dir.path().join("metrics.jsonl")).unwrap().records().len(), 1);
//! ```

use geosparse_io::atomic_write;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn one() -> f64 {
    1.0
}

/// One epoch's numbers.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Record {
    pub phase: String,
    pub epoch: usize,
    /// Global step at the end of the epoch.
    pub step: u64,
    pub lr: f32,
    /// Mean task loss over the epoch's steps.
    pub train_loss: f64,
    /// Mean penalty over the epoch's steps.
    pub penalty: f64,
    /// The λ schedule's multiple of λ during the epoch (1 without a schedule).
    #[serde(default = "one")]
    pub lambda_factor: f64,
    /// Pruned fraction of the pruned set, and per tensor.
    pub sparsity: f64,
    pub sparsity_per_tensor: BTreeMap<String, f64>,
    /// Validation task loss + penalty (as the reference reports it).
    pub val_loss: f64,
    /// Validation metrics, e.g. `error_cm`.
    pub val: BTreeMap<String, f64>,
    /// Seconds since the run started (summed over restarts).
    pub wall_s: f64,
    /// Dynamic sparsity: weights regrown during the epoch (absent for other schedules).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regrown: Option<u64>,
    /// Neuron swaps during the epoch: rounds, swaps, wiring cost before and after (absent
    /// without `[penalty.swaps]`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub swaps: Option<super::swaps::SwapLog>,
}

pub struct Metrics {
    path: PathBuf,
    records: Vec<Record>,
}

impl Metrics {
    /// Reads the existing file (if any).
    pub fn open(path: &Path) -> anyhow::Result<Metrics> {
        let records = match std::fs::read_to_string(path) {
            Ok(text) => text
                .lines()
                .filter(|l| !l.trim().is_empty())
                .enumerate()
                .map(|(i, l)| serde_json::from_str(l).map_err(|e| anyhow::anyhow!("{}: line {}: {e}", path.display(), i + 1)))
                .collect::<anyhow::Result<_>>()?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => return Err(anyhow::anyhow!("{}: {e}", path.display())),
        };
        Ok(Metrics { path: path.to_path_buf(), records })
    }

    pub fn records(&self) -> &[Record] {
        &self.records
    }

    /// Keeps only the records before (phase, epoch) — what a checkpoint at that point has seen.
    pub fn truncate_to(&mut self, phase: &str, epoch: usize) -> anyhow::Result<()> {
        let phase_done = |r: &Record| r.phase != phase && phase == "control" && r.phase == "train";
        self.records.retain(|r| phase_done(r) || (r.phase == phase && r.epoch < epoch));
        self.write()
    }

    pub fn append(&mut self, r: &Record) -> anyhow::Result<()> {
        self.records.push(r.clone());
        self.write()
    }

    fn write(&self) -> anyhow::Result<()> {
        let mut text = String::new();
        for r in &self.records {
            text.push_str(&serde_json::to_string(r)?);
            text.push('\n');
        }
        atomic_write(&self.path, text.as_bytes())?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use rand::{Rng, SeedableRng};

    /// metrics.jsonl, summary.json and the checkpoint's loop state go through JSON text; a
    /// resumed run re-reads them. serde_json's default float parser is best-effort (measured:
    /// 3 479 of 20 000 such values came back 1 ulp off); the workspace enables
    /// `float_roundtrip`, so every f64 must come back bit for bit.
    #[test]
    fn floats_survive_the_json_round_trip_bit_for_bit() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(5);
        for _ in 0..20_000 {
            let x: f64 = rng.random::<f64>() * 10f64.powi(rng.random_range(-30..30));
            let back: f64 = serde_json::from_str(&serde_json::to_string(&x).unwrap()).unwrap();
            assert_eq!(x.to_bits(), back.to_bits(), "{x:e} came back as {back:e}");
        }
    }
}
