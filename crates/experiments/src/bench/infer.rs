//! `geosparse bench infer`: the fused recurrent step h' = relu(h W_hhᵀ + xw) of a pruned
//! network, dense (faer through `ops::gemm`, the baseline) against the sparse kernels of
//! `geosparse_engine::sparse`: CSR in the original neuron order, and 1×8 blocks after the
//! Hilbert reordering of the neurons' torus positions.
//!
//! Masks at sparsity s keep (1 − s)·N² entries:
//! * `random`: each entry independently with probability 1 − s;
//! * `geometric`: N neurons uniform on the 2-torus of side 10 (`geosparse_moduli`, seed 0),
//!   keeping the (1 − s)·N² pairs (i, j) of smallest distance d(i, j) (ties by index) — the
//!   pattern moduli regularization + magnitude pruning converges to.
//!
//! Each case reports the median time per step over many repetitions, the speed-up against
//! dense in the same run, and the achieved bandwidth: bytes of the matrix format plus h, xw
//! and the output, over the time — next to a streaming read measured in the same run.
//!
//! ```no_run
//! use geosparse_experiments::bench::infer::{Config, MaskKind, run, stream_read_gbs};
//! let cfg = Config { sizes: vec![1024], sparsities: vec![0.9], batches: vec![1], masks: vec![MaskKind::Geometric], min_time_s: 0.1, seed: 0 };
//! println!("{:.1} GB/s", stream_read_gbs(1 << 28));
//! for row in run(&cfg, |_| {}).unwrap() {
//!     println!("{} µs dense, {} µs CSR", row.dense.us, row.csr.us);
//! }
//! ```

use super::median;
use anyhow::Context;
use geosparse_engine::ops::{self, Trans};
use geosparse_engine::sparse::{self, Act, Bsr8, Csr};
use geosparse_moduli::spec::{InhibitorName, RegularizerSpec, SpaceName};
use rand::Rng;
use rayon::prelude::*;
use std::time::Instant;

/// Which entries survive pruning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MaskKind {
    Random,
    Geometric,
}

impl MaskKind {
    pub fn name(self) -> &'static str {
        match self {
            MaskKind::Random => "random",
            MaskKind::Geometric => "geometric",
        }
    }
    pub fn parse(s: &str) -> Option<MaskKind> {
        [MaskKind::Random, MaskKind::Geometric].into_iter().find(|m| m.name() == s)
    }
}

/// The grid of cases.
#[derive(Debug, Clone)]
pub struct Config {
    pub sizes: Vec<usize>,
    pub sparsities: Vec<f64>,
    pub batches: Vec<usize>,
    pub masks: Vec<MaskKind>,
    /// Minimum timed seconds per kernel and case (at least 10 repetitions).
    pub min_time_s: f64,
    pub seed: u64,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            sizes: vec![1024, 4096],
            sparsities: vec![0.0, 0.9, 0.95, 0.98],
            batches: vec![1, 8, 64],
            masks: vec![MaskKind::Random, MaskKind::Geometric],
            min_time_s: 0.2,
            seed: 0,
        }
    }
}

/// One kernel's timing in one case.
#[derive(Debug, Clone, Copy)]
pub struct Timing {
    /// Median µs per step.
    pub us: f64,
    /// Bytes of the matrix format and the vectors, per step.
    pub bytes: usize,
}

impl Timing {
    pub fn gbs(&self) -> f64 {
        self.bytes as f64 / (self.us * 1e3)
    }
}

/// One case.
#[derive(Debug, Clone)]
pub struct Row {
    pub n: usize,
    pub sparsity: f64,
    pub batch: usize,
    pub mask: MaskKind,
    /// Stored entries.
    pub nnz: usize,
    pub dense: Timing,
    pub csr: Timing,
    pub bsr: Timing,
    /// Stored entries per block slot of the blocked format.
    pub bsr_fill: f64,
    /// Largest |sparse − dense| over both sparse outputs (a correctness check).
    pub max_err: f32,
}

/// Streaming-read bandwidth in GB/s over a buffer of `bytes` (all threads of the current
/// pool, median of 5 passes after one warm-up pass).
pub fn stream_read_gbs(bytes: usize) -> f64 {
    let v = vec![1.0f32; bytes / 4];
    let pass = || {
        let t = Instant::now();
        let s: f32 = v
            .par_chunks(1 << 18)
            .map(|c| {
                let mut acc = [0f32; 16];
                for x in c.as_chunks::<16>().0 {
                    for l in 0..16 {
                        acc[l] += x[l];
                    }
                }
                acc.iter().sum::<f32>()
            })
            .sum();
        std::hint::black_box(s);
        t.elapsed().as_secs_f64()
    };
    pass();
    let times: Vec<f64> = (0..5).map(|_| pass()).collect();
    bytes as f64 / median(&times) / 1e9
}

/// Median µs of `f` over at least 10 calls and `min_s` seconds (after 3 warm-up calls).
fn time_us(min_s: f64, mut f: impl FnMut()) -> f64 {
    for _ in 0..3 {
        f();
    }
    let mut times = Vec::new();
    let start = Instant::now();
    while times.len() < 10 || (start.elapsed().as_secs_f64() < min_s && times.len() < 20_000) {
        let t = Instant::now();
        f();
        times.push(t.elapsed().as_secs_f64() * 1e6);
    }
    median(&times)
}

/// Row-major (n, n) 0/1 mask keeping `keep` entries.
fn mask(kind: MaskKind, n: usize, keep_frac: f64, dist: &[f32], seed: u64) -> Vec<u8> {
    match kind {
        MaskKind::Random => {
            let mut rng = geosparse_moduli::seed::rng(seed, "bench-infer-mask");
            (0..n * n).map(|_| (rng.random::<f64>() < keep_frac) as u8).collect()
        }
        MaskKind::Geometric => {
            let keep = ((keep_frac * (n * n) as f64).round() as usize).min(n * n);
            let mut idx: Vec<u32> = (0..(n * n) as u32).collect();
            let by_dist = |a: &u32, b: &u32| dist[*a as usize].total_cmp(&dist[*b as usize]).then(a.cmp(b));
            if keep > 0 && keep < n * n {
                idx.select_nth_unstable_by(keep - 1, by_dist);
            }
            let mut m = vec![0u8; n * n];
            idx[..keep].iter().for_each(|&k| m[k as usize] = 1);
            m
        }
    }
}

fn rand_vec(len: usize, seed: u64, stream: &str) -> Vec<f32> {
    let mut rng = geosparse_moduli::seed::rng(seed, stream);
    (0..len).map(|_| rng.random::<f32>() * 2.0 - 1.0).collect()
}

fn max_diff(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| (x - y).abs()).fold(0.0, f32::max)
}

/// Measures every case of `cfg`, calling `on_row` as each finishes.
pub fn run(cfg: &Config, mut on_row: impl FnMut(&Row)) -> anyhow::Result<Vec<Row>> {
    let mut rows = Vec::new();
    for &n in &cfg.sizes {
        let reg = RegularizerSpec::new(SpaceName::Torus, InhibitorName::Dog).resolve(Some(n), cfg.seed)?.build()?;
        let emb = reg.embedding().context("the torus has an embedding")?;
        let dist = reg.distances();
        let order = sparse::hilbert_order(&emb.coords, emb.dim, 10.0);
        let back = sparse::invert_permutation(&order);
        for &kind in &cfg.masks {
            for &s in &cfg.sparsities {
                let m = mask(kind, n, 1.0 - s, &dist, cfg.seed);
                let scale = 1.0 / ((n as f64 * (1.0 - s)).max(1.0)).sqrt() as f32;
                let w: Vec<f32> = rand_vec(n * n, cfg.seed, "bench-infer-w").iter().zip(&m).map(|(v, &k)| v * scale * k as f32).collect();
                let csr = Csr::from_masked(&w, &m, n, n);
                let wp = sparse::apply_permutation(&w, n, &order);
                let mp: Vec<u8> = sparse::apply_permutation(&m.iter().map(|&v| v as f32).collect::<Vec<_>>(), n, &order).iter().map(|&v| v as u8).collect();
                let bsr = Bsr8::from_csr(&Csr::from_masked(&wp, &mp, n, n));
                for &b in &cfg.batches {
                    let row = case(cfg, n, s, b, kind, &w, &csr, &bsr, &order, &back)?;
                    on_row(&row);
                    rows.push(row);
                }
            }
        }
    }
    Ok(rows)
}

#[allow(clippy::too_many_arguments)]
fn case(cfg: &Config, n: usize, s: f64, b: usize, kind: MaskKind, w: &[f32], csr: &Csr, bsr: &Bsr8, order: &[usize], back: &[usize]) -> anyhow::Result<Row> {
    let h = rand_vec(b * n, cfg.seed, "bench-infer-h");
    let xw = rand_vec(b * n, cfg.seed, "bench-infer-xw");
    let (hp, xwp) = (sparse::permute_vec(&h, order), sparse::permute_vec(&xw, order));
    let vec_bytes = 3 * 4 * b * n;
    let mut out = vec![0f32; b * n];
    let dense_step = |out: &mut [f32]| {
        out.copy_from_slice(&xw);
        ops::gemm(out, &h, Trans::No, w, Trans::Yes, b, n, n, true);
        ops::for_rows(out, n, |_, r| r.iter_mut().for_each(|v| *v = v.max(0.0)));
    };
    dense_step(&mut out);
    let reference = out.clone();
    let dense_us = time_us(cfg.min_time_s, || dense_step(&mut out));

    sparse::step(csr, &h, &xw, &mut out, b, Act::Relu);
    let mut err = max_diff(&out, &reference);
    let csr_us = time_us(cfg.min_time_s, || sparse::step(csr, &h, &xw, &mut out, b, Act::Relu));

    bsr.step(&hp, &xwp, &mut out, b, Act::Relu);
    err = err.max(max_diff(&sparse::permute_vec(&out, back), &reference));
    let bsr_us = time_us(cfg.min_time_s, || bsr.step(&hp, &xwp, &mut out, b, Act::Relu));
    anyhow::ensure!(err < 1e-3, "sparse and dense steps disagree by {err} (N = {n}, s = {s}, B = {b})");
    Ok(Row {
        n,
        sparsity: s,
        batch: b,
        mask: kind,
        nnz: csr.nnz(),
        dense: Timing { us: dense_us, bytes: 4 * n * n + vec_bytes },
        csr: Timing { us: csr_us, bytes: csr.bytes() + vec_bytes },
        bsr: Timing { us: bsr_us, bytes: bsr.bytes() + vec_bytes },
        bsr_fill: bsr.fill(),
        max_err: err,
    })
}

/// The Markdown header of [`markdown_row`].
pub fn markdown_header() -> String {
    "| N | sparsity | batch | mask | dense µs | CSR µs | CSR speed-up | blocked µs | blocked speed-up | block fill | dense GB/s | CSR GB/s | blocked GB/s |\n\
     |---|---|---|---|---|---|---|---|---|---|---|---|---|"
        .to_string()
}

/// One case as a Markdown table row.
pub fn markdown_row(r: &Row) -> String {
    format!(
        "| {} | {:.2} | {} | {} | {:.1} | {:.1} | {:.2}× | {:.1} | {:.2}× | {:.2} | {:.1} | {:.1} | {:.1} |",
        r.n,
        r.sparsity,
        r.batch,
        r.mask.name(),
        r.dense.us,
        r.csr.us,
        r.dense.us / r.csr.us,
        r.bsr.us,
        r.dense.us / r.bsr.us,
        r.bsr_fill,
        r.dense.gbs(),
        r.csr.gbs(),
        r.bsr.gbs()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn geometric_mask_keeps_the_nearest_pairs() {
        let dist = [0.0, 3.0, 1.0, 3.0, 0.0, 2.0, 1.0, 2.0, 0.0];
        let m = mask(MaskKind::Geometric, 3, 5.0 / 9.0, &dist, 0);
        assert_eq!(m, [1, 0, 1, 0, 1, 0, 1, 0, 1]);
        assert_eq!(mask(MaskKind::Geometric, 3, 1.0, &dist, 0), [1; 9]);
        assert_eq!(mask(MaskKind::Random, 3, 0.0, &dist, 0), [0; 9]);
    }

    #[test]
    fn a_small_grid_runs_and_agrees_with_dense() {
        let cfg = Config { sizes: vec![64], sparsities: vec![0.0, 0.9], batches: vec![1, 3], masks: vec![MaskKind::Random, MaskKind::Geometric], min_time_s: 0.0, seed: 1 };
        let rows = run(&cfg, |_| {}).unwrap();
        assert_eq!(rows.len(), 8);
        for r in &rows {
            assert!(r.max_err < 1e-4);
            let want = if r.sparsity == 0.0 { 64 * 64 } else { 64 * 64 / 10 };
            assert!((r.nnz as f64 - want as f64).abs() < 0.25 * want as f64, "{} {}", r.nnz, want);
            assert!(markdown_row(r).matches('|').count() == markdown_header().lines().next().unwrap().matches('|').count());
        }
    }
}
