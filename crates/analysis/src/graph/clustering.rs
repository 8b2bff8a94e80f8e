//! Clustering coefficients of the symmetrised A = (|W| + |W|ᵀ)/2 (self-loops ignored).
//! - **Onnela** (weighted; Onnela et al. 2005, as networkx): with ŵ = A / max A,
//!   Cᵢ = 1/(kᵢ(kᵢ − 1)) Σ_{j,h} (ŵᵢⱼ ŵᵢₕ ŵⱼₕ)^{1/3}, kᵢ the degree on the support, sum over
//!   ordered neighbour pairs; Cᵢ = 0 when kᵢ < 2.
//! - **binary**: the same on the support (ŵ ∈ {0, 1}): the fraction of closed neighbour pairs.
//!
//! The mean is over all nodes (those with degree < 2 count as 0).
//!
//! ```
//! use geosparse_analysis::graph::clustering::{clustering, Weighting};
//!
//! let triangle = [0.0, 1.0, 1.0, 1.0, 0.0, 1.0, 1.0, 1.0, 0.0];
//! assert_eq!(clustering(&triangle, 3, Weighting::Onnela).unwrap().mean, 1.0);
//! ```

use super::symmetrised;
use crate::AnalysisError;

/// Which coefficient.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Weighting {
    Onnela,
    Binary,
}

/// Per-node coefficients and their mean.
#[derive(Debug, Clone, PartialEq)]
pub struct Clustering {
    pub per_node: Vec<f64>,
    pub mean: f64,
}

/// Clustering coefficients of W (see the module doc).
pub fn clustering(w: &[f64], n: usize, weighting: Weighting) -> Result<Clustering, AnalysisError> {
    let mut a = symmetrised(w, n)?;
    (0..n).for_each(|i| a[i * n + i] = 0.0);
    let top = a.iter().copied().fold(0.0, f64::max);
    let a: Vec<f64> = match weighting {
        _ if top == 0.0 => a,
        Weighting::Onnela => a.iter().map(|x| x / top).collect(),
        Weighting::Binary => a.iter().map(|&x| if x > 0.0 { 1.0 } else { 0.0 }).collect(),
    };
    Ok(clustering_of(&a, n))
}

/// Coefficients of a symmetric, zero-diagonal, [0, 1]-valued `a`.
pub(crate) fn clustering_of(a: &[f64], n: usize) -> Clustering {
    let per_node: Vec<f64> = (0..n)
        .map(|i| {
            let nb: Vec<usize> = (0..n).filter(|&j| a[i * n + j] > 0.0).collect();
            let k = nb.len();
            if k < 2 {
                return 0.0;
            }
            let mut sum = 0.0;
            for (x, &j) in nb.iter().enumerate() {
                for &h in &nb[x + 1..] {
                    sum += 2.0 * (a[i * n + j] * a[i * n + h] * a[j * n + h]).cbrt();
                }
            }
            sum / (k * (k - 1)) as f64
        })
        .collect();
    let mean = per_node.iter().sum::<f64>() / n as f64;
    Clustering { per_node, mean }
}
