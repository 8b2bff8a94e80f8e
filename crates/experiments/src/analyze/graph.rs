//! The connectivity graph of one recurrent matrix: wiring cost in the run's own geometry
//! against the permuted-label null, modularity (Louvain on the symmetrised |W|), weighted and
//! binary clustering, small-worldness against degree-preserving random graphs, and degree
//! statistics, as one JSON object with units and the parameters used.
//!
//! ```
//! use geosparse_experiments::analyze::graph::{graph_stats, GraphOptions};
//! // two triangles, neurons at distance 1 inside a triangle and 5 across
//! let n = 6;
//! let mut w = vec![0.0; n * n];
//! let mut d = vec![5.0; n * n];
//! for (i, j) in [(0, 1), (1, 2), (0, 2), (3, 4), (4, 5), (3, 5)] {
//!     w[i * n + j] = 1.0; w[j * n + i] = 1.0; d[i * n + j] = 1.0; d[j * n + i] = 1.0;
//! }
//! (0..n).for_each(|i| d[i * n + i] = 0.0);
//! let v = graph_stats(&w, Some(&d), n, &GraphOptions::default()).unwrap();
//! assert_eq!(v["wiring"]["cost"], 1.0);
//! assert!((v["modularity"]["q"].as_f64().unwrap() - 0.5).abs() < 1e-9);
//! ```

use super::{num, refuse_analysis};
use geosparse_analysis::graph::{clustering::{Weighting, clustering}, degree::degrees, louvain::louvain, smallworld::small_worldness, wiring::wiring_null};
use serde_json::{Value, json};

/// Sizes of the nulls and the seed.
#[derive(Debug, Clone, PartialEq)]
pub struct GraphOptions {
    /// Random relabellings for the wiring-cost null (default 100).
    pub permutations: usize,
    /// Degree-preserving random graphs for small-worldness (default 5).
    pub random_graphs: usize,
    pub seed: u64,
}

impl Default for GraphOptions {
    fn default() -> Self {
        Self { permutations: 100, random_graphs: 5, seed: 0 }
    }
}

/// Mean, std, min and max of integer counts.
fn stats(v: &[usize]) -> Value {
    let n = v.len().max(1) as f64;
    let mean = v.iter().sum::<usize>() as f64 / n;
    let var = v.iter().map(|&x| (x as f64 - mean).powi(2)).sum::<f64>() / n;
    json!({ "mean": mean, "std": var.sqrt(), "min": v.iter().min(), "max": v.iter().max() })
}

/// All statistics of `w` (N × N, row i = postsynaptic), with the distances `dist` (N × N) of
/// its geometry when it has one.
pub fn graph_stats(w: &[f64], dist: Option<&[f64]>, n: usize, o: &GraphOptions) -> anyhow::Result<Value> {
    let what = "weight matrix";
    if w.len() == n * n && w.iter().all(|&x| x == 0.0) {
        return Ok(json!({ "neurons": n, "connections": 0, "note": "every weight is pruned: no graph statistics" }));
    }
    let nonzero = (0..n * n).filter(|&k| k / n != k % n && w[k] != 0.0).count();
    let wiring = match dist {
        Some(d) if nonzero > 0 => {
            let r = wiring_null(w, d, n, o.permutations, o.seed).map_err(|e| refuse_analysis(what, e))?;
            json!({ "cost": num(r.cost), "null_mean": num(r.null_mean), "null_std": num(r.null_std), "ratio": num(r.ratio), "permutations": r.permutations,
                    "units": "distance of the run's geometry (|W|-weighted mean length of a connection)",
                    "null": "the same weights after relabelling the neurons by a random permutation" })
        }
        Some(_) => json!({ "cost": null, "note": "no surviving connection" }),
        None => json!({ "cost": null, "note": "the run has no geometry for this matrix" }),
    };
    let part = louvain(w, n, o.seed).map_err(|e| refuse_analysis(what, e))?;
    let onnela = clustering(w, n, Weighting::Onnela).map_err(|e| refuse_analysis(what, e))?;
    let binary = clustering(w, n, Weighting::Binary).map_err(|e| refuse_analysis(what, e))?;
    let sw = small_worldness(w, n, o.random_graphs, o.seed).map_err(|e| refuse_analysis(what, e))?;
    let deg = degrees(w, n, 0.0).map_err(|e| refuse_analysis(what, e))?;
    Ok(json!({
        "neurons": n,
        "connections": nonzero,
        "density": nonzero as f64 / (n * n.saturating_sub(1)).max(1) as f64,
        "wiring": wiring,
        "modularity": { "q": num(part.modularity), "communities": part.communities, "levels": part.levels,
                        "method": "Louvain (Blondel et al. 2008), resolution 1, on A = (|W| + |W|ᵀ)/2" },
        "clustering": { "onnela": num(onnela.mean), "binary": num(binary.mean),
                        "method": "mean over all nodes of the symmetrised graph (Onnela weighted; binary on the support)" },
        "small_world": { "sigma": num(sw.sigma), "clustering": num(sw.clustering), "path_length": num(sw.path_length),
                         "clustering_rand": num(sw.clustering_rand), "path_length_rand": num(sw.path_length_rand), "random_graphs": sw.samples,
                         "method": "σ = (C/C_rand)/(L/L_rand), binary undirected support, degree-preserving double-edge swaps" },
        "degrees": { "in": stats(&deg.in_degree), "out": stats(&deg.out_degree) },
        "seed": o.seed,
    }))
}
