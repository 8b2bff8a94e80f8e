//! Seeded synthetic point clouds for the tests.
#![allow(dead_code)]

use geosparse_analysis::cloud::Cloud;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};

pub fn rng(seed: u64) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(seed)
}

/// `m` points from `sample`, each coordinate plus N(0, sigma²) noise.
pub fn noisy(
    m: usize,
    k: usize,
    sigma: f64,
    seed: u64,
    mut sample: impl FnMut(&mut ChaCha8Rng) -> Vec<f64>,
) -> Cloud {
    let mut r = rng(seed);
    let noise = Normal::new(0.0, sigma).unwrap();
    let data: Vec<f64> = (0..m).flat_map(|_| sample(&mut r)).collect::<Vec<_>>();
    let data = data.into_iter().map(|x| x + noise.sample(&mut r)).collect();
    Cloud::new(data, m, k).unwrap()
}

pub fn circle(m: usize, sigma: f64, seed: u64) -> Cloud {
    noisy(m, 2, sigma, seed, |r| {
        let a = r.random_range(0.0..std::f64::consts::TAU);
        vec![a.cos(), a.sin()]
    })
}

pub fn torus4(m: usize, sigma: f64, seed: u64) -> Cloud {
    noisy(m, 4, sigma, seed, |r| {
        let (a, b) = (
            r.random_range(0.0..std::f64::consts::TAU),
            r.random_range(0.0..std::f64::consts::TAU),
        );
        vec![a.cos(), a.sin(), b.cos(), b.sin()]
    })
}

pub fn sphere(m: usize, sigma: f64, seed: u64) -> Cloud {
    let gauss = Normal::new(0.0, 1.0).unwrap();
    noisy(m, 3, sigma, seed, |r| {
        let v: Vec<f64> = (0..3).map(|_| gauss.sample(r)).collect();
        let n = v.iter().map(|x| x * x).sum::<f64>().sqrt();
        v.iter().map(|x| x / n).collect()
    })
}

pub fn two_blobs(m: usize, sigma: f64, seed: u64) -> Cloud {
    let mut i = 0;
    noisy(m, 3, sigma, seed, |_| {
        i += 1;
        if i % 2 == 0 {
            vec![0.0, 0.0, 0.0]
        } else {
            vec![5.0, 0.0, 0.0]
        }
    })
}

/// Uniform points in [0, 1)^k.
pub fn uniform(m: usize, k: usize, seed: u64) -> Cloud {
    let mut r = rng(seed);
    Cloud::new((0..m * k).map(|_| r.random_range(0.0..1.0)).collect(), m, k).unwrap()
}
