//! Seeded adding-problem data. Each sequence has T steps of `(u_t, m_t)` with u_t ~ U[0, 1)
//! and exactly two markers m = 1 at distinct positions drawn without replacement; the target is
//! u_p + u_q. Inputs are sequence-first `(T, B, 2)` f32 (element `(t·B + b)·2 + {0: value,
//! 1: marker}`), targets `(B)`.
//!
//! Batch `index` of a run is a pure function of `(seed, index)`: training draws from the stream
//! `adding/train` ([`batch`]), the held-out set from `adding/test` ([`test_batch`], [`test_set`]),
//! so the two never share a draw. Per sequence the draws are: T values, then the two positions.
//!
//! ```
//! use geosparse_tasks::adding::data::batch;
//! let b = batch(3, 17, 10, 4).unwrap();
//! for j in 0..4 {
//!     let marked: f32 = (0..10).map(|t| b.value(t, j) * b.marker(t, j)).sum();
//!     assert_eq!(marked, b.targets[j]);
//!     assert_eq!((0..10).filter(|&t| b.marker(t, j) == 1.0).count(), 2);
//! }
//! assert_eq!(b, batch(3, 17, 10, 4).unwrap());                // same (seed, index), same data
//! ```

use geosparse_moduli::seed::rng_at;
use rand::Rng;

/// The suggested sequence length (SPEC §3.3, November runs).
pub const DEFAULT_T: usize = 50;
/// Random stream of the training batches.
pub const TRAIN_STREAM: &str = "adding/train";
/// Random stream of the held-out test set.
pub const TEST_STREAM: &str = "adding/test";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AddingError {
    #[error("sequence length T = {t} is not allowed; two distinct steps are marked, so T must be at least 2")]
    TooShort { t: usize },
    #[error("batch size 0 is not allowed; give at least 1 sequence")]
    EmptyBatch,
    #[error("test set size 0 is not allowed; give at least 1 sequence")]
    EmptyTestSet,
}

/// B sequences of length T, sequence-first.
#[derive(Debug, Clone, PartialEq)]
pub struct AddingBatch {
    /// T.
    pub steps: usize,
    /// B.
    pub batch: usize,
    /// `(T, B, 2)`: value, marker.
    pub inputs: Vec<f32>,
    /// `(B)`: the sum of the two marked values.
    pub targets: Vec<f32>,
}

impl AddingBatch {
    /// u_t of sequence `b`.
    pub fn value(&self, t: usize, b: usize) -> f32 {
        self.inputs[(t * self.batch + b) * 2]
    }

    /// m_t of sequence `b` (0 or 1).
    pub fn marker(&self, t: usize, b: usize) -> f32 {
        self.inputs[(t * self.batch + b) * 2 + 1]
    }
}

/// Draws B sequences of length T from `rng`.
pub fn generate(rng: &mut impl Rng, t: usize, b: usize) -> Result<AddingBatch, AddingError> {
    if t < 2 {
        return Err(AddingError::TooShort { t });
    }
    if b == 0 {
        return Err(AddingError::EmptyBatch);
    }
    let mut inputs = vec![0f32; t * b * 2];
    let mut targets = Vec::with_capacity(b);
    for j in 0..b {
        for s in 0..t {
            inputs[(s * b + j) * 2] = rng.random::<f32>();
        }
        // Two positions without replacement: p uniform on T, q uniform on the other T − 1.
        let p = rng.random_range(0..t);
        let mut q = rng.random_range(0..t - 1);
        if q >= p {
            q += 1;
        }
        inputs[(p * b + j) * 2 + 1] = 1.0;
        inputs[(q * b + j) * 2 + 1] = 1.0;
        targets.push(inputs[(p * b + j) * 2] + inputs[(q * b + j) * 2]);
    }
    Ok(AddingBatch { steps: t, batch: b, inputs, targets })
}

/// Training batch `index` of the run with `seed`.
pub fn batch(seed: u64, index: u64, t: usize, b: usize) -> Result<AddingBatch, AddingError> {
    generate(&mut rng_at(seed, TRAIN_STREAM, index), t, b)
}

/// Held-out batch `index` of the run with `seed` (a stream training never touches).
pub fn test_batch(seed: u64, index: u64, t: usize, b: usize) -> Result<AddingBatch, AddingError> {
    generate(&mut rng_at(seed, TEST_STREAM, index), t, b)
}

/// The held-out set of `n` sequences in batches of at most `b` (the last one may be smaller).
pub fn test_set(seed: u64, t: usize, n: usize, b: usize) -> Result<Vec<AddingBatch>, AddingError> {
    if n == 0 {
        return Err(AddingError::EmptyTestSet);
    }
    if b == 0 {
        return Err(AddingError::EmptyBatch);
    }
    (0..n.div_ceil(b)).map(|k| test_batch(seed, k as u64, t, b.min(n - k * b))).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_sequence_has_two_distinct_markers_and_its_target_is_their_sum() {
        for (t, b) in [(2, 64), (3, 50), (50, 32)] {
            let x = batch(1, 5, t, b).unwrap();
            assert_eq!((x.inputs.len(), x.targets.len()), (t * b * 2, b));
            for j in 0..b {
                let marked: Vec<usize> = (0..t).filter(|&s| x.marker(s, j) == 1.0).collect();
                assert_eq!(marked.len(), 2, "T {t}, sequence {j}");
                assert!((0..t).all(|s| x.marker(s, j) == 0.0 || x.marker(s, j) == 1.0));
                assert_eq!(x.targets[j], x.value(marked[0], j) + x.value(marked[1], j));
                assert!((0..t).all(|s| (0.0..1.0).contains(&x.value(s, j))));
            }
        }
    }

    #[test]
    fn statistics_match_the_problem() {
        // 20,000 sequences of T = 50: target ~ U + U (mean 1, variance 1/6), positions uniform.
        let (t, n) = (50, 20_000);
        let mut sum = 0.0;
        let mut sq = 0.0;
        let mut trivial_mse = 0.0;
        let mut at_position = vec![0usize; t];
        for k in 0..(n / 100) as u64 {
            let x = batch(11, k, t, 100).unwrap();
            for j in 0..100 {
                let y = x.targets[j] as f64;
                sum += y;
                sq += y * y;
                trivial_mse += (y - 1.0).powi(2);
                (0..t).filter(|&s| x.marker(s, j) == 1.0).for_each(|s| at_position[s] += 1);
            }
        }
        let n = n as f64;
        let mean = sum / n;
        let var = sq / n - mean * mean;
        assert!((mean - 1.0).abs() < 0.015, "target mean {mean}");
        assert!((var - 1.0 / 6.0).abs() < 0.01, "target variance {var}");
        assert!((trivial_mse / n - 1.0 / 6.0).abs() < 0.01, "MSE of predicting 1: {}", trivial_mse / n);
        // Each position is marked with probability 2/T: 800 expected of 40,000 markers.
        let (lo, hi) = (at_position.iter().min().unwrap(), at_position.iter().max().unwrap());
        assert!(*lo > 650 && *hi < 950, "marker counts per position {lo}..{hi}");
    }

    #[test]
    fn deterministic_per_seed_and_index_and_streams_differ() {
        let a = batch(7, 3, 20, 8).unwrap();
        assert_eq!(a, batch(7, 3, 20, 8).unwrap());
        assert_ne!(a.inputs, batch(7, 4, 20, 8).unwrap().inputs, "index changes the data");
        assert_ne!(a.inputs, batch(8, 3, 20, 8).unwrap().inputs, "seed changes the data");
        assert_ne!(a.inputs, test_batch(7, 3, 20, 8).unwrap().inputs, "test stream differs from train");
        assert_eq!(test_batch(7, 3, 20, 8).unwrap(), test_batch(7, 3, 20, 8).unwrap());
    }

    #[test]
    fn test_set_is_batched_and_reproducible() {
        let s = test_set(2, 10, 70, 32).unwrap();
        assert_eq!(s.iter().map(|x| x.batch).collect::<Vec<_>>(), [32, 32, 6]);
        assert_eq!(s, test_set(2, 10, 70, 32).unwrap());
        assert_eq!(s[1], test_batch(2, 1, 10, 32).unwrap());
        // No training batch of the same seed reproduces a test batch.
        assert!((0..50).all(|k| batch(2, k, 10, 32).unwrap().inputs != s[0].inputs));
    }

    #[test]
    fn bad_sizes_are_errors_not_panics() {
        assert_eq!(batch(0, 0, 1, 4), Err(AddingError::TooShort { t: 1 }));
        assert_eq!(batch(0, 0, 0, 4), Err(AddingError::TooShort { t: 0 }));
        assert_eq!(batch(0, 0, 5, 0), Err(AddingError::EmptyBatch));
        assert_eq!(test_set(0, 5, 0, 4), Err(AddingError::EmptyTestSet));
        assert_eq!(test_set(0, 5, 4, 0), Err(AddingError::EmptyBatch));
        assert!(AddingError::TooShort { t: 1 }.to_string().contains("at least 2"));
    }
}
