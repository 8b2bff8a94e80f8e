//! Neuron orders that put surviving weights near the diagonal. With a geometric mask, W[i, j]
//! survives when neurons i and j are close on the manifold; numbering neurons along a curve
//! that keeps neighbours together turns those entries into short runs near the diagonal (what
//! [`super::Bsr8`] exploits).
//!
//! An order is a list `order[new] = old`. Applying it relabels neurons: W'[a, b] =
//! W[order[a], order[b]] (W' = P W Pᵀ), v'[a] = v[order[a]]. Equivalently W'[p(i), p(j)] =
//! W[i, j] with p = [`invert_permutation`]`(order)`. The Elman step commutes with it: permute
//! h, xw (i.e. the rows of W_ih and the biases) and W_hh, and the output comes out permuted.
//!
//! ```
//! use geosparse_engine::sparse::{hilbert_order, apply_permutation, permute_vec, invert_permutation};
//! // 4 neurons on a torus of side 10: two near the origin, two near (9, 9)
//! let coords = [0.5f32, 0.5, 9.0, 9.2, 0.6, 0.4, 9.1, 9.0];
//! let order = hilbert_order(&coords, 2, 10.0);
//! assert_eq!(order, vec![0, 2, 3, 1]); // neighbours get consecutive numbers
//! let w: Vec<f32> = (0..16).map(|v| v as f32).collect();
//! let wp = apply_permutation(&w, 4, &order);
//! assert_eq!(wp[1 * 4 + 2], w[2 * 4 + 3]); // W'[a, b] = W[order[a], order[b]]
//! let back = permute_vec(&permute_vec(&[1.0, 2.0, 3.0, 4.0], &order), &invert_permutation(&order));
//! assert_eq!(back, vec![1.0, 2.0, 3.0, 4.0]);
//! ```

/// Position of cell (x, y) along the Hilbert curve filling the 2^bits × 2^bits grid.
pub fn hilbert_index(bits: u32, x: u32, y: u32) -> u64 {
    assert!(bits <= 31, "hilbert_index: at most 31 bits per coordinate");
    let n = 1u64 << bits;
    let (mut x, mut y) = (x as u64 & (n - 1), y as u64 & (n - 1));
    let mut d = 0u64;
    let mut s = n / 2;
    while s > 0 {
        let rx = (x & s != 0) as u64;
        let ry = (y & s != 0) as u64;
        d += s * s * ((3 * rx) ^ ry);
        // rotate the quadrant so the sub-curve has the standard orientation
        if ry == 0 {
            if rx == 1 {
                x = n - 1 - x;
                y = n - 1 - y;
            }
            std::mem::swap(&mut x, &mut y);
        }
        s /= 2;
    }
    d
}

/// Grid cells per side of the Hilbert order (2^16).
const BITS: u32 = 16;

/// Orders neurons along the Hilbert curve of the square [0, side)², using the first two of
/// each point's `dim` coordinates (torus, Klein bottle). Coordinates are wrapped into the
/// square; ties keep index order.
pub fn hilbert_order(coords: &[f32], dim: usize, side: f32) -> Vec<usize> {
    assert!(dim >= 2 && coords.len().is_multiple_of(dim), "hilbert_order: need (N, k ≥ 2) coordinates");
    assert!(side > 0.0 && side.is_finite(), "hilbert_order: side must be finite and > 0");
    let cells = (1u64 << BITS) as f32;
    let cell = |v: f32| {
        let u = (v / side).rem_euclid(1.0);
        if u.is_finite() { ((u * cells) as u32).min((1 << BITS) - 1) } else { 0 }
    };
    let key: Vec<u64> = coords.chunks_exact(dim).map(|p| hilbert_index(BITS, cell(p[0]), cell(p[1]))).collect();
    let mut order: Vec<usize> = (0..key.len()).collect();
    order.sort_by_key(|&i| key[i]);
    order
}

/// The fallback for other spaces: by the first coordinate, then the second (stable).
pub fn lexicographic_order(coords: &[f32], dim: usize) -> Vec<usize> {
    assert!(dim >= 1 && coords.len().is_multiple_of(dim), "lexicographic_order: need (N, k) coordinates");
    let pt = |i: usize| &coords[i * dim..(i + 1) * dim];
    let mut order: Vec<usize> = (0..coords.len() / dim).collect();
    order.sort_by(|&a, &b| {
        let (p, q) = (pt(a), pt(b));
        p[0].total_cmp(&q[0]).then(p.get(1).zip(q.get(1)).map_or(std::cmp::Ordering::Equal, |(x, y)| x.total_cmp(y)))
    });
    order
}

/// p with p[order[a]] = a.
pub fn invert_permutation(order: &[usize]) -> Vec<usize> {
    let mut p = vec![usize::MAX; order.len()];
    for (a, &o) in order.iter().enumerate() {
        assert!(o < order.len() && p[o] == usize::MAX, "invert_permutation: not a permutation");
        p[o] = a;
    }
    p
}

/// W' (n, n) with W'[a, b] = W[order[a], order[b]].
pub fn apply_permutation(w: &[f32], n: usize, order: &[usize]) -> Vec<f32> {
    assert_eq!(w.len(), n * n, "apply_permutation: W is not {n}×{n}");
    assert_eq!(order.len(), n, "apply_permutation: the order has {} entries for {n} neurons", order.len());
    let mut out = Vec::with_capacity(n * n);
    for &i in order {
        out.extend(order.iter().map(|&j| w[i * n + j]));
    }
    out
}

/// v' with v'[a] = v[order[a]] in each row of v (B, n) — h, xw, a bias (B = 1).
pub fn permute_vec(v: &[f32], order: &[usize]) -> Vec<f32> {
    let n = order.len();
    assert!(v.is_empty() || (n > 0 && v.len().is_multiple_of(n)), "permute_vec: length {} is not a multiple of {n}", v.len());
    v.chunks_exact(n.max(1)).flat_map(|row| order.iter().map(move |&o| row[o])).collect()
}

/// Rows of a (n, cols) matrix in the new order (W_ih, whose rows are the receiving neurons).
pub fn permute_rows(w: &[f32], cols: usize, order: &[usize]) -> Vec<f32> {
    assert_eq!(w.len(), order.len() * cols, "permute_rows: W is not ({}, {cols})", order.len());
    order.iter().flat_map(|&o| w[o * cols..(o + 1) * cols].iter().copied()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sparse::testutil::rand_vec;
    use crate::sparse::{Act, Csr, naive};

    #[test]
    fn hilbert_curve_visits_every_cell_once_in_unit_steps() {
        for bits in [1, 2, 4] {
            let n = 1u32 << bits;
            let mut at = vec![None; (n * n) as usize];
            for x in 0..n {
                for y in 0..n {
                    let d = hilbert_index(bits, x, y) as usize;
                    assert!(at[d].is_none(), "index {d} twice");
                    at[d] = Some((x as i64, y as i64));
                }
            }
            let cells: Vec<(i64, i64)> = at.into_iter().map(Option::unwrap).collect();
            assert_eq!(cells[0], (0, 0));
            for w in cells.windows(2) {
                assert_eq!((w[0].0 - w[1].0).abs() + (w[0].1 - w[1].1).abs(), 1, "{w:?}");
            }
        }
    }

    #[test]
    fn orders_are_permutations_and_lexicographic_sorts() {
        let c = rand_vec(2 * 50, 1).iter().map(|v| (v + 1.0) * 5.0).collect::<Vec<_>>();
        for o in [hilbert_order(&c, 2, 10.0), lexicographic_order(&c, 2)] {
            let mut s = o.clone();
            s.sort();
            assert_eq!(s, (0..50).collect::<Vec<_>>());
        }
        let lex = lexicographic_order(&[1.0, 2.0, 0.0, 5.0, 1.0, 1.0], 2);
        assert_eq!(lex, vec![1, 2, 0]);
        // wrapped coordinates land in the same cell
        assert_eq!(hilbert_order(&[12.5, 1.0, 2.4, 1.0], 2, 10.0), vec![1, 0]);
    }

    #[test]
    fn permuted_step_is_the_permuted_output() {
        let (n, b) = (30, 3);
        let w = crate::sparse::testutil::rand_csr(n, n, 0.3, true, 2).to_dense();
        let order = hilbert_order(&rand_vec(2 * n, 3).iter().map(|v| v * 7.0).collect::<Vec<_>>(), 2, 10.0);
        let (h, xw) = (rand_vec(b * n, 4), rand_vec(b * n, 5));
        let mut out = vec![0.0; b * n];
        naive::step(&Csr::from_dense(&w, n, n), &h, &xw, &mut out, b, Act::Tanh);
        let wp = Csr::from_dense(&apply_permutation(&w, n, &order), n, n);
        let mut outp = vec![0.0; b * n];
        crate::sparse::step(&wp, &permute_vec(&h, &order), &permute_vec(&xw, &order), &mut outp, b, Act::Tanh);
        let back = permute_vec(&outp, &invert_permutation(&order));
        crate::sparse::testutil::assert_close(&back, &out, n);
        assert_eq!(permute_rows(&[1.0, 2.0, 3.0, 4.0], 2, &[1, 0]), vec![3.0, 4.0, 1.0, 2.0]);
    }
}
