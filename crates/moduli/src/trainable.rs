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

use crate::inhibitor::Inhibitor;
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
