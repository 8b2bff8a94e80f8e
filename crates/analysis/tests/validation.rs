//! Every public entry point refuses bad input with a clear error, never a panic.

use geosparse_analysis::{
    AnalysisError,
    cloud::{Cloud, MAX_POINTS},
    graph::{
        clustering::{Weighting, clustering},
        degree::degrees,
        louvain::{louvain, modularity},
        smallworld::small_worldness,
        wiring::{wiring_cost, wiring_null},
    },
    gridscore::{autocorr::autocorrelogram, grid_score, grid_scores},
    homology::{RipsOptions, reference::rips_persistence_reference, rips_persistence},
    landmarks::maxmin_landmarks,
    pca::{fit_pca, fit_pca_reference},
};

fn square_cloud() -> Cloud {
    Cloud::new(vec![0.0, 0.0, 1.0, 0.0, 1.0, 1.0, 0.0, 1.0], 4, 2).unwrap()
}

#[test]
fn clouds_refuse_non_finite_wrong_shape_empty_and_huge() {
    assert!(matches!(
        Cloud::new(vec![0.0, f64::INFINITY], 1, 2),
        Err(AnalysisError::NonFinite { index: 1, .. })
    ));
    assert!(matches!(
        Cloud::from_f32(&[f32::NAN, 0.0], 1, 2),
        Err(AnalysisError::NonFinite { index: 0, .. })
    ));
    assert!(matches!(
        Cloud::new(vec![0.0; 5], 2, 3),
        Err(AnalysisError::Shape { .. })
    ));
    assert!(matches!(
        Cloud::new(vec![], 0, 3),
        Err(AnalysisError::TooFew { .. })
    ));
    assert!(matches!(
        Cloud::new(vec![], 3, 0),
        Err(AnalysisError::TooFew { .. })
    ));
    assert!(matches!(
        Cloud::new(vec![], MAX_POINTS + 1, 1),
        Err(AnalysisError::TooLarge { .. })
    ));
}

#[test]
fn homology_refuses_bad_options_and_too_few_points() {
    let c = square_cloud();
    let bad = |o: RipsOptions| rips_persistence(&c, &o).unwrap_err();
    assert!(matches!(
        bad(RipsOptions {
            max_dim: 3,
            ..Default::default()
        }),
        AnalysisError::Parameter {
            name: "max_dim",
            ..
        }
    ));
    assert!(matches!(
        bad(RipsOptions {
            max_landmarks: 2,
            ..Default::default()
        }),
        AnalysisError::Parameter { .. }
    ));
    assert!(matches!(
        bad(RipsOptions {
            max_landmarks: 100_000,
            ..Default::default()
        }),
        AnalysisError::TooLarge { .. }
    ));
    assert!(matches!(
        bad(RipsOptions {
            max_radius: Some(f64::NAN),
            ..Default::default()
        }),
        AnalysisError::Parameter { .. }
    ));
    assert!(matches!(
        bad(RipsOptions {
            max_radius: Some(-1.0),
            ..Default::default()
        }),
        AnalysisError::Parameter { .. }
    ));
    let two = Cloud::new(vec![0.0, 1.0], 2, 1).unwrap();
    assert!(matches!(
        rips_persistence(&two, &RipsOptions::default()),
        Err(AnalysisError::TooFew { .. })
    ));
    assert!(matches!(
        maxmin_landmarks(&c, 0),
        Err(AnalysisError::Parameter { .. })
    ));
}

#[test]
fn homology_bounds_the_filtration_size() {
    let pts: Vec<f64> = (0..60)
        .flat_map(|i| {
            let a = i as f64 * 0.1;
            [a.cos(), a.sin(), (2.0 * a).cos()]
        })
        .collect();
    let c = Cloud::new(pts, 60, 3).unwrap();
    let err = rips_persistence(
        &c,
        &RipsOptions {
            max_simplices: 10_000,
            ..Default::default()
        },
    )
    .unwrap_err();
    assert!(
        matches!(
            err,
            AnalysisError::TooLarge {
                what: "Rips simplices",
                ..
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("max_landmarks"));
}

#[test]
fn huge_clouds_are_subsampled_to_the_landmark_count() {
    let pts: Vec<f64> = (0..5_000)
        .flat_map(|i| {
            let a = i as f64 * 0.001257;
            [a.cos(), a.sin()]
        })
        .collect();
    let c = Cloud::new(pts, 5_000, 2).unwrap();
    let ph = rips_persistence(
        &c,
        &RipsOptions {
            max_landmarks: 30,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(ph.landmarks.len(), 30);
    assert!(ph.covering_radius > 0.0);
}

#[test]
fn reference_refuses_big_clouds() {
    let c = Cloud::new(vec![0.0; 17], 17, 1).unwrap();
    assert!(matches!(
        rips_persistence_reference(&c, 2, 1.0),
        Err(AnalysisError::TooLarge { .. })
    ));
    assert!(matches!(
        rips_persistence_reference(&square_cloud(), 3, 1.0),
        Err(AnalysisError::Parameter { .. })
    ));
}

#[test]
fn pca_refuses_bad_dimensions() {
    let c = square_cloud();
    for d in [0, 3] {
        assert!(matches!(
            fit_pca(&c, d),
            Err(AnalysisError::Parameter { .. })
        ));
        assert!(matches!(
            fit_pca_reference(&c, d),
            Err(AnalysisError::Parameter { .. })
        ));
    }
    let one = Cloud::new(vec![1.0, 2.0], 1, 2).unwrap();
    assert!(matches!(
        fit_pca(&one, 1),
        Err(AnalysisError::TooFew { .. })
    ));
    let p = fit_pca(&c, 1).unwrap();
    let other = Cloud::new(vec![0.0; 3], 1, 3).unwrap();
    assert!(matches!(
        p.project(&other),
        Err(AnalysisError::Shape { .. })
    ));
}

#[test]
fn ratemaps_refuse_infinities_wrong_shapes_tiny_and_empty_maps() {
    let mut map = vec![1.0; 25];
    map[3] = f64::NEG_INFINITY;
    assert!(matches!(
        grid_score(&map, 5, 5),
        Err(AnalysisError::NonFinite { index: 3, .. })
    ));
    assert!(matches!(
        grid_score(&[0.0; 24], 5, 5),
        Err(AnalysisError::Shape { .. })
    ));
    assert!(matches!(
        grid_score(&[0.0; 4], 2, 2),
        Err(AnalysisError::TooFew { .. })
    ));
    assert!(matches!(
        autocorrelogram(&[f64::NAN; 25], 5, 5),
        Err(AnalysisError::TooFew { .. })
    ));
    assert!(matches!(
        grid_scores(&[0.0; 50], 3, 5, 5),
        Err(AnalysisError::Shape { .. })
    ));
}

#[test]
fn graphs_refuse_non_square_non_finite_empty_and_tiny_matrices() {
    let d = [0.0, 1.0, 1.0, 0.0];
    assert!(matches!(
        wiring_cost(&[0.0, 1.0, 1.0], &d, 2),
        Err(AnalysisError::Shape { .. })
    ));
    assert!(matches!(
        wiring_cost(&[0.0, f64::NAN, 1.0, 0.0], &d, 2),
        Err(AnalysisError::NonFinite { .. })
    ));
    assert!(matches!(
        wiring_cost(&[0.0; 4], &d, 2),
        Err(AnalysisError::Parameter { .. })
    ));
    assert!(matches!(
        wiring_cost(&[0.0, 1.0, 1.0, 0.0], &[0.0, -1.0, 1.0, 0.0], 2),
        Err(AnalysisError::Parameter { .. })
    ));
    assert!(matches!(
        wiring_null(&[0.0, 1.0, 1.0, 0.0], &d, 2, 0, 0),
        Err(AnalysisError::Parameter { .. })
    ));
    assert!(matches!(
        louvain(&[1.0], 1, 0),
        Err(AnalysisError::TooFew { .. })
    ));
    assert!(matches!(
        louvain(&[0.0; 4], 2, 0),
        Err(AnalysisError::Parameter { .. })
    ));
    assert!(matches!(
        modularity(&[0.0, 1.0, 1.0, 0.0], 2, &[0]),
        Err(AnalysisError::Shape { .. })
    ));
    assert!(matches!(
        clustering(&[0.0; 8], 3, Weighting::Onnela),
        Err(AnalysisError::Shape { .. })
    ));
    assert!(matches!(
        small_worldness(&[0.0, 1.0, 1.0, 0.0], 2, 0, 0),
        Err(AnalysisError::Parameter { .. })
    ));
    assert!(matches!(
        degrees(&[0.0, 1.0, 1.0, 0.0], 2, -1.0),
        Err(AnalysisError::Parameter { .. })
    ));
    assert!(matches!(
        degrees(&[], 30_000, 0.0),
        Err(AnalysisError::TooLarge { .. })
    ));
}
