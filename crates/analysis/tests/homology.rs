//! Known-answer and reference tests of Rips persistent homology.

mod common;

use std::time::Instant;

use geosparse_analysis::homology::{
    LongBarRule, RipsOptions, reference::rips_persistence_reference, rips_persistence,
};

fn betti_of(
    cloud: &geosparse_analysis::cloud::Cloud,
    landmarks: usize,
    max_radius: Option<f64>,
) -> Vec<usize> {
    let t = Instant::now();
    let opts = RipsOptions {
        max_landmarks: landmarks,
        max_radius,
        ..RipsOptions::default()
    };
    let ph = rips_persistence(cloud, &opts).unwrap();
    let betti = ph.betti(&LongBarRule::default());
    let d = ph
        .barcodes
        .iter()
        .flatten()
        .map(|b| b.1)
        .filter(|d| d.is_finite())
        .fold(0.0, f64::max);
    eprintln!(
        "D {d:.3} counts {:?} radius {:.3} cover {:.3} betti {:?} in {:?}",
        ph.simplex_counts,
        ph.radius,
        ph.covering_radius,
        betti,
        t.elapsed()
    );
    for (d, bars) in ph.barcodes.iter().enumerate() {
        let mut long: Vec<_> = bars.iter().map(|b| b.1.min(ph.radius) - b.0).collect();
        long.sort_by(|a, b| b.total_cmp(a));
        eprintln!(
            "  H{d}: {} bars, longest {:?}",
            bars.len(),
            &long[..long.len().min(4)]
        );
    }
    betti
}

#[test]
fn circle_has_one_loop() {
    for seed in 1..4 {
        assert_eq!(
            betti_of(&common::circle(200, 0.05, seed), 40, None),
            vec![1, 1, 0],
            "seed {seed}"
        );
    }
}

#[test]
fn torus_in_r4_has_two_loops_and_a_void() {
    // Radius cut at 2.0 (the enclosing radius is ≈ 2.8): a third of the tetrahedra, same answer.
    for seed in 1..4 {
        assert_eq!(
            betti_of(&common::torus4(1000, 0.03, seed), 80, Some(2.0)),
            vec![1, 2, 1],
            "seed {seed}"
        );
    }
}

#[test]
fn sphere_has_a_void() {
    for seed in 1..4 {
        assert_eq!(
            betti_of(&common::sphere(400, 0.03, seed), 70, None),
            vec![1, 0, 1],
            "seed {seed}"
        );
    }
}

#[test]
fn two_blobs_are_two_components() {
    for seed in 1..4 {
        assert_eq!(
            betti_of(&common::two_blobs(200, 0.1, seed), 40, None),
            vec![2, 0, 0],
            "seed {seed}"
        );
    }
}

#[test]
fn barcodes_match_the_brute_force_reduction() {
    for seed in 0..12u64 {
        let (m, k) = (6 + seed as usize % 7, 2 + seed as usize % 3);
        let cloud = common::uniform(m, k, 100 + seed);
        for cap in [None, Some(0.5)] {
            let opts = RipsOptions {
                max_radius: cap,
                ..RipsOptions::default()
            };
            let ph = rips_persistence(&cloud, &opts).unwrap();
            let reference = rips_persistence_reference(&cloud, 2, ph.radius).unwrap();
            assert_eq!(
                ph.barcodes, reference,
                "seed {seed} m {m} k {k} cap {cap:?}"
            );
        }
    }
}

#[test]
fn ties_and_duplicates_match_the_reference() {
    // A regular grid has many equal distances; a duplicated point has a zero distance.
    let mut pts: Vec<f64> = (0..9)
        .flat_map(|i| [(i % 3) as f64, (i / 3) as f64])
        .collect();
    pts.extend_from_slice(&[1.0, 1.0]);
    let cloud = geosparse_analysis::cloud::Cloud::new(pts, 10, 2).unwrap();
    let ph = rips_persistence(&cloud, &RipsOptions::default()).unwrap();
    assert_eq!(
        ph.barcodes,
        rips_persistence_reference(&cloud, 2, ph.radius).unwrap()
    );
}
