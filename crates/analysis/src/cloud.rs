//! An M × k point cloud: M points in ℝᵏ, row-major f64, checked once at construction
//! (shape, finiteness, size bound) so the analyses downstream can trust it.
//!
//! ```
//! use geosparse_analysis::cloud::Cloud;
//!
//! let c = Cloud::from_f32(&[0.0, 1.0, 2.0, 3.0, 4.0, 5.0], 3, 2).unwrap();
//! assert_eq!((c.m(), c.k()), (3, 2));
//! assert_eq!(c.point(2), &[4.0, 5.0]);
//! assert!((c.dist(0, 1) - 8f64.sqrt()).abs() < 1e-12);
//! ```

use crate::error::{AnalysisError, check_finite, check_len};

/// The most points a cloud may hold: 2 000 000 (16 MB per coordinate at f64). Above it,
/// subsample before building the cloud.
pub const MAX_POINTS: usize = 2_000_000;

/// M points in ℝᵏ, stored row-major.
#[derive(Debug, Clone, PartialEq)]
pub struct Cloud {
    data: Vec<f64>,
    m: usize,
    k: usize,
}

impl Cloud {
    /// Takes `data` (M·k values, row-major); refuses a wrong length, k = 0, M = 0,
    /// M > [`MAX_POINTS`] and any non-finite value.
    pub fn new(data: Vec<f64>, m: usize, k: usize) -> Result<Self, AnalysisError> {
        if m == 0 {
            return Err(AnalysisError::TooFew {
                what: "cloud points",
                need: 1,
                got: 0,
            });
        }
        if k == 0 {
            return Err(AnalysisError::TooFew {
                what: "cloud dimension",
                need: 1,
                got: 0,
            });
        }
        if m > MAX_POINTS {
            return Err(AnalysisError::TooLarge {
                what: "cloud points",
                got: m,
                limit: MAX_POINTS,
                hint: "subsample the points first",
            });
        }
        check_len("cloud", &data, m * k, &format!("{m} × {k}"))?;
        check_finite("cloud", &data)?;
        Ok(Self { data, m, k })
    }

    /// Like [`Cloud::new`], from f32 values (as stored in `activity.npy`).
    pub fn from_f32(data: &[f32], m: usize, k: usize) -> Result<Self, AnalysisError> {
        Self::new(data.iter().map(|&v| v as f64).collect(), m, k)
    }

    /// Number of points M.
    pub fn m(&self) -> usize {
        self.m
    }

    /// Ambient dimension k.
    pub fn k(&self) -> usize {
        self.k
    }

    /// Row-major values.
    pub fn data(&self) -> &[f64] {
        &self.data
    }

    /// Coordinates of point `i`.
    pub fn point(&self, i: usize) -> &[f64] {
        &self.data[i * self.k..(i + 1) * self.k]
    }

    /// Euclidean distance between points `i` and `j`.
    pub fn dist(&self, i: usize, j: usize) -> f64 {
        let (a, b) = (self.point(i), self.point(j));
        a.iter()
            .zip(b)
            .map(|(x, y)| (x - y) * (x - y))
            .sum::<f64>()
            .sqrt()
    }

    /// The sub-cloud of the points `idx` (in that order).
    pub fn select(&self, idx: &[usize]) -> Cloud {
        let data = idx
            .iter()
            .flat_map(|&i| self.point(i).iter().copied())
            .collect();
        Cloud {
            data,
            m: idx.len(),
            k: self.k,
        }
    }
}
