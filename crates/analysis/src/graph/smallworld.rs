//! Small-worldness σ = (C / C_rand) / (L / L_rand) (Humphries & Gurney 2008) of the binary
//! undirected support of W (see [`super`]): C the mean binary clustering coefficient, L the
//! characteristic path length (mean shortest-path hops over ordered pairs that are connected).
//! The random reference keeps every node's degree: each of `samples` graphs is the support after
//! 10 × E successful double-edge swaps (a–b, c–d → a–d, c–b, refusing self-loops and multi-edges;
//! at most 100 × E attempts), seeded. σ is NaN when C_rand = 0 or no pair is connected.
//!
//! ```
//! use geosparse_analysis::graph::smallworld::path_length;
//!
//! // A path 0 – 1 – 2: hops 1, 1, 2 each way: L = 4/3.
//! let lists = vec![vec![1], vec![0, 2], vec![1]];
//! assert!((path_length(&lists) - 4.0 / 3.0).abs() < 1e-12);
//! ```

use std::collections::{HashSet, VecDeque};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::{clustering::clustering_of, support_lists, symmetrised};
use crate::{AnalysisError, error::param};

/// σ and its parts.
#[derive(Debug, Clone, PartialEq)]
pub struct SmallWorld {
    pub clustering: f64,
    pub path_length: f64,
    pub clustering_rand: f64,
    pub path_length_rand: f64,
    pub sigma: f64,
    pub samples: usize,
}

/// Mean BFS distance over ordered connected pairs of the graph given by neighbour lists.
pub fn path_length(lists: &[Vec<usize>]) -> f64 {
    let n = lists.len();
    let (mut total, mut pairs) = (0usize, 0usize);
    let mut dist = vec![usize::MAX; n];
    let mut queue = VecDeque::new();
    for s in 0..n {
        dist.iter_mut().for_each(|d| *d = usize::MAX);
        dist[s] = 0;
        queue.push_back(s);
        while let Some(u) = queue.pop_front() {
            for &v in &lists[u] {
                if dist[v] == usize::MAX {
                    dist[v] = dist[u] + 1;
                    total += dist[v];
                    pairs += 1;
                    queue.push_back(v);
                }
            }
        }
    }
    if pairs == 0 {
        f64::NAN
    } else {
        total as f64 / pairs as f64
    }
}

fn binary_clustering(lists: &[Vec<usize>]) -> f64 {
    let n = lists.len();
    let mut a = vec![0.0; n * n];
    for (i, l) in lists.iter().enumerate() {
        l.iter().for_each(|&j| a[i * n + j] = 1.0);
    }
    clustering_of(&a, n).mean
}

/// A degree-preserving randomisation of the undirected graph `lists` by double-edge swaps.
pub fn edge_swapped(lists: &[Vec<usize>], rng: &mut ChaCha8Rng) -> Vec<Vec<usize>> {
    let mut edges: Vec<(usize, usize)> = lists
        .iter()
        .enumerate()
        .flat_map(|(i, l)| l.iter().filter(move |&&j| i < j).map(move |&j| (i, j)))
        .collect();
    let mut set: HashSet<(usize, usize)> = edges.iter().copied().collect();
    let e = edges.len();
    let (mut done, mut tries) = (0, 0);
    while e >= 2 && done < 10 * e && tries < 100 * e {
        tries += 1;
        let (x, y) = (rng.random_range(0..e), rng.random_range(0..e));
        let ((a, b), (c, d)) = (edges[x], edges[y]);
        let (c, d) = if rng.random_bool(0.5) { (c, d) } else { (d, c) };
        let (n1, n2) = ((a.min(d), a.max(d)), (c.min(b), c.max(b)));
        if a == d || c == b || set.contains(&n1) || set.contains(&n2) || x == y {
            continue;
        }
        set.remove(&edges[x]);
        set.remove(&edges[y]);
        set.insert(n1);
        set.insert(n2);
        (edges[x], edges[y]) = (n1, n2);
        done += 1;
    }
    let mut out = vec![Vec::new(); lists.len()];
    for (i, j) in edges {
        out[i].push(j);
        out[j].push(i);
    }
    out
}

/// σ of the support of W against `samples` (≥ 1) degree-preserving random graphs from `seed`.
pub fn small_worldness(
    w: &[f64],
    n: usize,
    samples: usize,
    seed: u64,
) -> Result<SmallWorld, AnalysisError> {
    let a = symmetrised(w, n)?;
    if samples == 0 {
        return Err(param("samples", "need at least one random graph"));
    }
    let lists = support_lists(&a, n);
    let (clustering, path_length_obs) = (binary_clustering(&lists), path_length(&lists));
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let (mut c_sum, mut l_sum) = (0.0, 0.0);
    for _ in 0..samples {
        let r = edge_swapped(&lists, &mut rng);
        c_sum += binary_clustering(&r);
        l_sum += path_length(&r);
    }
    let (clustering_rand, path_length_rand) = (c_sum / samples as f64, l_sum / samples as f64);
    let sigma = if clustering_rand > 0.0 {
        (clustering / clustering_rand) / (path_length_obs / path_length_rand)
    } else {
        f64::NAN
    };
    Ok(SmallWorld {
        clustering,
        path_length: path_length_obs,
        clustering_rand,
        path_length_rand,
        sigma,
        samples,
    })
}
