//! `geosparse analyze`: what a trained net became (see geosparse_experiments::analyze).
//!
//! ```text
//! geosparse analyze RUN [--out DIR] [--split valid|test]      # graph (+ ratemaps, activity topology for navigation)
//! geosparse analyze --points CLOUD.npy [--maxdim 2] [--pca D] [--landmarks L] [--out DIR]
//! geosparse analyze --ratemaps MAPS.npy [--shuffles 50] [--out DIR]
//! ```

use super::user;
use geosparse_experiments::analyze::{graph::GraphOptions, points, ratemaps, run};
use geosparse_experiments::run::Refused;
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
#[command(group = clap::ArgGroup::new("input").required(true).args(["run", "points", "ratemaps"]))]
pub struct Args {
    /// A finished run folder (summary.json, config.toml, model.safetensors).
    run: Option<PathBuf>,
    /// Persistent homology of an M × k point cloud (.npy, float32/float64).
    #[arg(long, value_name = "CLOUD.npy")]
    points: Option<PathBuf>,
    /// Grid scores of an (M, H, W) stack of ratemaps (.npy; NaN = unvisited bin).
    #[arg(long, value_name = "MAPS.npy")]
    ratemaps: Option<PathBuf>,
    /// Output folder (default: RUN/analysis, or ./analysis for --points / --ratemaps).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Held-out split of a run (navigation has one held-out set: valid and test coincide).
    #[arg(long, default_value = "valid")]
    split: String,
    /// Highest homology dimension (0, 1 or 2).
    #[arg(long, default_value_t = 2)]
    maxdim: usize,
    /// Project on this many principal components before the homology (default: none for
    /// --points, 6 for a run's activity; 0 for no projection of a run's activity).
    #[arg(long)]
    pca: Option<usize>,
    /// Max-min landmarks the Rips filtration is built on.
    #[arg(long, default_value_t = 100)]
    landmarks: usize,
    /// Ratemap bins per side (runs).
    #[arg(long, default_value_t = 20)]
    bins: usize,
    /// Held-out trajectories for the ratemaps (navigation runs).
    #[arg(long, default_value_t = geosparse_experiments::analyze::run::TRAJECTORIES)]
    trajectories: usize,
    /// Hidden states sampled for the activity topology (navigation runs).
    #[arg(long, default_value_t = 1000)]
    activity_points: usize,
    /// Fewest visits for a ratemap bin to count (navigation runs; rarer bins are left out).
    #[arg(long, default_value_t = geosparse_experiments::analyze::navigation::MIN_VISITS)]
    min_visits: usize,
    /// Block shuffles per ratemap for the grid-cell null test (0: none).
    #[arg(long, default_value_t = geosparse_experiments::analyze::ratemaps::SHUFFLES)]
    shuffles: usize,
    /// Random relabellings for the wiring-cost null (runs).
    #[arg(long, default_value_t = 100)]
    permutations: usize,
}

pub fn run(a: Args) -> anyhow::Result<()> {
    let to_user = |e: anyhow::Error| if e.downcast_ref::<Refused>().is_some() { user(format!("{e:#}")) } else { e };
    let topo = points::PointsOptions { maxdim: a.maxdim, pca: a.pca, landmarks: a.landmarks };
    if let Some(p) = &a.points {
        let out = a.out.clone().unwrap_or_else(|| PathBuf::from("analysis"));
        let v = points::analyze_points(p, &topo, &out).map_err(to_user)?;
        println!("Betti numbers (long bars, H0..H{}): {}", a.maxdim, v["homology"]["betti"]);
        println!("wrote {}/analysis.json, barcodes.json, persistence_diagram.png", out.display());
        return Ok(());
    }
    if let Some(p) = &a.ratemaps {
        let out = a.out.clone().unwrap_or_else(|| PathBuf::from("analysis"));
        let v = ratemaps::analyze_ratemaps(p, a.shuffles, &out).map_err(to_user)?;
        let g = &v["grid"];
        println!("{} maps: mean grid score {}, fraction > {}: {}, grid cells (also above their shuffle null): {}", g["maps"], g["mean"], g["threshold"], g["fraction_above_threshold"], g["fraction_grid_cells"]);
        println!("wrote {}/analysis.json, grid_scores.npy, grid_null_q95.npy, ratemaps_top.png, grid_scores.png", out.display());
        return Ok(());
    }
    let dir = a.run.clone().expect("clap requires one input");
    let mut opts = run::RunOptions { out: a.out.clone(), split: a.split, bins: a.bins, trajectories: a.trajectories, activity_points: a.activity_points, shuffles: a.shuffles, min_visits: a.min_visits, ..run::RunOptions::default() };
    opts.topology.maxdim = a.maxdim;
    opts.topology.landmarks = a.landmarks;
    if let Some(d) = a.pca {
        opts.topology.pca = (d > 0).then_some(d);
    }
    opts.graph = GraphOptions { permutations: a.permutations, ..GraphOptions::default() };
    let v = run::analyze_run(&dir, &opts).map_err(to_user)?;
    for g in v["graphs"].as_array().into_iter().flatten() {
        println!("{}: wiring cost {} (null {}), modularity {}, clustering {}, small-world σ {}", g["param"], g["wiring"]["cost"], g["wiring"]["null_mean"], g["modularity"]["q"], g["clustering"]["onnela"], g["small_world"]["sigma"]);
    }
    if !v["grid"].is_null() {
        println!("grid scores: fraction > 0.3: {}, grid cells (also above their shuffle null): {}, mean {}; activity Betti: {}", v["grid"]["fraction_above_threshold"], v["grid"]["fraction_grid_cells"], v["grid"]["mean"], v["activity"]["betti"]);
    }
    let out = opts.out.unwrap_or_else(|| dir.join("analysis"));
    println!("wrote {}/analysis.json", out.display());
    Ok(())
}
