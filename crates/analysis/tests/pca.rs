//! PCA on a planted low-rank cloud, faer against the Jacobi reference.

mod common;

use geosparse_analysis::{
    cloud::Cloud,
    pca::{fit_pca, fit_pca_reference, pca_project},
};
use rand::Rng;

/// 300 points in ℝ¹⁰ on a planted 3-dimensional subspace (variances 9, 4, 1) plus small noise.
fn planted() -> (Cloud, Vec<[f64; 10]>) {
    let mut r = common::rng(11);
    let mut axes: Vec<[f64; 10]> = Vec::new();
    for _ in 0..3 {
        let mut v = [0.0; 10];
        v.iter_mut().for_each(|x| *x = r.random_range(-1.0..1.0));
        for a in &axes {
            let dot: f64 = v.iter().zip(a).map(|(x, y)| x * y).sum();
            v.iter_mut().zip(a).for_each(|(x, y)| *x -= dot * y);
        }
        let norm = v.iter().map(|x| x * x).sum::<f64>().sqrt();
        v.iter_mut().for_each(|x| *x /= norm);
        axes.push(v);
    }
    let scales = [3.0, 2.0, 1.0];
    let ax = &axes;
    let data: Vec<f64> = (0..300)
        .flat_map(|_| {
            let c: Vec<f64> = scales
                .iter()
                .map(|s| s * r.random_range(-1.7320508..1.7320508))
                .collect();
            let noise: Vec<f64> = (0..10).map(|_| r.random_range(-0.01..0.01)).collect();
            (0..10)
                .map(move |j| 5.0 + (0..3).map(|a| c[a] * ax[a][j]).sum::<f64>() + noise[j])
                .collect::<Vec<_>>()
        })
        .collect();
    (Cloud::new(data, 300, 10).unwrap(), axes)
}

#[test]
fn recovers_the_planted_subspace() {
    let (cloud, axes) = planted();
    let p = fit_pca(&cloud, 3).unwrap();
    eprintln!("variances {:?} of {}", p.variances, p.total_variance);
    assert!(p.variances.iter().sum::<f64>() / p.total_variance > 0.999);
    assert!(p.variances[0] > p.variances[1] && p.variances[1] > p.variances[2]);
    for (c, axis) in axes.iter().enumerate() {
        let dot: f64 = (0..10).map(|j| p.components[c * 10 + j] * axis[j]).sum();
        assert!(dot.abs() > 0.99, "component {c}: |cos| = {}", dot.abs());
    }
    let proj = pca_project(&cloud, 3).unwrap();
    assert_eq!((proj.m(), proj.k()), (300, 3));
}

#[test]
fn faer_matches_the_jacobi_reference() {
    let (cloud, _) = planted();
    let (a, b) = (
        fit_pca(&cloud, 6).unwrap(),
        fit_pca_reference(&cloud, 6).unwrap(),
    );
    assert!((a.total_variance - b.total_variance).abs() < 1e-9);
    for c in 0..6 {
        assert!((a.variances[c] - b.variances[c]).abs() < 1e-9 * a.variances[0]);
    }
    // Axes with well-separated variances agree up to the fixed sign convention.
    for c in 0..3 {
        for j in 0..10 {
            assert!((a.components[c * 10 + j] - b.components[c * 10 + j]).abs() < 1e-6);
        }
    }
}
