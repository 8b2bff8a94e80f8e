//! The matrix exponential and its Fréchet derivative: Padé [13/13] with scaling and squaring
//! (Higham 2005), differentiated alongside (Al-Mohy & Higham 2009, "Computing the Fréchet
//! derivative of the matrix exponential", Algorithm 6.4, at m = 13 for every norm). f64 on faer.
//!
//! `L(A, E)` is the derivative of exp at A in the direction E; its adjoint for the Frobenius
//! product is `L(Aᵀ, G)`, which is how a loss's gradient flows back through exp (see
//! [`crate::communicability`]).
//!
//! ```
//! use faer::Mat;
//! use geosparse_engine::expm::{expm, expm_frechet};
//! let a = Mat::from_fn(2, 2, |i, j| if i == j { 1.0 } else { 0.0 });
//! let e = expm(a.as_ref());
//! assert!((e[(0, 0)] - 1f64.exp()).abs() < 1e-13 && e[(0, 1)] == 0.0);
//! // for a diagonal A = I, L(I, E) = e·E
//! let dir = Mat::from_fn(2, 2, |i, j| (i + 2 * j) as f64);
//! let (_, l) = expm_frechet(a.as_ref(), dir.as_ref());
//! assert!((l[(1, 1)] - 3.0 * 1f64.exp()).abs() < 1e-12);
//! ```

use faer::linalg::solvers::Solve;
use faer::{Mat, MatRef};

/// Padé [13/13] coefficients b₀..b₁₃ of exp (Higham 2005, Table 2.3).
const B: [f64; 14] = [
    64764752532480000.0,
    32382376266240000.0,
    7771770303897600.0,
    1187353796428800.0,
    129060195264000.0,
    10559470521600.0,
    670442572800.0,
    33522128640.0,
    1323241920.0,
    40840800.0,
    960960.0,
    16380.0,
    182.0,
    1.0,
];

/// ℓ₁₃ of Al-Mohy & Higham (2009), Table 6.1: the largest ‖A‖₁ at which Padé 13 gives both
/// exp and its Fréchet derivative to double precision (smaller than exp's own θ₁₃ = 5.37).
const ELL_13: f64 = 4.74;

fn norm1(a: MatRef<'_, f64>) -> f64 {
    (0..a.ncols()).map(|j| (0..a.nrows()).map(|i| a[(i, j)].abs()).sum::<f64>()).fold(0.0, f64::max)
}

/// c₁X₁ + c₂X₂ + c₃X₃ (+ c₄ I).
fn comb(x: [&Mat<f64>; 3], c: [f64; 3], ident: f64) -> Mat<f64> {
    let n = x[0].nrows();
    Mat::from_fn(n, n, |i, j| c[0] * x[0][(i, j)] + c[1] * x[1][(i, j)] + c[2] * x[2][(i, j)] + if i == j { ident } else { 0.0 })
}

/// The squarings s: ‖A / 2ˢ‖₁ ≤ ℓ₁₃.
fn squarings(a: MatRef<'_, f64>) -> i32 {
    let nrm = norm1(a);
    if nrm <= ELL_13 { 0 } else { (nrm / ELL_13).log2().ceil() as i32 }
}

/// exp(A) for a square A (a Padé [13/13] approximant after s squarings).
pub fn expm(a: MatRef<'_, f64>) -> Mat<f64> {
    run(a, None).0
}

/// exp(A) and L(A, E), the Fréchet derivative of exp at A in the direction E.
pub fn expm_frechet(a: MatRef<'_, f64>, e: MatRef<'_, f64>) -> (Mat<f64>, Mat<f64>) {
    let (r, l) = run(a, Some(e));
    (r, l.expect("a direction gives a derivative"))
}

fn run(a: MatRef<'_, f64>, e: Option<MatRef<'_, f64>>) -> (Mat<f64>, Option<Mat<f64>>) {
    let n = a.nrows();
    assert_eq!(n, a.ncols(), "expm: A must be square");
    if let Some(e) = e {
        assert!(e.nrows() == n && e.ncols() == n, "expm: E must have A's shape");
    }
    let s = squarings(a);
    let scale = 0.5f64.powi(s);
    let a = Mat::from_fn(n, n, |i, j| a[(i, j)] * scale);
    let e = e.map(|e| Mat::from_fn(n, n, |i, j| e[(i, j)] * scale));
    // the approximant r = (V − U)⁻¹ (V + U), U odd and V even in A
    let a2 = &a * &a;
    let a4 = &a2 * &a2;
    let a6 = &a2 * &a4;
    let w1 = comb([&a6, &a4, &a2], [B[13], B[11], B[9]], 0.0);
    let w2 = comb([&a6, &a4, &a2], [B[7], B[5], B[3]], B[1]);
    let z1 = comb([&a6, &a4, &a2], [B[12], B[10], B[8]], 0.0);
    let z2 = comb([&a6, &a4, &a2], [B[6], B[4], B[2]], B[0]);
    let w = &a6 * &w1 + &w2;
    let u = &a * &w;
    let v = &a6 * &z1 + &z2;
    let lu = (&v - &u).partial_piv_lu();
    let mut r = lu.solve(&v + &u);
    // the same, differentiated: M_k = d(A^k) in the direction E
    let mut l = e.map(|e| {
        let m2 = &a * &e + &e * &a;
        let m4 = &a2 * &m2 + &m2 * &a2;
        let m6 = &a4 * &m2 + &m4 * &a2;
        let lw1 = comb([&m6, &m4, &m2], [B[13], B[11], B[9]], 0.0);
        let lw2 = comb([&m6, &m4, &m2], [B[7], B[5], B[3]], 0.0);
        let lz1 = comb([&m6, &m4, &m2], [B[12], B[10], B[8]], 0.0);
        let lz2 = comb([&m6, &m4, &m2], [B[6], B[4], B[2]], 0.0);
        let lw = &a6 * &lw1 + &m6 * &w1 + &lw2;
        let lu_ = &a * &lw + &e * &w;
        let lv = &a6 * &lz1 + &m6 * &z1 + &lz2;
        // d[(V − U)⁻¹ (V + U)] = (V − U)⁻¹ [(L_U + L_V) + (L_U − L_V) r]
        lu.solve(&lu_ + &lv + (&lu_ - &lv) * &r)
    });
    for _ in 0..s {
        if let Some(l) = l.as_mut() {
            *l = &r * &*l + &*l * &r;
        }
        r = &r * &r;
    }
    (r, l)
}

/// exp(A) by its Taylor series, summed until the terms vanish (the naive reference of the
/// tests, for small ‖A‖).
pub fn expm_taylor(a: MatRef<'_, f64>) -> Mat<f64> {
    let n = a.nrows();
    let mut sum = Mat::<f64>::identity(n, n);
    let mut term = Mat::<f64>::identity(n, n);
    for k in 1..200 {
        term = (&term * a) * faer::Scale(1.0 / k as f64);
        sum += &term;
        if norm1(term.as_ref()) < 1e-18 * norm1(sum.as_ref()) {
            break;
        }
    }
    sum
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rand_mat(n: usize, seed: u64, scale: f64) -> Mat<f64> {
        let mut x = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        Mat::from_fn(n, n, |_, _| {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            scale * (((x >> 11) as f64 / (1u64 << 53) as f64) - 0.5)
        })
    }

    fn max_rel(a: &Mat<f64>, b: &Mat<f64>) -> f64 {
        let m = norm1(b.as_ref()).max(1e-300);
        (0..a.nrows()).flat_map(|i| (0..a.ncols()).map(move |j| (i, j))).map(|(i, j)| (a[(i, j)] - b[(i, j)]).abs()).fold(0.0, f64::max) / m
    }

    #[test]
    fn expm_matches_the_taylor_series_with_and_without_squaring() {
        for (n, scale) in [(1, 1.0), (5, 0.5), (12, 2.0), (20, 6.0)] {
            let a = rand_mat(n, n as u64, scale);
            // squaring by hand keeps the reference's series short: exp(A) = exp(A/2^k)^(2^k)
            let k = 4;
            let mut t = expm_taylor((&a * faer::Scale(0.5f64.powi(k))).as_ref());
            for _ in 0..k {
                t = &t * &t;
            }
            assert!(max_rel(&expm(a.as_ref()), &t) < 1e-13, "n {n} scale {scale}: {}", max_rel(&expm(a.as_ref()), &t));
        }
        assert!(squarings(rand_mat(20, 20, 6.0).as_ref()) > 0, "the last case squares");
    }

    #[test]
    fn the_frechet_derivative_matches_central_differences() {
        for (n, scale) in [(4, 0.3), (9, 3.0), (16, 12.0)] {
            let a = rand_mat(n, 7 + n as u64, scale);
            let e = rand_mat(n, 99 + n as u64, 1.0);
            let (r, l) = expm_frechet(a.as_ref(), e.as_ref());
            assert!(max_rel(&r, &expm(a.as_ref())) < 1e-14);
            let h = 1e-5;
            let plus = expm((&a + &e * faer::Scale(h)).as_ref());
            let minus = expm((&a - &e * faer::Scale(h)).as_ref());
            let fd = (&plus - &minus) * faer::Scale(0.5 / h);
            assert!(max_rel(&l, &fd) < 1e-8, "n {n}: {}", max_rel(&l, &fd));
        }
    }

    #[test]
    fn the_adjoint_is_the_derivative_at_the_transpose() {
        // ⟨G, L(A, E)⟩ = ⟨L(Aᵀ, G), E⟩: what the backward pass relies on
        let (a, e, g) = (rand_mat(8, 1, 4.0), rand_mat(8, 2, 1.0), rand_mat(8, 3, 1.0));
        let dot = |x: &Mat<f64>, y: &Mat<f64>| (0..8).flat_map(|i| (0..8).map(move |j| (i, j))).map(|(i, j)| x[(i, j)] * y[(i, j)]).sum::<f64>();
        let (_, l) = expm_frechet(a.as_ref(), e.as_ref());
        let (_, lt) = expm_frechet(a.transpose(), g.as_ref());
        assert!((dot(&g, &l) - dot(&lt, &e)).abs() < 1e-10 * dot(&g, &l).abs().max(1.0));
    }
}
