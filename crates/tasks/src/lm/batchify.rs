//! Cutting a token stream into contiguous columns and truncated-BPTT chunks, exactly as PyTorch's
//! word-language-model `main.py` (`batchify`, `get_batch`).
//!
//! [`batchify`] drops the remainder of `len / B`, cuts the stream into B contiguous columns and
//! lays them out sequence-first: `(T_total, B)` row-major, column b = tokens `b·T_total ..
//! (b+1)·T_total`. [`get_batch`] returns rows `i .. i+T` as input and rows `i+1 .. i+1+T` as
//! target, `T = min(bptt, T_total − 1 − i)`; [`chunk_starts`] is `range(0, T_total − 1, bptt)`.
//!
//! ```
//! use geosparse_tasks::lm::batchify::{batchify, chunk_starts, get_batch};
//! let ids: Vec<u32> = (0..11).collect();          // 11 tokens, B = 2: 5 rows, token 10 dropped
//! let src = batchify(&ids, 2).unwrap();
//! assert_eq!((src.rows(), src.batch()), (5, 2));
//! assert_eq!(src.as_slice(), [0, 5, 1, 6, 2, 7, 3, 8, 4, 9]);
//! let (input, target, t) = get_batch(&src, 0, 3);
//! assert_eq!((input, target, t), (&[0, 5, 1, 6, 2, 7][..], &[1, 6, 2, 7, 3, 8][..], 3));
//! let (input, target, t) = get_batch(&src, 3, 3);   // the last chunk is shorter
//! assert_eq!((input, target, t), (&[3, 8][..], &[4, 9][..], 1));
//! assert_eq!(chunk_starts(&src, 3).collect::<Vec<_>>(), [0, 3]);
//! ```

/// Why a stream cannot be batchified.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BatchifyError {
    #[error("batch size 0 is not allowed; give at least 1 column")]
    ZeroBatch,
    #[error(
        "{tokens} tokens cut into {batch} columns give {rows} rows; at least 2 are needed (an input \
         and its next-token target): use a smaller batch size or a longer split"
    )]
    TooShort { tokens: usize, batch: usize, rows: usize },
}

/// A `(rows, batch)` matrix of token ids, row-major (sequence-first).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Batched {
    data: Vec<u32>,
    rows: usize,
    batch: usize,
}

impl Batched {
    /// T_total: the number of time steps (rows).
    pub fn rows(&self) -> usize {
        self.rows
    }

    /// B: the number of columns.
    pub fn batch(&self) -> usize {
        self.batch
    }

    /// The matrix, row-major: element (t, b) at `t·B + b`.
    pub fn as_slice(&self) -> &[u32] {
        &self.data
    }

    /// Token at time `t` of column `b`.
    pub fn get(&self, t: usize, b: usize) -> Option<u32> {
        (t < self.rows && b < self.batch).then(|| self.data[t * self.batch + b])
    }
}

/// `main.py`'s `batchify(data, bsz)`: `data.narrow(0, 0, nbatch·bsz).view(bsz, -1).t()`.
pub fn batchify(ids: &[u32], batch: usize) -> Result<Batched, BatchifyError> {
    if batch == 0 {
        return Err(BatchifyError::ZeroBatch);
    }
    let rows = ids.len() / batch;
    if rows < 2 {
        return Err(BatchifyError::TooShort { tokens: ids.len(), batch, rows });
    }
    let mut data = Vec::with_capacity(rows * batch);
    for t in 0..rows {
        data.extend((0..batch).map(|b| ids[b * rows + t]));
    }
    Ok(Batched { data, rows, batch })
}

/// `main.py`'s `get_batch(source, i)`: `(input, target, T)`, both `T·B` ids sequence-first.
///
/// # Panics
/// If `bptt == 0` or `i ≥ rows − 1` (no target left): the loop over [`chunk_starts`] never asks.
pub fn get_batch(source: &Batched, i: usize, bptt: usize) -> (&[u32], &[u32], usize) {
    assert!(bptt > 0, "get_batch: bptt must be at least 1");
    assert!(i + 1 < source.rows, "get_batch: start row {i} leaves no target in {} rows", source.rows);
    let t = bptt.min(source.rows - 1 - i);
    let b = source.batch;
    (&source.data[i * b..(i + t) * b], &source.data[(i + 1) * b..(i + 1 + t) * b], t)
}

/// The chunk starts `0, bptt, 2·bptt, … < rows − 1` (`range(0, source.size(0) − 1, bptt)`).
///
/// # Panics
/// If `bptt == 0`.
pub fn chunk_starts(source: &Batched, bptt: usize) -> impl Iterator<Item = usize> + use<> {
    assert!(bptt > 0, "chunk_starts: bptt must be at least 1");
    (0..source.rows - 1).step_by(bptt)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lm::corpus::Corpus;

    /// A hand-made corpus: train "a b c d e f g / h i j k l m n" (+ <eos> each) = 16 tokens.
    fn hand_corpus() -> Corpus {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join("train.txt"), "a b c d e f g\nh i j k l m n\n").unwrap();
        std::fs::write(d.path().join("valid.txt"), "a\n").unwrap();
        std::fs::write(d.path().join("test.txt"), "b\n").unwrap();
        Corpus::load(d.path()).unwrap()
    }

    #[test]
    fn batchify_matches_pytorch_on_a_hand_made_corpus() {
        let c = hand_corpus();
        // ids: a..g = 0..6, <eos> = 7, h..n = 8..14, <eos> = 7
        assert_eq!(c.train, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 7]);
        // torch.tensor(train).narrow(0, 0, 15).view(3, -1).t(): 5 rows, 3 columns, 1 dropped.
        let src = batchify(&c.train, 3).unwrap();
        assert_eq!((src.rows(), src.batch()), (5, 3));
        #[rustfmt::skip]
        assert_eq!(src.as_slice(), [
            0, 5, 10,
            1, 6, 11,
            2, 7, 12,
            3, 8, 13,
            4, 9, 14,
        ]);
        assert_eq!(src.get(4, 2), Some(14));
        assert_eq!(src.get(5, 0), None);
        assert_eq!(src.get(0, 3), None);
    }

    #[test]
    fn get_batch_matches_pytorch_including_the_short_last_chunk() {
        let src = batchify(&hand_corpus().train, 3).unwrap();
        let starts: Vec<_> = chunk_starts(&src, 2).collect();
        assert_eq!(starts, [0, 2]);
        let (x, y, t) = get_batch(&src, 0, 2);
        assert_eq!(t, 2);
        assert_eq!(x, [0, 5, 10, 1, 6, 11]);
        assert_eq!(y, [1, 6, 11, 2, 7, 12]);
        let (x, y, t) = get_batch(&src, 2, 2);
        assert_eq!(t, 2);
        assert_eq!(x, [2, 7, 12, 3, 8, 13]);
        assert_eq!(y, [3, 8, 13, 4, 9, 14]);
        // bptt 3: chunks at 0 (T = 3) and 3 (T = 1).
        assert_eq!(chunk_starts(&src, 3).collect::<Vec<_>>(), [0, 3]);
        let (x, y, t) = get_batch(&src, 3, 3);
        assert_eq!((x, y, t), (&[3, 8, 13][..], &[4, 9, 14][..], 1));
        // Every target token is seen exactly once over an epoch: rows − 1 per column.
        for bptt in 1..7 {
            let n: usize = chunk_starts(&src, bptt).map(|i| get_batch(&src, i, bptt).2).sum();
            assert_eq!(n, src.rows() - 1, "bptt {bptt}");
        }
    }

    #[test]
    fn batchify_refuses_zero_columns_and_too_few_rows() {
        assert_eq!(batchify(&[1, 2, 3], 0), Err(BatchifyError::ZeroBatch));
        let e = batchify(&[1, 2, 3], 2).unwrap_err();
        assert_eq!(e, BatchifyError::TooShort { tokens: 3, batch: 2, rows: 1 });
        assert!(e.to_string().contains("3 tokens cut into 2 columns give 1 rows"), "{e}");
        assert!(batchify(&[1, 2, 3, 4], 2).is_ok());
    }

    #[test]
    #[should_panic(expected = "leaves no target")]
    fn get_batch_past_the_end_panics() {
        let src = batchify(&[1, 2, 3, 4], 2).unwrap();
        get_batch(&src, 1, 1);
    }
}
