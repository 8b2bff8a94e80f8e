//! The penalty terms added to the task loss: the moduli penalty λ·mean(R ⊙ |W|ᵖ) on recurrent
//! matrices (R tiled over gate blocks) and an optional plain L1 λ·mean|W| on others.
//!
//! ```
//! use geosparse_engine::regularize::{Regularization, Term};
//! use geosparse_engine::param::{Param, ParamKind};
//! let mut w = Param::zeros("decoder.weight", &[2, 2], ParamKind::Weight);
//! w.value = vec![1.0, -1.0, 2.0, 0.0];
//! let reg = Regularization { terms: vec![Term::l1("decoder.weight", 0.5)] };
//! let v = reg.apply(vec![&mut w], true).unwrap();
//! assert_eq!(v, 0.5 * 4.0 / 4.0);
//! assert_eq!(w.grad, [0.125, -0.125, 0.125, 0.0]);
//! ```

use crate::ops;
use crate::param::Param;
use crate::communicability::Communicability;
use geosparse_moduli::Penalty;
use rayon::prelude::*;

/// What a term charges.
#[derive(Debug, Clone)]
pub enum TermKind {
    /// λ·mean(R ⊙ |W|ᵖ), R tiled over the rows of W.
    Moduli(Penalty),
    /// λ·mean|W|.
    L1 { lambda: f32 },
    /// λ·mean(R ⊙ |W| ⊙ C(W)ᶜ), seRNN's weight-dependent cost ([`Communicability`]).
    Communicability(Communicability),
}

/// One penalty on one parameter.
#[derive(Debug, Clone)]
pub struct Term {
    pub param: String,
    pub kind: TermKind,
}

impl Term {
    pub fn moduli(param: &str, penalty: Penalty) -> Self {
        Term { param: param.to_string(), kind: TermKind::Moduli(penalty) }
    }
    pub fn l1(param: &str, lambda: f32) -> Self {
        Term { param: param.to_string(), kind: TermKind::L1 { lambda } }
    }
    pub fn communicability(param: &str, cost: Communicability) -> Self {
        Term { param: param.to_string(), kind: TermKind::Communicability(cost) }
    }
}

/// All penalty terms of a model.
#[derive(Debug, Clone, Default)]
pub struct Regularization {
    pub terms: Vec<Term>,
}

impl Regularization {
    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }

    /// The moduli (and communicability) terms with λ × `factor` (a λ schedule); plain L1 terms
    /// unchanged.
    pub fn scaled(&self, factor: f64) -> Result<Regularization, String> {
        let terms = self
            .terms
            .iter()
            .map(|t| match &t.kind {
                TermKind::Moduli(p) => p.with_lambda((p.lambda() as f64 * factor) as f32).map(|p| Term::moduli(&t.param, p)).map_err(|e| format!("penalty on '{}': {e}", t.param)),
                TermKind::Communicability(c) => c.with_lambda((c.lambda() as f64 * factor) as f32).map(|c| Term::communicability(&t.param, c)).map_err(|e| format!("penalty on '{}': {e}", t.param)),
                TermKind::L1 { .. } => Ok(t.clone()),
            })
            .collect::<Result<_, _>>()?;
        Ok(Regularization { terms })
    }

    /// Total penalty; with `grad`, adds each term's gradient into its parameter's `grad`
    /// (0 on pruned entries). Errors name a term whose parameter is missing or misshapen.
    pub fn apply(&self, mut params: Vec<&mut Param>, grad: bool) -> Result<f64, String> {
        let mut total = 0.0;
        for term in &self.terms {
            let p = params
                .iter_mut()
                .find(|p| p.name == term.param)
                .ok_or_else(|| format!("penalty on '{}': the model has no such parameter", term.param))?;
            total += match &term.kind {
                TermKind::Moduli(pen) => priced(&term.param, p, (pen.n(), pen.r_rows()), grad, |w, m| pen.value(w, m), |w, m, g| pen.value_and_grad(w, m, g))?,
                TermKind::Communicability(c) => priced(&term.param, p, (c.n(), c.r_rows()), grad, |w, m| c.value(w, m), |w, m, g| c.value_and_grad(w, m, g))?,
                TermKind::L1 { lambda } => l1(p, *lambda, grad),
            };
        }
        Ok(total)
    }
}

/// A term priced by an R of `(r_rows, n)` on a `(G·r_rows, n)` parameter: its value, and with
/// `grad` its gradient added into the parameter's.
fn priced(
    param: &str,
    p: &mut Param,
    (n, rr): (usize, usize),
    grad: bool,
    value: impl Fn(&[f32], Option<&[u8]>) -> f64,
    value_and_grad: impl Fn(&[f32], Option<&[u8]>, &mut [f32]) -> f64,
) -> Result<f64, String> {
    if p.shape.len() != 2 || p.shape[1] != n || !p.shape[0].is_multiple_of(rr) {
        return Err(format!("penalty on '{param}': R is {rr}×{n} but the parameter is {:?} (needs (G·{rr}, {n}))", p.shape));
    }
    if grad {
        p.grad_any_rows();
    }
    let Param { value: w, grad: g, mask, .. } = p;
    Ok(if grad { value_and_grad(w, mask.as_deref(), g) } else { value(w, mask.as_deref()) })
}

fn l1(p: &mut Param, lambda: f32, grad: bool) -> f64 {
    let n = p.numel();
    let coef = lambda / n as f32;
    if grad {
        p.grad_any_rows();
    }
    let Param { value, grad: g, mask, .. } = p;
    let mask = mask.as_deref();
    let sum: f64 = value.par_chunks(1 << 14).map(|c| c.iter().map(|v| v.abs() as f64).sum::<f64>()).collect::<Vec<_>>().iter().sum();
    if grad {
        ops::for_rows(g, 1 << 14, |blk, gr| {
            let off = blk << 14;
            for (i, gv) in gr.iter_mut().enumerate() {
                let w = value[off + i];
                if mask.is_some_and(|m| m[off + i] == 0) || w == 0.0 {
                    continue;
                }
                *gv += coef * w.signum();
            }
        });
    }
    lambda as f64 * sum / n as f64
}
