//! `geosparse train`: one run into one folder (see geosparse_experiments::run).

use super::user;
use geosparse_experiments::config::{ConfigError, RunConfig};
use geosparse_experiments::demo;
use geosparse_experiments::run::{self, Options, progress::Mode};
use std::path::PathBuf;


#[derive(clap::Args, Debug)]
pub struct Args {
    /// Config file (TOML). Without it: the built-in navigation demo, three runs side by side
    /// (torus distance penalty R = d, its permuted control, no penalty; all pruned to 90 %).
    #[arg(long)]
    config: Option<PathBuf>,
    /// Override a config key, e.g. --set prune.target=0.95 --set penalty.regularizer.space=klein
    #[arg(long = "set", value_name = "KEY=VALUE")]
    sets: Vec<String>,
    /// Run folder (default: runs/<config name>).
    #[arg(long)]
    out: Option<PathBuf>,
    /// Continue the run in --out from its last checkpoint.
    #[arg(long)]
    resume: bool,
    /// Replace a folder that already holds a run.
    #[arg(long)]
    force: bool,
    /// No progress output.
    #[arg(long)]
    quiet: bool,
    /// Skip the figures.
    #[arg(long)]
    no_plots: bool,
    /// Pause after this many steps of the whole run (checkpoint kept), e.g. to fit a cluster
    /// time limit; continue with --resume.
    #[arg(long)]
    max_steps: Option<u64>,
}

fn config_error(e: ConfigError) -> anyhow::Error {
    user(e)
}

/// A folder name not yet taken: base, base-2, base-3, ...
fn fresh(base: PathBuf) -> PathBuf {
    if !base.exists() {
        return base;
    }
    (2..).map(|i| PathBuf::from(format!("{}-{i}", base.display()))).find(|p| !p.exists()).expect("unbounded")
}

/// The run folder named by a config's `name` under runs/: one plain path component.
fn folder_name(name: &str) -> anyhow::Result<&str> {
    if name.is_empty() {
        return Ok("run");
    }
    let plain = !name.contains(['/', '\\']) && name != "." && name != ".." && !name.starts_with('.');
    if !plain {
        return Err(user(format!("name: '{name}' cannot name a folder under runs/ (no '/', '\\' or leading '.'); rename the run or give --out")));
    }
    Ok(name)
}

/// The built-in demo (no --config): three runs side by side, then their comparison.
fn demo(sets: &[String], opts: Options) -> anyhow::Result<()> {
    if opts.max_steps.is_some() {
        return Err(user("--max-steps needs --config (the built-in demo is three runs; pause one with its own config)"));
    }
    eprintln!("geosparse train: no --config given, running the built-in navigation demo into {}", opts.out.display());
    let results = demo::run_demo(sets, &opts).map_err(|e| if e.downcast_ref::<run::Refused>().is_some() { user(format!("{e:#}")) } else { e })?;
    println!("{}", demo::comparison(&results));
    println!("run folders: {}/{{{}}}; report and figures: {}/report", opts.out.display(), demo::ARMS.map(|a| a.folder).join(","), opts.out.display());
    Ok(())
}

pub fn run(a: Args, threads: Option<usize>) -> anyhow::Result<()> {
    let options = |out: PathBuf| Options {
        out,
        resume: a.resume,
        force: a.force,
        progress: if a.quiet { Mode::Quiet } else { Mode::Auto },
        threads,
        plots: !a.no_plots,
        max_steps: a.max_steps,
    };
    let cfg = match (&a.config, a.resume, &a.out) {
        (Some(path), _, _) => RunConfig::from_file(path, &a.sets).map_err(config_error)?,
        (None, true, Some(out)) => RunConfig::from_file(&out.join("config.toml"), &a.sets).map_err(config_error)?,
        (None, true, None) => return Err(user("--resume needs --out RUNDIR (the run to continue)")),
        (None, false, _) => return demo(&a.sets, options(a.out.clone().unwrap_or_else(|| fresh(PathBuf::from("runs/navigation-demo"))))),
    };
    let out = match a.out.clone() {
        Some(o) => o,
        None => PathBuf::from("runs").join(folder_name(&cfg.name)?),
    };
    let opts = options(out.clone());
    let result = run::train(&cfg, &opts);
    geosparse_engine::profile::report(); // GEOSPARSE_PROFILE=1: where the run's time went
    if let Err(e) = &result
        && let Some(p) = e.downcast_ref::<run::Paused>()
    {
        println!("{p}: geosparse train --resume --out {}", out.display());
        return Ok(());
    }
    // a refused folder or config is the user's to fix; anything else is a failure
    let summary = result.map_err(|e| if e.downcast_ref::<run::Refused>().is_some() { user(format!("{e:#}")) } else { e })?;
    let primary = summary.primary_metric.clone();
    if let Some(t) = &summary.train {
        println!(
            "trained: val {primary} {:.3}, val loss {:.4}, pruned {:.1} % of the pruned set (per tensor: {})",
            t.val.get(&primary).copied().unwrap_or(f64::NAN),
            t.val_loss,
            100.0 * t.sparsity,
            t.sparsity_per_tensor.iter().map(|(k, v)| format!("{k} {:.1} %", 100.0 * v)).collect::<Vec<_>>().join(", ")
        );
        if let Some(v) = t.test.get(&primary) {
            println!("test {primary} {v:.3}");
        }
    }
    if let (Some(kind), Some(c)) = (&summary.control_kind, &summary.control) {
        println!("control ({kind}): val {primary} {:.3}, test {primary} {:.3}", c.val.get(&primary).copied().unwrap_or(f64::NAN), c.test.get(&primary).copied().unwrap_or(f64::NAN));
    }
    println!("run folder: {}", out.display());
    Ok(())
}
