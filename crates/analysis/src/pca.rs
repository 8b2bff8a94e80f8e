//! Principal component analysis: centre the cloud, eigendecompose its k × k covariance, keep the
//! top d axes (default [`DEFAULT_COMPONENTS`] = 6, as Gardner et al. 2022 before persistent
//! homology). [`fit_pca`] uses faer's self-adjoint eigensolver; [`fit_pca_reference`] the plain
//! cyclic Jacobi method, for tests. Each axis is signed so its largest-magnitude entry is positive.
//!
//! ```
//! use geosparse_analysis::{cloud::Cloud, pca::{fit_pca, pca_project}};
//!
//! // Points on the line y = 2x in the plane: one component carries all the variance.
//! let c = Cloud::new(vec![0.0, 0.0, 1.0, 2.0, 2.0, 4.0, 3.0, 6.0], 4, 2).unwrap();
//! let p = fit_pca(&c, 1).unwrap();
//! assert!((p.variances[0] - p.total_variance).abs() < 1e-9);
//! let s = 5f64.sqrt();
//! assert!((p.components[0] - 1.0 / s).abs() < 1e-9 && (p.components[1] - 2.0 / s).abs() < 1e-9);
//! assert_eq!(pca_project(&c, 1).unwrap().k(), 1);
//! ```

use faer::{Mat, Side};

use crate::{AnalysisError, cloud::Cloud, error::param};

/// The PCA dimension used before persistent homology unless told otherwise.
pub const DEFAULT_COMPONENTS: usize = 6;
/// The largest ambient dimension accepted (the covariance is k × k).
pub const MAX_DIM: usize = 8_192;

/// A fitted projection.
#[derive(Debug, Clone, PartialEq)]
pub struct Pca {
    pub mean: Vec<f64>,
    /// d × k row-major: row c is the unit axis of component c, by decreasing variance.
    pub components: Vec<f64>,
    /// Variance (1/(M−1) normalisation) along each kept axis.
    pub variances: Vec<f64>,
    /// Trace of the covariance.
    pub total_variance: f64,
}

impl Pca {
    /// Coordinates of `cloud` (same k) on the kept axes: an M × d cloud.
    pub fn project(&self, cloud: &Cloud) -> Result<Cloud, AnalysisError> {
        let (k, d) = (self.mean.len(), self.variances.len());
        if cloud.k() != k {
            return Err(AnalysisError::Shape {
                what: "PCA input",
                expected: format!("{k} columns"),
                got: format!("{} columns", cloud.k()),
            });
        }
        let mut out = Vec::with_capacity(cloud.m() * d);
        for i in 0..cloud.m() {
            let x = cloud.point(i);
            for c in 0..d {
                out.push(
                    (0..k)
                        .map(|j| (x[j] - self.mean[j]) * self.components[c * k + j])
                        .sum(),
                );
            }
        }
        Cloud::new(out, cloud.m(), d)
    }
}

fn check(cloud: &Cloud, d: usize) -> Result<(), AnalysisError> {
    if d == 0 || d > cloud.k() {
        return Err(param(
            "components",
            format!("{d} is not in 1..={}", cloud.k()),
        ));
    }
    if cloud.m() < 2 {
        return Err(AnalysisError::TooFew {
            what: "points for PCA",
            need: 2,
            got: cloud.m(),
        });
    }
    if cloud.k() > MAX_DIM {
        return Err(AnalysisError::TooLarge {
            what: "PCA dimension",
            got: cloud.k(),
            limit: MAX_DIM,
            hint: "reduce the dimension first",
        });
    }
    Ok(())
}

fn mean_of(cloud: &Cloud) -> Vec<f64> {
    let mut mean = vec![0.0; cloud.k()];
    for i in 0..cloud.m() {
        mean.iter_mut()
            .zip(cloud.point(i))
            .for_each(|(m, x)| *m += x);
    }
    mean.iter_mut().for_each(|m| *m /= cloud.m() as f64);
    mean
}

/// Builds a [`Pca`] from eigenpairs (any order): keeps the d largest, fixes signs.
fn assemble(mean: Vec<f64>, mut pairs: Vec<(f64, Vec<f64>)>, d: usize) -> Pca {
    let total_variance = pairs.iter().map(|p| p.0).sum();
    pairs.sort_by(|a, b| b.0.total_cmp(&a.0));
    pairs.truncate(d);
    for (_, v) in &mut pairs {
        let big = v
            .iter()
            .copied()
            .fold(0.0, |a: f64, x| if x.abs() > a.abs() { x } else { a });
        if big < 0.0 {
            v.iter_mut().for_each(|x| *x = -*x);
        }
    }
    let variances = pairs.iter().map(|p| p.0).collect();
    let components = pairs.into_iter().flat_map(|p| p.1).collect();
    Pca {
        mean,
        components,
        variances,
        total_variance,
    }
}

/// Top-`d` PCA of `cloud` with faer (covariance by GEMM, self-adjoint eigensolver).
pub fn fit_pca(cloud: &Cloud, d: usize) -> Result<Pca, AnalysisError> {
    check(cloud, d)?;
    let (m, k) = (cloud.m(), cloud.k());
    let mean = mean_of(cloud);
    let x = Mat::<f64>::from_fn(m, k, |i, j| cloud.data()[i * k + j] - mean[j]);
    let cov = (x.transpose() * x.as_ref()) * faer::Scale(1.0 / (m as f64 - 1.0));
    let evd = cov
        .self_adjoint_eigen(Side::Lower)
        .map_err(|e| param("covariance", format!("eigensolver failed: {e:?}")))?;
    let (u, s) = (evd.U(), evd.S().column_vector());
    let pairs = (0..k)
        .map(|c| (s[c], (0..k).map(|j| u[(j, c)]).collect()))
        .collect();
    Ok(assemble(mean, pairs, d))
}

/// Top-`d` PCA by plain loops and cyclic Jacobi rotations (reference for tests; O(k³) per sweep).
pub fn fit_pca_reference(cloud: &Cloud, d: usize) -> Result<Pca, AnalysisError> {
    check(cloud, d)?;
    let (m, k) = (cloud.m(), cloud.k());
    let mean = mean_of(cloud);
    let mut a = vec![0.0; k * k];
    for i in 0..m {
        let x = cloud.point(i);
        for p in 0..k {
            for q in 0..k {
                a[p * k + q] += (x[p] - mean[p]) * (x[q] - mean[q]) / (m as f64 - 1.0);
            }
        }
    }
    let v = jacobi_eigen(&mut a, k);
    let pairs = (0..k)
        .map(|c| (a[c * k + c], (0..k).map(|j| v[j * k + c]).collect()))
        .collect();
    Ok(assemble(mean, pairs, d))
}

/// Diagonalises the symmetric `a` (k × k) in place; returns the eigenvectors as columns.
fn jacobi_eigen(a: &mut [f64], k: usize) -> Vec<f64> {
    let mut v: Vec<f64> = (0..k * k)
        .map(|ij| if ij / k == ij % k { 1.0 } else { 0.0 })
        .collect();
    for _sweep in 0..100 {
        let off: f64 = (0..k * k)
            .filter(|ij| ij / k != ij % k)
            .map(|ij| a[ij] * a[ij])
            .sum();
        if off < 1e-30 {
            break;
        }
        for p in 0..k {
            for q in p + 1..k {
                if a[p * k + q].abs() < 1e-300 {
                    continue;
                }
                let theta = (a[q * k + q] - a[p * k + p]) / (2.0 * a[p * k + q]);
                let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
                let t = if theta == 0.0 { 1.0 } else { t };
                let (c, s) = (1.0 / (t * t + 1.0).sqrt(), t / (t * t + 1.0).sqrt());
                for r in 0..k {
                    let (arp, arq) = (a[r * k + p], a[r * k + q]);
                    a[r * k + p] = c * arp - s * arq;
                    a[r * k + q] = s * arp + c * arq;
                }
                for r in 0..k {
                    let (apr, aqr) = (a[p * k + r], a[q * k + r]);
                    a[p * k + r] = c * apr - s * aqr;
                    a[q * k + r] = s * apr + c * aqr;
                }
                for r in 0..k {
                    let (vrp, vrq) = (v[r * k + p], v[r * k + q]);
                    v[r * k + p] = c * vrp - s * vrq;
                    v[r * k + q] = s * vrp + c * vrq;
                }
            }
        }
    }
    v
}

/// The cloud on its top `d` principal axes (M × d).
pub fn pca_project(cloud: &Cloud, d: usize) -> Result<Cloud, AnalysisError> {
    fit_pca(cloud, d)?.project(cloud)
}
