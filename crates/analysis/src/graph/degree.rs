//! In- and out-degrees of the support of W: the edge j → i exists when |W_ij| > threshold
//! (threshold 0: every non-zero weight); self-connections (the diagonal) are not counted.
//!
//! ```
//! use geosparse_analysis::graph::degree::{degrees, histogram};
//!
//! let w = [0.0, 1.0, 1.0, 0.0, 0.0, 0.5, 0.0, 0.0, 9.0];
//! let d = degrees(&w, 3, 0.0).unwrap();
//! assert_eq!(d.in_degree, vec![2, 1, 0]);
//! assert_eq!(d.out_degree, vec![0, 1, 2]);
//! assert_eq!(histogram(&d.in_degree), vec![1, 1, 1]);
//! ```

use super::check_square;
use crate::{AnalysisError, error::param};

/// Degrees of each neuron.
#[derive(Debug, Clone, PartialEq)]
pub struct Degrees {
    /// Number of presynaptic partners (non-zero entries of row i, off the diagonal).
    pub in_degree: Vec<usize>,
    /// Number of postsynaptic partners (non-zero entries of column j, off the diagonal).
    pub out_degree: Vec<usize>,
}

/// Degrees of the support |W_ij| > `threshold` (threshold ≥ 0, finite).
pub fn degrees(w: &[f64], n: usize, threshold: f64) -> Result<Degrees, AnalysisError> {
    check_square("weight matrix", w, n)?;
    if !(threshold.is_finite() && threshold >= 0.0) {
        return Err(param(
            "threshold",
            format!("{threshold} is not a finite number ≥ 0"),
        ));
    }
    let mut d = Degrees {
        in_degree: vec![0; n],
        out_degree: vec![0; n],
    };
    for i in 0..n {
        for j in (0..n).filter(|&j| j != i) {
            if w[i * n + j].abs() > threshold {
                d.in_degree[i] += 1;
                d.out_degree[j] += 1;
            }
        }
    }
    Ok(d)
}

/// counts[k] = how many entries equal k, for k = 0..=max.
pub fn histogram(values: &[usize]) -> Vec<usize> {
    let mut counts = vec![0; values.iter().max().map_or(0, |m| m + 1)];
    values.iter().for_each(|&v| counts[v] += 1);
    counts
}
