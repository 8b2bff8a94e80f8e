//! # geosparse-analysis — look inside a trained network
//!
//! The algorithmic core of `geosparse analyze` (issue 13), with no ML code and no dependency
//! on the engine: plain slices in, plain structs out, every input checked ([`AnalysisError`]).
//!
//! - [`cloud`]: an M × k point cloud (row-major f64), checked once.
//! - [`landmarks`]: greedy max-min subsampling of a cloud.
//! - [`pca`]: projection onto the top principal components (Gardner et al. used 6).
//! - [`homology`]: Vietoris–Rips persistent homology up to H₂, barcodes and Betti numbers.
//! - [`gridscore`]: spatial autocorrelogram and grid score of a ratemap.
//! - [`graph`]: wiring cost, modularity (Louvain), clustering, small-worldness, degrees.
//!
//! ```
//! use geosparse_analysis::{cloud::Cloud, homology::{rips_persistence, RipsOptions, betti_numbers, LongBarRule}};
//!
//! // 24 points on a circle: one component, one loop.
//! let pts: Vec<f64> = (0..24)
//!     .flat_map(|i| { let a = i as f64 * std::f64::consts::TAU / 24.0; [a.cos(), a.sin()] })
//!     .collect();
//! let cloud = Cloud::new(pts, 24, 2).unwrap();
//! let ph = rips_persistence(&cloud, &RipsOptions::default()).unwrap();
//! assert_eq!(betti_numbers(&ph, &LongBarRule::default()), vec![1, 1, 0]);
//! ```

pub mod cloud;
pub mod error;
pub mod graph;
pub mod gridscore;
pub mod homology;
pub mod landmarks;
pub mod pca;

pub use error::AnalysisError;
