//! `geosparse regularizer --out DIR`: the regularizer as files a NumPy user can open.
//!
//! DIR gets `embedding.npy` (N × k f32; absent for a distance-matrix geometry), `distance.npy`
//! (N × N f32), `regularizer.npy` (R, N × N f32), `regularizer.json` (the resolved spec and
//! the summary numbers) and `regularizer.png`. The folder appears complete or not at all; a
//! folder that already holds files is refused unless `force`, and then swapped whole.
//!
//! ```no_run
//! # let reg: geosparse_moduli::Regularizer = unimplemented!();
//! geosparse_experiments::regularizer_dir::write(&reg, "out".as_ref(), false).unwrap();
//! ```

use crate::plot;
use anyhow::{Context, bail};
use geosparse_io::{AtomicDir, DirState, atomic_write, dir_state, npy};
use geosparse_moduli::{RStats, Regularizer, ResolvedSpec};
use serde::Serialize;
use std::path::Path;

/// Contents of `regularizer.json`.
#[derive(Debug, Serialize)]
pub struct Summary<'a> {
    pub spec: &'a ResolvedSpec,
    pub stats: RStats,
    pub files: Vec<&'static str>,
    pub geosparse_version: &'static str,
}

/// Refuses an output folder that holds files unless `force` (checked before any work).
pub fn check_out_dir(out: &Path, force: bool) -> anyhow::Result<()> {
    match dir_state(out)? {
        DirState::NonEmpty if !force => bail!(
            "--out: {} already holds files; choose a new folder or pass --force to replace it",
            out.display()
        ),
        DirState::NotADirectory => bail!("--out: {} exists and is not a folder", out.display()),
        _ => Ok(()),
    }
}

/// Writes all files into `out` (see the module docs).
pub fn write(reg: &Regularizer, out: &Path, force: bool) -> anyhow::Result<()> {
    check_out_dir(out, force)?;
    let n = reg.neurons();
    let d = reg.distances();
    let mut dir = AtomicDir::begin(out)?;
    let p = dir.path().to_path_buf();
    let mut files = vec!["distance.npy", "regularizer.npy", "regularizer.json", "regularizer.png"];
    if let Some(emb) = reg.embedding() {
        npy::write_f32(&p.join("embedding.npy"), &[n, emb.dim], &emb.coords)?;
        files.insert(0, "embedding.npy");
    }
    npy::write_f32(&p.join("distance.npy"), &[n, n], &d)?;
    npy::write_f32(&p.join("regularizer.npy"), &[n, n], reg.matrix())?;
    let summary = Summary { spec: &reg.spec, stats: reg.stats(), files, geosparse_version: env!("CARGO_PKG_VERSION") };
    atomic_write(&p.join("regularizer.json"), serde_json::to_string_pretty(&summary)?.as_bytes())?;
    let png = plot::regularizer::render_png(reg, &d).context("regularizer.png")?;
    atomic_write(&p.join("regularizer.png"), &png)?;
    dir.commit(force).with_context(|| format!("--out {}", out.display()))?;
    Ok(())
}
