//! Vietoris–Rips persistent homology of a point cloud up to H₂ (Euclidean distances).
//!
//! Pipeline of [`rips_persistence`], with the defaults of [`RipsOptions`]:
//! 1. **Landmarks**: if the cloud has more than `max_landmarks` (100) points, keep that many
//!    greedy max-min landmarks ([`crate::landmarks`]); the covering radius is reported.
//! 2. **Radius**: the filtration is cut at the *enclosing radius* of the landmarks
//!    (minᵢ maxⱼ dᵢⱼ: past it the complex is a cone, every finite bar has died, so the cut loses
//!    nothing), or at `max_radius` if that is smaller (then bars alive at the cut are reported
//!    with death = ∞).
//! 3. **Filtration**: all simplices up to dimension max_dim + 1 (tetrahedra for H₂) within the
//!    radius ([`filtration`]); refused with a clear error past `max_simplices` (30 M).
//! 4. **Reduction**: cohomology with clearing ([`cohomology`]); checked against the plain
//!    O(n³) homology reduction of [`reference`] on tiny clouds.
//! 5. **Betti numbers**: the long-bar rule of [`betti`].
//!
//! Why not a crate for the reduction: lophat (MIT, maintained) takes an explicit boundary matrix
//! of `usize` columns with one allocation per column, its serial algorithm ignores clearing,
//! and it describes itself as beta and unoptimised; the Rips-specific cohomology reduction here is
//! ~100 lines and shares the cofacet lists the filtration builds anyway.
//!
//! ```
//! use geosparse_analysis::{cloud::Cloud, homology::{rips_persistence, RipsOptions}};
//!
//! let c = Cloud::new(vec![0.0, 0.0, 1.0, 0.0, 1.0, 1.0, 0.0, 1.0], 4, 2).unwrap();
//! let ph = rips_persistence(&c, &RipsOptions::default()).unwrap();
//! assert_eq!(ph.barcodes[1], vec![(1.0, 2f64.sqrt())]);
//! assert_eq!(ph.radius, 2f64.sqrt()); // the enclosing radius of a unit square
//! ```

pub mod betti;
pub mod cohomology;
pub mod filtration;
pub mod reference;

pub use betti::{LongBarRule, betti_numbers_of, long_bars_of};

use crate::{AnalysisError, cloud::Cloud, error::param, landmarks::maxmin_landmarks};
use filtration::Filtration;

/// The most landmarks accepted (the filtration packs vertex ids in 16 bits; far below that, the
/// number of tetrahedra, ~L⁴/24, is what bounds the work).
pub const MAX_LANDMARKS: usize = 2_000;

/// Settings of [`rips_persistence`].
#[derive(Debug, Clone, PartialEq)]
pub struct RipsOptions {
    /// Highest homology dimension, 0..=2 (default 2).
    pub max_dim: usize,
    /// Subsample to this many max-min landmarks when the cloud is larger (default 100).
    pub max_landmarks: usize,
    /// Cut the filtration here if below the enclosing radius (default: none).
    pub max_radius: Option<f64>,
    /// Refuse filtrations with more simplices than this (default 30 000 000).
    pub max_simplices: usize,
}

impl Default for RipsOptions {
    fn default() -> Self {
        Self {
            max_dim: 2,
            max_landmarks: 100,
            max_radius: None,
            max_simplices: 30_000_000,
        }
    }
}

/// Barcodes and the settings that produced them.
#[derive(Debug, Clone, PartialEq)]
pub struct Persistence {
    /// Per dimension 0..=max_dim, bars (birth, death) sorted; death = ∞ for essential classes.
    pub barcodes: Vec<Vec<(f64, f64)>>,
    /// Indices of the points used (all points, or the landmarks).
    pub landmarks: Vec<usize>,
    /// Largest distance from a point of the cloud to its nearest landmark (0 without subsampling).
    pub covering_radius: f64,
    /// Where the filtration was cut.
    pub radius: f64,
    /// Simplices per dimension 0..=max_dim + 1.
    pub simplex_counts: Vec<usize>,
}

impl Persistence {
    /// Betti numbers under `rule` (see [`betti`]).
    pub fn betti(&self, rule: &LongBarRule) -> Vec<usize> {
        betti_numbers_of(&self.barcodes, self.radius, self.covering_radius, rule)
    }
}

/// Betti numbers of `p` under `rule` (see [`betti`]).
pub fn betti_numbers(p: &Persistence, rule: &LongBarRule) -> Vec<usize> {
    p.betti(rule)
}

fn check_options(cloud: &Cloud, o: &RipsOptions) -> Result<(), AnalysisError> {
    if o.max_dim > 2 {
        return Err(param(
            "max_dim",
            format!("{} > 2: only H₀, H₁, H₂ are computed", o.max_dim),
        ));
    }
    if o.max_landmarks < 3 {
        return Err(param("max_landmarks", format!("{} < 3", o.max_landmarks)));
    }
    if o.max_landmarks > MAX_LANDMARKS {
        return Err(AnalysisError::TooLarge {
            what: "max_landmarks",
            got: o.max_landmarks,
            limit: MAX_LANDMARKS,
            hint: "use fewer landmarks",
        });
    }
    if let Some(r) = o.max_radius
        && !(r.is_finite() && r > 0.0)
    {
        return Err(param(
            "max_radius",
            format!("{r} is not a positive finite number"),
        ));
    }
    if cloud.m() < 3 {
        return Err(AnalysisError::TooFew {
            what: "points for persistent homology",
            need: 3,
            got: cloud.m(),
        });
    }
    Ok(())
}

/// Rips persistence of `cloud` (see the module doc for the pipeline and defaults).
pub fn rips_persistence(cloud: &Cloud, opts: &RipsOptions) -> Result<Persistence, AnalysisError> {
    check_options(cloud, opts)?;
    let lm = maxmin_landmarks(cloud, opts.max_landmarks)?;
    let n = lm.indices.len();
    let dist: Vec<f64> = (0..n * n)
        .map(|ij| cloud.dist(lm.indices[ij / n], lm.indices[ij % n]))
        .collect();
    let enclosing = (0..n)
        .map(|i| dist[i * n..(i + 1) * n].iter().copied().fold(0.0, f64::max))
        .fold(f64::INFINITY, f64::min);
    let radius = opts.max_radius.map_or(enclosing, |r| r.min(enclosing));
    let f = Filtration::build(&dist, n, radius, opts.max_dim + 1, opts.max_simplices)?;
    let mut barcodes = cohomology::persistence_pairs(&f, opts.max_dim);
    for b in &mut barcodes {
        b.sort_by(|x, y| x.0.total_cmp(&y.0).then(x.1.total_cmp(&y.1)));
    }
    Ok(Persistence {
        barcodes,
        landmarks: lm.indices,
        covering_radius: lm.covering_radius,
        radius,
        simplex_counts: f.counts(),
    })
}
