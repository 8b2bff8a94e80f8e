//! The Vietoris–Rips filtration of a finite metric space, built explicitly up to a top
//! dimension and a radius: every simplex whose diameter (longest edge) is ≤ the radius, in
//! layers by dimension, each layer sorted by (diameter, vertices lexicographically). That order,
//! with dimension breaking ties across layers, is a valid filtration order. Also builds the
//! coboundary (cofacet) lists that the cohomology reduction walks.
//!
//! ```
//! use geosparse_analysis::homology::filtration::Filtration;
//!
//! // Three points at distances 1, 1, 1.5: three edges and one triangle within radius 2.
//! let d = [0.0, 1.0, 1.5, 1.0, 0.0, 1.0, 1.5, 1.0, 0.0];
//! let f = Filtration::build(&d, 3, 2.0, 2, usize::MAX).unwrap();
//! assert_eq!(f.counts(), vec![3, 3, 1]);
//! assert_eq!(f.layer(1).value, vec![1.0, 1.0, 1.5]);
//! assert_eq!(f.coboundary(1, 2), &[0]); // edge {0,2} (diameter 1.5) is a face of the triangle
//! ```

use std::collections::HashMap;

use crate::AnalysisError;

/// The simplices of one dimension d: vertices (stride d + 1, increasing within a simplex) and
/// diameters, sorted by (diameter, vertices).
#[derive(Debug, Clone, Default)]
pub struct Layer {
    pub dim: usize,
    pub verts: Vec<u32>,
    pub value: Vec<f64>,
    /// CSR of cofacets: the (d+1)-simplices containing simplex i are
    /// `cofacets[offsets[i]..offsets[i + 1]]`, ascending (= filtration order). Empty for the top layer.
    offsets: Vec<u32>,
    cofacets: Vec<u32>,
}

impl Layer {
    /// Number of simplices in the layer.
    pub fn len(&self) -> usize {
        self.value.len()
    }

    /// Whether the layer is empty.
    pub fn is_empty(&self) -> bool {
        self.value.is_empty()
    }

    /// Vertices of simplex `i`.
    pub fn simplex(&self, i: usize) -> &[u32] {
        let s = self.dim + 1;
        &self.verts[i * s..(i + 1) * s]
    }
}

/// All simplices of dimension 0..=top_dim with diameter ≤ radius.
#[derive(Debug, Clone)]
pub struct Filtration {
    layers: Vec<Layer>,
}

impl Filtration {
    /// Builds the filtration of the `n` points with distance matrix `dist` (n × n, row-major).
    /// Refuses n > 65 535 (vertex keys are packed in 16 bits) and more than `max_simplices`
    /// simplices in total (checked while enumerating, before the memory is spent).
    pub fn build(
        dist: &[f64],
        n: usize,
        radius: f64,
        top_dim: usize,
        max_simplices: usize,
    ) -> Result<Self, AnalysisError> {
        if n > u16::MAX as usize {
            return Err(AnalysisError::TooLarge {
                what: "filtration vertices",
                got: n,
                limit: u16::MAX as usize,
                hint: "use fewer landmarks",
            });
        }
        let adj: Vec<bool> = (0..n * n)
            .map(|ij| ij / n != ij % n && dist[ij] <= radius)
            .collect();
        let vertices = Layer {
            dim: 0,
            verts: (0..n as u32).collect(),
            value: vec![0.0; n],
            ..Layer::default()
        };
        let mut layers = vec![vertices];
        let mut total = n;
        for d in 1..=top_dim {
            let next = extend(
                &layers[d - 1],
                dist,
                &adj,
                n,
                max_simplices - total.min(max_simplices),
            )?;
            total += next.len();
            layers.push(next);
        }
        for layer in &mut layers {
            sort_layer(layer);
        }
        for d in 0..top_dim {
            let (lo, hi) = layers.split_at_mut(d + 1);
            link_cofacets(&mut lo[d], &hi[0]);
        }
        Ok(Self { layers })
    }

    /// The layer of dimension `d`.
    pub fn layer(&self, d: usize) -> &Layer {
        &self.layers[d]
    }

    /// The highest dimension built.
    pub fn top_dim(&self) -> usize {
        self.layers.len() - 1
    }

    /// Number of simplices per dimension.
    pub fn counts(&self) -> Vec<usize> {
        self.layers.iter().map(Layer::len).collect()
    }

    /// Indices (into layer d + 1, ascending) of the cofacets of simplex `i` of dimension `d`.
    pub fn coboundary(&self, d: usize, i: usize) -> &[u32] {
        let l = &self.layers[d];
        &l.cofacets[l.offsets[i] as usize..l.offsets[i + 1] as usize]
    }
}

/// The (d+1)-simplices σ ∪ {w}, w > max σ, all of whose edges are within the radius, in
/// lexicographic order when `layer` is. `budget` is how many more simplices may be made.
fn extend(
    layer: &Layer,
    dist: &[f64],
    adj: &[bool],
    n: usize,
    budget: usize,
) -> Result<Layer, AnalysisError> {
    let dim = layer.dim + 1;
    let mut out = Layer {
        dim,
        ..Layer::default()
    };
    for i in 0..layer.len() {
        let s = layer.simplex(i);
        let last = *s.last().expect("a simplex has a vertex") as usize;
        for w in last + 1..n {
            if !s.iter().all(|&v| adj[v as usize * n + w]) {
                continue;
            }
            if out.value.len() == budget {
                return Err(AnalysisError::TooLarge {
                    what: "Rips simplices",
                    got: budget + 1,
                    limit: budget,
                    hint: "lower max_landmarks or max_radius, or raise max_simplices",
                });
            }
            let far = s
                .iter()
                .map(|&v| dist[v as usize * n + w])
                .fold(layer.value[i], f64::max);
            out.verts.extend_from_slice(s);
            out.verts.push(w as u32);
            out.value.push(far);
        }
    }
    Ok(out)
}

/// Stable sort by diameter: the lexicographic order of equal diameters is kept.
fn sort_layer(layer: &mut Layer) {
    let mut perm: Vec<usize> = (0..layer.len()).collect();
    perm.sort_by(|&a, &b| layer.value[a].total_cmp(&layer.value[b]));
    layer.value = perm.iter().map(|&p| layer.value[p]).collect();
    layer.verts = perm
        .iter()
        .flat_map(|&p| layer.simplex(p).to_vec())
        .collect();
}

/// Packs up to four 16-bit vertex ids into one key.
fn key(verts: impl Iterator<Item = u32>) -> u64 {
    verts.fold(0u64, |k, v| (k << 16) | (v as u64 + 1))
}

/// Fills the cofacet CSR of `lo` from the facets of every simplex of `hi` (dimension + 1).
fn link_cofacets(lo: &mut Layer, hi: &Layer) {
    let index: HashMap<u64, u32> = (0..lo.len())
        .map(|i| (key(lo.simplex(i).iter().copied()), i as u32))
        .collect();
    // facets[t * (d + 2) + skip] = index in `lo` of simplex t of `hi` without its vertex `skip`.
    let facets: Vec<u32> = (0..hi.len())
        .flat_map(|t| {
            let s = hi.simplex(t);
            (0..s.len()).map(move |skip| {
                key(s
                    .iter()
                    .enumerate()
                    .filter(|&(p, _)| p != skip)
                    .map(|(_, &v)| v))
            })
        })
        .map(|k| index[&k])
        .collect();
    let mut offsets = vec![0u32; lo.len() + 1];
    for &f in &facets {
        offsets[f as usize + 1] += 1;
    }
    for i in 0..lo.len() {
        offsets[i + 1] += offsets[i];
    }
    let mut fill = offsets.clone();
    let mut cofacets = vec![0u32; facets.len()];
    for (c, &f) in facets.iter().enumerate() {
        let slot = &mut fill[f as usize];
        cofacets[*slot as usize] = (c / (hi.dim + 1)) as u32;
        *slot += 1;
    }
    lo.offsets = offsets;
    lo.cofacets = cofacets;
}
