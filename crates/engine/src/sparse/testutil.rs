//! Random sparse matrices and vectors for the tie tests.

use super::Csr;
use proptest::prelude::*;
use rand::{Rng, SeedableRng};

pub fn rand_vec(n: usize, seed: u64) -> Vec<f32> {
    let mut r = rand::rngs::StdRng::seed_from_u64(seed);
    (0..n).map(|_| r.random::<f32>() * 2.0 - 1.0).collect()
}

/// A (rows, cols) matrix keeping each entry with probability `density`; every third row is
/// emptied when `empty_rows`. Some kept entries are exactly 0 (kept by the mask).
pub fn rand_csr(rows: usize, cols: usize, density: f64, empty_rows: bool, seed: u64) -> Csr {
    let mut r = rand::rngs::StdRng::seed_from_u64(seed);
    let mut mask = vec![0u8; rows * cols];
    let mut vals = vec![0f32; rows * cols];
    for i in 0..rows {
        for j in 0..cols {
            if r.random::<f64>() < density && !(empty_rows && i % 3 == 1) {
                mask[i * cols + j] = 1;
                vals[i * cols + j] = if r.random::<f32>() < 0.05 { 0.0 } else { r.random::<f32>() * 2.0 - 1.0 };
            }
        }
    }
    Csr::from_masked(&vals, &mask, rows, cols)
}

/// Shapes, densities and batches for the property tests: empty matrices, empty rows, batch 1,
/// every lane width (8 to 64 lanes) and batches of two and three chunks.
pub fn case() -> impl Strategy<Value = (usize, usize, f64, bool, usize, u64)> {
    (0usize..70, 0usize..70, prop_oneof![Just(0.0), Just(1.0), 0.0f64..0.5], any::<bool>(), prop_oneof![Just(1usize), 1usize..70, 60usize..200], any::<u64>())
}

/// |fast − slow| within f32 rounding of a sum of `terms` products of values in [−1, 1].
pub fn assert_close(fast: &[f32], slow: &[f32], terms: usize) {
    assert_eq!(fast.len(), slow.len());
    let tol = 2e-6 * (4.0 + terms as f32);
    for (i, (a, b)) in fast.iter().zip(slow).enumerate() {
        assert!((a - b).abs() <= tol * (1.0 + b.abs()), "entry {i}: fast {a} vs naive {b}");
    }
}

/// Runs `f` in a pool of `threads` threads.
pub fn with_threads<T: Send>(threads: usize, f: impl FnOnce() -> T + Send) -> T {
    rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap().install(f)
}
