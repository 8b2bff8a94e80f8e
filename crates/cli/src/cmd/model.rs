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
}

pub fn export(a: ExportArgs) -> anyhow::Result<()> {
    if !a.run.join("config.toml").exists() {
        return Err(user(format!("{}: not a run folder (no config.toml)", a.run.display())));
    }
    let format = if a.format == "torch" { model_file::Format::Torch } else { model_file::Format::Sparse };
    let s = model_file::export(&a.run, &a.out, format)?;
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
    /// A model file written by `geosparse export`.
    model: PathBuf,
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
    let mut m = model_file::load(&a.model, a.data_dir).map_err(user)?;
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
    println!("  loss {:.6}", e.loss);
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
}

pub fn import(a: ImportArgs) -> anyhow::Result<()> {
    let cfg = RunConfig::from_file(&a.config, &[]).map_err(user)?;
    let r = import::import(&a.state, &cfg, &a.out, a.strict).map_err(user)?;
    println!("imported {} tensors ({}) into {}", r.imported.len(), r.imported.join(", "), a.out.display());
    if !r.kept_init.is_empty() {
        println!("not in the file, kept from the seed's initialisation: {}", r.kept_init.join(", "));
    }
    println!("fine-tune with: geosparse train --config {} --set train.init_from={}", a.config.display(), a.out.display());
    Ok(())
}
