//! Times Rips persistent homology up to H₂ of 1 000 points in ℝ⁶ (a noisy 2-torus in the first
//! four coordinates, noise in all six, as PCA-reduced activity would look).
//!
//! `cargo run --release -p geosparse-analysis --example ph_bench [landmarks] [max_radius]`
//! (defaults: the library defaults, 100 landmarks and the enclosing radius).

use std::time::Instant;

use geosparse_analysis::{
    cloud::Cloud,
    homology::{LongBarRule, RipsOptions, rips_persistence},
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let mut opts = RipsOptions::default();
    if let Some(l) = args.get(1) {
        opts.max_landmarks = l.parse().expect("landmarks: an integer");
    }
    opts.max_radius = args
        .get(2)
        .map(|r| r.parse().expect("max_radius: a number"));
    let mut rng = ChaCha8Rng::seed_from_u64(0);
    let m = 1_000;
    let data: Vec<f64> = (0..m)
        .flat_map(|_| {
            let (a, b) = (
                rng.random_range(0.0..std::f64::consts::TAU),
                rng.random_range(0.0..std::f64::consts::TAU),
            );
            let clean = [a.cos(), a.sin(), b.cos(), b.sin(), 0.0, 0.0];
            clean.map(|x| x + rng.random_range(-0.05..0.05))
        })
        .collect();
    let cloud = Cloud::new(data, m, 6).expect("a valid cloud");
    let t = Instant::now();
    let ph = rips_persistence(&cloud, &opts).expect("persistence");
    let secs = t.elapsed().as_secs_f64();
    println!(
        "points {m} in R^6, max_dim {}, landmarks {} (covering radius {:.3}), radius {:.3}",
        opts.max_dim,
        ph.landmarks.len(),
        ph.covering_radius,
        ph.radius
    );
    println!("simplices per dimension {:?}", ph.simplex_counts);
    println!(
        "bars per dimension {:?}",
        ph.barcodes.iter().map(Vec::len).collect::<Vec<_>>()
    );
    println!(
        "betti (long-bar rule) {:?}",
        ph.betti(&LongBarRule::default())
    );
    println!("time {secs:.3} s");
}
