//! `geosparse regularizer`: build R = f(D) for a space and an inhibitor, write it to a folder.

use super::user;
use geosparse_moduli::spec::{InhibitorName, RegularizerSpec, SpaceName};
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// circle, sphere, s3, torus, torus6, klein, euclidean, projective (with --points: the metric).
    #[arg(long)]
    space: Option<String>,
    /// square, gauss, dog, ripple, identity, constant.
    #[arg(long)]
    inhibitor: String,
    /// R ← max R − R (the reference always ran dog inverted).
    #[arg(long)]
    invert: bool,
    /// Shuffle all N² entries of R (the paper's control).
    #[arg(long)]
    permute: bool,
    /// Number of neurons N (optional with --points / --distances).
    #[arg(long)]
    neurons: Option<i64>,
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Output folder.
    #[arg(long)]
    out: PathBuf,
    /// Replace an output folder that already holds files.
    #[arg(long)]
    force: bool,
    /// Side of torus / Klein bottle (default 10).
    #[arg(long, allow_negative_numbers = true)]
    side: Option<f64>,
    /// Radius of circle / sphere / projective plane (default 5; s3: 10).
    #[arg(long, allow_negative_numbers = true)]
    radius: Option<f64>,
    /// Dimension of sphere Sⁿ, torus Tᵏ or Rⁿ.
    #[arg(long)]
    dim: Option<usize>,
    /// Scale of euclidean points.
    #[arg(long, allow_negative_numbers = true)]
    scale: Option<f64>,
    /// Points per axis of a grid, comma-separated, e.g. 5,5,4 (product = --neurons).
    #[arg(long, value_delimiter = ',')]
    shape: Option<Vec<usize>>,
    /// N × k .npy of coordinates, measured with --space's metric.
    #[arg(long)]
    points: Option<PathBuf>,
    /// N × N .npy distance matrix (replaces --space).
    #[arg(long)]
    distances: Option<PathBuf>,
    /// Inhibitor amplitude (constant: its value).
    #[arg(long, allow_negative_numbers = true)]
    amplitude: Option<f64>,
    /// Width of gauss, amplitude·exp(−d²/width) (default 3), and of dog's first Gaussian (default 5).
    #[arg(long, allow_negative_numbers = true)]
    width: Option<f64>,
    /// Width of dog's second, subtracted Gaussian: amplitude·(exp(−d²/width) − exp(−d²/width2)) (default 0.25).
    #[arg(long, allow_negative_numbers = true)]
    width2: Option<f64>,
    /// Ripple's offset: offset + amplitude·cos(frequency·d) (default 50).
    #[arg(long, allow_negative_numbers = true)]
    offset: Option<f64>,
    /// Ripple's frequency: offset + amplitude·cos(frequency·d) (default 2).
    #[arg(long, allow_negative_numbers = true)]
    frequency: Option<f64>,
}

pub fn run(a: Args) -> anyhow::Result<()> {
    let space = a.space.as_deref().map(SpaceName::parse).transpose().map_err(|e| user(format!("--{e}")))?;
    let inhibitor = InhibitorName::parse(&a.inhibitor).map_err(|e| user(format!("--{e}")))?;
    let neurons = match a.neurons {
        Some(n) if n <= 0 => return Err(user(format!("--neurons: {n} is not allowed; must be >= 1"))),
        Some(n) => Some(n as usize),
        None => None,
    };
    let spec = RegularizerSpec {
        space,
        dim: a.dim,
        side: a.side,
        radius: a.radius,
        scale: a.scale,
        shape: a.shape,
        points: a.points,
        distances: a.distances,
        inhibitor: Some(inhibitor),
        amplitude: a.amplitude,
        width: a.width,
        width2: a.width2,
        offset: a.offset,
        frequency: a.frequency,
        invert: a.invert,
        permute: a.permute,
        compat_l1_inverted: false,
    };
    if let Some(n) = neurons {
        // distances, R and a shuffle buffer: three N × N f32 matrices
        let need = 3.0 * 4.0 * (n as f64) * (n as f64);
        geosparse_experiments::memory::check(need, &format!("--neurons {n}")).map_err(user)?;
    }
    let resolved = spec.resolve(neurons, a.seed).map_err(|e| user(format!("--{e}")))?;
    geosparse_experiments::regularizer_dir::check_out_dir(&a.out, a.force).map_err(user)?;
    let t = std::time::Instant::now();
    let reg = resolved.build().map_err(|e| user(format!("--{e}")))?;
    let built = t.elapsed();
    geosparse_experiments::regularizer_dir::write(&reg, &a.out, a.force)?;
    let s = reg.stats();
    println!(
        "{} · {}{}{} · N = {} · seed {}: R mean {:.2}, min {:.2}, max {:.2}, {:.2} % of entries below 10 (built in {:.0} ms)",
        reg.spec.space,
        reg.spec.inhibitor.name(),
        if reg.spec.invert { " inverted" } else { "" },
        if reg.spec.permute { " permuted" } else { "" },
        reg.neurons(),
        reg.spec.seed,
        s.mean,
        s.min,
        s.max,
        100.0 * s.frac_below_10,
        built.as_secs_f64() * 1e3
    );
    println!("wrote {}", a.out.display());
    Ok(())
}
