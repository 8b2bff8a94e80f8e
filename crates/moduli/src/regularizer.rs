//! The regularizer matrix R = f(D): built once, in parallel, deterministic for a seed.
//!
//! Order (SPEC §1.1): embed → distances → f → permute → invert.
//!
//! ```
//! use geosparse_moduli::spec::{RegularizerSpec, SpaceName, InhibitorName};
//! let mut spec = RegularizerSpec::new(SpaceName::Torus, InhibitorName::Dog);
//! spec.invert = true;
//! let r = spec.resolve(Some(256), 1).unwrap().build().unwrap();
//! let s = r.stats();
//! assert!(s.min >= 0.0 && s.max <= 81.2);          // inverted DoG lies in [0, M]
//! assert_eq!(r.matrix()[0], s.max);                 // the self-loop (d = 0) costs the most
//! ```

use crate::error::ModuliError;
use crate::inhibitor::Inhibitor;
use crate::seed;
use crate::space::Space;
use crate::spec::{Resolved, ResolvedSpec};
use rand::seq::SliceRandom;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// The neurons' coordinates on the space, `(n, dim)` row-major.
#[derive(Debug, Clone, PartialEq)]
pub struct Embedding {
    pub coords: Vec<f32>,
    pub dim: usize,
}

impl Embedding {
    pub fn point(&self, i: usize) -> &[f32] {
        &self.coords[i * self.dim..(i + 1) * self.dim]
    }
}

/// Summary numbers of R.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RStats {
    pub mean: f64,
    pub min: f32,
    pub max: f32,
    /// Fraction of entries with R < 10 (the "cheap" pairs).
    pub frac_below_10: f64,
    pub frac_below_20: f64,
}

/// R (N × N, f32) with the geometry it came from.
#[derive(Debug, Clone)]
pub struct Regularizer {
    pub spec: ResolvedSpec,
    space: Option<Arc<dyn Space>>,
    embedding: Option<Embedding>,
    given_distances: Option<Arc<Vec<f32>>>,
    r: Arc<Vec<f32>>,
}

/// Side of the square tiles the symmetric builders work in.
const TILE: usize = 64;

/// The tiles (I, J), I ≤ J, of TILE × TILE that cover the upper triangle of an `(n, n)` matrix,
/// and the index range of block b.
pub(crate) fn upper_tiles(n: usize) -> Vec<(usize, usize)> {
    let blocks = n.div_ceil(TILE);
    (0..blocks).flat_map(|bi| (bi..blocks).map(move |bj| (bi, bj))).collect()
}
pub(crate) fn block(b: usize, n: usize) -> (usize, usize) {
    (b * TILE, ((b + 1) * TILE).min(n))
}

/// A symmetric `(n, n)` output written from parallel tasks, one per tile of [`upper_tiles`].
pub(crate) struct SymmetricOut {
    ptr: *mut f32,
    n: usize,
}
// SAFETY: tasks write disjoint entries (see `set`).
unsafe impl Sync for SymmetricOut {}
impl SymmetricOut {
    pub(crate) fn new(out: &mut [f32], n: usize) -> Self {
        assert_eq!(out.len(), n * n);
        SymmetricOut { ptr: out.as_mut_ptr(), n }
    }
    /// out[i, j] = out[j, i] = v.
    ///
    /// # Safety
    /// (i, j) lies in the caller's tile (I, J) and (j, i) in (J, I); each unordered tile pair is
    /// handled by exactly one task, so no two tasks write the same entry, and the slice given to
    /// [`SymmetricOut::new`] outlives the parallel loop.
    pub(crate) unsafe fn set(&self, i: usize, j: usize, v: f32) {
        unsafe {
            *self.ptr.add(i * self.n + j) = v;
            *self.ptr.add(j * self.n + i) = v;
        }
    }
}

/// Fills the symmetric `(n, n)` matrix `out[i, j] = out[j, i] = g(i, j)`, evaluating `g` once
/// per unordered pair: tiles (I, J) with I ≤ J are computed in parallel and mirrored.
fn fill_symmetric(n: usize, out: &mut [f32], g: impl Fn(usize, usize) -> f32 + Sync) {
    let shared = SymmetricOut::new(out, n);
    upper_tiles(n).par_iter().for_each(|&(bi, bj)| {
        let ((i0, i1), (j0, j1)) = (block(bi, n), block(bj, n));
        for i in i0..i1 {
            for j in (if bi == bj { i } else { j0 })..j1 {
                // SAFETY: (i, j) is in tile (bi, bj), one task per tile pair
                unsafe { shared.set(i, j, g(i, j)) };
            }
        }
    });
}

/// D for all pairs, `(n, n)` row-major, in parallel.
pub fn distance_matrix(space: &dyn Space, emb: &Embedding) -> Vec<f32> {
    let n = emb.coords.len() / emb.dim;
    let mut d = vec![0f32; n * n];
    fill_symmetric(n, &mut d, |i, j| space.distance(emb.point(i), emb.point(j)) as f32);
    d
}

impl Resolved {
    /// Draws (or takes) the points and builds R.
    pub fn build(&self) -> Result<Regularizer, ModuliError> {
        let spec = &self.spec;
        let n = spec.neurons;
        let space = spec.geometry.space();
        let embedding = space.as_ref().map(|s| {
            let coords = match &self.coords {
                Some(c) => c.clone(),
                None => s.sample(n, &mut seed::rng(spec.seed, "moduli/embedding")),
            };
            Embedding { coords, dim: s.coord_dim() }
        });
        let r = prices(spec, space.as_deref(), embedding.as_ref(), self.distances.as_deref())?;
        Ok(Regularizer {
            spec: spec.clone(),
            space,
            embedding,
            given_distances: self.distances.clone().map(Arc::new),
            r: Arc::new(r),
        })
    }
}

/// R from the points (or a distance matrix): the inhibitor of each distance, then the
/// optional shuffle and inversion of the spec.
fn prices(spec: &ResolvedSpec, space: Option<&dyn Space>, embedding: Option<&Embedding>, distances: Option<&[f32]>) -> Result<Vec<f32>, ModuliError> {
    let n = spec.neurons;
    let f = &spec.inhibitor;
    let mut r = vec![0f32; n * n];
    match (space, embedding, distances) {
        (Some(space), Some(emb), _) => fill_symmetric(n, &mut r, |i, j| f.eval(space.distance(emb.point(i), emb.point(j))) as f32),
        (None, _, Some(d)) => r.par_iter_mut().zip(d.par_iter()).for_each(|(o, &d)| *o = f.eval(d as f64) as f32),
        _ => unreachable!("resolve() gives either a space or a distance matrix"),
    }
    check_finite(f, &r, n)?;
    if spec.permute {
        r.shuffle(&mut seed::rng(spec.seed, "moduli/permute"));
    }
    if spec.invert {
        invert(&mut r);
    }
    Ok(r)
}

/// An error naming the first entry of R that is not finite.
pub(crate) fn check_finite(f: &Inhibitor, r: &[f32], n: usize) -> Result<(), ModuliError> {
    match r.iter().position(|v| !v.is_finite()) {
        Some(pos) => Err(ModuliError::invalid(
            "inhibitor",
            format!("{} giving R[{}, {}] = {}", f.name(), pos / n, pos % n, r[pos]),
            "R must be finite: lower the amplitude or the distances' scale",
        )),
        None => Ok(()),
    }
}

/// R ← max R − R.
pub(crate) fn invert(r: &mut [f32]) {
    let max = r.par_iter().copied().reduce(|| f32::NEG_INFINITY, f32::max);
    r.par_iter_mut().for_each(|v| *v = max - *v);
}

impl Regularizer {
    /// The same spec with the neurons at `coords` (n × coord_dim; trainable embeddings): R
    /// recomputed from them. An error for a distance-matrix geometry (no points) or coords of
    /// the wrong size.
    pub fn with_points(&self, coords: Vec<f32>) -> Result<Regularizer, ModuliError> {
        let space = self.space.clone().ok_or_else(|| ModuliError::invalid("points", "a distance matrix", "a space with coordinates"))?;
        let k = space.coord_dim();
        if coords.len() != self.neurons() * k {
            return Err(ModuliError::invalid("points", format!("{} coordinates", coords.len()), format!("{} × {k}", self.neurons())));
        }
        let embedding = Embedding { coords, dim: k };
        let r = prices(&self.spec, Some(space.as_ref()), Some(&embedding), None)?;
        Ok(Regularizer { spec: self.spec.clone(), space: Some(space), embedding: Some(embedding), given_distances: None, r: Arc::new(r) })
    }

    /// N.
    pub fn neurons(&self) -> usize {
        self.spec.neurons
    }
    /// R, `(n, n)` row-major: R[i, j] prices the weight from neuron j to neuron i.
    pub fn matrix(&self) -> &[f32] {
        &self.r
    }
    /// R shared without copying (the penalty holds one).
    pub fn shared_matrix(&self) -> Arc<Vec<f32>> {
        self.r.clone()
    }
    /// The points, unless the geometry is a user distance matrix.
    pub fn embedding(&self) -> Option<&Embedding> {
        self.embedding.as_ref()
    }
    /// The metric space, unless the geometry is a user distance matrix.
    pub fn space(&self) -> Option<&Arc<dyn Space>> {
        self.space.as_ref()
    }
    /// D, `(n, n)` (recomputed in parallel from the points, or the user's matrix).
    pub fn distances(&self) -> Vec<f32> {
        match (&self.space, &self.embedding, &self.given_distances) {
            (Some(s), Some(e), _) => distance_matrix(s.as_ref(), e),
            (_, _, Some(d)) => d.as_ref().clone(),
            _ => unreachable!(),
        }
    }
    /// d(i, j).
    pub fn distance(&self, i: usize, j: usize) -> f64 {
        match (&self.space, &self.embedding, &self.given_distances) {
            (Some(s), Some(e), _) => s.distance(e.point(i), e.point(j)),
            (_, _, Some(d)) => d[i * self.neurons() + j] as f64,
            _ => unreachable!(),
        }
    }
    /// The same geometry after neuron swaps: neuron i holds original point `order[i]` (a
    /// permutation of 0..n), so R, the points and a user distance matrix are relabelled
    /// (R'[i, j] = R[order[i], order[j]]; see [`crate::swap`]).
    pub fn relabelled(&self, order: &[usize]) -> Regularizer {
        let n = self.neurons();
        let embedding = self.embedding.as_ref().map(|e| Embedding { coords: order.iter().flat_map(|&o| e.point(o).to_vec()).collect(), dim: e.dim });
        Regularizer {
            spec: self.spec.clone(),
            space: self.space.clone(),
            embedding,
            given_distances: self.given_distances.as_ref().map(|d| Arc::new(crate::swap::apply_order(d, n, order))),
            r: Arc::new(crate::swap::apply_order(&self.r, n, order)),
        }
    }

    /// Mean, extremes and the fraction of cheap entries.
    pub fn stats(&self) -> RStats {
        let r = &self.r;
        let len = r.len() as f64;
        let (sum, min, max, b10, b20) = r
            .par_chunks(4096)
            .map(|c| {
                let mut s = 0f64;
                let (mut lo, mut hi) = (f32::INFINITY, f32::NEG_INFINITY);
                let (mut a, mut b) = (0usize, 0usize);
                for &v in c {
                    s += v as f64;
                    lo = lo.min(v);
                    hi = hi.max(v);
                    a += (v < 10.0) as usize;
                    b += (v < 20.0) as usize;
                }
                (s, lo, hi, a, b)
            })
            .collect::<Vec<_>>()
            .into_iter()
            .fold((0f64, f32::INFINITY, f32::NEG_INFINITY, 0usize, 0usize), |x, y| {
                (x.0 + y.0, x.1.min(y.1), x.2.max(y.2), x.3 + y.3, x.4 + y.4)
            });
        RStats { mean: sum / len, min, max, frac_below_10: b10 as f64 / len, frac_below_20: b20 as f64 / len }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_relabelled_regularizer_moves_points_and_prices_together() {
        use crate::spec::{InhibitorName, RegularizerSpec, SpaceName};
        let mut spec = RegularizerSpec::new(SpaceName::Torus, InhibitorName::Dog);
        spec.invert = true;
        let reg = spec.resolve(Some(7), 5).unwrap().build().unwrap();
        let order = [3, 0, 1, 2, 6, 5, 4];
        let moved = reg.relabelled(&order);
        for i in 0..7 {
            assert_eq!(moved.embedding().unwrap().point(i), reg.embedding().unwrap().point(order[i]));
            for j in 0..7 {
                assert_eq!(moved.matrix()[i * 7 + j], reg.matrix()[order[i] * 7 + order[j]]);
                assert_eq!(moved.distance(i, j), reg.distance(order[i], order[j]));
            }
        }
        assert_eq!(reg.relabelled(&[0, 1, 2, 3, 4, 5, 6]).matrix(), reg.matrix());
    }

    #[test]
    fn tiled_symmetric_fill_matches_the_naive_loop() {
        for n in [1usize, 5, 64, 65, 131] {
            let g = |i: usize, j: usize| ((i * 31 + j * 31) % 97) as f32 + (i.min(j) as f32) * 0.5;
            let mut fast = vec![f32::NAN; n * n];
            fill_symmetric(n, &mut fast, g);
            let naive: Vec<f32> = (0..n * n).map(|k| g(k / n, k % n)).collect();
            assert_eq!(fast, naive, "n = {n}");
        }
    }
}
