//! The decoding error (SPEC §3.1): decoded position = mean centre of the 3 largest logits;
//! error = ‖x − x̂‖₂ in cm, averaged over steps and trajectories; also the fractions of errors
//! of at least 10, 20 and 50 cm.
//!
//! ```
//! use geosparse_tasks::navigation::{metric::decoding_error, place_cells::PlaceCells};
//! let mut pc = PlaceCells::new(4, 2.2, 0.12, 2.0, 0);
//! pc.centres = vec![0.0, 0.0, 0.3, 0.0, 0.0, 0.3, 1.0, 1.0];
//! // one step: the top 3 logits are cells 0, 1, 2 → x̂ = (0.1, 0.1); the truth is (0.1, 0.1)
//! let e = decoding_error(&pc, &[5.0, 4.0, 3.0, -1.0], &[0.1, 0.1], 4);
//! assert!(e.mean_cm < 1e-4);
//! ```

use super::place_cells::PlaceCells;
use serde::{Deserialize, Serialize};

/// Error statistics of one batch.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct DecodingError {
    pub mean_cm: f64,
    pub frac_ge_10cm: f64,
    pub frac_ge_20cm: f64,
    pub frac_ge_50cm: f64,
    pub count: usize,
}

/// Logits (M, Np) against true positions (M, 2).
pub fn decoding_error(cells: &PlaceCells, logits: &[f32], pos: &[f32], np: usize) -> DecodingError {
    let m = pos.len() / 2;
    assert_eq!(logits.len(), m * np, "logits are not (M, Np)");
    let mut sum = 0f64;
    let (mut c10, mut c20, mut c50) = (0usize, 0usize, 0usize);
    for r in 0..m {
        let d = cells.decode(&logits[r * np..(r + 1) * np], 3);
        let e = 100.0 * ((d[0] as f64 - pos[2 * r] as f64).powi(2) + (d[1] as f64 - pos[2 * r + 1] as f64).powi(2)).sqrt();
        sum += e;
        c10 += (e >= 10.0) as usize;
        c20 += (e >= 20.0) as usize;
        c50 += (e >= 50.0) as usize;
    }
    let mf = m.max(1) as f64;
    DecodingError { mean_cm: sum / mf, frac_ge_10cm: c10 as f64 / mf, frac_ge_20cm: c20 as f64 / mf, frac_ge_50cm: c50 as f64 / mf, count: m }
}
