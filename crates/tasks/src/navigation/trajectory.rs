//! The trajectory generator of Sorscher et al. (SPEC §3.1): a rat in a square box with walls,
//! dt = 0.02 s, rotation noise ω ~ N(0, 11.52 rad/s), speed ~ Rayleigh(0.13·2π m/s), turning
//! away and slowing to a quarter within 3 cm of a wall it is heading into.
//!
//! ```
//! use geosparse_tasks::navigation::trajectory::{Trajectories, TrajectoryConfig};
//! let mut rng = geosparse_moduli::seed::rng(1, "doc");
//! let t = Trajectories::generate(&TrajectoryConfig::default(), 20, 4, &mut rng);
//! assert_eq!(t.positions.len(), 4 * 22 * 2);          // x₀..x₂₁ per trajectory
//! assert!(t.positions.iter().all(|p| p.abs() <= 1.1 + 1e-3));
//! ```

use rand::Rng;
use rand_distr::{Distribution, Normal};
use std::f64::consts::{FRAC_PI_2, PI, TAU};

/// Constants of the generator (reference values by default).
#[derive(Debug, Clone, PartialEq)]
pub struct TrajectoryConfig {
    pub box_size: f64,
    pub dt: f64,
    /// Std of the rotation velocity (rad/s).
    pub rotation_sigma: f64,
    /// Rayleigh scale of the forward speed (m/s).
    pub speed_scale: f64,
    /// Distance (m) at which the wall is avoided.
    pub border: f64,
}

impl Default for TrajectoryConfig {
    fn default() -> Self {
        TrajectoryConfig { box_size: 2.2, dt: 0.02, rotation_sigma: 11.52, speed_scale: 0.13 * TAU, border: 0.03 }
    }
}

/// Trajectories of `steps + 1` moves: positions x₀..x_{steps+1} per trajectory, `(B, T+2, 2)`.
#[derive(Debug, Clone)]
pub struct Trajectories {
    pub batch: usize,
    pub steps: usize,
    pub positions: Vec<f32>,
}

/// Distance to the nearest wall and the heading relative to that wall's normal direction.
fn avoid_wall(x: f64, y: f64, hd: f64, half: f64) -> (f64, f64) {
    let dists = [half - x, half - y, half + x, half + y];
    let (mut w, mut d) = (0, dists[0]);
    for (i, &v) in dists.iter().enumerate().skip(1) {
        if v < d {
            (w, d) = (i, v);
        }
    }
    let theta = w as f64 * FRAC_PI_2;
    let a = (hd.rem_euclid(TAU) - theta + PI).rem_euclid(TAU) - PI;
    (d, a)
}

impl Trajectories {
    pub fn generate(cfg: &TrajectoryConfig, steps: usize, batch: usize, rng: &mut impl Rng) -> Self {
        let half = cfg.box_size / 2.0;
        let turn = Normal::new(0.0, cfg.rotation_sigma).expect("finite sigma");
        let n = steps + 2;
        let mut positions = vec![0f32; batch * n * 2];
        for b in 0..batch {
            let mut x = rng.random::<f64>() * cfg.box_size - half;
            let mut y = rng.random::<f64>() * cfg.box_size - half;
            let mut hd = rng.random::<f64>() * TAU;
            let out = &mut positions[b * n * 2..(b + 1) * n * 2];
            out[0] = x as f32;
            out[1] = y as f32;
            for t in 0..=steps {
                let omega = turn.sample(rng);
                // Rayleigh(σ) = σ·√(−2 ln U), U ∈ (0, 1]
                let mut v = cfg.speed_scale * (-2.0 * (1.0 - rng.random::<f64>()).ln()).sqrt();
                let (d, a) = avoid_wall(x, y, hd, half);
                let mut turn_angle = 0.0;
                if d < cfg.border && a.abs() < FRAC_PI_2 {
                    turn_angle = a.signum() * (FRAC_PI_2 - a.abs());
                    v *= 0.25;
                }
                x += v * cfg.dt * hd.cos();
                y += v * cfg.dt * hd.sin();
                hd += cfg.dt * omega + turn_angle;
                out[2 * (t + 1)] = x as f32;
                out[2 * (t + 1) + 1] = y as f32;
            }
        }
        Trajectories { batch, steps, positions }
    }

    /// x_t of trajectory b.
    pub fn at(&self, b: usize, t: usize) -> [f32; 2] {
        let o = (b * (self.steps + 2) + t) * 2;
        [self.positions[o], self.positions[o + 1]]
    }
}
