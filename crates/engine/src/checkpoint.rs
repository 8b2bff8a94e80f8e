//! Parameters, masks and optimizer state in one safetensors file, written atomically, so a
//! run resumes exactly. Tensor names are PyTorch's (`rnn.weight_hh_l0`, ...); masks are U8
//! tensors `__mask__.<name>`, Adam moments `__optim_m__.<name>` / `__optim_v__.<name>`;
//! the optimizer settings and the caller's metadata are JSON strings in the header.
//!
//! ```
//! use geosparse_engine::checkpoint;
//! use geosparse_engine::param::{Param, ParamKind};
//! let dir = tempfile::tempdir().unwrap();
//! let path = dir.path().join("ckpt.safetensors");
//! let mut p = Param::zeros("w", &[2, 2], ParamKind::Weight);
//! p.value = vec![1., 2., 3., 4.];
//! p.set_mask(vec![1, 1, 0, 1]);
//! checkpoint::save(&path, &[&p], None, &serde_json::json!({"step": 7})).unwrap();
//! let ck = checkpoint::load(&path).unwrap();
//! let mut q = Param::zeros("w", &[2, 2], ParamKind::Weight);
//! ck.restore_params(vec![&mut q]).unwrap();
//! assert_eq!(q.value, [1., 2., 0., 4.]);
//! assert_eq!(q.mask, p.mask);
//! assert_eq!(ck.meta["step"], 7);
//! ```

use crate::error::EngineError;
use crate::optim::{Optimizer, OptimizerConfig, Slots};
use crate::param::Param;
use safetensors::tensor::{Dtype, TensorView};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

const MASK: &str = "__mask__.";
const OPT_M: &str = "__optim_m__.";
const OPT_V: &str = "__optim_v__.";

fn f32_bytes(v: &[f32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

/// Serialises tensors (name, shape, dtype, bytes) and string metadata to safetensors bytes.
pub fn to_bytes(tensors: &[(String, Vec<usize>, Dtype, Vec<u8>)], meta: HashMap<String, String>) -> Result<Vec<u8>, String> {
    let views: Vec<(String, TensorView<'_>)> = tensors
        .iter()
        .map(|(n, s, d, b)| TensorView::new(*d, s.clone(), b).map(|v| (n.clone(), v)).map_err(|e| format!("{n}: {e}")))
        .collect::<Result<_, _>>()?;
    safetensors::serialize(views, Some(meta)).map_err(|e| e.to_string())
}

/// Writes a checkpoint atomically.
pub fn save(path: &Path, params: &[&Param], optimizer: Option<&Optimizer>, meta: &serde_json::Value) -> Result<(), EngineError> {
    let mut tensors = Vec::new();
    for p in params {
        tensors.push((p.name.clone(), p.shape.clone(), Dtype::F32, f32_bytes(&p.value)));
        if let Some(m) = &p.mask {
            tensors.push((format!("{MASK}{}", p.name), p.shape.clone(), Dtype::U8, m.clone()));
        }
    }
    let mut header = HashMap::new();
    header.insert("geosparse".to_string(), meta.to_string());
    if let Some(opt) = optimizer {
        for (name, Slots { m, v }) in &opt.state {
            let shape = params.iter().find(|p| &p.name == name).map(|p| p.shape.clone()).unwrap_or_else(|| vec![m.len()]);
            if !m.is_empty() {
                tensors.push((format!("{OPT_M}{name}"), shape.clone(), Dtype::F32, f32_bytes(m)));
            }
            if !v.is_empty() {
                tensors.push((format!("{OPT_V}{name}"), shape, Dtype::F32, f32_bytes(v)));
            }
        }
        let o = serde_json::json!({"config": opt.config, "lr": opt.lr, "steps": opt.steps});
        header.insert("optimizer".to_string(), o.to_string());
    }
    let bytes = to_bytes(&tensors, header).map_err(|message| EngineError::Format { file: path.display().to_string(), message })?;
    geosparse_io::atomic_write(path, &bytes)?;
    Ok(())
}

/// A checkpoint read back and validated.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub file: String,
    pub tensors: BTreeMap<String, (Vec<usize>, Vec<f32>)>,
    pub masks: BTreeMap<String, (Vec<usize>, Vec<u8>)>,
    pub moments_m: BTreeMap<String, Vec<f32>>,
    pub moments_v: BTreeMap<String, Vec<f32>>,
    pub optimizer: Option<serde_json::Value>,
    pub meta: serde_json::Value,
}

/// Reads f32 tensors from safetensors bytes, refusing any other dtype.
pub fn read_f32(view: &TensorView<'_>, name: &str) -> Result<Vec<f32>, EngineError> {
    if view.dtype() != Dtype::F32 {
        return Err(EngineError::Dtype { tensor: name.to_string(), expected: "F32".into(), found: format!("{:?}", view.dtype()) });
    }
    Ok(view.data().chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect())
}

/// Reads and checks a checkpoint file.
pub fn load(path: &Path) -> Result<Loaded, EngineError> {
    let file = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| EngineError::Format { file: file.clone(), message: e.to_string() })?;
    from_bytes(&bytes, &file)
}

/// Parses checkpoint bytes (see [`load`]).
pub fn from_bytes(bytes: &[u8], file: &str) -> Result<Loaded, EngineError> {
    let fmt = |message: String| EngineError::Format { file: file.to_string(), message };
    let st = safetensors::SafeTensors::deserialize(bytes).map_err(|e| fmt(format!("not a valid safetensors file ({e})")))?;
    let (_, header) = safetensors::SafeTensors::read_metadata(bytes).map_err(|e| fmt(e.to_string()))?;
    let md = header.metadata().clone().unwrap_or_default();
    let meta = match md.get("geosparse") {
        Some(s) => serde_json::from_str(s).map_err(|e| fmt(format!("bad geosparse metadata ({e})")))?,
        None => serde_json::Value::Null,
    };
    let optimizer = match md.get("optimizer") {
        Some(s) => Some(serde_json::from_str(s).map_err(|e| fmt(format!("bad optimizer metadata ({e})")))?),
        None => None,
    };
    let mut out = Loaded { file: file.to_string(), tensors: BTreeMap::new(), masks: BTreeMap::new(), moments_m: BTreeMap::new(), moments_v: BTreeMap::new(), optimizer, meta };
    for (name, view) in st.iter() {
        if let Some(p) = name.strip_prefix(MASK) {
            if view.dtype() != Dtype::U8 {
                return Err(EngineError::Dtype { tensor: name.to_string(), expected: "U8".into(), found: format!("{:?}", view.dtype()) });
            }
            if let Some(bad) = view.data().iter().find(|&&b| b > 1) {
                return Err(fmt(format!("mask '{p}' holds {bad}; masks are 0 or 1")));
            }
            out.masks.insert(p.to_string(), (view.shape().to_vec(), view.data().to_vec()));
        } else if let Some(p) = name.strip_prefix(OPT_M) {
            out.moments_m.insert(p.to_string(), read_f32(&view, name)?);
        } else if let Some(p) = name.strip_prefix(OPT_V) {
            out.moments_v.insert(p.to_string(), read_f32(&view, name)?);
        } else {
            out.tensors.insert(name.to_string(), (view.shape().to_vec(), read_f32(&view, name)?));
        }
    }
    Ok(out)
}

impl Loaded {
    /// Copies values and masks into `params`; every parameter must be present with its shape.
    pub fn restore_params(&self, params: Vec<&mut Param>) -> Result<(), EngineError> {
        for p in params {
            let (shape, data) = self.tensors.get(&p.name).ok_or_else(|| EngineError::Missing { tensor: p.name.clone(), file: self.file.clone() })?;
            if shape != &p.shape {
                return Err(EngineError::Shape { tensor: p.name.clone(), expected: p.shape.clone(), found: shape.clone() });
            }
            p.value.copy_from_slice(data);
            p.mask = match self.masks.get(&p.name) {
                Some((s, m)) if s != &p.shape => {
                    return Err(EngineError::Shape { tensor: format!("{MASK}{}", p.name), expected: p.shape.clone(), found: s.clone() });
                }
                Some((_, m)) => Some(m.clone()),
                None => None,
            };
            p.mask_version += 1;
            p.apply_mask();
        }
        Ok(())
    }

    /// Restores optimizer settings and moments saved with [`save`].
    pub fn restore_optimizer(&self, opt: &mut Optimizer, params: &[&Param]) -> Result<(), EngineError> {
        let fmt = |message: String| EngineError::Format { file: self.file.clone(), message };
        let o = self.optimizer.as_ref().ok_or_else(|| fmt("no optimizer state saved".into()))?;
        let config: OptimizerConfig = serde_json::from_value(o["config"].clone()).map_err(|e| fmt(format!("optimizer config: {e}")))?;
        if std::mem::discriminant(&config) != std::mem::discriminant(&opt.config) {
            return Err(fmt(format!("optimizer kind differs: saved {config:?}, asked {:?}", opt.config)));
        }
        opt.lr = o["lr"].as_f64().ok_or_else(|| fmt("optimizer lr missing".into()))? as f32;
        opt.steps = o["steps"].as_u64().ok_or_else(|| fmt("optimizer steps missing".into()))?;
        opt.state.clear();
        for p in params {
            let m = self.moments_m.get(&p.name).cloned().unwrap_or_default();
            let v = self.moments_v.get(&p.name).cloned().unwrap_or_default();
            for (what, x) in [("m", &m), ("v", &v)] {
                if !x.is_empty() && x.len() != p.numel() {
                    return Err(EngineError::Shape { tensor: format!("optimizer {what} of {}", p.name), expected: p.shape.clone(), found: vec![x.len()] });
                }
            }
            if !m.is_empty() || !v.is_empty() {
                opt.state.insert(p.name.clone(), Slots { m, v });
            }
        }
        Ok(())
    }
}
