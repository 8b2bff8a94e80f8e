//! The `geosparse` command line. Each subcommand lives in `cmd/`; errors print one clear
//! message (no backtrace) and exit with status 2 for bad input, 1 for failures at run time.

mod cmd;

/// mimalloc keeps freed pages for reuse: a training step allocates and frees its ~100 MB of
/// activations every step, which the system allocator returns to the OS and page-faults back in.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

unsafe extern "C" {
    /// mimalloc's `mi_option_set` (the C library is linked by the `mimalloc` crate).
    fn mi_option_set(option: std::ffi::c_int, value: std::ffi::c_long);
}

/// `mi_option_purge_delay` in mimalloc's `mi_option_t` (the same index in v2 and v3).
const MI_OPTION_PURGE_DELAY: std::ffi::c_int = 15;

/// Freed memory is never handed back to the OS while the process runs (mimalloc's default is
/// after 1 s unused): the large activation buffers of one training step are then still mapped
/// for the next (measured: word-LM 650 step 264 → 257 ms, 2 threads). The peak is unchanged.
fn keep_freed_memory() {
    // SAFETY: plain option setter of the linked allocator, called once before any threads.
    unsafe { mi_option_set(MI_OPTION_PURGE_DELAY, -1) }
}

use clap::{Parser, Subcommand};

/// Sparse recurrent networks by geometry: moduli regularization + gradual magnitude pruning.
#[derive(Parser)]
#[command(name = "geosparse", version, about, long_about = None)]
struct Cli {
    /// Worker threads for linear algebra and parallel loops (default: all cores; at most 8 × the cores).
    #[arg(long, global = true)]
    threads: Option<usize>,
    /// Skip the check that a run's estimated memory fits the memory available.
    #[arg(long, global = true)]
    no_memory_check: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Build a moduli regularizer R = f(D) and write it as .npy, .json and .png.
    Regularizer(cmd::regularizer::Args),
    /// Install data sets (Penn Treebank) into a corpus folder.
    #[command(subcommand_value_name = "DATASET")]
    Data(cmd::data::Args),
    /// Train a network with the moduli penalty and pruning (a run folder).
    Train(cmd::train::Args),
    /// Run a grid of configs (locally with --jobs, or one point with --index).
    Sweep(cmd::sweep::Args),
    /// Tables and figures over run folders (mean ± std over seeds).
    Report(cmd::report::Args),
    /// Write a run's trained model as a sparse (CSR) or dense PyTorch file.
    Export(cmd::model::ExportArgs),
    /// Evaluate an exported model with the sparse kernels.
    Infer(cmd::model::InferArgs),
    /// Check a PyTorch RNN/GRU/LSTM state dict against a config and convert it for train.init_from.
    Import(cmd::model::ImportArgs),
    /// Benchmarks against a baseline measured in the same run.
    Bench(cmd::bench::Args),
    /// Look inside a trained net: graph statistics, ratemaps and grid scores, activity topology.
    Analyze(cmd::analyze::Args),
}

/// Parses the command line. Negative numbers are taken as values everywhere, so that
/// `--neurons -1` is refused by the flag's own check ("-1 is not allowed; ...") instead of
/// clap's "unexpected argument '-1'".
fn parse() -> Cli {
    use clap::{CommandFactory, FromArgMatches};
    fn negatives(c: clap::Command) -> clap::Command {
        c.allow_negative_numbers(true).mut_subcommands(negatives)
    }
    let matches = negatives(Cli::command()).get_matches();
    Cli::from_arg_matches(&matches).unwrap_or_else(|e| e.exit())
}

fn main() {
    keep_freed_memory();
    // `geosparse ... | head` ends quietly instead of panicking on a closed pipe
    #[cfg(unix)]
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    let cli = parse();
    if cli.no_memory_check {
        // SAFETY: set once before any other thread exists; sweep workers inherit it
        unsafe { std::env::set_var(geosparse_experiments::memory::SKIP_VAR, "1") };
    }
    if let Some(t) = cli.threads {
        let max = geosparse_experiments::run::max_threads();
        if t == 0 || t > max {
            eprintln!("error: --threads: {t} is not allowed; give 1 to {max} (this machine has {} cores)", max / 8);
            std::process::exit(2);
        }
        let _ = rayon::ThreadPoolBuilder::new().num_threads(t).build_global();
    }
    let result = match cli.command {
        Command::Regularizer(a) => cmd::regularizer::run(a),
        Command::Data(a) => cmd::data::run(a),
        Command::Train(a) => cmd::train::run(a, cli.threads),
        Command::Sweep(a) => cmd::sweep::run(a, cli.threads),
        Command::Report(a) => cmd::report::run(a),
        Command::Export(a) => cmd::model::export(a),
        Command::Infer(a) => cmd::model::infer(a, cli.threads),
        Command::Import(a) => cmd::model::import(a),
        Command::Bench(a) => cmd::bench::run(a, cli.threads),
        Command::Analyze(a) => cmd::analyze::run(a),
    };
    if let Err(e) = result {
        eprintln!("error: {e:#}");
        std::process::exit(if e.downcast_ref::<cmd::UserError>().is_some() { 2 } else { 1 });
    }
}
