//! `geosparse bench train-step`: one full training step (forward over the sequence, loss,
//! backward through time, optimizer update) of the shapes the paper's tasks use:
//!
//! | case | model | step |
//! |---|---|---|
//! | `elman-512`, `elman-2048` | navigation net: encoder 512→N gives h₀, ReLU RNN on 2-D inputs, no biases, decoder N→512, soft cross-entropy; batch 200, seq 20 | AdamW |
//! | `lstm-200`, `lstm-650` | word LM: embedding 10 000×H, 2-layer LSTM H, dropout 0.2, decoder H→10 000; batch 20, bptt 35 | clip 0.25 + SGD lr 20 |
//!
//! The PyTorch twin of each case is `tools/bench_torch.py`.
//!
//! ```no_run
//! for case in geosparse_experiments::bench::train_step::CASES {
//!     println!("{case}");
//! }
//! ```

use super::{Measurement, median, peak_rss_mb};
use geosparse_engine::layers::rnn::CellKind;
use geosparse_engine::optim::{Optimizer, OptimizerConfig, clip_coef, grad_norm};
use geosparse_engine::param::{Module, Param, ParamKind};
use geosparse_moduli::seed;
use geosparse_tasks::lm::model::{LmConfig, LmModel};
use geosparse_tasks::navigation::model::{NavBatch, NavModel};
use rand::Rng;
use std::time::Instant;

pub const CASES: [&str; 5] = ["elman-512", "elman-2048", "elman-4096", "lstm-200", "lstm-650"];

/// A pruned net for the sparse-training comparison: every weight matrix (W_hh, W_ih, encoder,
/// decoder; not the biases, not the LM's embedding lookup) gets a random mask keeping
/// `1 − sparsity` of its entries; the step then runs either on the dense masked matrices
/// (`kernels: false`, plain masked training) or on the CSR kernels where a product has one
/// (`kernels: true`, what `train.sparse_below` switches on: W_hh, the encoder and decoder).
#[derive(Debug, Clone, Copy)]
pub struct Pruned {
    pub sparsity: f64,
    pub kernels: bool,
}

/// Masks every weight matrix of `params` at random to `sparsity` (seeded; biases and the LM's
/// embedding stay dense, as `prune.tensors` leaves them by choice).
fn mask_pruned<'a>(params: impl IntoIterator<Item = &'a mut Param>, sparsity: f64, rng: &mut impl Rng) {
    for p in params.into_iter().filter(|p| p.kind == ParamKind::Weight && p.shape.len() == 2) {
        let mask: Vec<u8> = (0..p.numel()).map(|_| u8::from(rng.random::<f64>() >= sparsity)).collect();
        p.set_mask(mask);
        p.apply_mask();
    }
}

/// Times `steps` training steps after `warmup` untimed ones (dense weights).
pub fn run_case(case: &str, steps: usize, warmup: usize) -> anyhow::Result<Measurement> {
    run_case_pruned(case, steps, warmup, None)
}

/// Times `steps` training steps after `warmup` untimed ones, with W_hh pruned when `pruned`
/// is given.
pub fn run_case_pruned(case: &str, steps: usize, warmup: usize, pruned: Option<Pruned>) -> anyhow::Result<Measurement> {
    // kept-fraction threshold below which W_hh runs on the CSR kernels
    let threshold = match pruned {
        Some(Pruned { kernels: true, .. }) => 1.0,
        _ => 0.0,
    };
    let mut rng = seed::rng(0, "bench");
    let mut times = Vec::with_capacity(steps);
    let mut time_it = |f: &mut dyn FnMut()| {
        for i in 0..warmup + steps {
            if i == warmup {
                // the profile (GEOSPARSE_PROFILE) covers the timed steps only
                geosparse_engine::profile::reset();
            }
            let t = Instant::now();
            f();
            if i >= warmup {
                times.push(t.elapsed().as_secs_f64() * 1e3);
            }
        }
    };
    match case {
        "elman-512" | "elman-2048" | "elman-4096" => {
            let n = match case {
                "elman-512" => 512,
                "elman-2048" => 2048,
                _ => 4096,
            };
            let (t, b, np) = (20, 200, 512);
            let mut m = NavModel::new(np, n, &mut rng);
            if let Some(p) = pruned {
                mask_pruned(m.params_mut(), p.sparsity, &mut rng);
            }
            let mut opt = Optimizer::new(OptimizerConfig::adamw(1e-4, 0.01));
            let mut batch = NavBatch::uniform_targets(t, b, np);
            batch.v.iter_mut().for_each(|v| *v = (rng.random::<f32>() - 0.5) * 0.04);
            let mut step = || {
                m.zero_grad();
                m.prepare_sparse(threshold);
                m.loss_and_grad(&batch);
                opt.step(m.params_mut());
            };
            time_it(&mut step);
        }
        "lstm-200" | "lstm-650" => {
            let h = if case == "lstm-200" { 200 } else { 650 };
            let (v, t, b) = (10_000, 35, 20);
            let cfg = LmConfig { vocab: v, embed: h, hidden: h, layers: 2, cell: CellKind::Lstm, dropout: 0.2 };
            let mut m = LmModel::new(cfg, &mut rng);
            if let Some(p) = pruned {
                mask_pruned(m.params_mut(), p.sparsity, &mut rng);
            }
            let ids: Vec<u32> = (0..(t + 1) * b).map(|_| rng.random_range(0..v as u32)).collect();
            let mut state = m.zero_state(b);
            let mut opt = Optimizer::new(OptimizerConfig::sgd(20.0));
            let mut drng = seed::rng(1, "dropout");
            let mut step = || {
                m.zero_grad();
                m.prepare_sparse(threshold);
                m.step(&ids[..t * b], &ids[b..], t, b, &mut state, true, &mut drng);
                let coef = clip_coef(grad_norm(m.params().into_iter()), 0.25);
                opt.step_scaled(m.params_mut(), coef);
            };
            time_it(&mut step);
        }
        other => anyhow::bail!("--case: '{other}' is not a benchmark case; cases: {}", CASES.join(", ")),
    }
    Ok(Measurement {
        case: case.to_string(),
        ms_per_step: median(&times),
        ms_min: times.iter().copied().fold(f64::INFINITY, f64::min),
        peak_rss_mb: peak_rss_mb(),
        threads: rayon::current_num_threads(),
    })
}
