//! A pruned weight matrix `(rows, cols)` in compressed sparse rows, PyTorch layout (row i is
//! the receiving neuron): values, column indices (u16 when `cols ≤ 65536`, else u32) and row
//! pointers. Columns are strictly increasing within a row. The fields are private, so a `Csr`
//! is always valid; [`Csr::from_parts`] checks data from outside with [`Csr::validate`].
//!
//! ```
//! use geosparse_engine::sparse::Csr;
//! let w = Csr::from_masked(&[1.0, 0.0, 0.0, 4.0], &[1, 1, 0, 1], 2, 2);
//! assert_eq!(w.nnz(), 3); // the masked-in zero is kept: the pattern is the mask
//! assert_eq!(w.to_dense(), vec![1.0, 0.0, 0.0, 4.0]);
//! assert!(Csr::from_parts(2, 2, vec![0, 1], vec![0], vec![1.0]).is_err()); // 2 rows need 3 pointers
//! ```

/// Column indices, as narrow as the column count allows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ColIdx {
    U16(Vec<u16>),
    U32(Vec<u32>),
}

/// An index type the kernels read columns from.
pub trait ColIndex: Copy + Send + Sync + 'static {
    fn idx(self) -> usize;
}
impl ColIndex for u16 {
    #[inline(always)]
    fn idx(self) -> usize {
        self as usize
    }
}
impl ColIndex for u32 {
    #[inline(always)]
    fn idx(self) -> usize {
        self as usize
    }
}

impl ColIdx {
    /// Narrow indices when every column fits in u16.
    pub fn new(idx: Vec<u32>, cols: usize) -> ColIdx {
        if cols <= 1 << 16 { ColIdx::U16(idx.into_iter().map(|c| c as u16).collect()) } else { ColIdx::U32(idx) }
    }
    pub fn len(&self) -> usize {
        match self {
            ColIdx::U16(c) => c.len(),
            ColIdx::U32(c) => c.len(),
        }
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// The k-th index.
    pub fn get(&self, k: usize) -> usize {
        match self {
            ColIdx::U16(c) => c[k] as usize,
            ColIdx::U32(c) => c[k] as usize,
        }
    }
    /// Bytes per index.
    pub fn width(&self) -> usize {
        match self {
            ColIdx::U16(_) => 2,
            ColIdx::U32(_) => 4,
        }
    }
}

/// Runs `$body` with `$c` bound to the index slice, whatever its width.
macro_rules! with_idx {
    ($idx:expr, $c:ident => $body:expr) => {
        match $idx {
            $crate::sparse::csr::ColIdx::U16($c) => $body,
            $crate::sparse::csr::ColIdx::U32($c) => $body,
        }
    };
}
pub(crate) use with_idx;

/// Row pointers, column indices and values of a `(rows, cols)` matrix.
#[derive(Debug, Clone, PartialEq)]
pub struct Csr {
    rows: usize,
    cols: usize,
    row_ptr: Vec<u32>,
    col_idx: ColIdx,
    values: Vec<f32>,
}

impl Csr {
    /// The nonzero entries of a dense `(rows, cols)` matrix.
    pub fn from_dense(values: &[f32], rows: usize, cols: usize) -> Csr {
        assert_eq!(values.len(), rows * cols, "Csr::from_dense: values are not {rows}×{cols}");
        Self::build(rows, cols, |k| values[k] != 0.0, values)
    }

    /// The entries where `mask` is 1, zeros included (the pattern equals the mask).
    pub fn from_masked(values: &[f32], mask: &[u8], rows: usize, cols: usize) -> Csr {
        assert_eq!(values.len(), rows * cols, "Csr::from_masked: values are not {rows}×{cols}");
        assert_eq!(mask.len(), rows * cols, "Csr::from_masked: mask is not {rows}×{cols}");
        Self::build(rows, cols, |k| mask[k] != 0, values)
    }

    fn build(rows: usize, cols: usize, keep: impl Fn(usize) -> bool, values: &[f32]) -> Csr {
        let mut row_ptr = Vec::with_capacity(rows + 1);
        let (mut idx, mut vals) = (Vec::new(), Vec::new());
        row_ptr.push(0u32);
        for i in 0..rows {
            for j in 0..cols {
                if keep(i * cols + j) {
                    idx.push(j as u32);
                    vals.push(values[i * cols + j]);
                }
            }
            row_ptr.push(u32::try_from(vals.len()).expect("Csr: more than u32::MAX stored entries"));
        }
        Csr { rows, cols, row_ptr, col_idx: ColIdx::new(idx, cols), values: vals }
    }

    /// A matrix from raw arrays (a file, another library), checked by [`Self::validate`].
    pub fn from_parts(rows: usize, cols: usize, row_ptr: Vec<u32>, col_idx: Vec<u32>, values: Vec<f32>) -> Result<Csr, String> {
        // Check before narrowing, so an index ≥ 65536 cannot wrap into range.
        let wide = Csr { rows, cols, row_ptr, col_idx: ColIdx::U32(col_idx), values };
        wide.validate()?;
        let Csr { row_ptr, col_idx: ColIdx::U32(idx), values, .. } = wide else { unreachable!() };
        Ok(Csr { rows, cols, row_ptr, col_idx: ColIdx::new(idx, cols), values })
    }

    /// Checks every structural invariant the kernels rely on; never panics.
    pub fn validate(&self) -> Result<(), String> {
        let nnz = self.values.len();
        let want = self.rows.checked_add(1).ok_or("rows + 1 overflows")?;
        if self.row_ptr.len() != want {
            return Err(format!("row_ptr has {} entries; {} rows need {want}", self.row_ptr.len(), self.rows));
        }
        if self.col_idx.len() != nnz {
            return Err(format!("{} column indices for {nnz} values", self.col_idx.len()));
        }
        if self.row_ptr[0] != 0 {
            return Err(format!("row_ptr[0] is {}, not 0", self.row_ptr[0]));
        }
        if self.row_ptr[self.rows] as usize != nnz {
            return Err(format!("row_ptr ends at {}, not at nnz = {nnz}", self.row_ptr[self.rows]));
        }
        if let Some(i) = (0..self.rows).find(|&i| self.row_ptr[i + 1] < self.row_ptr[i]) {
            return Err(format!("row_ptr decreases at row {i}: {} then {}", self.row_ptr[i], self.row_ptr[i + 1]));
        }
        // Monotone from 0 to nnz: every row range now lies inside the arrays.
        for i in 0..self.rows {
            let (a, b) = (self.row_ptr[i] as usize, self.row_ptr[i + 1] as usize);
            let mut prev = None;
            for k in a..b {
                let c = self.col_idx.get(k);
                if c >= self.cols {
                    return Err(format!("column index {c} at entry {k} (row {i}) is out of range for {} columns", self.cols));
                }
                if prev.is_some_and(|p| c <= p) {
                    return Err(format!("columns of row {i} are not strictly increasing at entry {k}"));
                }
                prev = Some(c);
            }
        }
        Ok(())
    }

    /// Wᵀ `(cols, rows)`, by a counting sort over columns: O(nnz + cols). With it the backward
    /// product d · W is `spmm_nt(c, d, &w.transpose(), b)`, a gather instead of
    /// [`super::spmm_nn`]'s scatter — worth it when one W serves many products (all steps of
    /// a sequence).
    pub fn transpose(&self) -> Csr {
        let nnz = self.nnz();
        let mut ptr = vec![0u32; self.cols + 1];
        let (mut idx, mut vals) = (vec![0u32; nnz], vec![0f32; nnz]);
        with_idx!(&self.col_idx, c => {
            for j in c {
                ptr[j.idx() + 1] += 1;
            }
            for j in 0..self.cols {
                ptr[j + 1] += ptr[j];
            }
            // Fill one band of 512 columns at a time (a cursor per row walks its sorted
            // columns), so the writes go to few places at once: 10× faster at N = 4096.
            let (mut next, mut cursor) = (ptr.clone(), self.row_ptr[..self.rows].to_vec());
            for j1 in (0..self.cols).step_by(512).map(|j0| (j0 + 512).min(self.cols)) {
                for (i, cur) in cursor.iter_mut().enumerate() {
                    let (mut k, end) = (*cur as usize, self.row_ptr[i + 1] as usize);
                    while k < end && c[k].idx() < j1 {
                        let slot = &mut next[c[k].idx()];
                        idx[*slot as usize] = i as u32;
                        vals[*slot as usize] = self.values[k];
                        *slot += 1;
                        k += 1;
                    }
                    *cur = k as u32;
                }
            }
        });
        Csr { rows: self.cols, cols: self.rows, row_ptr: ptr, col_idx: ColIdx::new(idx, self.rows), values: vals }
    }

    /// The dense `(rows, cols)` matrix.
    pub fn to_dense(&self) -> Vec<f32> {
        let mut d = vec![0f32; self.rows.checked_mul(self.cols).expect("Csr::to_dense: size overflows")];
        for i in 0..self.rows {
            for k in self.row_range(i) {
                d[i * self.cols + self.col_idx.get(k)] = self.values[k];
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
    /// Stored entries.
    pub fn nnz(&self) -> usize {
        self.values.len()
    }
    /// nnz / (rows · cols); 0 for an empty shape.
    pub fn density(&self) -> f64 {
        let size = self.rows as f64 * self.cols as f64;
        if size == 0.0 { 0.0 } else { self.nnz() as f64 / size }
    }
    /// Storage in bytes: values, indices, row pointers.
    pub fn bytes(&self) -> usize {
        4 * self.nnz() + self.col_idx.width() * self.nnz() + 4 * self.row_ptr.len()
    }
    pub fn row_ptr(&self) -> &[u32] {
        &self.row_ptr
    }
    pub fn col_idx(&self) -> &ColIdx {
        &self.col_idx
    }
    pub fn values(&self) -> &[f32] {
        &self.values
    }
    /// Values in place (the pattern cannot change, so the matrix stays valid).
    pub fn values_mut(&mut self) -> &mut [f32] {
        &mut self.values
    }
    /// Entries k of row i.
    pub fn row_range(&self, i: usize) -> std::ops::Range<usize> {
        self.row_ptr[i] as usize..self.row_ptr[i + 1] as usize
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dense_and_masked_round_trip() {
        let d = [0.0, 1.5, 0.0, -2.0, 0.0, 0.0, 3.0, 0.0, 0.0];
        let w = Csr::from_dense(&d, 3, 3);
        assert_eq!((w.nnz(), w.row_ptr()), (3, &[0, 1, 2, 3][..]));
        assert_eq!(w.to_dense(), d);
        assert!((w.density() - 1.0 / 3.0).abs() < 1e-12);
        assert_eq!(w.bytes(), 3 * 4 + 3 * 2 + 4 * 4);
        let m = Csr::from_masked(&d, &[1, 0, 0, 0, 0, 0, 0, 0, 1], 3, 3);
        assert_eq!(m.nnz(), 2);
        assert_eq!(m.values(), &[0.0, 0.0]);
        assert!(w.validate().is_ok() && m.validate().is_ok());
    }

    #[test]
    fn transpose_is_the_dense_transpose() {
        let (r, c) = (7, 5);
        let d: Vec<f32> = (0..r * c).map(|v| if v % 3 == 0 { v as f32 } else { 0.0 }).collect();
        let t = Csr::from_dense(&d, r, c).transpose();
        t.validate().unwrap();
        assert_eq!((t.rows(), t.cols()), (c, r));
        let dense_t: Vec<f32> = (0..c * r).map(|k| d[(k % r) * c + k / r]).collect();
        assert_eq!(t.to_dense(), dense_t);
        assert_eq!(t.transpose(), Csr::from_dense(&d, r, c));
    }

    #[test]
    fn index_width_follows_column_count() {
        let narrow = Csr::from_parts(1, 1 << 16, vec![0, 1], vec![65535], vec![1.0]).unwrap();
        assert_eq!(narrow.col_idx().width(), 2);
        assert_eq!(narrow.col_idx().get(0), 65535);
        let wide = Csr::from_parts(1, (1 << 16) + 1, vec![0, 1], vec![65536], vec![1.0]).unwrap();
        assert_eq!(wide.col_idx().width(), 4);
        // 65536 must not wrap to column 0 when the matrix has 65536 columns
        assert!(Csr::from_parts(1, 1 << 16, vec![0, 1], vec![65536], vec![1.0]).is_err());
    }

    #[test]
    fn empty_shapes_are_valid() {
        for (r, c) in [(0, 0), (0, 5), (4, 0), (3, 3)] {
            let w = Csr::from_dense(&vec![0.0; r * c], r, c);
            assert_eq!(w.nnz(), 0);
            w.validate().unwrap();
            assert_eq!(w.to_dense().len(), r * c);
        }
        assert_eq!(Csr::from_dense(&[], 0, 0).density(), 0.0);
    }

    #[test]
    fn validate_rejects_hostile_parts_with_a_message() {
        type Parts = (usize, usize, Vec<u32>, Vec<u32>, Vec<f32>, &'static str);
        let bad: [Parts; 8] = [
            (2, 2, vec![0, 1], vec![0], vec![1.0], "need 3"),
            (1, 2, vec![1, 1], vec![0], vec![1.0], "row_ptr[0]"),
            (1, 2, vec![0, 2], vec![0], vec![1.0], "not at nnz"),
            (2, 2, vec![0, 3, 2], vec![0, 1], vec![1.0, 2.0], "decreases"),
            (1, 2, vec![0, 1], vec![2], vec![1.0], "out of range"),
            (1, 3, vec![0, 2], vec![1, 1], vec![1.0, 2.0], "strictly increasing"),
            (1, 2, vec![0, 1], vec![0, 1], vec![1.0], "column indices"),
            (usize::MAX, 2, vec![0], vec![], vec![], "overflows"),
        ];
        for (r, c, p, i, v, msg) in bad {
            let e = Csr::from_parts(r, c, p, i, v).unwrap_err();
            assert!(e.contains(msg), "{e:?} should mention {msg:?}");
        }
        // a huge row pointer past the end is caught before any indexing
        assert!(Csr::from_parts(2, 2, vec![0, u32::MAX, 1], vec![0], vec![1.0]).is_err());
    }
}
