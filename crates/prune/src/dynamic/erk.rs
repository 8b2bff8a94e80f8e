//! Per-tensor densities for dynamic sparsity: uniform (every tensor at the target density) or
//! Erdős–Rényi-Kernel (ERK; Evci et al. 2020, after Mocanu et al.'s Erdős–Rényi): a
//! (rows, cols) matrix keeps a fraction ∝ (rows + cols) / (rows · cols), scaled so that the
//! pruned set as a whole keeps the target fraction of its entries. A tensor whose share would
//! exceed 1 stays dense and the scale is solved again for the others (repeatedly), as RigL's
//! reference does. Thin matrices (a 2-D velocity input) end up dense and the large square ones
//! (W_hh) sparser than the target.
//!
//! ```
//! use geosparse_prune::dynamic::erk::{densities, Densities};
//! // navigation at N = 1024: encoder (1024, 256), W_ih (1024, 2), W_hh (1024, 1024), decoder (256, 1024)
//! let shapes = [(1024, 256), (1024, 2), (1024, 1024), (256, 1024)];
//! let d = densities(Densities::Erk, &shapes, 0.1).unwrap();
//! assert_eq!(d[1], 1.0);                                  // the 2-wide input stays dense
//! assert!(d[2] < 0.1 && d[0] > 0.1 && d[0] == d[3]);      // W_hh sparser, encoder/decoder denser
//! let kept: f64 = shapes.iter().zip(&d).map(|(&(r, c), d)| d * (r * c) as f64).sum();
//! let total: f64 = shapes.iter().map(|&(r, c)| (r * c) as f64).sum();
//! assert!((kept / total - 0.1).abs() < 1e-12);
//! assert_eq!(densities(Densities::Uniform, &shapes, 0.1).unwrap(), vec![0.1; 4]);
//! ```

use serde::{Deserialize, Serialize};

/// How the target density is shared among the pruned tensors.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Densities {
    /// Every tensor keeps the target fraction.
    #[default]
    Uniform,
    /// Erdős–Rényi-Kernel: ∝ (rows + cols) / (rows · cols), the set's total at the target.
    Erk,
}

/// The kept fraction of each (rows, cols) tensor for an overall kept fraction `density` in
/// (0, 1]. An error for an empty tensor.
pub fn densities(kind: Densities, shapes: &[(usize, usize)], density: f64) -> Result<Vec<f64>, String> {
    if let Some(&(r, c)) = shapes.iter().find(|&&(r, c)| r == 0 || c == 0) {
        return Err(format!("a ({r}, {c}) tensor has no entries to keep"));
    }
    if kind == Densities::Uniform {
        return Ok(vec![density; shapes.len()]);
    }
    let len = |&(r, c): &(usize, usize)| (r * c) as f64;
    let budget = density * shapes.iter().map(len).sum::<f64>();
    let mut dense = vec![false; shapes.len()];
    loop {
        // ε · Σ (rows + cols) over the sparse tensors = the budget left after the dense ones
        let left = budget - shapes.iter().zip(&dense).filter(|(_, d)| **d).map(|(s, _)| len(s)).sum::<f64>();
        let weight: f64 = shapes.iter().zip(&dense).filter(|(_, d)| !**d).map(|(&(r, c), _)| (r + c) as f64).sum();
        let eps = left / weight;
        let raw = |&(r, c): &(usize, usize)| eps * (r + c) as f64 / (r * c) as f64;
        let over: Vec<usize> = (0..shapes.len()).filter(|&k| !dense[k] && raw(&shapes[k]) > 1.0).collect();
        if over.is_empty() || weight == 0.0 {
            return Ok(shapes.iter().zip(&dense).map(|(s, &d)| if d { 1.0 } else { raw(s) }).collect());
        }
        over.into_iter().for_each(|k| dense[k] = true);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn erk_follows_the_formula_and_keeps_the_budget() {
        let shapes = [(600, 200), (800, 200), (800, 200), (10_000, 200)];
        let d = densities(Densities::Erk, &shapes, 0.1).unwrap();
        // no tensor capped: every density is ε (r + c) / (r c) with one ε
        let eps: Vec<f64> = shapes.iter().zip(&d).map(|(&(r, c), d)| d * (r * c) as f64 / (r + c) as f64).collect();
        assert!(eps.iter().all(|e| (e - eps[0]).abs() < 1e-9 * eps[0]), "{eps:?}");
        let kept: f64 = shapes.iter().zip(&d).map(|(&(r, c), d)| d * (r * c) as f64).sum();
        assert!((kept - 0.1 * shapes.iter().map(|&(r, c)| (r * c) as f64).sum::<f64>()).abs() < 1e-6);
    }

    #[test]
    fn capped_tensors_go_dense_and_the_rest_share_what_is_left() {
        // two thin tensors that ERK would overfill, one large square one
        let shapes = [(1000, 1), (1000, 3), (1000, 1000)];
        let d = densities(Densities::Erk, &shapes, 0.05).unwrap();
        assert_eq!((d[0], d[1]), (1.0, 1.0));
        let want = (0.05 * (1000.0 + 3000.0 + 1e6) - 4000.0) / 1e6;
        assert!((d[2] - want).abs() < 1e-12, "{d:?}");
        // everything dense when the budget covers it
        assert_eq!(densities(Densities::Erk, &shapes, 1.0).unwrap(), vec![1.0; 3]);
        assert!(densities(Densities::Erk, &[(0, 3)], 0.1).unwrap_err().contains("(0, 3)"));
    }
}
