//! The gradient of a moduli penalty with respect to the neurons' points — the geometry half of
//! trainable embeddings (issue 14; SPEC §1.6). No ML code: the sensitivities S in, a gradient
//! over the coordinates out.
//!
//! With R_ij = σ · f(d(x_i, x_j)) + c (σ = −1 and c = max R when R is inverted; the max is held
//! fixed over a step), a penalty P = Σ_ij S_ij R_ij (S_ij = ∂P/∂R_ij, e.g. λ/size · Σ_g |W_g,ij|ᵖ
//! over the gate blocks) has
//!
//!   ∂P/∂x_i = σ Σ_{j ≠ i} (S_ij + S_ji) · f′(d_ij) · ∇_{x_i} d(x_i, x_j),
//!
//! since d is symmetric. ∇ d is the space's own ([`Space::distance_grad`]: through the nearest
//! image on the torus and Klein bottle, tangent on spheres, where a step is retracted by
//! [`Space::canonicalize`]). Proven against finite differences of P for every space and
//! inhibitor in `tests/trainable.rs`.
//!
//! ```
//! use geosparse_moduli::inhibitor::Inhibitor;
//! use geosparse_moduli::space::{Space, Torus};
//! use geosparse_moduli::trainable::coordinate_grad;
//! let t = Torus { dim: 2, side: 10.0 };
//! let x = [1.0f32, 1.0, 2.0, 1.0];                      // two neurons 1 apart
//! let s = [0.0, 1.0, 0.0, 0.0];                         // only W_01 is priced
//! let g = coordinate_grad(&t, &Inhibitor::Square { amplitude: 1.0 }, false, &x, 2, &s);
//! // P = d² → ∂P/∂x_0 = 2 (x_0 − x_1) = (−2, 0), ∂P/∂x_1 = (2, 0)
//! assert!((g[0] + 2.0).abs() < 1e-9 && (g[2] - 2.0).abs() < 1e-9 && g[1] == 0.0);
//! ```

use crate::error::ModuliError;
use crate::inhibitor::Inhibitor;
use crate::regularizer::{SymmetricOut, block, check_finite, invert as invert_r, upper_tiles};
use crate::space::Space;
use rayon::prelude::*;

/// ∂P/∂x (n · coord_dim, row-major like the points) for P = Σ S_ij R_ij (see the module doc).
/// `s` is n × n; `invert` flips the sign (R = max − f).
pub fn coordinate_grad(space: &dyn Space, f: &Inhibitor, invert: bool, coords: &[f32], n: usize, s: &[f64]) -> Vec<f64> {
    let k = space.coord_dim();
    assert_eq!(coords.len(), n * k, "coordinate_grad: {} coordinates for {n} points of {k}", coords.len());
    assert_eq!(s.len(), n * n, "coordinate_grad: S has {} entries for n = {n}", s.len());
    let sigma = if invert { -1.0 } else { 1.0 };
    let mut out = vec![0f64; n * k];
    out.par_chunks_mut(k).enumerate().for_each(|(i, gi)| {
        let xi = &coords[i * k..(i + 1) * k];
        let mut gd = vec![0f64; k];
        for j in (0..n).filter(|&j| j != i) {
            let weight = s[i * n + j] + s[j * n + i];
            if weight == 0.0 {
                continue;
            }
            let d = space.distance_grad(xi, &coords[j * k..(j + 1) * k], &mut gd);
            let c = sigma * weight * f.derivative(d);
            gi.iter_mut().zip(&gd).for_each(|(g, &x)| *g += c * x);
        }
    });
    out
}

/// R at the points and ∂P/∂x ([`coordinate_grad`]'s) in one pass over the unordered pairs: each
/// pair's distance, both gradients ([`Space::distance_grad_pair`]) and the inhibitor's value and
/// slope ([`Inhibitor::eval_and_derivative`]) are computed once, where rebuilding R and then
/// taking the gradient evaluate each pair three times. R is `(n, n)`, σ f(d) + max when
/// `invert` (the distances from [`Space::distance_grad`], equal to [`Space::distance`]'s up to
/// rounding). Tiles of pairs run in parallel, each summing into its own partial rows, which are
/// added in a fixed order: the same bits for any number of threads.
pub fn prices_and_grad(space: &dyn Space, f: &Inhibitor, invert: bool, coords: &[f32], n: usize, s: &[f64]) -> Result<(Vec<f32>, Vec<f64>), ModuliError> {
    let k = space.coord_dim();
    assert_eq!(coords.len(), n * k, "prices_and_grad: {} coordinates for {n} points of {k}", coords.len());
    assert_eq!(s.len(), n * n, "prices_and_grad: S has {} entries for n = {n}", s.len());
    let sigma = if invert { -1.0 } else { 1.0 };
    let tiles = upper_tiles(n);
    let mut r = vec![0f32; n * n];
    let shared = SymmetricOut::new(&mut r, n);
    let rows = |b: usize| block(b, n);
    // each tile's partial gradient rows: (block bi's rows, block bj's rows; empty on the diagonal)
    let partials: Vec<(Vec<f64>, Vec<f64>)> = tiles
        .par_iter()
        .map(|&(bi, bj)| {
            let ((i0, i1), (j0, j1)) = (rows(bi), rows(bj));
            let mut own = vec![0f64; (i1 - i0) * k];
            let mut other = vec![0f64; if bi == bj { 0 } else { (j1 - j0) * k }];
            let (mut ga, mut gb) = (vec![0f64; k], vec![0f64; k]);
            for i in i0..i1 {
                let xi = &coords[i * k..(i + 1) * k];
                for j in (if bi == bj { i } else { j0 })..j1 {
                    let d = space.distance_grad_pair(xi, &coords[j * k..(j + 1) * k], &mut ga, &mut gb);
                    let (fv, slope) = f.eval_and_derivative(d);
                    // SAFETY: (i, j) is in tile (bi, bj), one task per tile pair
                    unsafe { shared.set(i, j, fv as f32) };
                    let weight = s[i * n + j] + s[j * n + i];
                    if i == j || weight == 0.0 {
                        continue;
                    }
                    let c = sigma * weight * slope;
                    own[(i - i0) * k..(i - i0 + 1) * k].iter_mut().zip(&ga).for_each(|(g, &x)| *g += c * x);
                    let (rows_j, j_base) = if bi == bj { (&mut own, i0) } else { (&mut other, j0) };
                    rows_j[(j - j_base) * k..(j - j_base + 1) * k].iter_mut().zip(&gb).for_each(|(g, &x)| *g += c * x);
                }
            }
            (own, other)
        })
        .collect();
    check_finite(f, &r, n)?;
    if invert {
        invert_r(&mut r);
    }
    // the partial rows of every tile, added block by block in the tiles' order
    let mut grad = vec![0f64; n * k];
    for (&(bi, bj), (own, other)) in tiles.iter().zip(&partials) {
        let (i0, _) = rows(bi);
        grad[i0 * k..i0 * k + own.len()].iter_mut().zip(own).for_each(|(g, &x)| *g += x);
        let (j0, _) = rows(bj);
        grad[j0 * k..j0 * k + other.len()].iter_mut().zip(other).for_each(|(g, &x)| *g += x);
    }
    Ok((r, grad))
}

/// P = Σ_ij S_ij · σ f(d(x_i, x_j)) (the constant c left out): what [`coordinate_grad`]
/// differentiates, for checks.
pub fn penalty_of_points(space: &dyn Space, f: &Inhibitor, invert: bool, coords: &[f32], n: usize, s: &[f64]) -> f64 {
    let k = space.coord_dim();
    let sigma = if invert { -1.0 } else { 1.0 };
    let mut p = 0.0;
    for i in 0..n {
        for j in (0..n).filter(|&j| j != i) {
            p += s[i * n + j] * sigma * f.eval(space.distance(&coords[i * k..(i + 1) * k], &coords[j * k..(j + 1) * k]));
        }
    }
    p
}
