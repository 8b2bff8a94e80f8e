//! `geosparse sweep`: a grid of runs on one machine (`--jobs N` worker processes) or a cluster
//! (`--index I` per job-array task), all writing into one folder:
//!
//! ```text
//! DIR/sweep.json          the grid: index, id, label, variant, axis values of every run
//! DIR/runs/<id>/          one run folder per grid point (see `run`), plus point.json
//! DIR/logs/<index>.log    a local worker's output
//! ```
//!
//! Run ids are stable hashes of the resolved configs, so the same sweep file gives the same
//! folders on every machine, and two `--index` processes never write the same files. A killed
//! sweep resumes: finished runs are skipped, partial ones continue from their checkpoints.
//!
//! ```no_run
//! use geosparse_experiments::sweep::{self, spec::SweepSpec};
//! let spec = SweepSpec::from_file("sweeps/navigation-small.toml".as_ref()).unwrap();
//! let grid = spec.expand().unwrap();
//! sweep::run_point(&grid[0], "sweeps-out/nav".as_ref(), Some(2), false).unwrap();
//! ```

pub mod spec;

use crate::run::{self, Options, progress::Mode, summary::{Status, Summary}};
use anyhow::Context;
use geosparse_io::atomic_write;
use serde::Serialize;
use spec::GridPoint;
use std::path::{Path, PathBuf};
use std::process::{Child, Command};

/// The folder of grid point `p`.
pub fn run_dir(out: &Path, p: &GridPoint) -> PathBuf {
    out.join("runs").join(&p.id)
}

#[derive(Serialize)]
struct PointInfo<'a> {
    index: usize,
    id: &'a str,
    label: &'a str,
    variant: &'a str,
    axes: &'a std::collections::BTreeMap<String, String>,
}

/// Writes `DIR/sweep.json` (identical content from every process; atomic).
pub fn write_index(out: &Path, name: &str, grid: &[GridPoint]) -> anyhow::Result<()> {
    std::fs::create_dir_all(out.join("runs")).with_context(|| format!("{}", out.join("runs").display()))?;
    let runs: Vec<PointInfo> = grid.iter().map(|p| PointInfo { index: p.index, id: &p.id, label: &p.label, variant: &p.variant, axes: &p.axes }).collect();
    let doc = serde_json::json!({ "name": name, "runs": runs });
    atomic_write(&out.join("sweep.json"), serde_json::to_string_pretty(&doc)?.as_bytes())?;
    Ok(())
}

/// Whether grid point `p` has finished (completed or diverged: both are final).
pub fn is_finished(out: &Path, p: &GridPoint) -> bool {
    Summary::read(&run_dir(out, p)).is_ok_and(|s| matches!(s.status, Status::Completed | Status::Diverged))
}

/// Runs (or resumes, or skips) one grid point in this process.
pub fn run_point(p: &GridPoint, out: &Path, threads: Option<usize>, progress: bool) -> anyhow::Result<Option<Summary>> {
    let dir = run_dir(out, p);
    if is_finished(out, p) {
        return Ok(None);
    }
    let resume = dir.join("checkpoint.safetensors").exists();
    std::fs::create_dir_all(&dir).with_context(|| format!("{}", dir.display()))?;
    let info = PointInfo { index: p.index, id: &p.id, label: &p.label, variant: &p.variant, axes: &p.axes };
    let opts = Options {
        out: dir.clone(),
        resume,
        // a folder without a checkpoint holds at most a run that died before its first epoch
        force: !resume,
        progress: if progress { Mode::Auto } else { Mode::Quiet },
        threads,
        plots: true,
        max_steps: None,
    };
    let result = run::train(&p.config, &opts);
    // point.json after the folder was (re)created by train
    atomic_write(&dir.join("point.json"), serde_json::to_string_pretty(&info)?.as_bytes())?;
    match result {
        Ok(s) => Ok(Some(s)),
        Err(e) if e.downcast_ref::<run::Diverged>().is_some() => Ok(Summary::read(&dir).ok()),
        Err(e) => Err(e.context(format!("run {} ({})", p.index, p.label))),
    }
}

/// Makes a worker die with the sweep that started it (Linux: the parent-death signal), so a
/// killed sweep leaves no orphan writing into its folder. Elsewhere a no-op; the run folders'
/// locks still refuse a second writer.
fn die_with_parent(command: &mut Command) {
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::process::CommandExt;
        // SAFETY: only async-signal-safe calls between fork and exec
        let parent = unsafe { libc::getpid() };
        unsafe {
            command.pre_exec(move || {
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                // the parent may have died before prctl took effect
                if libc::getppid() != parent {
                    libc::_exit(1);
                }
                Ok(())
            });
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = command;
}

/// Checks that `out` may take this sweep's files: not a run folder (the sweep would nest
/// inside it), and not another sweep's folder (its index would be replaced) unless `force`.
pub fn check_out(out: &Path, name: &str, force: bool) -> Result<(), String> {
    if crate::run::is_run_folder(out) {
        return Err(format!("--out: {} is a run folder; a sweep needs a folder of its own (runs go into DIR/runs/<id>)", out.display()));
    }
    let index = out.join("sweep.json");
    if let Ok(text) = std::fs::read_to_string(&index) {
        let other = serde_json::from_str::<serde_json::Value>(&text).ok().and_then(|v| v["name"].as_str().map(str::to_string)).unwrap_or_default();
        if other != name && !force {
            return Err(format!(
                "--out: {} holds the sweep '{other}', not '{name}'; give another --out, or --force to write this sweep's index there (the runs already there stay)",
                out.display()
            ));
        }
    }
    Ok(())
}

/// Runs every unfinished point with `jobs` worker processes of `threads_each` threads, each
/// invoking `exe sweep --config SWEEP --out DIR --index I`. Returns the failed indices.
pub fn run_local(exe: &Path, sweep_file: &Path, out: &Path, grid: &[GridPoint], jobs: usize, threads_each: usize, mut on_event: impl FnMut(&str)) -> anyhow::Result<Vec<usize>> {
    std::fs::create_dir_all(out.join("logs")).with_context(|| format!("{}", out.join("logs").display()))?;
    let todo: Vec<&GridPoint> = grid.iter().filter(|p| !is_finished(out, p)).collect();
    on_event(&format!("{} runs, {} finished, {} to do, {jobs} workers × {threads_each} threads", grid.len(), grid.len() - todo.len(), todo.len()));
    let mut queue = todo.into_iter();
    let mut running: Vec<(usize, Child)> = Vec::new();
    let mut failed = Vec::new();
    loop {
        while running.len() < jobs.max(1) {
            let Some(p) = queue.next() else { break };
            let log_path = out.join("logs").join(format!("{}.log", p.index));
            let log = std::fs::File::create(&log_path).with_context(|| format!("{}", log_path.display()))?;
            let mut command = Command::new(exe);
            die_with_parent(&mut command);
            let child = command
                .args(["--threads", &threads_each.to_string(), "sweep", "--config"])
                .arg(sweep_file)
                .arg("--out")
                .arg(out)
                .args(["--index", &p.index.to_string()])
                .stdout(log.try_clone()?)
                .stderr(log)
                .spawn()
                .with_context(|| format!("starting worker for run {}", p.index))?;
            on_event(&format!("started run {} ({})", p.index, p.label));
            running.push((p.index, child));
        }
        if running.is_empty() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(200));
        let mut k = 0;
        while k < running.len() {
            if let Some(status) = running[k].1.try_wait()? {
                let (i, _) = running.remove(k);
                let label = &grid[i].label;
                if status.success() {
                    on_event(&format!("finished run {i} ({label})"));
                } else {
                    on_event(&format!("run {i} ({label}) failed: see {}", out.join("logs").join(format!("{i}.log")).display()));
                    failed.push(i);
                }
            } else {
                k += 1;
            }
        }
    }
    Ok(failed)
}
