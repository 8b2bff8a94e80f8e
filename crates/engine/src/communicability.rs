//! seRNN's weight-dependent wiring cost (Achterberg, Akarca et al. 2023, the `SE1_sWc`
//! regulariser): each weight is priced by its distance *and* by how well its two neurons already
//! communicate through the rest of the network,
//!
//!   value = λ · mean_ij( R_ij · |W_ij| · C_ijᶜ ),   C = offdiag( exp( S^-½ |W| S^-½ ) ),
//!
//! where S = diag(s) holds each neuron's outgoing strength s_j = Σ_i |W_ij| (W_ij runs from j to
//! i, PyTorch's layout: seRNN's Keras kernel is Wᵀ, so its row sums are our column sums and its
//! cost is this one), C's diagonal is zero (self-connections cost nothing), c = `factor` (seRNN's
//! `comms_factor`) and R is the moduli regularizer's matrix (seRNN: the Euclidean distance on a
//! lattice, `space = "grid"`, `inhibitor = "identity"`). The mean runs over the G·N² entries of
//! a gate stack, each block with its own C (geosparse's convention; seRNN sums).
//!
//! Unlike seRNN, whose TensorFlow graph differentiates through `tf.linalg.expm` by automatic
//! differentiation, the gradient here is written out: through the direct |W| factor, through
//! exp by the adjoint Fréchet derivative L(Mᵀ, ∂/∂C) ([`crate::expm`]), and through the strengths
//! s. A neuron whose outgoing weights are all zero (pruned) has s = 0: its S^-½ is taken as 0
//! (it communicates with no one) where seRNN's `pow(s, −0.5)` would give inf. Where C_ij = 0 and
//! c < 1 the derivative of Cᶜ is infinite; it is taken as 0 there.
//!
//! ```
//! use geosparse_engine::communicability::Communicability;
//! use std::sync::Arc;
//! let r = Arc::new(vec![0.0, 1.0, 1.0, 0.0]);          // two neurons at distance 1
//! let cost = Communicability::new(r, 2, 2, 0.5, 1.0).unwrap();
//! let w = [0.0f32, 1.0, 1.0, 0.0];                      // 1 → 0 and 0 → 1, strengths 1
//! let mut g = [0.0f32; 4];
//! let v = cost.value_and_grad(&w, None, &mut g);
//! // exp([[0, 1], [1, 0]]) has sinh(1) off the diagonal
//! assert!((v - 0.5 * 2.0 * 1f64.sinh() / 4.0).abs() < 1e-9);
//! ```

use crate::expm::expm_frechet;
use faer::Mat;
use std::sync::Arc;

/// λ · mean(R ⊙ |W| ⊙ Cᶜ) for one weight matrix of `(G·n, n)`.
#[derive(Debug, Clone)]
pub struct Communicability {
    r: Arc<Vec<f32>>,
    r_rows: usize,
    n: usize,
    lambda: f32,
    factor: f64,
}

impl Communicability {
    /// R is `(r_rows, n)`: n rows tiled over the gate blocks, or one block of rows per gate.
    pub fn new(r: Arc<Vec<f32>>, r_rows: usize, n: usize, lambda: f32, factor: f64) -> Result<Self, String> {
        if r.len() != r_rows * n || n == 0 || !r_rows.is_multiple_of(n) {
            return Err(format!("communicability: R has {} entries, not a ({r_rows}, {n}) stack of {n}×{n} blocks", r.len()));
        }
        if !(factor.is_finite() && factor > 0.0) {
            return Err(format!("communicability: factor {factor} is not allowed; must be a finite number > 0"));
        }
        if !(lambda.is_finite() && lambda >= 0.0) {
            return Err(format!("communicability: λ {lambda} is not allowed; must be a finite number >= 0"));
        }
        Ok(Communicability { r, r_rows, n, lambda, factor })
    }
    pub fn lambda(&self) -> f32 {
        self.lambda
    }
    pub fn n(&self) -> usize {
        self.n
    }
    pub fn r_rows(&self) -> usize {
        self.r_rows
    }
    pub fn factor(&self) -> f64 {
        self.factor
    }
    /// The same cost with another λ (a λ schedule).
    pub fn with_lambda(&self, lambda: f32) -> Result<Self, String> {
        Communicability::new(self.r.clone(), self.r_rows, self.n, lambda, self.factor)
    }

    /// The value (no gradient).
    pub fn value(&self, w: &[f32], mask: Option<&[u8]>) -> f64 {
        self.blocks(w, mask, None)
    }

    /// The value; adds the gradient into `grad` (0 at W = 0 and on masked entries).
    pub fn value_and_grad(&self, w: &[f32], mask: Option<&[u8]>, grad: &mut [f32]) -> f64 {
        self.blocks(w, mask, Some(grad))
    }

    fn blocks(&self, w: &[f32], mask: Option<&[u8]>, mut grad: Option<&mut [f32]>) -> f64 {
        let nn = self.n * self.n;
        assert!(w.len().is_multiple_of(nn), "communicability: W has {} entries, not a stack of {}×{} blocks", w.len(), self.n, self.n);
        let gates = w.len() / nn;
        let denom = w.len() as f64;
        let mut total = 0.0;
        for g in 0..gates {
            let rb = g % (self.r_rows / self.n);
            let r = &self.r[rb * nn..(rb + 1) * nn];
            let blk = g * nn..(g + 1) * nn;
            let m = mask.map(|m| &m[blk.clone()]);
            total += self.block(&w[blk.clone()], m, r, denom, grad.as_deref_mut().map(|gr| &mut gr[blk]));
        }
        total
    }

    /// One N×N block: value, and its gradient added into `grad`.
    fn block(&self, w: &[f32], mask: Option<&[u8]>, r: &[f32], denom: f64, grad: Option<&mut [f32]>) -> f64 {
        let n = self.n;
        let coef = self.lambda as f64 / denom;
        let c_pow = self.factor;
        // A = |W| (masked = 0), s_j = Σ_i A_ij, σ = s^-½ (0 for an isolated neuron)
        let a = Mat::from_fn(n, n, |i, j| if mask.is_some_and(|m| m[i * n + j] == 0) { 0.0 } else { (w[i * n + j] as f64).abs() });
        let s: Vec<f64> = (0..n).map(|j| (0..n).map(|i| a[(i, j)]).sum()).collect();
        let sigma: Vec<f64> = s.iter().map(|&x| if x > 0.0 { x.powf(-0.5) } else { 0.0 }).collect();
        let m = Mat::from_fn(n, n, |i, j| sigma[i] * a[(i, j)] * sigma[j]);
        let offdiag = |x: &Mat<f64>| Mat::from_fn(n, n, |i, j| if i == j { 0.0 } else { x[(i, j)] });
        let value_of = |c: &Mat<f64>| coef * (0..n * n).map(|k| r[k] as f64 * a[(k / n, k % n)] * c[(k / n, k % n)].powf(c_pow)).sum::<f64>();
        let Some(grad) = grad else {
            return value_of(&offdiag(&crate::expm::expm(m.as_ref())));
        };
        // ∂value/∂C = coef·R ⊙ A ⊙ c·C^(c−1) off the diagonal: C is needed first only when c ≠ 1;
        // with c = 1 the Fréchet call's own exp(Mᵀ) = exp(M)ᵀ gives it
        let c_first = (c_pow != 1.0).then(|| offdiag(&crate::expm::expm(m.as_ref())));
        let dc = Mat::from_fn(n, n, |i, j| {
            let slope = match &c_first {
                None => 1.0,
                Some(c) if c[(i, j)] > 0.0 => c_pow * c[(i, j)].powf(c_pow - 1.0),
                Some(_) => 0.0,
            };
            if i == j { 0.0 } else { coef * r[i * n + j] as f64 * a[(i, j)] * slope }
        });
        // ∂/∂M = L(Mᵀ, ∂/∂C)
        let (e_t, dm) = expm_frechet(m.transpose(), dc.as_ref());
        let c = c_first.unwrap_or_else(|| Mat::from_fn(n, n, |i, j| if i == j { 0.0 } else { e_t[(j, i)] }));
        let cp = |i: usize, j: usize| c[(i, j)].powf(c_pow);
        let value = value_of(&c);
        // through σ: ∂/∂σ_k = Σ_j dM_kj A_kj σ_j + Σ_i dM_ik σ_i A_ik; σ_k = s_k^-½
        let dsigma: Vec<f64> = (0..n).map(|k| (0..n).map(|j| dm[(k, j)] * a[(k, j)] * sigma[j]).sum::<f64>() + (0..n).map(|i| dm[(i, k)] * sigma[i] * a[(i, k)]).sum::<f64>()).collect();
        let ds: Vec<f64> = (0..n).map(|k| if s[k] > 0.0 { -0.5 * dsigma[k] * s[k].powf(-1.5) } else { 0.0 }).collect();
        for i in 0..n {
            for j in 0..n {
                let k = i * n + j;
                if w[k] == 0.0 || mask.is_some_and(|m| m[k] == 0) {
                    continue;
                }
                let da = coef * r[k] as f64 * cp(i, j) + dm[(i, j)] * sigma[i] * sigma[j] + ds[j];
                grad[k] += (da * (w[k] as f64).signum()) as f32;
            }
        }
        value
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lcg(seed: u64, len: usize) -> Vec<f64> {
        let mut x = seed.wrapping_mul(6364136223846793005).wrapping_add(1);
        (0..len)
            .map(|_| {
                x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                ((x >> 11) as f64 / (1u64 << 53) as f64) - 0.5
            })
            .collect()
    }

    /// The value in f64 from scratch (expm of the whole thing), for central differences.
    fn value64(w: &[f64], r: &[f32], n: usize, lambda: f64, c_pow: f64) -> f64 {
        let gates = w.len() / (n * n);
        let mut total = 0.0;
        for g in 0..gates {
            let wb = &w[g * n * n..(g + 1) * n * n];
            let s: Vec<f64> = (0..n).map(|j| (0..n).map(|i| wb[i * n + j].abs()).sum()).collect();
            let sg: Vec<f64> = s.iter().map(|&x| if x > 0.0 { x.powf(-0.5) } else { 0.0 }).collect();
            let m = Mat::from_fn(n, n, |i, j| sg[i] * wb[i * n + j].abs() * sg[j]);
            let e = crate::expm::expm(m.as_ref());
            for i in 0..n {
                for j in 0..n {
                    if i != j {
                        total += r[(g * n * n + i * n + j) % r.len()] as f64 * wb[i * n + j].abs() * e[(i, j)].powf(c_pow);
                    }
                }
            }
        }
        lambda * total / w.len() as f64
    }

    #[test]
    fn the_gradient_matches_central_differences() {
        // Elman (G = 1), a gate stack with R tiled (G = 3), factor 1 and 0.5 and 2, a masked
        // entry and an isolated neuron (all its outgoing weights zero)
        for (n, gates, factor, seed) in [(6, 1, 1.0, 1u64), (5, 3, 0.5, 2), (7, 1, 2.0, 3)] {
            let r: Vec<f32> = lcg(seed + 10, n * n).iter().enumerate().map(|(k, x)| if k / n == k % n { 0.0 } else { 1.0 + 4.0 * x.abs() as f32 }).collect();
            let mut w: Vec<f32> = lcg(seed, gates * n * n).iter().map(|x| 2.0 * *x as f32).collect();
            for i in 0..n {
                w[i * n + 2] = 0.0; // neuron 2 sends nothing in block 0
            }
            let mut mask = vec![1u8; w.len()];
            mask[n + 3] = 0;
            w[n + 3] = 0.0;
            let cost = Communicability::new(Arc::new(r.clone()), n, n, 0.7, factor).unwrap();
            let mut g = vec![0f32; w.len()];
            let v = cost.value_and_grad(&w, Some(&mask), &mut g);
            let w64: Vec<f64> = w.iter().map(|&x| x as f64).collect();
            let v64 = value64(&w64, &r, n, 0.7f32 as f64, factor);
            assert!((v - v64).abs() < 1e-12 * v.abs().max(1e-12), "{v} vs {v64} vs {}", cost.value(&w, Some(&mask)));
            assert!((v - cost.value(&w, Some(&mask))).abs() < 1e-12 * v.abs());
            let h = 1e-6;
            for k in 0..w.len() {
                if w[k] == 0.0 {
                    assert_eq!(g[k], 0.0, "entry {k}: zero and masked weights get no gradient");
                    continue;
                }
                let (mut p, mut q) = (w64.clone(), w64.clone());
                p[k] += h;
                q[k] -= h;
                let fd = (value64(&p, &r, n, 0.7f32 as f64, factor) - value64(&q, &r, n, 0.7f32 as f64, factor)) / (2.0 * h);
                assert!((g[k] as f64 - fd).abs() < 1e-5 * fd.abs().max(1e-3), "n {n} G {gates} c {factor} entry {k}: {} vs {fd}", g[k]);
            }
        }
    }

    #[test]
    fn a_network_without_paths_costs_only_its_direct_weights() {
        // one weight 1 → 0 and nothing else: M is nilpotent, exp(M) = I + M, C_01 = 0 and
        // C_10 = σ_1 · 1 · σ_0 with s_0 = 0 → σ_0 = 0: the lone weight costs nothing
        let r = Arc::new(vec![0.0, 3.0, 3.0, 0.0]);
        let cost = Communicability::new(r, 2, 2, 1.0, 1.0).unwrap();
        let w = [0.0f32, 0.5, 0.0, 0.0];
        assert_eq!(cost.value(&w, None), 0.0);
        // both directions: a 2-cycle, C = sinh of the scaled weight
        // s = (2, 0.5), σ = (1/√2, √2): M = [[0, 0.5], [2, 0]], M² = I, exp(M) = cosh 1·I + sinh 1·M
        let w = [0.0f32, 0.5, 2.0, 0.0];
        let want = 3.0 * (0.5 * 0.5 + 2.0 * 2.0) * (1f64).sinh() / 4.0;
        assert!((cost.value(&w, None) - want).abs() < 1e-12);
    }

    #[test]
    fn bad_parameters_are_refused() {
        let r = Arc::new(vec![0.0; 4]);
        assert!(Communicability::new(r.clone(), 2, 2, 1.0, 0.0).unwrap_err().contains("factor"));
        assert!(Communicability::new(r.clone(), 2, 2, f32::NAN, 1.0).unwrap_err().contains("λ"));
        assert!(Communicability::new(r, 3, 2, 1.0, 1.0).unwrap_err().contains("entries"));
    }
}
