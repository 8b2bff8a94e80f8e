//! Grid scores of synthetic ratemaps.

mod common;

use std::f64::consts::{FRAC_PI_2, FRAC_PI_3};

use geosparse_analysis::gridscore::{
    autocorr::Normalisation,
    grid_score, grid_score_with, grid_scores,
    shuffle::{block_shuffle, block_side, nearest_rank, shuffle_test},
};
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

// ---- False positives: field maps that are not grids (the shuffle null) ----

/// A map of Gaussian fields of width `sigma` at `centres`, plus uniform noise of amplitude
/// `noise`, rectified like the ReLU units of a navigation net.
fn fields(r: &mut impl Rng, centres: &[(f64, f64)], sigma: f64, noise: f64) -> Vec<f64> {
    (0..N * N)
        .map(|i| {
            let (x, y) = ((i % N) as f64, (i / N) as f64);
            let v: f64 = centres.iter().map(|&(px, py)| (-((x - px).powi(2) + (y - py).powi(2)) / (2.0 * sigma * sigma)).exp()).sum();
            (v + noise * r.random_range(-1.0..1.0)).max(0.0)
        })
        .collect()
}

/// A rectified hexagonal grid with random spacing (5-12 bins), orientation and phase, + noise.
fn noisy_hexagonal(r: &mut impl Rng, noise: f64) -> Vec<f64> {
    let (spacing, rot) = (r.random_range(5.0..12.0), r.random_range(0.0..FRAC_PI_3));
    let (ox, oy) = (r.random_range(0.0..20.0), r.random_range(0.0..20.0));
    let k = 4.0 * std::f64::consts::PI / (3f64.sqrt() * spacing);
    (0..N * N)
        .map(|i| {
            let (x, y) = ((i % N) as f64 - ox, (i / N) as f64 - oy);
            let v: f64 = (0..3).map(|j| { let a = rot + j as f64 * FRAC_PI_3; (k * (a.cos() * x + a.sin() * y)).cos() }).sum();
            ((v - 1.0).max(0.0) + noise * r.random_range(-1.0..1.0)).max(0.0)
        })
        .collect()
}

/// `count` maps of one kind: "single" field, "random" 2-4 fields, "hexagonal" grid.
fn population(kind: &str, count: usize, seed: u64) -> Vec<Vec<f64>> {
    let mut r = common::rng(seed);
    (0..count)
        .map(|_| {
            let (noise, sigma) = (r.random_range(0.0..0.3), r.random_range(0.7..2.0));
            let centre = |r: &mut rand_chacha::ChaCha8Rng| (r.random_range(0.0..19.0), r.random_range(0.0..19.0));
            match kind {
                "single" => { let c = [centre(&mut r)]; fields(&mut r, &c, sigma, noise) }
                "random" => { let k = r.random_range(2..5); let c: Vec<_> = (0..k).map(|_| centre(&mut r)).collect(); fields(&mut r, &c, sigma, noise) }
                _ => noisy_hexagonal(&mut r, noise),
            }
        })
        .collect()
}

/// Shares of `maps` above 0.3 alone, and above 0.3 and their own shuffle null.
fn pass_rates(maps: &[Vec<f64>], norm: Normalisation) -> (f64, f64) {
    let (mut above, mut grid) = (0, 0);
    for (i, m) in maps.iter().enumerate() {
        let s = grid_score_with(m, N, N, norm).unwrap().score;
        above += usize::from(s > 0.3);
        if norm == Normalisation::Global {
            grid += usize::from(shuffle_test(m, N, N, 30, i as u64).unwrap().is_grid(0.3));
        }
    }
    (above as f64 / maps.len() as f64, grid as f64 / maps.len() as f64)
}

#[test]
fn single_fields_pass_less_often_with_global_normalisation() {
    // The per-lag Pearson autocorrelogram turns a silent overlap's fluctuations into ±1.
    let maps = population("single", 150, 11);
    let (per_lag, _) = pass_rates(&maps, Normalisation::PerLag);
    let (global, grid) = pass_rates(&maps, Normalisation::Global);
    eprintln!("single field > 0.3: per-lag {per_lag:.3}, global {global:.3}; shuffle test {grid:.3}");
    assert!(global < per_lag && global <= 0.08, "{global} vs {per_lag}");
    assert!(grid <= 0.08, "{grid}");
}

#[test]
fn random_fields_fail_the_shuffle_test_and_grids_pass_it() {
    let (above, grid) = pass_rates(&population("random", 100, 12), Normalisation::Global);
    eprintln!("2-4 random fields: > 0.3 {above:.3}, shuffle test {grid:.3}");
    assert!(grid <= 0.08, "{grid} vs {above}");
    let (above, grid) = pass_rates(&population("hexagonal", 60, 13), Normalisation::Global);
    eprintln!("noisy hexagonal grids: > 0.3 {above:.3}, shuffle test {grid:.3}");
    assert!(above >= 0.95 && grid >= 0.95, "{above}, {grid}");
}

#[test]
fn block_shuffle_permutes_whole_blocks_and_keeps_the_values() {
    let map: Vec<f64> = (0..N * N).map(|i| i as f64).collect();
    let b = block_side(N, N);
    assert_eq!(b, 5);
    let s = block_shuffle(&map, N, N, b, &mut common::rng(1));
    let mut sorted = s.clone();
    sorted.sort_by(f64::total_cmp);
    assert_eq!(sorted, map, "a permutation of the bins");
    assert_ne!(s, map);
    for by in 0..4 {
        for bx in 0..4 {
            // each block is a translated copy of one source block: consecutive within a row
            let at = |y: usize, x: usize| s[(by * b + y) * N + bx * b + x];
            for y in 0..b {
                for x in 1..b {
                    assert_eq!(at(y, x), at(y, x - 1) + 1.0);
                }
            }
            assert_eq!(at(1, 0), at(0, 0) + N as f64);
        }
    }
    // a 22 × 21 map keeps its last rows and column in place
    let odd: Vec<f64> = (0..22 * 21).map(|i| i as f64).collect();
    let s = block_shuffle(&odd, 22, 21, block_side(22, 21), &mut common::rng(2));
    assert!((20 * 21..22 * 21).all(|i| s[i] == odd[i]) && (0..22).all(|y| s[y * 21 + 20] == odd[y * 21 + 20]));
}

#[test]
fn nearest_rank_quantile() {
    let mut v: Vec<f64> = (1..=20).map(f64::from).rev().collect();
    assert_eq!(nearest_rank(&mut v, 0.95), 19.0);
    assert_eq!(nearest_rank(&mut [3.0], 0.95), 3.0);
    assert!(nearest_rank(&mut [], 0.95).is_nan());
    assert!(shuffle_test(&[0.0; 400], N, N, 0, 0).is_err());
}
