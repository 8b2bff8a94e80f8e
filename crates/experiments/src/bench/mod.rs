//! `geosparse bench`: speed measured against a baseline in the same run, reported as ratios.
//!
//! Each case runs in its own process (so its peak memory is its own): the parent re-invokes
//! the `geosparse` binary with `--case NAME --worker`, and the PyTorch script
//! `tools/bench_torch.py` with the same case, then prints a table.
//!
//! ```no_run
//! let r = geosparse_experiments::bench::train_step::run_case("elman-512", 3, 1).unwrap();
//! println!("{:.1} ms/step", r.ms_per_step);
//! ```

pub mod infer;
pub mod train_step;

use serde::{Deserialize, Serialize};

/// One measurement of one case.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Measurement {
    pub case: String,
    /// Median over the timed steps.
    pub ms_per_step: f64,
    pub ms_min: f64,
    /// Peak resident memory of the measuring process (MiB), when the OS reports it.
    pub peak_rss_mb: Option<f64>,
    pub threads: usize,
}

/// Peak resident set size of this process in MiB (Linux: VmHWM).
pub fn peak_rss_mb() -> Option<f64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// Median of a non-empty list.
pub fn median(v: &[f64]) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    let n = s.len();
    if n % 2 == 1 { s[n / 2] } else { 0.5 * (s[n / 2 - 1] + s[n / 2]) }
}
