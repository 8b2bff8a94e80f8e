//! Splitting a kernel's rows into tasks: contiguous row ranges of about equal work, run on
//! rayon only when the whole problem is large. A task owns its output rows outright, so the
//! split never changes any result.
//!
//! ```text
//! let bounds = balanced_bounds(&[0, 5, 5, 10], 2); // rows 0..3 with 5, 0 and 5 entries
//! assert_eq!(bounds, vec![0, 2, 3]);
//! ```

use super::PAR_WORK;
use rayon::prelude::*;

/// Per-row cost of a kernel, in stored entries (loop set-up, the output write).
const ROW_COST: usize = 4;

/// Parts for a problem of `work` multiply-adds: one below [`PAR_WORK`] or on one thread, else
/// 4 per thread (rows differ in cost, and a core may be busy elsewhere).
pub(crate) fn parts_for(work: usize) -> usize {
    let threads = rayon::current_num_threads();
    if work < PAR_WORK || threads == 1 { 1 } else { 4 * threads }
}

/// Row boundaries `0 = b₀ ≤ … ≤ b_parts = rows` giving each part about the same
/// `entries + ROW_COST · rows`, from CSR-style pointers (`rows + 1` of them).
pub(crate) fn balanced_bounds(row_ptr: &[u32], parts: usize) -> Vec<usize> {
    let rows = row_ptr.len() - 1;
    let weight = |r: usize| row_ptr[r] as usize + ROW_COST * r;
    let total = weight(rows);
    let mut b: Vec<usize> = (0..=parts)
        .map(|p| {
            let target = (total as u128 * p as u128 / parts.max(1) as u128) as usize;
            let (mut lo, mut hi) = (0, rows + 1); // the first row r with weight(r) ≥ target
            while lo < hi {
                let mid = (lo + hi) / 2;
                if weight(mid) < target { lo = mid + 1 } else { hi = mid }
            }
            lo.min(rows)
        })
        .collect();
    b[parts] = rows;
    b
}

/// Runs `f(part, chunk)` over `out` cut at the element offsets `cuts` (`cuts[0] = 0`, last =
/// `out.len()`), in parallel when there is more than one part.
pub(crate) fn for_chunks<T: Send>(out: &mut [T], cuts: &[usize], f: impl Fn(usize, &mut [T]) + Sync + Send) {
    debug_assert_eq!(cuts.last().copied(), Some(out.len()));
    if cuts.len() <= 2 {
        return f(0, out);
    }
    let mut chunks = Vec::with_capacity(cuts.len() - 1);
    let mut rest = out;
    for w in cuts.windows(2) {
        let (head, tail) = rest.split_at_mut(w[1] - w[0]);
        chunks.push(head);
        rest = tail;
    }
    chunks.into_par_iter().enumerate().for_each(|(p, c)| f(p, c));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_balance_entries_and_cover_all_rows() {
        assert_eq!(balanced_bounds(&[0, 5, 5, 10], 2), vec![0, 2, 3]);
        assert_eq!(balanced_bounds(&[0], 3), vec![0, 0, 0, 0]);
        let ptr: Vec<u32> = (0..=100).map(|r| r * 10).collect();
        let b = balanced_bounds(&ptr, 4);
        assert_eq!(b, vec![0, 25, 50, 75, 100]);
    }

    #[test]
    fn chunks_follow_the_cuts() {
        let mut v = vec![0usize; 10];
        for_chunks(&mut v, &[0, 3, 3, 10], |p, c| c.iter_mut().for_each(|x| *x = p));
        assert_eq!(v, [0, 0, 0, 2, 2, 2, 2, 2, 2, 2]);
    }
}
