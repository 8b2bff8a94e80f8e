//! Statistics of a recurrent weight matrix seen as a graph.
//!
//! Convention: `w` is N × N row-major and `w[i * n + j]` is the weight from neuron j
//! (presynaptic) to neuron i (postsynaptic), as in h ← W h. Only |W| matters. The undirected
//! statistics (modularity, clustering, small-worldness) use the symmetrised A = (|W| + |W|ᵀ)/2;
//! its support (A_ij > 0, i ≠ j) is the binary undirected graph.
//!
//! - [`wiring`]: wiring cost Σ|W_ij| d_ij / Σ|W_ij| and its permuted-label null.
//! - [`louvain`]: modularity by Louvain (local moving + aggregation), with a direct modularity.
//! - [`clustering`]: Onnela weighted and binary clustering coefficients.
//! - [`smallworld`]: σ = (C/C_rand)/(L/L_rand) against degree-preserving edge swaps.
//! - [`degree`]: in/out degrees of the support of W.
//!
//! ```
//! use geosparse_analysis::graph::{symmetrised, degree::degrees};
//!
//! let w = [0.0, -2.0, 0.0, 0.0]; // one edge 1 → 0, weight −2
//! assert_eq!(symmetrised(&w, 2).unwrap(), vec![0.0, 1.0, 1.0, 0.0]);
//! let d = degrees(&w, 2, 0.0).unwrap();
//! assert_eq!((d.in_degree, d.out_degree), (vec![1, 0], vec![0, 1]));
//! ```

pub mod clustering;
pub mod degree;
pub mod louvain;
pub mod smallworld;
pub mod wiring;

use crate::{
    AnalysisError,
    error::{check_finite, check_len},
};

/// The most neurons accepted (the statistics are O(N²) to O(N³)).
pub const MAX_NODES: usize = 20_000;

/// Checks that `w` is a finite N × N matrix with 2 ≤ N ≤ [`MAX_NODES`].
pub(crate) fn check_square(what: &'static str, w: &[f64], n: usize) -> Result<(), AnalysisError> {
    if n < 2 {
        return Err(AnalysisError::TooFew {
            what: "graph nodes",
            need: 2,
            got: n,
        });
    }
    if n > MAX_NODES {
        return Err(AnalysisError::TooLarge {
            what: "graph nodes",
            got: n,
            limit: MAX_NODES,
            hint: "analyse a sub-network",
        });
    }
    check_len(what, w, n * n, &format!("{n} × {n}"))?;
    check_finite(what, w)
}

/// A = (|W| + |W|ᵀ)/2, checked.
pub fn symmetrised(w: &[f64], n: usize) -> Result<Vec<f64>, AnalysisError> {
    check_square("weight matrix", w, n)?;
    Ok((0..n * n)
        .map(|ij| (w[ij].abs() + w[(ij % n) * n + ij / n].abs()) / 2.0)
        .collect())
}

/// Neighbour lists of the binary undirected support of a symmetric `a` (no self-loops).
pub(crate) fn support_lists(a: &[f64], n: usize) -> Vec<Vec<usize>> {
    (0..n)
        .map(|i| (0..n).filter(|&j| j != i && a[i * n + j] > 0.0).collect())
        .collect()
}
