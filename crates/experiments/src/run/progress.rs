//! Progress reporting: a bar with ETA on a terminal, a plain line per epoch otherwise, or
//! nothing (sweeps).
//!
//! ```
//! use geosparse_experiments::run::progress::{Progress, Mode};
//! let mut p = Progress::new(Mode::Quiet, 100);
//! p.step(1, 0.5);
//! p.line("done");
//! ```

use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// A bar if stderr is a terminal, else lines.
    Auto,
    Lines,
    Quiet,
}

pub struct Progress {
    bar: Option<ProgressBar>,
    lines: bool,
}

impl Progress {
    pub fn new(mode: Mode, total_steps: u64) -> Self {
        let term = std::io::stderr().is_terminal();
        match mode {
            Mode::Auto if term => {
                let bar = ProgressBar::new(total_steps);
                bar.set_style(
                    ProgressStyle::with_template("{prefix} [{bar:30}] {pos}/{len} steps  {elapsed_precise} eta {eta}  {msg}")
                        .expect("valid template")
                        .progress_chars("=> "),
                );
                Progress { bar: Some(bar), lines: true }
            }
            Mode::Auto | Mode::Lines => Progress { bar: None, lines: true },
            Mode::Quiet => Progress { bar: None, lines: false },
        }
    }

    /// Sets the bar's label (phase and epoch).
    pub fn prefix(&self, p: String) {
        if let Some(b) = &self.bar {
            b.set_prefix(p);
        }
    }

    /// Advances the bar to `done` steps, showing the last loss.
    pub fn step(&mut self, done: u64, loss: f64) {
        if let Some(b) = &self.bar {
            b.set_position(done);
            if done.is_multiple_of(10) {
                b.set_message(format!("loss {loss:.4}"));
            }
        }
    }

    /// A line of text (above the bar).
    pub fn line(&self, text: &str) {
        if !self.lines {
            return;
        }
        match &self.bar {
            Some(b) => b.println(text),
            None => eprintln!("{text}"),
        }
    }

    pub fn finish(&self) {
        if let Some(b) = &self.bar {
            b.finish_and_clear();
        }
    }
}
