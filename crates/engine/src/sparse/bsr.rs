//! Blocked sparse rows with 1×8 blocks: each block is 8 consecutive columns of one row,
//! starting at any column (greedily at the first stored entry not yet covered), stored
//! densely. One index per 8 values, and h is read in contiguous runs of 8 — it pays off when
//! stored entries cluster along rows, as after [`super::order::hilbert_order`] on a geometric
//! mask; on a random mask most slots are padding (see [`Bsr8::fill`]).
//!
//! The step is [`super::kernels`]'s with blocks for entries: batch 1 does one 8-wide FMA per
//! block; batch > 1 does 8 axpys of P lanes from a contiguous (8, P) run of the transposed h.
//! h is padded with 8 zero columns so a block may run past the last column.
//!
//! ```
//! use geosparse_engine::sparse::{Act, Bsr8, Csr};
//! let mut dense = vec![0.0f32; 2 * 20];
//! dense[3] = 1.0; dense[9] = 2.0; dense[12] = 3.0; // row 0: blocks at 3 (3, 9) and 12
//! dense[20 + 19] = 4.0;                            // row 1: a block at 19, past the end
//! let b = Bsr8::from_csr(&Csr::from_dense(&dense, 2, 20));
//! assert_eq!((b.blocks(), b.nnz()), (3, 4));
//! assert_eq!(b.to_dense(), dense);
//! let mut out = [0.0f32; 2];
//! b.step(&[1.0; 20], &[0.0, -5.0], &mut out, 1, Act::Relu);
//! assert_eq!(out, [6.0, 0.0]);
//! ```

use super::csr::{ColIdx, ColIndex, with_idx};
use super::par::{balanced_bounds, for_chunks, parts_for};
use super::simd::{F8, eight, row};
use super::{Act, Csr, add_transposed, lanes};

/// A `(rows, cols)` matrix in 1×8 blocks.
#[derive(Debug, Clone, PartialEq)]
pub struct Bsr8 {
    rows: usize,
    cols: usize,
    /// Block pointers per row (`rows + 1`).
    row_ptr: Vec<u32>,
    /// First column of each block, increasing by at least 8 within a row.
    starts: ColIdx,
    /// 8 values per block; slots at columns ≥ `cols` are 0.
    values: Vec<f32>,
    /// Entries stored by the source matrix.
    nnz: usize,
}

impl Bsr8 {
    /// Covers each row's stored entries greedily with blocks of 8 columns.
    pub fn from_csr(w: &Csr) -> Bsr8 {
        let (mut ptr, mut starts, mut values) = (vec![0u32], Vec::new(), Vec::new());
        for i in 0..w.rows() {
            let mut start: Option<usize> = None;
            for e in w.row_range(i) {
                let c = w.col_idx().get(e);
                let s = match start {
                    Some(s) if c < s + 8 => s,
                    _ => {
                        starts.push(c as u32);
                        values.extend([0f32; 8]);
                        c
                    }
                };
                start = Some(s);
                let at = values.len() - 8 + c - s;
                values[at] = w.values()[e];
            }
            ptr.push(u32::try_from(starts.len()).expect("Bsr8: more than u32::MAX blocks"));
        }
        Bsr8 { rows: w.rows(), cols: w.cols(), row_ptr: ptr, starts: ColIdx::new(starts, w.cols()), values, nnz: w.nnz() }
    }

    /// Checks the structure the step relies on; never panics.
    pub fn validate(&self) -> Result<(), String> {
        let blocks = self.starts.len();
        if self.row_ptr.len() != self.rows.checked_add(1).ok_or("rows + 1 overflows")? {
            return Err(format!("row_ptr has {} entries for {} rows", self.row_ptr.len(), self.rows));
        }
        if self.values.len() != blocks.checked_mul(8).ok_or("8 × blocks overflows")? {
            return Err(format!("{} values for {blocks} blocks of 8", self.values.len()));
        }
        if self.row_ptr[0] != 0 || self.row_ptr[self.rows] as usize != blocks {
            return Err(format!("row_ptr runs from {} to {}, not from 0 to {blocks}", self.row_ptr[0], self.row_ptr[self.rows]));
        }
        if let Some(i) = (0..self.rows).find(|&i| self.row_ptr[i + 1] < self.row_ptr[i]) {
            return Err(format!("row_ptr decreases at row {i}"));
        }
        for i in 0..self.rows {
            let mut prev: Option<usize> = None;
            for blk in self.row_ptr[i] as usize..self.row_ptr[i + 1] as usize {
                let s = self.starts.get(blk);
                if s >= self.cols {
                    return Err(format!("block {blk} (row {i}) starts at column {s}, past {} columns", self.cols));
                }
                if prev.is_some_and(|p| s < p + 8) {
                    return Err(format!("block {blk} (row {i}) overlaps the previous block"));
                }
                if (self.cols - s..8).any(|l| self.values[8 * blk + l] != 0.0) {
                    return Err(format!("block {blk} (row {i}) stores a value past the last column"));
                }
                prev = Some(s);
            }
        }
        Ok(())
    }

    /// The dense `(rows, cols)` matrix.
    pub fn to_dense(&self) -> Vec<f32> {
        let mut d = vec![0f32; self.rows * self.cols];
        for i in 0..self.rows {
            for blk in self.row_ptr[i] as usize..self.row_ptr[i + 1] as usize {
                let s = self.starts.get(blk);
                for l in 0..8.min(self.cols - s) {
                    d[i * self.cols + s + l] = self.values[8 * blk + l];
                }
            }
        }
        d
    }

    pub fn rows(&self) -> usize {
        self.rows
    }
    pub fn cols(&self) -> usize {
        self.cols
    }
    pub fn blocks(&self) -> usize {
        self.starts.len()
    }
    /// Entries of the source matrix.
    pub fn nnz(&self) -> usize {
        self.nnz
    }
    /// Stored entries per slot: nnz / (8 · blocks) (1 when there are no blocks).
    pub fn fill(&self) -> f64 {
        if self.blocks() == 0 { 1.0 } else { self.nnz as f64 / (8 * self.blocks()) as f64 }
    }
    /// Storage in bytes: values, block starts, row pointers.
    pub fn bytes(&self) -> usize {
        4 * self.values.len() + self.starts.width() * self.blocks() + 4 * self.row_ptr.len()
    }

    /// out (B, N) = act(h (B, K) · Wᵀ + xw (B, N)).
    pub fn step(&self, h: &[f32], xw: &[f32], out: &mut [f32], batch: usize, act: Act) {
        let (n, k) = (self.rows, self.cols);
        assert_eq!(h.len(), batch * k, "Bsr8::step: h is not (B, K) = ({batch}, {k})");
        assert_eq!(xw.len(), batch * n, "Bsr8::step: xw is not (B, N) = ({batch}, {n})");
        assert_eq!(out.len(), batch * n, "Bsr8::step: out is not (B, N) = ({batch}, {n})");
        out.copy_from_slice(xw);
        for b0 in (0..batch).step_by(64) {
            let bb = (batch - b0).min(64);
            let p = if bb == 1 { 1 } else { lanes(bb) };
            let mut ht = vec![0f32; (k + 8) * p]; // (K + 8, P), zero padded
            super::transpose_pad(&h[b0 * k..(b0 + bb) * k], bb, k, p, &mut ht[..k * p]);
            let pre = &mut out[b0 * n..(b0 + bb) * n];
            let vals = &self.values;
            with_idx!(&self.starts, st => {
                let blocks = |a: usize, b: usize| (&vals[8 * a..8 * b], &st[a..b]);
                if p == 1 {
                    self.run(pre, 1, act, &|a, b, o| { let (v, s) = blocks(a, b); block_dot::<_, 4>(v, s, &ht, o) });
                    continue;
                }
                let mut acc = vec![0f32; n * p];
                let id = Act::Identity;
                match p {
                    8 => self.run(&mut acc, 8, id, &|a, b, o| { let (v, s) = blocks(a, b); block_row::<_, 1, 8>(v, s, &ht, o) }),
                    16 => self.run(&mut acc, 16, id, &|a, b, o| { let (v, s) = blocks(a, b); block_row::<_, 2, 4>(v, s, &ht, o) }),
                    32 => self.run(&mut acc, 32, id, &|a, b, o| { let (v, s) = blocks(a, b); block_row::<_, 4, 2>(v, s, &ht, o) }),
                    _ => self.run(&mut acc, 64, id, &|a, b, o| { let (v, s) = blocks(a, b); block_row::<_, 8, 1>(v, s, &ht, o) }),
                }
                add_transposed(pre, &acc, bb, n, p, act);
            });
        }
    }

    /// out (N, P) ← act(out + row sums) over row tasks; `row(a, b, out_row)` adds the blocks
    /// a..b of a row into its P lanes (for P > 1, `out` starts at 0).
    fn run(&self, out: &mut [f32], p: usize, act: Act, row: &RowFn<'_>) {
        let bounds = balanced_bounds(&self.row_ptr, parts_for(8 * self.blocks() * p));
        let cuts: Vec<usize> = bounds.iter().map(|r| r * p).collect();
        let ptr = &self.row_ptr;
        for_chunks(out, &cuts, |q, chunk| {
            for (r, o) in chunk.chunks_exact_mut(p).enumerate() {
                row(ptr[bounds[q] + r] as usize, ptr[bounds[q] + r + 1] as usize, o);
                if act != Act::Identity {
                    o.iter_mut().for_each(|v| *v = act.apply(*v));
                }
            }
        });
    }

    /// The naive reference: every slot of every block, in f64.
    pub fn step_naive(&self, h: &[f32], xw: &[f32], out: &mut [f32], batch: usize, act: Act) {
        let (n, k) = (self.rows, self.cols);
        for b in 0..batch {
            for i in 0..n {
                let mut s = xw[b * n + i] as f64;
                for blk in self.row_ptr[i] as usize..self.row_ptr[i + 1] as usize {
                    let st = self.starts.get(blk);
                    for l in 0..8.min(k - st) {
                        s += self.values[8 * blk + l] as f64 * h[b * k + st + l] as f64;
                    }
                }
                out[b * n + i] = act.apply(s as f32);
            }
        }
    }
}

/// One row's kernel: its block range, its output lanes.
type RowFn<'a> = dyn Fn(usize, usize, &mut [f32]) + Sync + 'a;

/// out (8W lanes) += Σ over the row's blocks of v[l] · ht[start + l], U accumulators.
#[inline(always)]
fn block_row<I: ColIndex, const W: usize, const U: usize>(vals: &[f32], starts: &[I], ht: &[f32], out: &mut [f32]) {
    let mut acc = [[F8::zero(); W]; U];
    for (v, s) in vals.as_chunks::<8>().0.iter().zip(starts) {
        for l0 in (0..8).step_by(U) {
            for u in 0..U {
                let (a, x) = (F8::splat(v[l0 + u]), row::<W>(ht, s.idx() + l0 + u));
                for q in 0..W {
                    acc[u][q] = acc[u][q].mul_add(a, x[q]);
                }
            }
        }
    }
    for (q, o) in out.as_chunks_mut::<8>().0.iter_mut().enumerate() {
        acc[1..].iter().fold(acc[0][q], |s, a| s.add(a[q])).add(F8::load(o)).store(o);
    }
}

/// Batch 1: out[0] += one 8-wide FMA per block into U rotating accumulators, summed in order.
#[inline(always)]
fn block_dot<I: ColIndex, const U: usize>(vals: &[f32], starts: &[I], h: &[f32], out: &mut [f32]) {
    let mut acc = [F8::zero(); U];
    let v8 = vals.as_chunks::<8>().0;
    let (vu, su) = (v8.chunks_exact(U), starts.chunks_exact(U));
    let (vt, st) = (vu.remainder(), su.remainder());
    for (v, s) in vu.zip(su) {
        for u in 0..U {
            acc[u] = acc[u].mul_add(F8::load(&v[u]), F8::load(eight(h, s[u].idx())));
        }
    }
    for (v, s) in vt.iter().zip(st) {
        acc[0] = acc[0].mul_add(F8::load(v), F8::load(eight(h, s.idx())));
    }
    out[0] += acc[1..].iter().fold(acc[0], |s, a| s.add(*a)).hsum();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sparse::testutil::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

        #[test]
        fn blocked_step_matches_naive_and_csr((n, k, dens, empty, batch, seed) in case()) {
            let w = rand_csr(n, k, dens, empty, seed);
            let b = Bsr8::from_csr(&w);
            prop_assert!(b.validate().is_ok());
            prop_assert_eq!(b.to_dense(), w.to_dense());
            let h = rand_vec(batch * k, seed ^ 1);
            let xw = rand_vec(batch * n, seed ^ 2);
            let (mut fast, mut slow, mut csr) = (vec![0.0; batch * n], vec![0.0; batch * n], vec![0.0; batch * n]);
            b.step(&h, &xw, &mut fast, batch, Act::Tanh);
            b.step_naive(&h, &xw, &mut slow, batch, Act::Tanh);
            crate::sparse::naive::step(&w, &h, &xw, &mut csr, batch, Act::Tanh);
            assert_close(&fast, &slow, k);
            assert_close(&fast, &csr, k);
        }
    }

    #[test]
    fn clustered_rows_fill_blocks_and_random_rows_do_not() {
        let mut dense = vec![0f32; 64 * 64];
        for i in 0..64usize {
            for j in i.saturating_sub(8)..(i + 8).min(64) {
                dense[i * 64 + j] = 1.0;
            }
        }
        let band = Bsr8::from_csr(&Csr::from_dense(&dense, 64, 64));
        assert!(band.fill() > 0.6, "{}", band.fill());
        assert!(Bsr8::from_csr(&rand_csr(64, 64, 0.05, false, 3)).fill() < 0.3);
    }

    #[test]
    fn large_blocked_steps_are_thread_count_independent() {
        let b = Bsr8::from_csr(&rand_csr(600, 500, 0.3, true, 4));
        for batch in [1, 9, 64] {
            let h = rand_vec(batch * 500, 5);
            let xw = rand_vec(batch * 600, 6);
            let run = |t| with_threads(t, || {
                let mut o = vec![0.0; batch * 600];
                b.step(&h, &xw, &mut o, batch, Act::Relu);
                o
            });
            assert_eq!(run(1), run(3));
        }
    }

    #[test]
    fn validate_rejects_overlaps_and_out_of_range_blocks() {
        let ok = Bsr8::from_csr(&Csr::from_dense(&[1.0; 20], 1, 20));
        assert!(ok.validate().is_ok());
        let mut bad = ok.clone();
        bad.starts = ColIdx::U16(vec![0, 7, 16]);
        assert!(bad.validate().unwrap_err().contains("overlaps"));
        let mut bad = ok.clone();
        bad.starts = ColIdx::U16(vec![0, 8, 20]);
        assert!(bad.validate().unwrap_err().contains("past"));
        let mut bad = ok.clone();
        bad.values[8 * 2 + 5] = 1.0; // column 21 of 20
        assert!(bad.validate().unwrap_err().contains("past the last column"));
        let mut bad = ok;
        bad.row_ptr = vec![0, 4];
        assert!(bad.validate().is_err());
    }
}
