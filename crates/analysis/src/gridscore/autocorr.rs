//! Spatial autocorrelogram of a ratemap (H × W, NaN for unvisited bins): for every lag
//! (dy, dx) with |dy| < H, |dx| < W, the correlation of the map with itself shifted by the lag,
//! over the pairs of bins that are both visited. The result is (2H − 1) × (2W − 1) with lag
//! (0, 0) at the centre (row H − 1, column W − 1); a lag with fewer than [`MIN_PAIRS`] pairs is
//! NaN. Direct O(H²W²) sums (a 20 × 20 map: 0.6 M products).
//!
//! Two normalisations ([`Normalisation`]):
//! - **`Global`** (the default): r(dy, dx) = mean over the lag's visited pairs of
//!   (a − μ)(b − μ) / σ², with μ and σ² of the whole map. A lag whose overlap holds only the
//!   silent background of a sparse map reads ≈ μ²/σ², a small constant.
//! - **`PerLag`**: the Pearson correlation of the two overlapping parts, each with its own mean
//!   and variance (Banino et al.'s `calculate_sac`). It blows the tiny fluctuations of a silent
//!   overlap up to ±1, which is why single-field ratemaps can reach grid scores of 0.6-0.9 with
//!   it (measured on trained navigation nets, stop 20); kept to compare with that scorer.
//!
//! ```
//! use geosparse_analysis::gridscore::autocorr::autocorrelogram;
//!
//! let map: Vec<f64> = (0..16).map(|i| ((i % 4) as f64).sin()).collect();
//! let sac = autocorrelogram(&map, 4, 4).unwrap();
//! assert_eq!(sac.len(), 7 * 7);
//! assert!((sac[3 * 7 + 3] - 1.0).abs() < 1e-12); // zero lag
//! assert!((sac[3 * 7 + 4] - sac[3 * 7 + 2]).abs() < 1e-12); // symmetric
//! ```

use crate::{AnalysisError, error::check_len};

/// Fewest overlapping visited bin pairs for a lag's correlation to be reported.
pub const MIN_PAIRS: usize = 4;

/// Checks a ratemap: h, w ≥ 3, length h·w, values finite or NaN (no ±∞), at least 3 visited bins.
pub(crate) fn check_map(map: &[f64], h: usize, w: usize) -> Result<(), AnalysisError> {
    if h < 3 || w < 3 {
        return Err(AnalysisError::TooFew {
            what: "ratemap side (bins)",
            need: 3,
            got: h.min(w),
        });
    }
    check_len("ratemap", map, h * w, &format!("{h} × {w}"))?;
    if let Some(index) = map.iter().position(|v| v.is_infinite()) {
        return Err(AnalysisError::NonFinite {
            what: "ratemap (NaN marks unvisited bins; ±∞ is refused)",
            index,
            value: map[index],
        });
    }
    let visited = map.iter().filter(|v| !v.is_nan()).count();
    if visited < 3 {
        return Err(AnalysisError::TooFew {
            what: "visited ratemap bins",
            need: 3,
            got: visited,
        });
    }
    Ok(())
}

/// How each lag of the autocorrelogram is normalised (see the module doc).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Normalisation {
    /// (a − μ)(b − μ) / σ² averaged over the lag's pairs, μ and σ² of the whole map.
    #[default]
    Global,
    /// The Pearson correlation of the lag's two overlapping parts (Banino et al.).
    PerLag,
}

/// The (2h − 1) × (2w − 1) autocorrelogram of `map` (h × w, row-major), globally normalised.
pub fn autocorrelogram(map: &[f64], h: usize, w: usize) -> Result<Vec<f64>, AnalysisError> {
    autocorrelogram_with(map, h, w, Normalisation::Global)
}

/// The autocorrelogram with the chosen [`Normalisation`]. A map without variance gives all NaN.
pub fn autocorrelogram_with(map: &[f64], h: usize, w: usize, norm: Normalisation) -> Result<Vec<f64>, AnalysisError> {
    check_map(map, h, w)?;
    let (sh, sw) = (2 * h - 1, 2 * w - 1);
    let mut sac = vec![f64::NAN; sh * sw];
    // the whole map's moments, needed by the global normalisation only
    let moments = if norm == Normalisation::Global { map_moments(map) } else { None };
    for dy in -(h as isize - 1)..h as isize {
        for dx in -(w as isize - 1)..w as isize {
            let at = (dy + h as isize - 1) as usize * sw + (dx + w as isize - 1) as usize;
            sac[at] = match norm {
                Normalisation::Global => moments.map_or(f64::NAN, |(mu, var)| lag_global(map, h, w, dy, dx, mu, var)),
                Normalisation::PerLag => lag_correlation(map, h, w, dy, dx),
            };
        }
    }
    Ok(sac)
}

/// Mean and (population) variance of the visited bins; None without variance.
fn map_moments(map: &[f64]) -> Option<(f64, f64)> {
    let (mut n, mut s) = (0usize, 0.0);
    for &v in map.iter().filter(|v| !v.is_nan()) {
        n += 1;
        s += v;
    }
    let mu = s / n as f64;
    let var = map.iter().filter(|v| !v.is_nan()).map(|v| (v - mu) * (v - mu)).sum::<f64>() / n as f64;
    let scale = mu * mu + var;
    (var > 1e-12 * scale && var > 0.0).then_some((mu, var))
}

/// The visited pairs of map(y, x) and map(y + dy, x + dx), in row-major order of (y, x).
fn lag_pairs(map: &[f64], h: usize, w: usize, dy: isize, dx: isize) -> impl Iterator<Item = (f64, f64)> + '_ {
    let (h, w) = (h as isize, w as isize);
    (0.max(-dy)..h.min(h - dy))
        .flat_map(move |y| (0.max(-dx)..w.min(w - dx)).map(move |x| (map[(y * w + x) as usize], map[((y + dy) * w + x + dx) as usize])))
        .filter(|(a, b)| !a.is_nan() && !b.is_nan())
}

/// Mean of (a − μ)(b − μ) / σ² over the visited pairs at lag (dy, dx).
fn lag_global(map: &[f64], h: usize, w: usize, dy: isize, dx: isize, mu: f64, var: f64) -> f64 {
    let (mut n, mut s) = (0usize, 0.0);
    for (a, b) in lag_pairs(map, h, w, dy, dx) {
        n += 1;
        s += (a - mu) * (b - mu);
    }
    if n < MIN_PAIRS { f64::NAN } else { s / (n as f64 * var) }
}

/// Pearson correlation of map(y, x) with map(y + dy, x + dx) over visited pairs.
fn lag_correlation(map: &[f64], h: usize, w: usize, dy: isize, dx: isize) -> f64 {
    let (mut n, mut sa, mut sb, mut saa, mut sbb, mut sab) = (0usize, 0.0, 0.0, 0.0, 0.0, 0.0);
    for (a, b) in lag_pairs(map, h, w, dy, dx) {
        n += 1;
        (sa, sb, saa, sbb, sab) = (sa + a, sb + b, saa + a * a, sbb + b * b, sab + a * b);
    }
    pearson_from_sums(n, sa, sb, saa, sbb, sab)
}

/// Pearson correlation from running sums; NaN below [`MIN_PAIRS`] or for zero variance.
pub(crate) fn pearson_from_sums(n: usize, sa: f64, sb: f64, saa: f64, sbb: f64, sab: f64) -> f64 {
    if n < MIN_PAIRS {
        return f64::NAN;
    }
    let nf = n as f64;
    let cov = sab / nf - sa * sb / (nf * nf);
    let (va, vb) = (
        saa / nf - sa * sa / (nf * nf),
        sbb / nf - sb * sb / (nf * nf),
    );
    let scale = (va.abs() + vb.abs()).max(f64::MIN_POSITIVE);
    if va <= 1e-12 * scale || vb <= 1e-12 * scale || va <= 0.0 || vb <= 0.0 {
        return f64::NAN;
    }
    (cov / (va * vb).sqrt()).clamp(-1.0, 1.0)
}
