//! Fuzz the config parser and the model-file loader for a while and report the count:
//!
//! ```text
//! cargo run --release -p geosparse-experiments --example fuzz -- --seconds 600 [--seed 1]
//! ```
//!
//! Crashing inputs are written to `fuzz-crashes/` (config-N.toml / model-N.safetensors) and
//! the exit status is 1 when there is any.

use geosparse_experiments::fuzz::{Fuzzer, Target, seed_corpus};
use geosparse_experiments::memory::LIMIT_VAR;
use std::time::{Duration, Instant};

fn arg(name: &str, default: u64) -> u64 {
    let args: Vec<String> = std::env::args().collect();
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).map(|v| v.parse().unwrap_or_else(|_| panic!("{name}: a whole number"))).unwrap_or(default)
}

fn main() -> anyhow::Result<()> {
    let seconds = arg("--seconds", 60);
    let seed = arg("--seed", 1);
    // a mutated config may ask for large sizes: keep accepted ones small so the run stays fast
    // SAFETY: set before any other thread starts
    unsafe { std::env::set_var(LIMIT_VAR, (256u64 << 20).to_string()) };
    let work = tempfile::tempdir()?;
    let configs = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../configs");
    let seeds = seed_corpus(work.path(), Some(&configs))?;
    let start = Instant::now();
    let limit = Duration::from_secs(seconds);
    let stats = Fuzzer::new(seed, seeds).run(|_| start.elapsed() >= limit, u64::MAX);
    let secs = start.elapsed().as_secs_f64();
    println!(
        "{} executions in {secs:.0} s ({:.0}/s): {} configs, {} model files; {} accepted, {} panics",
        stats.executions,
        stats.executions as f64 / secs,
        stats.config_runs,
        stats.model_runs,
        stats.accepted,
        stats.panics.len()
    );
    if !stats.panics.is_empty() {
        std::fs::create_dir_all("fuzz-crashes")?;
        for (i, (t, input, msg)) in stats.panics.iter().enumerate() {
            let name = match t {
                Target::Config => format!("fuzz-crashes/config-{i}.toml"),
                Target::Model => format!("fuzz-crashes/model-{i}.safetensors"),
            };
            std::fs::write(&name, input)?;
            println!("panic ({name}): {msg}");
        }
        std::process::exit(1);
    }
    Ok(())
}
