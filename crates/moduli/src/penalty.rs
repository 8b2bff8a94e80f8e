//! The moduli penalty λ · mean_ij(R_ij · |W_ij|ᵖ) and its (sub)gradient, honouring a mask.
//!
//! W may be a stack of G gate blocks, `(G·N, N)`: block g's entry (g·N + i, j) is priced by
//! R[i, j] (the same R tiled over the gates of a GRU or LSTM), or, with an R of G·N rows
//! ([`Penalty::with_rows`]), by its own block of R; the mean runs over all G·N² entries. The gradient λ·p·R·|W|^(p−1)·sign(W)/(G·N²) is 0 at W = 0 and on masked
//! entries. One fused pass, row-parallel, no allocation beyond one partial sum per row block;
//! the partial sums are added in a fixed order, so the value does not depend on the thread count.
//!
//! ```
//! use geosparse_moduli::penalty::{Penalty, Power};
//! use std::sync::Arc;
//! let r = Arc::new(vec![1.0, 2.0, 3.0, 4.0]);            // N = 2
//! let p = Penalty::new(r, 2, 0.5, Power::One).unwrap();
//! let w = [1.0f32, -1.0, 0.0, 2.0];
//! let mut g = [0.0f32; 4];
//! let v = p.value_and_grad(&w, None, &mut g);
//! assert!((v - 0.5 * (1.0 + 2.0 + 0.0 + 8.0) / 4.0).abs() < 1e-9);
//! assert_eq!(g, [0.125, -0.25, 0.0, 0.5]);
//! ```

use crate::error::ModuliError;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// The exponent p (1 in every reported run).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub enum Power {
    One,
    Two,
}

impl TryFrom<u8> for Power {
    type Error = String;
    fn try_from(v: u8) -> Result<Self, String> {
        match v {
            1 => Ok(Power::One),
            2 => Ok(Power::Two),
            _ => Err(format!("p = {v} is not supported; p must be 1 or 2")),
        }
    }
}

impl From<Power> for u8 {
    fn from(p: Power) -> u8 {
        match p {
            Power::One => 1,
            Power::Two => 2,
        }
    }
}

/// Rows per parallel block (fixed, so the reduction order never depends on threads).
const ROWS_PER_BLOCK: usize = 16;

/// λ · mean(R ⊙ |W|ᵖ) for one weight matrix of `(G·n, n)`.
#[derive(Debug, Clone)]
pub struct Penalty {
    r: Arc<Vec<f32>>,
    /// Rows of R (n, or G·n for one R per gate block).
    r_rows: usize,
    n: usize,
    lambda: f32,
    power: Power,
}

impl Penalty {
    /// `r` is `(n, n)`; `lambda` must be finite and >= 0.
    pub fn new(r: Arc<Vec<f32>>, n: usize, lambda: f32, power: Power) -> Result<Self, ModuliError> {
        Self::with_rows(r, n, n, lambda, power)
    }

    /// R of `r_rows` × n (a multiple of n): W's row i is priced by R's row i mod `r_rows`.
    pub fn with_rows(r: Arc<Vec<f32>>, r_rows: usize, n: usize, lambda: f32, power: Power) -> Result<Self, ModuliError> {
        if n == 0 || r_rows == 0 || !r_rows.is_multiple_of(n) || r.len() != r_rows * n {
            return Err(ModuliError::invalid("regularizer", format!("{} entries", r.len()), format!("{r_rows} × {n} entries with {r_rows} a multiple of {n}")));
        }
        if !(lambda.is_finite() && lambda >= 0.0) {
            return Err(ModuliError::invalid("lambda", lambda, "must be a finite number >= 0"));
        }
        Ok(Penalty { r, r_rows, n, lambda, power })
    }

    pub fn lambda(&self) -> f32 {
        self.lambda
    }
    /// The same penalty (R shared, not copied) with another λ (finite, >= 0).
    pub fn with_lambda(&self, lambda: f32) -> Result<Self, ModuliError> {
        Self::with_rows(self.r.clone(), self.r_rows, self.n, lambda, self.power)
    }
    pub fn power(&self) -> Power {
        self.power
    }
    pub fn n(&self) -> usize {
        self.n
    }
    pub fn matrix(&self) -> &[f32] {
        &self.r
    }
    pub fn r_rows(&self) -> usize {
        self.r_rows
    }

    fn check(&self, w: &[f32], mask: Option<&[u8]>) {
        assert!(!w.is_empty() && w.len().is_multiple_of(self.r_rows * self.n), "penalty: W has {} entries, not a multiple of {}×{}", w.len(), self.r_rows, self.n);
        if let Some(m) = mask {
            assert_eq!(m.len(), w.len(), "penalty: mask and W differ in size");
        }
    }

    /// The penalty value.
    pub fn value(&self, w: &[f32], mask: Option<&[u8]>) -> f64 {
        self.check(w, mask);
        let n = self.n;
        let r = &self.r[..];
        let block = ROWS_PER_BLOCK * n;
        let partial: Vec<f64> = w
            .par_chunks(block)
            .enumerate()
            .map(|(b, wc)| {
                let row0 = b * ROWS_PER_BLOCK;
                let mut s = 0f64;
                for (k, wrow) in wc.chunks(n).enumerate() {
                    let i = (row0 + k) % self.r_rows;
                    let rrow = &r[i * n..(i + 1) * n];
                    let mrow = mask.map(|m| &m[(row0 + k) * n..(row0 + k + 1) * n]);
                    s += row_value(rrow, wrow, mrow, self.power);
                }
                s
            })
            .collect();
        self.lambda as f64 * partial.iter().sum::<f64>() / w.len() as f64
    }

    /// The value, with the gradient *added* into `grad` (same shape as W).
    pub fn value_and_grad(&self, w: &[f32], mask: Option<&[u8]>, grad: &mut [f32]) -> f64 {
        self.check(w, mask);
        assert_eq!(grad.len(), w.len(), "penalty: grad and W differ in size");
        let n = self.n;
        let r = &self.r[..];
        let block = ROWS_PER_BLOCK * n;
        let count = w.len() as f64;
        let coef = (self.lambda as f64 * if self.power == Power::Two { 2.0 } else { 1.0 } / count) as f32;
        let power = self.power;
        let partial: Vec<f64> = w
            .par_chunks(block)
            .zip(grad.par_chunks_mut(block))
            .enumerate()
            .map(|(b, (wc, gc))| {
                let row0 = b * ROWS_PER_BLOCK;
                let mut s = 0f64;
                for (k, (wrow, grow)) in wc.chunks(n).zip(gc.chunks_mut(n)).enumerate() {
                    let i = (row0 + k) % self.r_rows;
                    let rrow = &r[i * n..(i + 1) * n];
                    let mrow = mask.map(|m| &m[(row0 + k) * n..(row0 + k + 1) * n]);
                    s += row_value(rrow, wrow, mrow, power);
                    row_grad(rrow, wrow, mrow, power, coef, grow);
                }
                s
            })
            .collect();
        self.lambda as f64 * partial.iter().sum::<f64>() / count
    }
}

#[inline]
fn row_value(r: &[f32], w: &[f32], mask: Option<&[u8]>, power: Power) -> f64 {
    // f32 products summed in f64 per row: exact enough and vectorisable.
    let mut s = 0f32;
    let mut acc = 0f64;
    for (j, (&rv, &wv)) in r.iter().zip(w).enumerate() {
        if let Some(m) = mask
            && m[j] == 0
        {
            continue;
        }
        let a = wv.abs();
        s += rv * if power == Power::One { a } else { a * a };
        if j % 64 == 63 {
            acc += s as f64;
            s = 0.0;
        }
    }
    acc + s as f64
}

#[inline]
fn row_grad(r: &[f32], w: &[f32], mask: Option<&[u8]>, power: Power, coef: f32, g: &mut [f32]) {
    match (mask, power) {
        (None, Power::One) => {
            for ((gv, &rv), &wv) in g.iter_mut().zip(r).zip(w) {
                *gv += coef * rv * sign(wv);
            }
        }
        (None, Power::Two) => {
            for ((gv, &rv), &wv) in g.iter_mut().zip(r).zip(w) {
                *gv += coef * rv * wv;
            }
        }
        (Some(m), _) => {
            for (((gv, &rv), &wv), &mv) in g.iter_mut().zip(r).zip(w).zip(m) {
                if mv != 0 {
                    *gv += coef * rv * if power == Power::One { sign(wv) } else { wv };
                }
            }
        }
    }
}

/// sign(w) with sign(0) = 0: the subgradient the reference (and PyTorch's |·|) uses at 0.
#[inline]
fn sign(w: f32) -> f32 {
    if w > 0.0 {
        1.0
    } else if w < 0.0 {
        -1.0
    } else {
        0.0
    }
}
