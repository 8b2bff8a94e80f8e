//! Grid scores of ratemaps, as in Banino et al. (2018) and Sorscher et al. (2019/2023).
//!
//! For one ratemap (H × W, NaN = unvisited bin):
//! 1. its spatial autocorrelogram ([`autocorr`]), (2H − 1) × (2W − 1), globally normalised by
//!    default (each lag's products divided by the whole map's variance, not by the overlap's);
//! 2. the autocorrelogram rotated by 30°, 60°, 90°, 120°, 150° ([`rotate`]);
//! 3. for each annulus, the Pearson correlation of the autocorrelogram with each rotation over
//!    the annulus bins where both are defined, and the score
//!    min(r₆₀, r₁₂₀) − max(r₃₀, r₉₀, r₁₅₀);
//! 4. the grid score is the **maximum over the annuli**.
//!
//! **Annulus rule** (the scorer of Banino et al., reused by Sorscher et al.): with n = min(H, W)
//! bins, inner radius 0.2·n and outer radius 0.4·n, 0.4667·n, …, 1.0·n (10 values evenly spaced),
//! in bins from the centre of the autocorrelogram. Differences from that scorer: the
//! correlations are true Pearson correlations over jointly defined bins (theirs divides by the
//! unrotated ring variance and fills undefined values with 0), the min–max form above is used
//! (theirs defaults to means), and the autocorrelogram is globally normalised (theirs is
//! per-lag Pearson, [`autocorr::Normalisation::PerLag`], available through [`grid_score_with`]).
//!
//! A score alone over-counts grid cells on small maps: three random fields can sit near a
//! hexagon. [`shuffle`] gives each map its own null (block shuffles) — use
//! [`shuffle::shuffle_test`] to call a unit a grid cell.
//!
//! A map with no spatial variance has an undefined autocorrelogram: its score is NaN, not an
//! error, so a silent unit does not stop a batch.
//!
//! ```
//! use geosparse_analysis::gridscore::grid_score;
//!
//! // A hexagonal grid: three plane waves 60° apart, spacing 8 bins, on a 20 × 20 map.
//! let k = 4.0 * std::f64::consts::PI / (3f64.sqrt() * 8.0);
//! let map: Vec<f64> = (0..400).map(|i| {
//!     let (x, y) = ((i % 20) as f64, (i / 20) as f64);
//!     (0..3).map(|j| { let a = j as f64 * std::f64::consts::FRAC_PI_3; (k * (a.cos() * x + a.sin() * y)).cos() }).sum()
//! }).collect();
//! assert!(grid_score(&map, 20, 20).unwrap().score > 0.5);
//! ```

pub mod autocorr;
pub mod rotate;
pub mod shuffle;

use crate::AnalysisError;
use autocorr::{Normalisation, autocorrelogram_with, pearson_from_sums};

/// The rotation angles, in degrees.
pub const ANGLES: [f64; 5] = [30.0, 60.0, 90.0, 120.0, 150.0];

/// The score of one ratemap and where it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct GridScore {
    /// max over annuli of min(r₆₀, r₁₂₀) − max(r₃₀, r₉₀, r₁₅₀); NaN if no annulus is defined.
    pub score: f64,
    /// (inner, outer) radius in bins of the annulus that gave the score.
    pub annulus: (f64, f64),
    /// r₃₀, r₆₀, r₉₀, r₁₂₀, r₁₅₀ in that annulus.
    pub correlations: [f64; 5],
}

/// The annuli (inner, outer) in bins for maps of n bins a side (see the module doc).
pub fn annuli(n: usize) -> Vec<(f64, f64)> {
    (0..10)
        .map(|i| (0.2 * n as f64, (0.4 + 0.6 * i as f64 / 9.0) * n as f64))
        .collect()
}

/// Grid score of one ratemap `map` (h × w, row-major; NaN = unvisited), globally normalised.
pub fn grid_score(map: &[f64], h: usize, w: usize) -> Result<GridScore, AnalysisError> {
    grid_score_with(map, h, w, Normalisation::Global)
}

/// Grid score with the chosen autocorrelogram [`Normalisation`].
pub fn grid_score_with(map: &[f64], h: usize, w: usize, norm: Normalisation) -> Result<GridScore, AnalysisError> {
    let sac = autocorrelogram_with(map, h, w, norm)?;
    let (sh, sw) = (2 * h - 1, 2 * w - 1);
    let rotated: Vec<Vec<f64>> = ANGLES
        .iter()
        .map(|&a| rotate::rotate(&sac, sh, sw, a))
        .collect();
    let mut best = GridScore {
        score: f64::NAN,
        annulus: (f64::NAN, f64::NAN),
        correlations: [f64::NAN; 5],
    };
    for (inner, outer) in annuli(h.min(w)) {
        let ring: Vec<usize> = (0..sh * sw)
            .filter(|&i| {
                let (dy, dx) = (
                    (i / sw) as f64 - (h - 1) as f64,
                    (i % sw) as f64 - (w - 1) as f64,
                );
                let r = (dy * dy + dx * dx).sqrt();
                r >= inner && r <= outer
            })
            .collect();
        let corr: Vec<f64> = rotated
            .iter()
            .map(|rot| masked_pearson(&sac, rot, &ring))
            .collect();
        let score = corr[1].min(corr[3]) - corr[0].max(corr[2]).max(corr[4]);
        if corr.iter().all(|c| c.is_finite()) && (best.score.is_nan() || score > best.score) {
            best = GridScore {
                score,
                annulus: (inner, outer),
                correlations: [corr[0], corr[1], corr[2], corr[3], corr[4]],
            };
        }
    }
    Ok(best)
}

/// Pearson correlation of `a` and `b` over the indices `mask` where both are defined.
fn masked_pearson(a: &[f64], b: &[f64], mask: &[usize]) -> f64 {
    let (mut n, mut sa, mut sb, mut saa, mut sbb, mut sab) = (0usize, 0.0, 0.0, 0.0, 0.0, 0.0);
    for &i in mask {
        let (x, y) = (a[i], b[i]);
        if x.is_nan() || y.is_nan() {
            continue;
        }
        n += 1;
        (sa, sb, saa, sbb, sab) = (sa + x, sb + y, saa + x * x, sbb + y * y, sab + x * y);
    }
    pearson_from_sums(n, sa, sb, saa, sbb, sab)
}

/// Grid scores of a stack of `count` ratemaps (count × h × w, row-major), one per map.
pub fn grid_scores(
    maps: &[f64],
    count: usize,
    h: usize,
    w: usize,
) -> Result<Vec<f64>, AnalysisError> {
    crate::error::check_len(
        "ratemap stack",
        maps,
        count * h * w,
        &format!("{count} × {h} × {w}"),
    )?;
    maps.chunks(h * w)
        .map(|m| grid_score(m, h, w).map(|g| g.score))
        .collect()
}
