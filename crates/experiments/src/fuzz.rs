//! A mutation fuzzer for the two parsers that read what users hand us: the run config
//! (`RunConfig::from_toml_str`) and the exported model file (`model_file::load_bytes`). It runs
//! on stable Rust (cargo-fuzz needs nightly): inputs are seed files mutated at random (bit
//! flips, interesting bytes, deleted / duplicated / inserted ranges, truncation, and numbers
//! swapped for edge values such as 0, -1, 1e300, nan or 2³²), fed to the parser under
//! `catch_unwind`. Any panic is a bug: a parser must refuse bad input with an error.
//!
//! The long run is `cargo run --release -p geosparse-experiments --example fuzz -- --seconds 600`;
//! the test suite runs a few hundred inputs of each kind.
//!
//! ```no_run
//! use geosparse_experiments::fuzz::{Fuzzer, Target};
//! let mut f = Fuzzer::new(7, vec![(Target::Config, b"[task]\nkind = \"adding\"".to_vec())]);
//! let stats = f.run(|_| false, 1000);
//! assert!(stats.panics.is_empty());
//! ```

use crate::config::RunConfig;
use crate::model_file;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::path::Path;

/// What an input is fed to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Config,
    Model,
}

/// Counts of one fuzzing session.
#[derive(Debug, Default, Clone)]
pub struct Stats {
    pub executions: u64,
    pub config_runs: u64,
    pub model_runs: u64,
    /// Inputs the parser accepted (the rest were refused with an error).
    pub accepted: u64,
    /// (target, input, panic message) of every panic.
    pub panics: Vec<(Target, Vec<u8>, String)>,
}

/// Values that break careless number handling.
const EDGE_NUMBERS: [&str; 16] =
    ["0", "-1", "1", "1e300", "-1e300", "nan", "inf", "-inf", "4294967296", "18446744073709551615", "9223372036854775807", "100000", "1e-45", "0.5", "3", "65537"];

/// Bytes that often mean something to a parser.
const EDGE_BYTES: [u8; 10] = [0, 0xff, 0x7f, 0x80, b'9', b'-', b'"', b'{', b'[', b'\n'];

/// A seeded mutation fuzzer over a corpus of seed inputs.
pub struct Fuzzer {
    rng: ChaCha8Rng,
    seeds: Vec<(Target, Vec<u8>)>,
}

impl Fuzzer {
    pub fn new(seed: u64, seeds: Vec<(Target, Vec<u8>)>) -> Self {
        Fuzzer { rng: ChaCha8Rng::seed_from_u64(seed), seeds }
    }

    /// One mutated copy of `input` (1 to 4 mutations).
    pub fn mutate(&mut self, input: &[u8]) -> Vec<u8> {
        let mut v = input.to_vec();
        for _ in 0..self.rng.random_range(1..=4) {
            let len = v.len();
            match self.rng.random_range(0..7) {
                0 if len > 0 => {
                    let i = self.rng.random_range(0..len);
                    v[i] ^= 1 << self.rng.random_range(0..8);
                }
                1 if len > 0 => {
                    let i = self.rng.random_range(0..len);
                    v[i] = EDGE_BYTES[self.rng.random_range(0..EDGE_BYTES.len())];
                }
                2 if len > 1 => {
                    let a = self.rng.random_range(0..len);
                    let b = (a + self.rng.random_range(1..=16)).min(len);
                    v.drain(a..b);
                }
                3 if len > 1 => {
                    let a = self.rng.random_range(0..len);
                    let b = (a + self.rng.random_range(1..=32)).min(len);
                    let chunk = v[a..b].to_vec();
                    let at = self.rng.random_range(0..=len);
                    v.splice(at..at, chunk);
                }
                4 => {
                    let at = self.rng.random_range(0..=len);
                    let n = self.rng.random_range(1..=8);
                    let bytes: Vec<u8> = (0..n).map(|_| self.rng.random()).collect();
                    v.splice(at..at, bytes);
                }
                5 if len > 0 => {
                    let keep = self.rng.random_range(0..len);
                    v.truncate(keep);
                }
                _ => self.swap_number(&mut v),
            }
        }
        v
    }

    /// Replaces one run of ASCII digits (with its sign, point and exponent) by an edge value.
    fn swap_number(&mut self, v: &mut Vec<u8>) {
        let starts: Vec<usize> = (0..v.len()).filter(|&i| v[i].is_ascii_digit() && (i == 0 || !v[i - 1].is_ascii_digit() && v[i - 1] != b'.')).collect();
        if starts.is_empty() {
            return;
        }
        let a = starts[self.rng.random_range(0..starts.len())];
        let mut b = a;
        while b < v.len() && (v[b].is_ascii_digit() || matches!(v[b], b'.' | b'e' | b'E' | b'-' | b'+' | b'_')) {
            b += 1;
        }
        let edge = EDGE_NUMBERS[self.rng.random_range(0..EDGE_NUMBERS.len())];
        v.splice(a..b, edge.bytes());
    }

    /// Feeds mutated inputs until `stop(executions)` or `max` executions.
    pub fn run(&mut self, mut stop: impl FnMut(u64) -> bool, max: u64) -> Stats {
        let mut stats = Stats::default();
        let hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(|_| {})); // panics are counted, not printed
        while stats.executions < max && !stop(stats.executions) {
            let (target, seed) = self.seeds[self.rng.random_range(0..self.seeds.len())].clone();
            let input = self.mutate(&seed);
            let outcome = std::panic::catch_unwind(|| feed(target, &input));
            stats.executions += 1;
            match target {
                Target::Config => stats.config_runs += 1,
                Target::Model => stats.model_runs += 1,
            }
            match outcome {
                Ok(true) => stats.accepted += 1,
                Ok(false) => {}
                Err(p) => {
                    let msg = p.downcast_ref::<String>().cloned().or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string())).unwrap_or_default();
                    stats.panics.push((target, input, msg));
                }
            }
        }
        std::panic::set_hook(hook);
        stats
    }
}

/// A tiny navigation config: the seed of config inputs and of the model that seeds the
/// model-file inputs.
pub const TOY_CONFIG: &str = "seed = 1\n[task]\nkind = \"navigation\"\nplace_cells = 8\nhidden = 8\nsequence = 3\nbatch = 2\nsteps_per_epoch = 2\neval_batches = 1\neval_batch_size = 2\n[train]\nepochs = 2\noptimizer = { kind = \"adamw\", lr = 3e-3, weight_decay = 0.01 }\n[penalty]\nlambda = 0.1\n[penalty.regularizer]\nspace = \"torus\"\ninhibitor = \"dog\"\ninvert = true\n[prune]\nkind = \"linear\"\ntarget = 0.5\n";

/// The seed corpus: the toy config, every config under `configs_dir` (if given), and the toy
/// run's model exported in both formats (trained in `work`).
pub fn seed_corpus(work: &Path, configs_dir: Option<&Path>) -> anyhow::Result<Vec<(Target, Vec<u8>)>> {
    let mut seeds = vec![(Target::Config, TOY_CONFIG.as_bytes().to_vec())];
    if let Some(dir) = configs_dir {
        let mut paths: Vec<_> = std::fs::read_dir(dir)?.filter_map(|e| e.ok()).map(|e| e.path()).filter(|p| p.extension().is_some_and(|x| x == "toml")).collect();
        paths.sort();
        for p in paths {
            seeds.push((Target::Config, std::fs::read(&p)?));
        }
    }
    let cfg = RunConfig::from_toml_str(TOY_CONFIG, &[]).map_err(|e| anyhow::anyhow!("{e}"))?;
    let run_dir = work.join("toy-run");
    let opts = crate::run::Options { out: run_dir.clone(), progress: crate::run::progress::Mode::Quiet, threads: Some(1), plots: false, ..Default::default() };
    crate::run::train(&cfg, &opts)?;
    let model = work.join("toy.safetensors");
    model_file::export(&run_dir, &model, model_file::Format::Sparse)?;
    seeds.push((Target::Model, std::fs::read(&model)?));
    let dense = work.join("toy-dense.safetensors");
    model_file::export(&run_dir, &dense, model_file::Format::Torch)?;
    seeds.push((Target::Model, std::fs::read(&dense)?));
    Ok(seeds)
}

/// Parses one input; true when accepted.
pub fn feed(target: Target, input: &[u8]) -> bool {
    match target {
        Target::Config => match std::str::from_utf8(input) {
            Ok(text) => RunConfig::from_toml_str(text, &[]).is_ok(),
            Err(_) => false,
        },
        Target::Model => model_file::load_bytes(input, Path::new("fuzz.safetensors"), None).is_ok(),
    }
}
