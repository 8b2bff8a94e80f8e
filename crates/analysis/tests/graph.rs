//! Graph statistics on hand-made and planted graphs.

mod common;

use geosparse_analysis::graph::{
    clustering::{Weighting, clustering},
    louvain::{louvain, modularity},
    smallworld::small_worldness,
    symmetrised,
    wiring::{wiring_cost, wiring_null},
};
use rand::Rng;

/// Two blocks of `b` nodes: weight `inside` within a block, `across` between, no self-loops.
fn two_blocks(b: usize, inside: f64, across: f64) -> Vec<f64> {
    let n = 2 * b;
    (0..n * n)
        .map(|ij| {
            let (i, j) = (ij / n, ij % n);
            if i == j {
                0.0
            } else if i / b == j / b {
                inside
            } else {
                across
            }
        })
        .collect()
}

#[test]
fn planted_two_blocks_reach_the_analytic_modularity() {
    let (b, inside, across) = (10, 1.0, 0.05);
    let w = two_blocks(b, inside, across);
    // m = a·b(b−1) + c·b², Q = a·b(b−1)/m − 1/2.
    let m = inside * (b * (b - 1)) as f64 + across * (b * b) as f64;
    let analytic = inside * (b * (b - 1)) as f64 / m - 0.5;
    let planted: Vec<usize> = (0..2 * b).map(|i| i / b).collect();
    let direct = modularity(&symmetrised(&w, 2 * b).unwrap(), 2 * b, &planted).unwrap();
    assert!((direct - analytic).abs() < 1e-12, "{direct} vs {analytic}");
    for seed in 0..5 {
        let p = louvain(&w, 2 * b, seed).unwrap();
        assert_eq!(p.labels, planted, "seed {seed}");
        assert!((p.modularity - analytic).abs() < 1e-12);
    }
}

#[test]
fn louvain_on_a_noisy_planted_partition_recovers_it() {
    // Four blocks of 8, sparse random weights, directed and signed: Louvain works on (|W|+|W|ᵀ)/2.
    let (n, mut r) = (32, common::rng(7));
    let w: Vec<f64> = (0..n * n)
        .map(|ij| {
            let same = ij / n / 8 == ij % n / 8;
            let p = if same { 0.6 } else { 0.03 };
            if ij / n != ij % n && r.random_bool(p) {
                r.random_range(-1.0..1.0)
            } else {
                0.0
            }
        })
        .collect();
    let p = louvain(&w, n, 1).unwrap();
    let planted: Vec<usize> = (0..n).map(|i| i / 8).collect();
    let q_planted = modularity(&symmetrised(&w, n).unwrap(), n, &planted).unwrap();
    eprintln!(
        "louvain Q {:.4} ({} communities, {} levels), planted Q {q_planted:.4}",
        p.modularity, p.communities, p.levels
    );
    assert!(p.modularity >= q_planted - 1e-9);
    assert_eq!(p.communities, 4);
}

#[test]
fn one_community_has_zero_modularity() {
    let w = two_blocks(4, 1.0, 1.0);
    let q = modularity(&symmetrised(&w, 8).unwrap(), 8, &[0; 8]).unwrap();
    assert!(q.abs() < 1e-12);
}

#[test]
fn wiring_cost_of_hand_made_matrices() {
    // Three neurons on a line at 0, 1, 3.
    let d = [0.0, 1.0, 3.0, 1.0, 0.0, 2.0, 3.0, 2.0, 0.0];
    // W_01 = 2 (d 1), W_21 = −1 (d 2), W_20 = 1 (d 3): (2·1 + 1·2 + 1·3) / 4 = 7/4.
    let w = [0.0, 2.0, 0.0, 0.0, 0.0, 0.0, 1.0, -1.0, 0.0];
    assert!((wiring_cost(&w, &d, 3).unwrap() - 1.75).abs() < 1e-12);
    // Only self-connections: cost 0.
    assert_eq!(
        wiring_cost(&[1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 5.0], &d, 3).unwrap(),
        0.0
    );
}

#[test]
fn local_wiring_beats_the_permuted_null() {
    // Ring of 20 neurons, weights only between ring neighbours.
    let n: usize = 20;
    let d: Vec<f64> = (0..n * n)
        .map(|ij| {
            let k = (ij / n).abs_diff(ij % n);
            k.min(n - k) as f64
        })
        .collect();
    let w: Vec<f64> = (0..n * n)
        .map(|ij| if d[ij] == 1.0 { 1.0 } else { 0.0 })
        .collect();
    let null = wiring_null(&w, &d, n, 50, 3).unwrap();
    eprintln!("{null:?}");
    assert_eq!(null.cost, 1.0);
    assert!(null.null_mean > 3.0 && null.ratio < 0.4);
    assert_eq!(null, wiring_null(&w, &d, n, 50, 3).unwrap(), "seeded");
}

#[test]
fn clustering_of_a_triangle_and_a_star() {
    let triangle = [0.0, 1.0, 1.0, 1.0, 0.0, 1.0, 1.0, 1.0, 0.0];
    for wt in [Weighting::Onnela, Weighting::Binary] {
        assert_eq!(clustering(&triangle, 3, wt).unwrap().per_node, vec![1.0; 3]);
    }
    let n = 5;
    let star: Vec<f64> = (0..n * n)
        .map(|ij| {
            if (ij / n == 0) != (ij % n == 0) {
                1.0
            } else {
                0.0
            }
        })
        .collect();
    for wt in [Weighting::Onnela, Weighting::Binary] {
        assert_eq!(clustering(&star, n, wt).unwrap().mean, 0.0);
    }
    // Onnela with weights 1, 1, 0.5: every node (1 · 1 · 0.5)^(1/3); binary: 1.
    let uneven = [0.0, 1.0, 0.5, 1.0, 0.0, 1.0, 0.5, 1.0, 0.0];
    let c = clustering(&uneven, 3, Weighting::Onnela).unwrap();
    assert!(c.per_node.iter().all(|x| (x - 0.5f64.cbrt()).abs() < 1e-12));
    assert_eq!(clustering(&uneven, 3, Weighting::Binary).unwrap().mean, 1.0);
}

#[test]
fn a_ring_lattice_is_small_world_and_a_random_graph_is_not() {
    // Ring of 60, each node linked to its 3 nearest neighbours on each side, plus 4 shortcuts.
    let n = 60;
    let mut w = vec![0.0; n * n];
    for i in 0..n {
        for k in 1..=3 {
            w[i * n + (i + k) % n] = 1.0;
        }
    }
    for (i, j) in [(0, 30), (10, 45), (20, 50), (5, 35)] {
        w[i * n + j] = 1.0;
    }
    let sw = small_worldness(&w, n, 5, 1).unwrap();
    eprintln!("lattice+shortcuts: {sw:?}");
    assert!(sw.sigma > 2.0, "{sw:?}");
    let mut r = common::rng(9);
    let random: Vec<f64> = (0..n * n)
        .map(|ij| {
            if ij / n < ij % n && r.random_bool(0.1) {
                1.0
            } else {
                0.0
            }
        })
        .collect();
    let sr = small_worldness(&random, n, 5, 1).unwrap();
    eprintln!("random: {sr:?}");
    assert!((sr.sigma - 1.0).abs() < 0.5, "{sr:?}");
}
