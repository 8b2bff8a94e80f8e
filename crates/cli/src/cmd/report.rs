//! `geosparse report DIR...`: tables and figures over run folders (see
//! geosparse_experiments::report).

use super::user;
use geosparse_experiments::report::{ReportOptions, report};
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Folders holding run folders (searched recursively for summary.json).
    #[arg(required = true)]
    dirs: Vec<PathBuf>,
    /// Group by these config keys, comma-separated (space, inhibitor, invert, permute,
    /// control, lambda, target, variant or any dotted key). Default: the sweep variant.
    #[arg(long, value_delimiter = ',')]
    by: Vec<String>,
    /// e.g. val_error_cm (default: val_ + the task's primary metric); a unique prefix works.
    #[arg(long)]
    metric: Option<String>,
    /// Output folder (default: <first DIR>/report).
    #[arg(long)]
    out: Option<PathBuf>,
    /// First run `geosparse analyze` (its defaults) on completed runs without an analysis,
    /// so the report gains its analysis columns (grid cells, activity Betti, wiring, modularity).
    #[arg(long)]
    analyze: bool,
    /// Also show the metric against this numeric config key, e.g. task.hidden over the sweeps
    /// of several sizes (a table and metric_vs_x.png).
    #[arg(long, value_name = "KEY")]
    x: Option<String>,
    /// Also write each run's record (config, summary, metrics, analysis and geometry, without
    /// weights or checkpoints) to <out>/runs/<run>: commit them, and the report can be made
    /// again from them on any machine (`geosparse report <out>/runs [more runs…]`).
    #[arg(long)]
    records: bool,
}

pub fn run(a: Args) -> anyhow::Result<()> {
    for d in &a.dirs {
        if !d.is_dir() {
            return Err(user(format!("{}: not a folder", d.display())));
        }
    }
    let opts = ReportOptions { by: a.by, metric: a.metric, out: a.out.clone(), analyze: a.analyze, x: a.x };
    let r = report(&a.dirs, &opts).map_err(|e| {
        let m = format!("{e:#}");
        if m.starts_with("--metric") || m.starts_with("--by") || m.starts_with("--x") || m.starts_with("no run folders") || e.downcast_ref::<geosparse_experiments::run::Refused>().is_some() { user(m) } else { e }
    })?;
    println!("{}", r.markdown);
    let out = a.out.unwrap_or_else(|| a.dirs[0].join("report"));
    println!("wrote {}/report.md, report.csv, geometry.csv and figures", out.display());
    if a.records {
        let n = geosparse_experiments::report::records::write(&r.runs, &out.join("runs"))?;
        println!("wrote {n} new run records to {} ({} runs in the report)", out.join("runs").display(), r.runs.len());
    }
    Ok(())
}
