//! Greedy max-min landmark selection: start at point 0, then repeatedly add the point farthest
//! from all landmarks chosen so far. The landmarks cover the cloud to within the returned
//! covering radius, so Rips persistence of the landmarks approximates that of the cloud
//! (bars move by at most about twice the covering radius). Deterministic; O(M · L · k).
//!
//! ```
//! use geosparse_analysis::{cloud::Cloud, landmarks::maxmin_landmarks};
//!
//! let c = Cloud::new(vec![0.0, 0.1, 5.0, 5.1, 10.0], 5, 1).unwrap();
//! let lm = maxmin_landmarks(&c, 3).unwrap();
//! assert_eq!(lm.indices, vec![0, 4, 2]);
//! assert!((lm.covering_radius - 0.1).abs() < 1e-12);
//! ```

use crate::{AnalysisError, cloud::Cloud, error::param};

/// The chosen landmark indices (in order of selection) and how well they cover the cloud.
#[derive(Debug, Clone, PartialEq)]
pub struct Landmarks {
    pub indices: Vec<usize>,
    /// max over points of the distance to the nearest landmark.
    pub covering_radius: f64,
}

/// The first `count` max-min landmarks (all points, in order, if `count ≥ M`).
/// Ties go to the lowest index. Refuses `count = 0`.
pub fn maxmin_landmarks(cloud: &Cloud, count: usize) -> Result<Landmarks, AnalysisError> {
    if count == 0 {
        return Err(param("landmarks", "need at least one landmark"));
    }
    let m = cloud.m();
    if count >= m {
        return Ok(Landmarks {
            indices: (0..m).collect(),
            covering_radius: 0.0,
        });
    }
    let mut nearest = vec![f64::INFINITY; m];
    let mut indices = Vec::with_capacity(count);
    let mut next = 0;
    for _ in 0..count {
        indices.push(next);
        let mut far = (0, -1.0);
        for (i, d) in nearest.iter_mut().enumerate() {
            *d = d.min(cloud.dist(i, next));
            if *d > far.1 {
                far = (i, *d);
            }
        }
        next = far.0;
    }
    let covering_radius = nearest.iter().copied().fold(0.0, f64::max);
    Ok(Landmarks {
        indices,
        covering_radius,
    })
}
