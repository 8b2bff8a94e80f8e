//! `geosparse analyze RUN`: a trained run folder seen as a graph and, for navigation, as a
//! population of units.
//!
//! - Every task: for each penalised recurrent matrix (or layer 0's W_hh when there is no
//!   penalty, scored against the geometry its config names: the null reference), the
//!   connectivity graph of the masked matrix (strength of j → i: Σ over gate blocks of |W|)
//!   in the run's geometry, rebuilt from config and seed as the report does ([`super::graph`]),
//!   next to the report's geometry score (ρ(|W|, d), cheap-band enrichment).
//! - Navigation: hidden-unit ratemaps (`ratemaps.npy`, (N, bins, bins)) and grid scores
//!   ([`super::ratemaps`]), the sampled population activity (`activity.npy`, (M, N)) and its
//!   persistent homology after PCA ([`super::points`]) in `DIR/activity/`.
//! - Other tasks: graph only (`activity` is null with a note).
//!
//! ```no_run
//! use geosparse_experiments::analyze::run::{analyze_run, RunOptions};
//! let v = analyze_run("runs/nav-torus".as_ref(), &RunOptions::default()).unwrap();
//! println!("wiring cost {}", v["graphs"][0]["wiring"]["cost"]);
//! ```

use super::graph::{GraphOptions, graph_stats};
use super::navigation::{Binning, collect};
use super::points::{PointsOptions, topology};
use super::ratemaps::score_stack;
use super::{make_dir, refuse, refuse_analysis, write_json};
use crate::config::RunConfig;
use crate::report::geometry;
use crate::run::summary::Summary;
use geosparse_analysis::cloud::Cloud;
use geosparse_engine::checkpoint;
use geosparse_tasks::config::TaskConfig;
use geosparse_tasks::navigation::task::NavTask;
use geosparse_tasks::task::Task;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

/// Default held-out trajectories for the ratemaps: 5 000 × 20 steps = 250 positions per bin of a
/// 20 × 20 map on average (1 000 left bins of 10 visits whose one-sample outliers scored 0.6).
pub const TRAJECTORIES: usize = 5000;

/// Settings of a run analysis.
#[derive(Debug, Clone, PartialEq)]
pub struct RunOptions {
    /// Output folder (default RUN/analysis).
    pub out: Option<PathBuf>,
    /// "valid" or "test" (navigation: one held-out set, the two coincide).
    pub split: String,
    /// Ratemap bins per side (default 20).
    pub bins: usize,
    /// Held-out trajectories for the ratemaps (default 5000; whole batches).
    pub trajectories: usize,
    /// Hidden states sampled for the activity topology (default 1000).
    pub activity_points: usize,
    /// Fewest visits for a ratemap bin (default 20; rarer bins are NaN, i.e. unvisited).
    pub min_visits: usize,
    /// Block shuffles per ratemap for the grid-cell null test (default 50; 0: none).
    pub shuffles: usize,
    /// Topology settings of the activity (default: PCA to 6, 100 landmarks, up to H₂).
    pub topology: PointsOptions,
    pub graph: GraphOptions,
}

impl Default for RunOptions {
    fn default() -> Self {
        let topology = PointsOptions { pca: Some(geosparse_analysis::pca::DEFAULT_COMPONENTS), ..PointsOptions::default() };
        Self { out: None, split: "valid".into(), bins: 20, trajectories: TRAJECTORIES, activity_points: 1000, min_visits: super::navigation::MIN_VISITS, shuffles: super::ratemaps::SHUFFLES, topology, graph: GraphOptions::default() }
    }
}

fn check(dir: &Path, o: &RunOptions) -> anyhow::Result<()> {
    if !dir.is_dir() {
        return Err(refuse(format!("RUN: {} is not a folder", dir.display())));
    }
    for f in ["summary.json", "config.toml", "model.safetensors"] {
        if !dir.join(f).is_file() {
            return Err(refuse(format!("RUN: {} has no {f}; give a finished run folder", dir.display())));
        }
    }
    if o.split != "valid" && o.split != "test" {
        return Err(refuse(format!("--split: {} is not allowed; give valid or test", o.split)));
    }
    if !(5..=200).contains(&o.bins) {
        return Err(refuse(format!("--bins: {} is not allowed; give 5 to 200", o.bins)));
    }
    if o.trajectories == 0 || o.trajectories > 1_000_000 {
        return Err(refuse(format!("--trajectories: {} is not allowed; give 1 to 1000000", o.trajectories)));
    }
    if o.activity_points < 3 || o.activity_points > super::points::MAX_POINTS {
        return Err(refuse(format!("--activity-points: {} is not allowed; give 3 to {}", o.activity_points, super::points::MAX_POINTS)));
    }
    super::ratemaps::check_shuffles(o.shuffles)?;
    if o.graph.permutations == 0 {
        return Err(refuse("--permutations: 0 is not allowed; give at least 1"));
    }
    super::points::check(&o.topology)
}

/// Layer index of a parameter named like `rnn.weight_hh_l2` (0 if none).
fn layer_of(param: &str) -> usize {
    param.rsplit("_l").next().and_then(|s| s.parse().ok()).unwrap_or(0)
}

/// The graph statistics of `param`, with the report's geometry score.
fn graph_of(cfg: &RunConfig, ck: &checkpoint::Loaded, param: &str, o: &GraphOptions) -> anyhow::Result<Value> {
    let (shape, w) = ck.tensors.get(param).ok_or_else(|| refuse(format!("RUN: model.safetensors has no {param}")))?;
    let n = shape[1];
    let mask = ck.masks.get(param).map(|m| &m.1);
    let mut strength = vec![0f64; n * n];
    for (k, &x) in w.iter().enumerate() {
        let kept = mask.is_none_or(|m| m[k] != 0);
        if kept {
            strength[k % (n * n)] += (x as f64).abs();
        }
    }
    // the regularizer is rebuilt once, from the checkpoint already in memory
    let reg = geometry::regularizer_of_model(cfg, n, layer_of(param), param, ck).ok();
    let dist: Option<Vec<f64>> = reg.as_ref().map(|reg| reg.distances().into_iter().map(f64::from).collect());
    let mut v = graph_stats(&strength, dist.as_deref(), n, o)?;
    v["param"] = json!(param);
    v["gate_blocks"] = json!(shape[0] / n.max(1));
    v["geometry_score"] = reg.map_or(Value::Null, |reg| serde_json::to_value(geometry::score_of(w, n, &reg)).unwrap_or(Value::Null));
    Ok(v)
}

/// Ratemaps, grid scores and activity topology of a navigation run into `out`.
fn navigation(dir: &Path, cfg: &RunConfig, ck: &checkpoint::Loaded, o: &RunOptions, out: &Path) -> anyhow::Result<(Value, Value)> {
    let TaskConfig::Navigation(nc) = &cfg.task else { unreachable!("checked by the caller") };
    let mut task = NavTask::new(nc, cfg.seed).map_err(|e| refuse(format!("RUN: {}: {e}", dir.display())))?;
    ck.restore_params(task.params_mut()).map_err(|e| refuse(format!("RUN: {}: {e}", dir.display())))?;
    let binning = Binning { bins: o.bins, box_size: nc.box_size };
    let act = collect(&task, &binning, o.trajectories, o.activity_points, o.min_visits);
    let (n, b) = (act.neurons, o.bins);
    let maps32: Vec<f32> = act.ratemaps.iter().map(|&x| x as f32).collect();
    geosparse_io::npy::write_f32(&out.join("ratemaps.npy"), &[n, b, b], &maps32)?;
    let mut grid = score_stack(&act.ratemaps, n, b, b, o.shuffles, "ratemaps", out)?;
    grid["trajectories"] = json!(act.trajectories);
    grid["time_points"] = json!(act.time_points);
    grid["visited_bins"] = json!(act.visits.iter().filter(|&&c| c > 0).count());
    grid["min_visits"] = json!(o.min_visits);
    grid["bins_below_min_visits"] = json!(act.visits.iter().filter(|&&c| c > 0 && c < o.min_visits).count());
    let visits32: Vec<f32> = act.visits.iter().map(|&c| c as f32).collect();
    geosparse_io::npy::write_f32(&out.join("visits.npy"), &[b, b], &visits32)?;
    grid["box_size_m"] = json!(nc.box_size);
    let sample32: Vec<f32> = act.sample.iter().map(|&x| x as f32).collect();
    geosparse_io::npy::write_f32(&out.join("activity.npy"), &[act.samples, n], &sample32)?;
    let adir = out.join("activity");
    make_dir(&adir)?;
    let cloud = Cloud::new(act.sample, act.samples, n).map_err(|e| refuse_analysis("activity", e))?;
    let (_, mut activity) = topology(cloud, &o.topology, "activity", &adir)?;
    activity["source"] = json!("hidden states h_t (after ReLU) at evenly spaced time points of the held-out trajectories");
    Ok((grid, activity))
}

/// The whole run analysis; returns what it wrote to `DIR/analysis.json`.
pub fn analyze_run(dir: &Path, o: &RunOptions) -> anyhow::Result<Value> {
    check(dir, o)?;
    let summary = Summary::read(dir).map_err(|e| refuse(format!("RUN: {e:#}")))?;
    let cfg = RunConfig::from_file(&dir.join("config.toml"), &[]).map_err(|e| refuse(format!("RUN: {}: {e}", dir.display())))?;
    let ck = checkpoint::load(&dir.join("model.safetensors")).map_err(|e| refuse(format!("RUN: {e}")))?;
    let out = o.out.clone().unwrap_or_else(|| dir.join("analysis"));
    make_dir(&out)?;
    let params: Vec<String> = match summary.regularizers.is_empty() {
        true => vec![geometry::scored_param(&summary).to_string()],
        false => summary.regularizers.iter().map(|r| r.param.clone()).collect(),
    };
    let graphs = params.iter().map(|p| graph_of(&cfg, &ck, p, &o.graph)).collect::<anyhow::Result<Vec<_>>>()?;
    let (grid, activity, note) = match &cfg.task {
        TaskConfig::Navigation(_) => {
            let (g, a) = navigation(dir, &cfg, &ck, o, &out)?;
            (g, a, Value::Null)
        }
        _ => (Value::Null, Value::Null, json!(format!("ratemaps and activity topology are computed for navigation runs only; this run's task is {}", summary.task))),
    };
    let v = json!({
        "kind": "run",
        "run": dir.display().to_string(),
        "task": summary.task,
        "seed": cfg.seed,
        "split": o.split,
        "graphs": graphs,
        "grid": grid,
        "activity": activity,
        "note": note,
        "parameters": { "bins": o.bins, "trajectories": o.trajectories, "activity_points": o.activity_points, "min_visits": o.min_visits, "shuffles": o.shuffles,
                        "pca": o.topology.pca, "landmarks": o.topology.landmarks, "max_dim": o.topology.maxdim,
                        "permutations": o.graph.permutations, "random_graphs": o.graph.random_graphs },
    });
    write_json(&out.join("analysis.json"), &v)?;
    Ok(v)
}
