//! The exported model file: `geosparse export RUNDIR --out model.safetensors`.
//!
//! Each pruned matrix is stored in CSR — `<name>.csr.values` (f32, nnz), `<name>.csr.col_idx`
//! (u16 when the matrix has at most 65 536 columns, else u32), `<name>.csr.row_ptr` (u32,
//! rows + 1) — and every other tensor dense (f32) under its PyTorch name. The header's
//! `geosparse_model` JSON holds the run config (task, cell, sizes, activation, moduli spec),
//! the sparsity and each tensor's layout and shape. The file shrinks with the density.
//!
//! Loading checks everything before use — the header, the format and version, every tensor's
//! presence, dtype, shape and length, row pointers monotone from 0 to nnz, column indices in
//! range and increasing — and refuses a corrupt or hostile file with a message, never a panic
//! or an out-of-bounds read. `--format torch` writes plain dense tensors instead (pruned
//! entries 0), loadable by PyTorch's `load_state_dict`.
//!
//! ```no_run
//! use geosparse_experiments::model_file;
//! let stats = model_file::export("runs/nav".as_ref(), "nav.safetensors".as_ref(), model_file::Format::Sparse).unwrap();
//! let model = model_file::load("nav.safetensors".as_ref(), None).unwrap();
//! println!("{} of {} bytes", stats.file_bytes, stats.dense_bytes);
//! ```

use crate::config::RunConfig;
use crate::run::summary::{RegularizerInfo, Summary};
use anyhow::{Context, bail};
use geosparse_engine::checkpoint::{self, to_bytes};
use geosparse_engine::sparse::{ColIdx, Csr};
use geosparse_io::atomic_write;
use geosparse_prune::report::Sparsity;
use geosparse_tasks::task::Task;
use safetensors::tensor::Dtype;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

pub const FORMAT: &str = "geosparse-sparse";
pub const VERSION: u32 = 1;

/// Largest model a file may describe (entries over all parameters): a hostile config cannot
/// make the loader allocate without bound.
pub const MAX_PARAMS: u64 = 1 << 32;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// CSR for pruned matrices (geosparse's own, for `geosparse infer`).
    Sparse,
    /// Dense tensors with PyTorch names.
    Torch,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Layout {
    Dense,
    Csr,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TensorMeta {
    pub layout: Layout,
    pub shape: Vec<usize>,
}

/// The header's `geosparse_model` entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelMeta {
    pub format: String,
    pub version: u32,
    pub config: RunConfig,
    pub cell: String,
    pub sparsity: f64,
    pub sparsity_per_tensor: BTreeMap<String, f64>,
    pub regularizers: Vec<RegularizerInfo>,
    pub tensors: BTreeMap<String, TensorMeta>,
}

/// Sizes of an export.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ExportStats {
    pub file_bytes: u64,
    /// The same model as dense f32.
    pub dense_bytes: u64,
    pub density: f64,
}

fn le_bytes_f32(v: &[f32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

/// Exports the trained model of a run folder (`model.safetensors` with its masks).
/// Refuses an export target that is one of the run's own model or checkpoint files.
pub fn check_export_target(run_dir: &Path, out: &Path) -> anyhow::Result<()> {
    if let (Ok(o), Ok(r)) = (out.canonicalize(), run_dir.canonicalize())
        && o.parent() == Some(r.as_path())
        && o.file_name().is_some_and(|n| ["model.safetensors", "control.safetensors", "checkpoint.safetensors"].contains(&n.to_string_lossy().as_ref()))
    {
        bail!("--out: {} is the run's own {}; exporting over it would break the run, so write elsewhere", out.display(), o.file_name().unwrap_or_default().to_string_lossy());
    }
    Ok(())
}

pub fn export(run_dir: &Path, out: &Path, format: Format) -> anyhow::Result<ExportStats> {
    check_export_target(run_dir, out)?;
    let cfg_text = std::fs::read_to_string(run_dir.join("config.toml")).with_context(|| format!("{}: not a run folder (no config.toml)", run_dir.display()))?;
    let cfg: RunConfig = toml::from_str(&cfg_text).with_context(|| format!("{}/config.toml", run_dir.display()))?;
    let summary = Summary::read(run_dir)?;
    let model = run_dir.join("model.safetensors");
    if !model.exists() {
        bail!("{}: the run has no trained model yet (status {:?}); finish it first", run_dir.display(), summary.status);
    }
    let ck = checkpoint::load(&model)?;
    let mut tensors: Vec<(String, Vec<usize>, Dtype, Vec<u8>)> = Vec::new();
    let mut metas = BTreeMap::new();
    let mut dense_bytes = 0u64;
    let (mut kept, mut total) = (0usize, 0usize);
    for (name, (shape, values)) in &ck.tensors {
        dense_bytes += 4 * values.len() as u64;
        let mask = ck.masks.get(name).map(|m| &m.1);
        match (format, mask) {
            (Format::Sparse, Some(mask)) if shape.len() == 2 => {
                let csr = Csr::from_masked(values, mask, shape[0], shape[1]);
                kept += csr.nnz();
                total += values.len();
                tensors.push((format!("{name}.csr.values"), vec![csr.nnz()], Dtype::F32, le_bytes_f32(csr.values())));
                let (dt, bytes) = match csr.col_idx() {
                    ColIdx::U16(c) => (Dtype::U16, c.iter().flat_map(|x| x.to_le_bytes()).collect()),
                    ColIdx::U32(c) => (Dtype::U32, c.iter().flat_map(|x| x.to_le_bytes()).collect()),
                };
                tensors.push((format!("{name}.csr.col_idx"), vec![csr.nnz()], dt, bytes));
                tensors.push((format!("{name}.csr.row_ptr"), vec![shape[0] + 1], Dtype::U32, csr.row_ptr().iter().flat_map(|x| x.to_le_bytes()).collect()));
                metas.insert(name.clone(), TensorMeta { layout: Layout::Csr, shape: shape.clone() });
            }
            _ => {
                let mut v = values.clone();
                if let Some(m) = mask {
                    v.iter_mut().zip(m).for_each(|(x, &k)| {
                        if k == 0 {
                            *x = 0.0
                        }
                    });
                    kept += m.iter().filter(|&&k| k != 0).count();
                    total += v.len();
                }
                tensors.push((name.clone(), shape.clone(), Dtype::F32, le_bytes_f32(&v)));
                metas.insert(name.clone(), TensorMeta { layout: Layout::Dense, shape: shape.clone() });
            }
        }
    }
    let train = summary.train.clone().unwrap_or_default();
    let meta = ModelMeta {
        format: FORMAT.into(),
        version: VERSION,
        config: cfg.clone(),
        cell: cfg.task.cell_name().to_string(),
        sparsity: train.sparsity,
        sparsity_per_tensor: train.sparsity_per_tensor,
        regularizers: summary.regularizers.clone(),
        tensors: metas,
    };
    let mut header = HashMap::new();
    if format == Format::Sparse {
        header.insert("geosparse_model".to_string(), serde_json::to_string(&meta)?);
    } else {
        header.insert("format".to_string(), "pt".to_string());
    }
    let bytes = to_bytes(&tensors, header).map_err(|m| anyhow::anyhow!("{}: {m}", out.display()))?;
    atomic_write(out, &bytes)?;
    Ok(ExportStats { file_bytes: bytes.len() as u64, dense_bytes, density: if total > 0 { kept as f64 / total as f64 } else { 1.0 } })
}

/// A loaded, validated model: the task with its weights and masks in place.
pub struct LoadedModel {
    pub meta: ModelMeta,
    pub task: Box<dyn Task>,
    /// The pruned matrices as stored.
    pub csr: BTreeMap<String, Csr>,
}

fn bad(path: &Path, m: impl std::fmt::Display) -> anyhow::Error {
    anyhow::anyhow!("{}: {m}", path.display())
}

fn read_u32s(view: &safetensors::tensor::TensorView<'_>) -> Vec<u32> {
    view.data().chunks_exact(4).map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect()
}

/// Loads and validates an exported model (see the module docs). `data_dir` replaces the
/// config's corpus folder (a model trained elsewhere).
pub fn load(path: &Path, data_dir: Option<PathBuf>) -> anyhow::Result<LoadedModel> {
    let bytes = std::fs::read(path).map_err(|e| bad(path, e))?;
    load_bytes(&bytes, path, data_dir)
}

/// [`load`] on the bytes of a model file (`path` names it in messages).
pub fn load_bytes(bytes: &[u8], path: &Path, data_dir: Option<PathBuf>) -> anyhow::Result<LoadedModel> {
    let st = safetensors::SafeTensors::deserialize(bytes).map_err(|e| bad(path, format!("not a valid safetensors file ({e})")))?;
    let (_, header) = safetensors::SafeTensors::read_metadata(bytes).map_err(|e| bad(path, e))?;
    let md = header.metadata().clone().unwrap_or_default();
    let text = md.get("geosparse_model").ok_or_else(|| bad(path, "no geosparse_model header: not a file written by `geosparse export` (a --format torch file holds plain PyTorch tensors)"))?;
    let mut meta: ModelMeta = serde_json::from_str(text).map_err(|e| bad(path, format!("geosparse_model header: {e}")))?;
    if meta.format != FORMAT || meta.version != VERSION {
        bail!("{}: format {} version {} is not supported (this geosparse reads {FORMAT} version {VERSION})", path.display(), meta.format, meta.version);
    }
    if let Some(d) = data_dir {
        meta.config.task.set_data_dir(d).map_err(|m| anyhow::anyhow!(m))?;
    }
    meta.config.validate().map_err(|e| bad(path, format!("embedded config: {e}")))?;
    let expected_cell = meta.config.task.cell_name();
    if meta.cell != expected_cell {
        bail!("{}: the header's cell '{}' is not the embedded config's '{expected_cell}' (cells: {})", path.display(), meta.cell, geosparse_tasks::cell::Cell::ALL.map(|c| c.name()).join(", "));
    }
    let declared: u64 = meta.tensors.values().map(|t| t.shape.iter().map(|&s| s as u64).product::<u64>()).sum::<u64>().max(meta.config.task.size_estimate());
    if declared > MAX_PARAMS {
        bail!("{}: the header declares {declared} parameters, more than the {MAX_PARAMS} this loader accepts", path.display());
    }
    crate::memory::check_run(&meta.config).map_err(|e| bad(path, format!("embedded config: {e}")))?;
    let mut task = meta.config.task.build(meta.config.seed).map_err(|e| bad(path, format!("embedded config: {e}")))?;
    let mut seen: Vec<String> = Vec::new();
    let mut csrs = BTreeMap::new();
    for p in task.params_mut() {
        let tm = meta.tensors.get(&p.name).ok_or_else(|| bad(path, format!("tensor '{}' of the model is missing", p.name)))?;
        if tm.shape != p.shape {
            bail!("{}: tensor '{}': expected shape {:?}, found {:?}", path.display(), p.name, p.shape, tm.shape);
        }
        let get = |n: &str| st.tensor(n).map_err(|_| bad(path, format!("tensor '{n}' is missing")));
        match tm.layout {
            Layout::Dense => {
                let v = get(&p.name)?;
                if v.dtype() != Dtype::F32 || v.shape() != p.shape.as_slice() {
                    bail!("{}: tensor '{}': expected F32 {:?}, found {:?} {:?}", path.display(), p.name, p.shape, v.dtype(), v.shape());
                }
                p.value = checkpoint::read_f32(&v, &p.name)?;
                p.mask = None;
                seen.push(p.name.clone());
            }
            Layout::Csr => {
                let (rows, cols) = (p.shape[0], p.shape[1]);
                let names = ["values", "col_idx", "row_ptr"].map(|k| format!("{}.csr.{k}", p.name));
                let (vals, idx, ptr) = (get(&names[0])?, get(&names[1])?, get(&names[2])?);
                if vals.dtype() != Dtype::F32 || ptr.dtype() != Dtype::U32 {
                    bail!("{}: '{}': values must be F32 and row_ptr U32", path.display(), p.name);
                }
                for (n, v) in names.iter().zip([&vals, &idx, &ptr]) {
                    if v.shape().len() != 1 {
                        bail!("{}: tensor '{n}': a CSR part must be 1-D, found shape {:?}", path.display(), v.shape());
                    }
                }
                let idx_u32: Vec<u32> = match idx.dtype() {
                    Dtype::U16 => idx.data().chunks_exact(2).map(|b| u16::from_le_bytes([b[0], b[1]]) as u32).collect(),
                    Dtype::U32 => read_u32s(&idx),
                    d => bail!("{}: '{}': column indices must be U16 or U32, found {d:?}", path.display(), names[1]),
                };
                let values = checkpoint::read_f32(&vals, &names[0])?;
                let csr = Csr::from_parts(rows, cols, read_u32s(&ptr), idx_u32, values).map_err(|e| bad(path, format!("tensor '{}': {e}", p.name)))?;
                let mut mask = vec![0u8; rows * cols];
                let dense = csr.to_dense();
                for i in 0..rows {
                    for k in csr.row_range(i) {
                        mask[i * cols + csr.col_idx().get(k)] = 1;
                    }
                }
                p.value = dense;
                p.set_mask(mask);
                seen.extend(names);
                csrs.insert(p.name.clone(), csr);
            }
        }
    }
    if let Some(extra) = st.names().into_iter().find(|n| !seen.iter().any(|s| s == n)) {
        bail!("{}: tensor '{extra}' does not belong to this model", path.display());
    }
    check_finite(path, &*task)?;
    Ok(LoadedModel { meta, task, csr: csrs })
}

/// Refuses a model with a NaN or infinite weight (it would evaluate to NaN, or worse, be
/// swallowed by a ReLU or a pruned entry).
fn check_finite(path: &Path, task: &dyn Task) -> anyhow::Result<()> {
    for p in task.params() {
        if let Some(i) = p.value.iter().position(|x| !x.is_finite()) {
            bail!("{}: tensor '{}' holds {} at entry {i}; a model's weights must be finite numbers", path.display(), p.name, p.value[i]);
        }
    }
    Ok(())
}

/// Loads a geosparse checkpoint — a `geosparse import`ed PyTorch model, or a run's
/// `model.safetensors` / `checkpoint.safetensors` — into the model of `cfg`, for evaluation.
pub fn load_checkpoint(path: &Path, cfg: &RunConfig) -> anyhow::Result<LoadedModel> {
    crate::memory::check_run(cfg).map_err(|e| anyhow::anyhow!("--config: {e}"))?;
    let ck = checkpoint::load(path).map_err(|e| bad(path, e))?;
    let mut task = cfg.task.build(cfg.seed).map_err(|e| anyhow::anyhow!("--config: {e}"))?;
    ck.restore_params(task.params_mut()).map_err(|e| bad(path, e))?;
    check_finite(path, &*task)?;
    let meta = ModelMeta {
        format: FORMAT.into(),
        version: VERSION,
        config: cfg.clone(),
        cell: cfg.task.cell_name().to_string(),
        sparsity: 0.0,
        sparsity_per_tensor: BTreeMap::new(),
        regularizers: Vec::new(),
        tensors: BTreeMap::new(),
    };
    Ok(LoadedModel { meta, task, csr: BTreeMap::new() })
}

/// The sparsity of the loaded model over its masked tensors.
pub fn sparsity(m: &LoadedModel) -> Sparsity {
    Sparsity::of(&m.task.params().into_iter().filter(|p| p.mask.is_some()).collect::<Vec<_>>())
}

/// Switches the loaded model's pruned recurrent matrices to the sparse kernels.
pub fn use_sparse_kernels(m: &mut LoadedModel) {
    m.task.prepare_sparse(1.0);
}
