//! Mask controls: a random mask with exactly the same per-tensor densities as a given one
//! (so a result can be attributed to *which* weights survive, not to how many).
//!
//! ```
//! use geosparse_prune::controls::random_like;
//! let m = vec![vec![1u8, 0, 0, 1, 0], vec![0, 1]];
//! let r = random_like(&m, 7);
//! assert_eq!(r[0].iter().filter(|&&k| k == 1).count(), 2);
//! assert_eq!(r[1].iter().filter(|&&k| k == 1).count(), 1);
//! assert_eq!(r, random_like(&m, 7));
//! ```

use geosparse_moduli::seed;
use rand::seq::SliceRandom;

/// For each mask, a seeded shuffle of its entries (same number of ones).
pub fn random_like(masks: &[Vec<u8>], seed_value: u64) -> Vec<Vec<u8>> {
    masks
        .iter()
        .enumerate()
        .map(|(i, m)| {
            let mut r = m.clone();
            r.shuffle(&mut seed::rng_at(seed_value, "prune/random-mask", i as u64));
            r
        })
        .collect()
}
