//! `geosparse export`, `geosparse infer`, `geosparse import`: moving trained models in and out.

use super::user;
use geosparse_experiments::config::RunConfig;
use geosparse_experiments::{import, model_file};
use geosparse_tasks::task::Split;
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct ExportArgs {
    /// A finished run folder.
    run: PathBuf,
    /// The model file to write.
    #[arg(long)]
    out: PathBuf,
    /// sparse: CSR for pruned matrices (for `geosparse infer`); torch: dense PyTorch tensors.
    #[arg(long, default_value = "sparse", value_parser = ["sparse", "torch"])]
    format: String,
    /// Replace an existing file at --out.
    #[arg(long)]
    force: bool,
}

/// Refuses to replace an existing file unless `force` (never silently).
fn check_new_file(out: &std::path::Path, force: bool) -> anyhow::Result<()> {
    if out.is_dir() {
        return Err(user(format!("--out: {} is a folder; give a file name", out.display())));
    }
    if out.exists() && !force {
        return Err(user(format!("--out: {} already exists; pass --force to replace it", out.display())));
    }
    Ok(())
}

pub fn export(a: ExportArgs) -> anyhow::Result<()> {
    if !a.run.join("config.toml").exists() {
        return Err(user(format!("{}: not a run folder (no config.toml)", a.run.display())));
    }
    model_file::check_export_target(&a.run, &a.out).map_err(user)?;
    check_new_file(&a.out, a.force)?;
    let format = if a.format == "torch" { model_file::Format::Torch } else { model_file::Format::Sparse };
    let s = model_file::export(&a.run, &a.out, format).map_err(|e| {
        let m = format!("{e:#}");
        if m.starts_with("--out") { user(m) } else { e }
    })?;
    println!(
        "wrote {} ({} format): {} bytes, dense f32 {} bytes ({:.1} %), {:.1} % of the pruned weights kept",
        a.out.display(),
        a.format,
        s.file_bytes,
        s.dense_bytes,
        100.0 * s.file_bytes as f64 / s.dense_bytes.max(1) as f64,
        100.0 * s.density
    );
    Ok(())
}

#[derive(clap::Args, Debug)]
pub struct InferArgs {
    /// A model file written by `geosparse export` (or, with --config, a geosparse checkpoint:
    /// a `geosparse import`ed model or a run's model.safetensors).
    model: PathBuf,
    /// The run config of a checkpoint that is not an exported model file.
    #[arg(long)]
    config: Option<PathBuf>,
    /// valid or test.
    #[arg(long, default_value = "test", value_parser = ["valid", "test"])]
    split: String,
    /// The corpus folder of a language model (default: the one it was trained on).
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// Use the dense kernels even for pruned recurrent matrices (for comparison).
    #[arg(long)]
    dense: bool,
}

pub fn infer(a: InferArgs, threads: Option<usize>) -> anyhow::Result<()> {
    let mut m = match &a.config {
        None => model_file::load(&a.model, a.data_dir).map_err(user)?,
        Some(path) => {
            let mut cfg = RunConfig::from_file(path, &[]).map_err(user)?;
            if let Some(d) = &a.data_dir {
                cfg.task.set_data_dir(d.clone()).map_err(user)?;
            }
            model_file::load_checkpoint(&a.model, &cfg).map_err(user)?
        }
    };
    if !a.dense {
        model_file::use_sparse_kernels(&mut m);
    }
    let split = if a.split == "valid" { Split::Valid } else { Split::Test };
    let threads = threads.unwrap_or_else(|| std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1));
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build()?;
    let t = std::time::Instant::now();
    let e = pool.install(|| m.task.evaluate(split));
    let dt = t.elapsed().as_secs_f64();
    let sp = model_file::sparsity(&m);
    println!("{} model ({}), {:.1} % pruned, {} split, {} kernels, {:.2} s:", m.meta.config.task.kind(), m.meta.cell, 100.0 * sp.overall, a.split, if a.dense { "dense" } else { "sparse" }, dt);
    println!("  loss {:.6} (the task's loss, without the penalty term; summary.json's val_task_loss / test_task_loss)", e.loss);
    for (k, v) in &e.metrics {
        println!("  {k} {v:.6}");
    }
    Ok(())
}

#[derive(clap::Args, Debug)]
pub struct ImportArgs {
    /// A PyTorch state dict saved with safetensors.torch.save_file.
    state: PathBuf,
    /// The run config whose model the weights are for.
    #[arg(long)]
    config: PathBuf,
    /// The geosparse checkpoint to write (use it with --set train.init_from=FILE).
    #[arg(long)]
    out: PathBuf,
    /// Refuse a file that lacks some of the model's parameters (default: they keep the
    /// seed's initialisation, e.g. the readout around a bare nn.GRU).
    #[arg(long)]
    strict: bool,
    /// Replace an existing file at --out.
    #[arg(long)]
    force: bool,
}

pub fn import(a: ImportArgs) -> anyhow::Result<()> {
    let cfg = RunConfig::from_file(&a.config, &[]).map_err(user)?;
    if let (Ok(o), Ok(i)) = (a.out.canonicalize(), a.state.canonicalize())
        && o == i
    {
        return Err(user(format!("--out: {} is the state dict being imported; write elsewhere", a.out.display())));
    }
    check_new_file(&a.out, a.force)?;
    geosparse_experiments::memory::check_run(&cfg).map_err(|e| user(format!("--config: {e}")))?;
    let r = import::import(&a.state, &cfg, &a.out, a.strict).map_err(user)?;
    println!("imported {} tensors ({}) into {}", r.imported.len(), r.imported.join(", "), a.out.display());
    if !r.kept_init.is_empty() {
        println!("not in the file, kept from the seed's initialisation: {}", r.kept_init.join(", "));
    }
    println!("fine-tune with: geosparse train --config {} --set train.init_from={}", a.config.display(), a.out.display());
    println!("evaluate with:  geosparse infer {} --config {}", a.out.display(), a.config.display());
    Ok(())
}
