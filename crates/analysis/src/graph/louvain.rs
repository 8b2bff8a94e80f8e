//! Modularity by the Louvain method (Blondel et al. 2008) on the symmetrised A = (|W| + |W|ᵀ)/2
//! (self-connections kept as self-loops), resolution 1:
//! Q = 1/2m Σᵢⱼ (Aᵢⱼ − kᵢkⱼ/2m) δ(cᵢ, cⱼ), kᵢ = Σⱼ Aᵢⱼ, 2m = Σᵢ kᵢ.
//! Each level moves single nodes to the neighbouring community of largest gain (nodes visited
//! in a seeded random order, repeated until no move helps), then aggregates communities into
//! nodes; levels repeat until a level moves nothing. [`modularity`] is the direct O(N²) formula,
//! the reference the Louvain result is reported with (and tested against).
//!
//! ```
//! use geosparse_analysis::graph::louvain::louvain;
//!
//! // Two disconnected triangles: Q = 1/2.
//! let mut w = vec![0.0; 36];
//! for (i, j) in [(0, 1), (1, 2), (0, 2), (3, 4), (4, 5), (3, 5)] { w[i * 6 + j] = 1.0; }
//! let p = louvain(&w, 6, 0).unwrap();
//! assert!((p.modularity - 0.5).abs() < 1e-12);
//! assert_eq!(p.labels, vec![0, 0, 0, 1, 1, 1]);
//! ```

use std::collections::HashMap;

use rand::{SeedableRng, seq::SliceRandom};
use rand_chacha::ChaCha8Rng;

use super::{check_square, symmetrised};
use crate::{AnalysisError, error::param};

/// A partition of the neurons and its modularity.
#[derive(Debug, Clone, PartialEq)]
pub struct Partition {
    /// Community of each neuron, numbered 0.. in order of first appearance.
    pub labels: Vec<usize>,
    pub modularity: f64,
    pub communities: usize,
    /// Aggregation levels run.
    pub levels: usize,
}

/// Direct modularity of `labels` on a symmetric non-negative `a` (N × N).
pub fn modularity(a: &[f64], n: usize, labels: &[usize]) -> Result<f64, AnalysisError> {
    check_square("adjacency", a, n)?;
    if labels.len() != n {
        return Err(AnalysisError::Shape {
            what: "labels",
            expected: format!("{n}"),
            got: format!("{}", labels.len()),
        });
    }
    if a.iter().any(|&x| x < 0.0) {
        return Err(param("adjacency", "negative weight"));
    }
    let k: Vec<f64> = (0..n).map(|i| a[i * n..(i + 1) * n].iter().sum()).collect();
    let m2: f64 = k.iter().sum();
    if m2 == 0.0 {
        return Err(param("adjacency", "no edges: modularity is undefined"));
    }
    let c = labels.iter().max().map_or(0, |m| m + 1);
    let (mut inside, mut total) = (vec![0.0; c], vec![0.0; c]);
    for i in 0..n {
        total[labels[i]] += k[i];
        for j in (0..n).filter(|&j| labels[j] == labels[i]) {
            inside[labels[i]] += a[i * n + j];
        }
    }
    Ok(inside
        .iter()
        .zip(&total)
        .map(|(i, t)| i / m2 - (t / m2).powi(2))
        .sum())
}

type Adjacency = Vec<Vec<(usize, f64)>>;

/// One level of local moving; returns each node's community and whether anything moved.
fn local_moving(adj: &Adjacency, rng: &mut ChaCha8Rng) -> (Vec<usize>, bool) {
    let n = adj.len();
    let k: Vec<f64> = adj
        .iter()
        .map(|row| row.iter().map(|e| e.1).sum())
        .collect();
    let m2: f64 = k.iter().sum();
    let mut comm: Vec<usize> = (0..n).collect();
    let mut tot = k.clone();
    let mut order: Vec<usize> = (0..n).collect();
    let (mut weight_to, mut touched) = (vec![0.0; n], Vec::new());
    let mut improved = false;
    loop {
        order.shuffle(rng);
        let mut moved = false;
        for &i in &order {
            for &(j, w) in adj[i].iter().filter(|e| e.0 != i) {
                if weight_to[comm[j]] == 0.0 {
                    touched.push(comm[j]);
                }
                weight_to[comm[j]] += w;
            }
            let old = comm[i];
            tot[old] -= k[i];
            let gain = |c: usize| weight_to[c] - tot[c] * k[i] / m2;
            let mut best = (old, gain(old));
            for &c in &touched {
                if gain(c) > best.1 + 1e-12 {
                    best = (c, gain(c));
                }
            }
            tot[best.0] += k[i];
            comm[i] = best.0;
            moved |= best.0 != old;
            touched.drain(..).for_each(|c| weight_to[c] = 0.0);
        }
        improved |= moved;
        if !moved {
            return (comm, improved);
        }
    }
}

/// Renumbers `comm` to 0..K in order of first appearance; returns K.
fn renumber(comm: &mut [usize]) -> usize {
    let mut map = HashMap::new();
    for c in comm.iter_mut() {
        let next = map.len();
        *c = *map.entry(*c).or_insert(next);
    }
    map.len()
}

/// The graph of communities: A'_CD = Σ_{i∈C, j∈D} A_ij (self-loops keep the inside weight).
fn aggregate(adj: &Adjacency, comm: &[usize], count: usize) -> Adjacency {
    let mut rows: Vec<HashMap<usize, f64>> = vec![HashMap::new(); count];
    for (i, row) in adj.iter().enumerate() {
        for &(j, w) in row {
            *rows[comm[i]].entry(comm[j]).or_insert(0.0) += w;
        }
    }
    rows.into_iter()
        .map(|r| {
            let mut v: Vec<(usize, f64)> = r.into_iter().collect();
            v.sort_by_key(|e| e.0);
            v
        })
        .collect()
}

/// Louvain communities of A = (|W| + |W|ᵀ)/2, node order drawn from `seed`.
pub fn louvain(w: &[f64], n: usize, seed: u64) -> Result<Partition, AnalysisError> {
    let a = symmetrised(w, n)?;
    if a.iter().all(|&x| x == 0.0) {
        return Err(param(
            "weight matrix",
            "all weights are zero: modularity is undefined",
        ));
    }
    let mut adj: Adjacency = (0..n)
        .map(|i| {
            (0..n)
                .filter(|&j| a[i * n + j] > 0.0)
                .map(|j| (j, a[i * n + j]))
                .collect()
        })
        .collect();
    let mut labels: Vec<usize> = (0..n).collect();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut levels = 0;
    loop {
        let (mut comm, improved) = local_moving(&adj, &mut rng);
        if !improved {
            break;
        }
        levels += 1;
        let count = renumber(&mut comm);
        labels.iter_mut().for_each(|l| *l = comm[*l]);
        adj = aggregate(&adj, &comm, count);
    }
    let communities = renumber(&mut labels);
    let modularity = modularity(&a, n, &labels)?;
    Ok(Partition {
        labels,
        modularity,
        communities,
        levels,
    })
}
