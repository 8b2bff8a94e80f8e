//! A trained navigation net seen through its hidden units: ratemaps (mean ReLU activity of
//! each unit binned over the true positions of held-out trajectories, `bins` × `bins` over
//! the box; NaN for bins visited fewer than `min_visits` times — a rarely visited bin's mean is
//! one or two samples, and such outliers alone lift grid scores to 0.6), their grid scores, and a sample of the population
//! activity (evenly spaced time points) for its persistent homology.
//!
//! The trajectories are the held-out batches `(data_seed, "nav/valid", i)` of
//! `NavTask::hidden_states`: the validation set first, fresh held-out batches beyond it.
//!
//! ```
//! use geosparse_experiments::analyze::navigation::{bin_of, Binning};
//! let b = Binning { bins: 20, box_size: 2.0 };
//! assert_eq!(bin_of(&b, -1.0, -1.0), 0);         // lower-left corner
//! assert_eq!(bin_of(&b, 0.99, 0.99), 399);       // upper-right corner
//! assert_eq!(bin_of(&b, 0.0, -1.0), 10);         // x picks the column, y the row
//! ```

use geosparse_tasks::navigation::task::NavTask;

/// Square bins over the box [−box/2, box/2]².
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Binning {
    pub bins: usize,
    pub box_size: f64,
}

/// Default fewest visits for a bin's mean to enter a ratemap.
pub const MIN_VISITS: usize = 20;

/// Flat bin (row = y, column = x) of position (x, y); positions on or past a wall go to the edge bin.
pub fn bin_of(b: &Binning, x: f64, y: f64) -> usize {
    let idx = |v: f64| ((((v / b.box_size) + 0.5) * b.bins as f64).floor().max(0.0) as usize).min(b.bins - 1);
    idx(y) * b.bins + idx(x)
}

/// What the held-out trajectories gave.
#[derive(Debug, Clone, PartialEq)]
pub struct Activity {
    /// (N, bins, bins) row-major.
    pub ratemaps: Vec<f64>,
    /// Positions visited per bin.
    pub visits: Vec<usize>,
    /// (samples, N) evenly spaced hidden states.
    pub sample: Vec<f64>,
    pub samples: usize,
    pub neurons: usize,
    pub trajectories: usize,
    pub time_points: usize,
}

/// Runs the trained model on ≥ `trajectories` held-out trajectories (whole batches) and
/// accumulates ratemaps (bins with fewer than `min_visits` visits are NaN) and an evenly spaced
/// sample of `samples` hidden states.
pub fn collect(task: &NavTask, binning: &Binning, trajectories: usize, samples: usize, min_visits: usize) -> Activity {
    let (n, t, b) = (task.cfg.hidden, task.cfg.sequence, task.cfg.eval_batch_size);
    let batches = trajectories.div_ceil(b).max(1);
    let total = batches * t * b;
    let samples = samples.min(total);
    let cells = binning.bins * binning.bins;
    let (mut sums, mut visits) = (vec![0f64; n * cells], vec![0usize; cells]);
    let mut sample = Vec::with_capacity(samples * n);
    let mut next = 0; // next sample index
    for i in 0..batches {
        let (states, pos) = task.hidden_states(i);
        for r in 0..t * b {
            let cell = bin_of(binning, pos[2 * r] as f64, pos[2 * r + 1] as f64);
            visits[cell] += 1;
            let row = &states[r * n..(r + 1) * n];
            for (u, &h) in row.iter().enumerate() {
                sums[u * cells + cell] += h as f64;
            }
            let global = i * t * b + r;
            if next < samples && global == next * total / samples {
                sample.extend(row.iter().map(|&h| h as f64));
                next += 1;
            }
        }
    }
    let ratemaps = (0..n * cells)
        .map(|k| match visits[k % cells] {
            c if c == 0 || c < min_visits => f64::NAN,
            c => sums[k] / c as f64,
        })
        .collect();
    Activity { ratemaps, visits, sample, samples: next, neurons: n, trajectories: batches * b, time_points: total }
}
