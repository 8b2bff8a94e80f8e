//! Grid scores of synthetic ratemaps.

mod common;

use std::f64::consts::{FRAC_PI_2, FRAC_PI_3};

use geosparse_analysis::gridscore::{grid_score, grid_scores};
use rand::Rng;

const N: usize = 20;

/// Sum of plane waves of wavenumber `k` at `angles` (radians), origin off the bin grid.
fn waves(angles: &[f64], k: f64) -> Vec<f64> {
    (0..N * N)
        .map(|i| {
            let (x, y) = ((i % N) as f64 - 7.3, (i / N) as f64 - 5.1);
            angles
                .iter()
                .map(|a| (k * (a.cos() * x + a.sin() * y)).cos())
                .sum()
        })
        .collect()
}

fn hexagonal(spacing: f64, rotation_deg: f64) -> Vec<f64> {
    let r = rotation_deg.to_radians();
    let k = 4.0 * std::f64::consts::PI / (3f64.sqrt() * spacing);
    waves(&[r, r + FRAC_PI_3, r + 2.0 * FRAC_PI_3], k)
}

fn square(spacing: f64) -> Vec<f64> {
    waves(&[0.0, FRAC_PI_2], std::f64::consts::TAU / spacing)
}

fn score(map: &[f64]) -> f64 {
    grid_score(map, N, N).unwrap().score
}

#[test]
fn hexagonal_grids_score_high() {
    for spacing in [6.0, 8.0, 10.0] {
        let s = score(&hexagonal(spacing, 0.0));
        eprintln!("hex spacing {spacing}: {s:.3}");
        assert!(s > 0.5, "spacing {spacing}: {s}");
    }
}

#[test]
fn score_is_rotation_invariant() {
    let (a, b) = (score(&hexagonal(8.0, 0.0)), score(&hexagonal(8.0, 17.0)));
    eprintln!("rotation 0°: {a:.3}, 17°: {b:.3}");
    assert!(b > 0.5 && (a - b).abs() < 0.25, "{a} vs {b}");
}

#[test]
fn score_is_scale_invariant() {
    let (a, b) = (score(&hexagonal(6.0, 0.0)), score(&hexagonal(9.0, 0.0)));
    eprintln!("spacing 6: {a:.3}, spacing 9: {b:.3}");
    assert!((a - b).abs() < 0.25, "{a} vs {b}");
}

#[test]
fn square_grids_score_low() {
    for spacing in [6.0, 8.0, 10.0] {
        let s = score(&square(spacing));
        eprintln!("square spacing {spacing}: {s:.3}");
        assert!(s < 0.2, "spacing {spacing}: {s}");
    }
}

#[test]
fn white_noise_scores_low() {
    let mut scores = Vec::new();
    for seed in 0..10 {
        let mut r = common::rng(seed);
        let map: Vec<f64> = (0..N * N).map(|_| r.random_range(0.0..1.0)).collect();
        scores.push(score(&map));
    }
    eprintln!("noise: {scores:.3?}");
    let mean = scores.iter().sum::<f64>() / scores.len() as f64;
    assert!(mean < 0.2 && scores.iter().all(|&s| s < 0.5), "{scores:?}");
}

#[test]
fn unvisited_bins_are_ignored() {
    let mut map = hexagonal(8.0, 0.0);
    for i in (0..N * N).step_by(7) {
        map[i] = f64::NAN;
    }
    map[..N].fill(f64::NAN); // an unvisited wall
    let s = score(&map);
    eprintln!("hex with holes: {s:.3}");
    assert!(s > 0.5, "{s}");
}

#[test]
fn silent_unit_scores_nan_and_batches_go_on() {
    let mut maps = vec![0.0; N * N];
    maps.extend(hexagonal(8.0, 0.0));
    let s = grid_scores(&maps, 2, N, N).unwrap();
    assert!(s[0].is_nan() && s[1] > 0.5, "{s:?}");
}
