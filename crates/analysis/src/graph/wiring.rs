//! Wiring cost of a weight matrix in a geometry: Σ|W_ij| d_ij / Σ|W_ij| (the |W|-weighted mean
//! distance of a connection; same units as d), and the permuted-label null: the same cost after
//! relabelling the neurons by a random permutation π (d_ij → d_π(i)π(j)), which keeps the weight
//! distribution and the geometry but breaks their alignment. Seeded (ChaCha8).
//!
//! ```
//! use geosparse_analysis::graph::wiring::wiring_cost;
//!
//! // Two neurons at distance 3, one connection of weight −2: cost 3.
//! let (w, d) = ([0.0, -2.0, 0.0, 0.0], [0.0, 3.0, 3.0, 0.0]);
//! assert_eq!(wiring_cost(&w, &d, 2).unwrap(), 3.0);
//! ```

use rand::{SeedableRng, seq::SliceRandom};
use rand_chacha::ChaCha8Rng;

use super::check_square;
use crate::{AnalysisError, error::param};

/// The null distribution summary.
#[derive(Debug, Clone, PartialEq)]
pub struct WiringNull {
    /// Cost of W in its own geometry.
    pub cost: f64,
    /// Mean and standard deviation of the cost over the permutations.
    pub null_mean: f64,
    pub null_std: f64,
    /// cost / null_mean (< 1: strong weights are shorter than chance).
    pub ratio: f64,
    pub permutations: usize,
}

fn check(w: &[f64], dist: &[f64], n: usize) -> Result<(), AnalysisError> {
    check_square("weight matrix", w, n)?;
    check_square("distance matrix", dist, n)?;
    if let Some(i) = dist.iter().position(|&d| d < 0.0) {
        return Err(param(
            "distance matrix",
            format!("negative distance {} at flat index {i}", dist[i]),
        ));
    }
    if w.iter().all(|&x| x == 0.0) {
        return Err(param(
            "weight matrix",
            "all weights are zero: the wiring cost is undefined",
        ));
    }
    Ok(())
}

fn cost_with(w: &[f64], dist: &[f64], n: usize, perm: &[usize]) -> f64 {
    let (mut num, mut den) = (0.0, 0.0);
    for i in 0..n {
        for j in 0..n {
            let a = w[i * n + j].abs();
            num += a * dist[perm[i] * n + perm[j]];
            den += a;
        }
    }
    num / den
}

/// Σ|W_ij| d_ij / Σ|W_ij| for N × N `w` and `dist`.
pub fn wiring_cost(w: &[f64], dist: &[f64], n: usize) -> Result<f64, AnalysisError> {
    check(w, dist, n)?;
    Ok(cost_with(w, dist, n, &(0..n).collect::<Vec<_>>()))
}

/// The cost and its null over `permutations` (≥ 1) random relabellings drawn from `seed`.
pub fn wiring_null(
    w: &[f64],
    dist: &[f64],
    n: usize,
    permutations: usize,
    seed: u64,
) -> Result<WiringNull, AnalysisError> {
    check(w, dist, n)?;
    if permutations == 0 {
        return Err(param("permutations", "need at least one"));
    }
    let cost = cost_with(w, dist, n, &(0..n).collect::<Vec<_>>());
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut perm: Vec<usize> = (0..n).collect();
    let costs: Vec<f64> = (0..permutations)
        .map(|_| {
            perm.shuffle(&mut rng);
            cost_with(w, dist, n, &perm)
        })
        .collect();
    let null_mean = costs.iter().sum::<f64>() / permutations as f64;
    let null_std =
        (costs.iter().map(|c| (c - null_mean).powi(2)).sum::<f64>() / permutations as f64).sqrt();
    Ok(WiringNull {
        cost,
        null_mean,
        null_std,
        ratio: cost / null_mean,
        permutations,
    })
}
