//! Dynamic sparse training (SET, Mocanu et al. 2018; RigL, Evci et al. 2020), the mask
//! arithmetic of issue 17 — the net stays at its target density from step 0 and every
//! `update_every` steps trades its weakest kept weights for new ones. Plain slices in: one
//! tensor's values, mask (1 = kept), and optionally its dense gradient and a prior over its
//! entries; the caller resets the optimizer moments of the returned indices.
//!
//! - **Initial mask** ([`initial_mask`]): exactly round(density · len) entries kept, drawn
//!   uniformly, or without replacement with probability ∝ a prior weight (Efraimidis–Spirakis
//!   keys u^(1/w)) — e.g. the geometry's g(R) = exp(−R/τ) ([`geometric_prior`]).
//! - **Update** ([`update`]): drop k = ⌊α · kept⌋ kept entries of smallest |w| (ties: lower index),
//!   then regrow k entries among those not kept *before* the drop (a weight just dropped is not
//!   regrown in the same update): `Random` uniformly, `Geometric` ∝ the prior, `Gradient` the
//!   largest |g| (RigL), `GradientGeometric` the largest |g| · prior. Regrown weights start at 0;
//!   dropped ones are set to 0. The density is unchanged, exactly.
//! - **α schedule** ([`DynamicSchedule`]): updates at steps t = ΔT, 2ΔT, … below `end`, with
//!   α_t = α/2 · (1 + cos(π t / end)) (RigL's cosine decay; defaults α 0.3, ΔT 100, end at 75 %
//!   of training).
//!
//! ```
//! use geosparse_prune::dynamic::{initial_mask, update, Regrow};
//! use rand::SeedableRng;
//! let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0);
//! let mut mask = initial_mask(100, 0.1, None, &mut rng).unwrap();
//! assert_eq!(mask.iter().filter(|&&m| m == 1).count(), 10);
//! let mut w: Vec<f32> = (0..100).map(|i| if mask[i] == 1 { i as f32 } else { 0.0 }).collect();
//! let u = update(&mut w, &mut mask, None, None, 0.3, Regrow::Random, &mut rng).unwrap();
//! assert_eq!((u.dropped.len(), u.grown.len()), (3, 3));
//! assert_eq!(mask.iter().filter(|&&m| m == 1).count(), 10);
//! assert!(u.grown.iter().all(|&i| w[i] == 0.0 && mask[i] == 1));
//! ```

use rand::Rng;
use serde::{Deserialize, Serialize};

pub mod config;
pub mod erk;

/// How new connections are chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Regrow {
    /// Uniformly among the free entries (SET).
    #[default]
    Random,
    /// The largest dense-gradient magnitudes (RigL).
    Gradient,
    /// Sampled ∝ the prior (the geometry's cheap connections first).
    Geometric,
    /// The largest |gradient| · prior.
    GradientGeometric,
}

/// When updates happen and how much they move.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DynamicSchedule {
    /// ΔT: steps between updates (≥ 1).
    pub update_every: u64,
    /// α: the fraction of kept weights traded at step 0's rate (0 to 1).
    pub alpha: f64,
    /// No update at or after this step.
    pub end: u64,
}

impl DynamicSchedule {
    /// Checks the fields once.
    pub fn new(update_every: u64, alpha: f64, end: u64) -> Result<Self, String> {
        if update_every == 0 {
            return Err("prune.update_every: 0 is not allowed; give at least 1 step".into());
        }
        if !(0.0..=1.0).contains(&alpha) {
            return Err(format!("prune.alpha: {alpha} is not allowed; give a fraction from 0 to 1"));
        }
        Ok(DynamicSchedule { update_every, alpha, end })
    }

    /// α_t at `step` when it is an update step, else None.
    pub fn alpha_at(&self, step: u64) -> Option<f64> {
        (step > 0 && step < self.end && step.is_multiple_of(self.update_every))
            .then(|| 0.5 * self.alpha * (1.0 + (std::f64::consts::PI * step as f64 / self.end as f64).cos()))
    }
}

/// What an update changed (indices into the tensor).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Update {
    pub dropped: Vec<usize>,
    pub grown: Vec<usize>,
}

/// g(R) = exp(−R/τ) per entry, R tiled over the tensor's rows (`r` is rows_r × n, the tensor
/// G·rows_r × n as the penalty sees it).
pub fn geometric_prior(r: &[f32], len: usize, tau: f64) -> Result<Vec<f64>, String> {
    if !(tau.is_finite() && tau > 0.0) {
        return Err(format!("prune.tau: {tau} is not allowed; give a positive number"));
    }
    if r.is_empty() || !len.is_multiple_of(r.len()) {
        return Err(format!("geometric regrowth: R has {} entries, the tensor {len}; the tensor must be whole copies of R", r.len()));
    }
    Ok((0..len).map(|k| (-(r[k % r.len()] as f64) / tau).exp()).collect())
}

fn check_density(density: f64) -> Result<(), String> {
    if density > 0.0 && density < 1.0 {
        Ok(())
    } else {
        Err(format!("density {density} is not allowed; give a fraction strictly between 0 and 1"))
    }
}

/// `k` distinct indices of `pool`, uniformly or ∝ `weight[index]` (Efraimidis–Spirakis).
fn sample(pool: &[usize], k: usize, weight: Option<&[f64]>, rng: &mut impl Rng) -> Vec<usize> {
    let mut keyed: Vec<(f64, usize)> = pool
        .iter()
        .map(|&i| {
            let u: f64 = rng.random_range(f64::MIN_POSITIVE..1.0);
            let w = weight.map_or(1.0, |w| w[i].max(1e-300));
            (u.ln() / w, i) // log of u^(1/w): the largest keys win
        })
        .collect();
    keyed.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    keyed.into_iter().take(k).map(|p| p.1).collect()
}

/// A mask of `len` entries with exactly round(density · len) kept (at least 1).
pub fn initial_mask(len: usize, density: f64, prior: Option<&[f64]>, rng: &mut impl Rng) -> Result<Vec<u8>, String> {
    check_density(density)?;
    if prior.is_some_and(|p| p.len() != len) {
        return Err(format!("the prior has {} entries, the tensor {len}", prior.map_or(0, <[f64]>::len)));
    }
    let keep = ((density * len as f64).round() as usize).clamp(1, len);
    let all: Vec<usize> = (0..len).collect();
    let mut mask = vec![0u8; len];
    for i in sample(&all, keep, prior, rng) {
        mask[i] = 1;
    }
    Ok(mask)
}

/// One drop-and-regrow update at fraction `alpha` (see the module doc).
pub fn update(w: &mut [f32], mask: &mut [u8], grad: Option<&[f32]>, prior: Option<&[f64]>, alpha: f64, regrow: Regrow, rng: &mut impl Rng) -> Result<Update, String> {
    if mask.len() != w.len() || grad.is_some_and(|g| g.len() != w.len()) || prior.is_some_and(|p| p.len() != w.len()) {
        return Err("dynamic update: values, mask, gradient and prior must have the same length".into());
    }
    if !(0.0..=1.0).contains(&alpha) {
        return Err(format!("dynamic update: α {alpha} is outside [0, 1]"));
    }
    let needs_grad = matches!(regrow, Regrow::Gradient | Regrow::GradientGeometric);
    let needs_prior = matches!(regrow, Regrow::Geometric | Regrow::GradientGeometric);
    if needs_grad && grad.is_none() {
        return Err(format!("regrowth {regrow:?} needs the dense gradient"));
    }
    if needs_prior && prior.is_none() {
        return Err(format!("regrowth {regrow:?} needs a geometry (a prior over the entries)"));
    }
    let mut kept: Vec<usize> = (0..w.len()).filter(|&i| mask[i] == 1).collect();
    let free: Vec<usize> = (0..w.len()).filter(|&i| mask[i] == 0).collect();
    let k = ((alpha * kept.len() as f64).floor() as usize).min(free.len());
    kept.sort_by(|&a, &b| w[a].abs().total_cmp(&w[b].abs()).then(a.cmp(&b)));
    let dropped: Vec<usize> = kept[..k].to_vec();
    let grown = match regrow {
        Regrow::Random => sample(&free, k, None, rng),
        Regrow::Geometric => sample(&free, k, prior, rng),
        Regrow::Gradient | Regrow::GradientGeometric => {
            let g = grad.expect("checked");
            let score = |i: usize| g[i].abs() as f64 * prior.filter(|_| regrow == Regrow::GradientGeometric).map_or(1.0, |p| p[i]);
            let mut by: Vec<usize> = free.clone();
            by.sort_by(|&a, &b| score(b).total_cmp(&score(a)).then(a.cmp(&b)));
            by.truncate(k);
            by
        }
    };
    for &i in &dropped {
        mask[i] = 0;
        w[i] = 0.0;
    }
    for &i in &grown {
        mask[i] = 1;
        w[i] = 0.0;
    }
    Ok(Update { dropped, grown })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use rand_chacha::ChaCha8Rng;

    fn rng(s: u64) -> ChaCha8Rng {
        ChaCha8Rng::seed_from_u64(s)
    }

    fn setup(len: usize, density: f64, seed: u64) -> (Vec<f32>, Vec<u8>, ChaCha8Rng) {
        let mut g = rng(seed);
        let mask = initial_mask(len, density, None, &mut g).unwrap();
        let w = (0..len).map(|i| if mask[i] == 1 { g.random_range(-1.0..1.0f32) } else { 0.0 }).collect();
        (w, mask, g)
    }

    #[test]
    fn updates_trade_exact_counts_of_the_weakest_for_fresh_zeros() {
        for (len, density, alpha, seed) in [(1000, 0.1, 0.3, 1), (64, 0.5, 1.0, 2), (500, 0.02, 0.05, 3)] {
            let (mut w, mut mask, mut g) = setup(len, density, seed);
            let before_kept: Vec<usize> = (0..len).filter(|&i| mask[i] == 1).collect();
            let kept_n = before_kept.len();
            let w0 = w.clone();
            let u = update(&mut w, &mut mask, None, None, alpha, Regrow::Random, &mut g).unwrap();
            let k = (alpha * kept_n as f64).floor() as usize;
            assert_eq!((u.dropped.len(), u.grown.len()), (k, k));
            assert_eq!(mask.iter().filter(|&&m| m == 1).count(), kept_n, "density unchanged");
            // the dropped are the k smallest |w| of the kept set
            let max_dropped = u.dropped.iter().map(|&i| w0[i].abs()).fold(0.0, f32::max);
            let survivors_min = before_kept.iter().filter(|i| !u.dropped.contains(i)).map(|&i| w0[i].abs()).fold(f32::INFINITY, f32::min);
            assert!(max_dropped <= survivors_min);
            assert!(u.dropped.iter().all(|&i| w[i] == 0.0 && mask[i] == 0));
            // regrown: previously free, now kept, value 0; never a just-dropped entry
            assert!(u.grown.iter().all(|&i| w0[i] == 0.0 && !before_kept.contains(&i) && mask[i] == 1 && w[i] == 0.0));
            // masked entries are exact zeros
            assert!((0..len).all(|i| mask[i] == 1 || w[i] == 0.0));
        }
    }

    #[test]
    fn gradient_regrowth_takes_the_largest_gradients_and_geometry_biases_the_draw() {
        let (mut w, mut mask, mut g) = setup(200, 0.1, 4);
        let grad: Vec<f32> = (0..200).map(|i| i as f32).collect();
        let free_top: Vec<usize> = (0..200).rev().filter(|&i| mask[i] == 0).take(6).collect();
        let u = update(&mut w, &mut mask, Some(&grad), None, 0.3, Regrow::Gradient, &mut g).unwrap();
        assert_eq!(u.grown, free_top);
        // a prior that makes entries < 100 a million times likelier: geometric draws land there
        let prior: Vec<f64> = (0..4000).map(|i| if i < 100 { 1.0 } else { 1e-6 }).collect();
        let mut hits = 0;
        for seed in 0..20 {
            let mut r = rng(100 + seed);
            let m = initial_mask(4000, 0.01, Some(&prior), &mut r).unwrap();
            hits += (0..100).filter(|&i| m[i] == 1).count();
        }
        assert!(hits >= 20 * 38, "{hits} of {} cheap draws", 20 * 40);
        // gradient × prior: the prior can overrule a larger gradient
        let (mut w, mut mask, mut g) = setup(10, 0.5, 5);
        let free: Vec<usize> = (0..10).filter(|&i| mask[i] == 0).collect();
        let grad = vec![1.0f32; 10];
        let mut p = vec![0.1; 10];
        p[free[2]] = 1.0;
        let u = update(&mut w, &mut mask, Some(&grad), Some(&p), 0.2, Regrow::GradientGeometric, &mut g).unwrap();
        assert_eq!(u.grown, vec![free[2]]);
    }

    #[test]
    fn the_same_seed_gives_the_same_masks() {
        let run = || {
            let (mut w, mut mask, mut g) = setup(300, 0.2, 9);
            for _ in 0..5 {
                update(&mut w, &mut mask, None, None, 0.3, Regrow::Random, &mut g).unwrap();
            }
            (w, mask)
        };
        assert_eq!(run(), run());
    }

    #[test]
    fn alpha_decays_on_a_cosine_and_stops_at_the_end() {
        let s = DynamicSchedule::new(100, 0.3, 1000).unwrap();
        assert_eq!(s.alpha_at(0), None);
        assert_eq!(s.alpha_at(150), None);
        assert!((s.alpha_at(100).unwrap() - 0.15 * (1.0 + (0.1 * std::f64::consts::PI).cos())).abs() < 1e-12);
        assert!((s.alpha_at(500).unwrap() - 0.15).abs() < 1e-12);
        assert_eq!(s.alpha_at(1000), None);
        let v: Vec<f64> = (1..10).map(|i| s.alpha_at(i * 100).unwrap()).collect();
        assert!(v.windows(2).all(|p| p[1] < p[0]));
    }

    #[test]
    fn bad_settings_are_refused_with_the_field() {
        let mut g = rng(0);
        assert!(DynamicSchedule::new(0, 0.3, 10).unwrap_err().contains("update_every"));
        assert!(DynamicSchedule::new(10, 1.5, 10).unwrap_err().contains("alpha"));
        assert!(initial_mask(10, 1.0, None, &mut g).unwrap_err().contains("density 1"));
        assert!(initial_mask(10, 0.0, None, &mut g).is_err());
        let (mut w, mut m) = (vec![0.0f32; 4], vec![1u8, 0, 0, 0]);
        assert!(update(&mut w, &mut m, None, None, 0.5, Regrow::Gradient, &mut g).unwrap_err().contains("gradient"));
        assert!(update(&mut w, &mut m, None, None, 0.5, Regrow::Geometric, &mut g).unwrap_err().contains("geometry"));
        assert!(geometric_prior(&[1.0, 2.0, 3.0], 4, 1.0).is_err());
        assert!(geometric_prior(&[1.0], 4, 0.0).unwrap_err().contains("tau"));
        let p = geometric_prior(&[0.0, 2.0], 4, 2.0).unwrap();
        assert!((p[3] - (-1f64).exp()).abs() < 1e-12 && p[2] == 1.0);
    }
}
