//! `geosparse import`: a PyTorch `nn.RNN` / `nn.GRU` / `nn.LSTM` (or a whole model such as the
//! word-language-model's `encoder`/`rnn`/`decoder`) state dict saved with
//! `safetensors.torch.save_file(model.state_dict(), path)`, checked tensor by tensor against the
//! model a run config builds, and written as a geosparse checkpoint for `train.init_from`
//! (fine-tune it with the moduli penalty and prune it).
//!
//! Names map one to one (geosparse uses PyTorch's); a bare recurrent module's names
//! (`weight_hh_l0`, ...) are taken as the model's `rnn.*`. Every tensor of the file must fit a
//! parameter of the model, with its shape; model parameters the file lacks (e.g. the readout
//! around a bare `nn.GRU`) keep the seed's initialisation and are listed (`strict` refuses
//! them). Non-float dtypes are an error; f64 and f16/bf16 are converted to f32.
//!
//! ```no_run
//! let cfg = geosparse_experiments::config::RunConfig::from_file("configs/lm-ptb-lstm.toml".as_ref(), &[]).unwrap();
//! let r = geosparse_experiments::import::import("lstm.safetensors".as_ref(), &cfg, "init.safetensors".as_ref(), true).unwrap();
//! println!("imported {} tensors", r.imported.len());
//! ```

use crate::config::RunConfig;
use anyhow::bail;
use geosparse_engine::checkpoint;
use safetensors::tensor::Dtype;
use std::collections::BTreeMap;
use std::path::Path;

fn f16_to_f32(h: u16) -> f32 {
    half::f16::from_bits(h).to_f32()
}

/// Converts a tensor's bytes to f32.
fn to_f32(view: &safetensors::tensor::TensorView<'_>, name: &str, path: &Path) -> anyhow::Result<Vec<f32>> {
    let d = view.data();
    Ok(match view.dtype() {
        Dtype::F32 => d.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect(),
        Dtype::F64 => d.chunks_exact(8).map(|b| f64::from_le_bytes(b.try_into().expect("8 bytes")) as f32).collect(),
        Dtype::F16 => d.chunks_exact(2).map(|b| f16_to_f32(u16::from_le_bytes([b[0], b[1]]))).collect(),
        Dtype::BF16 => d.chunks_exact(2).map(|b| half::bf16::from_bits(u16::from_le_bytes([b[0], b[1]])).to_f32()).collect(),
        other => bail!("{}: tensor '{name}' has dtype {other:?}; weights must be floating point", path.display()),
    })
}

/// What an import did.
#[derive(Debug, Clone, PartialEq)]
pub struct Imported {
    /// Model parameters taken from the file.
    pub imported: Vec<String>,
    /// Model parameters the file lacked (seed initialisation kept).
    pub kept_init: Vec<String>,
}

/// Imports `state` for the model of `cfg` into `out`.
pub fn import(state: &Path, cfg: &RunConfig, out: &Path, strict: bool) -> anyhow::Result<Imported> {
    let bytes = std::fs::read(state).map_err(|e| anyhow::anyhow!("{}: {e}", state.display()))?;
    let st = safetensors::SafeTensors::deserialize(&bytes).map_err(|e| anyhow::anyhow!("{}: not a valid safetensors file ({e})", state.display()))?;
    let mut task = cfg.task.build(cfg.seed).map_err(|e| anyhow::anyhow!("--config: {e}"))?;
    let model: Vec<(String, Vec<usize>)> = task.params().iter().map(|p| (p.name.clone(), p.shape.clone())).collect();
    // file name → model name
    let mut mapping: BTreeMap<String, String> = BTreeMap::new();
    for name in st.names() {
        let target = if model.iter().any(|(n, _)| n == name) {
            name.to_string()
        } else if model.iter().any(|(n, _)| *n == format!("rnn.{name}")) {
            format!("rnn.{name}")
        } else {
            bail!(
                "{}: tensor '{name}' matches no parameter of the model (parameters: {})",
                state.display(),
                model.iter().map(|m| m.0.as_str()).collect::<Vec<_>>().join(", ")
            );
        };
        if let Some(prev) = mapping.iter().find(|(_, t)| **t == target) {
            bail!("{}: tensors '{}' and '{name}' both map to '{target}'", state.display(), prev.0);
        }
        mapping.insert(name.to_string(), target);
    }
    let mut done = Imported { imported: Vec::new(), kept_init: Vec::new() };
    for p in task.params_mut() {
        let Some((file_name, _)) = mapping.iter().find(|(_, t)| **t == p.name) else {
            if strict {
                bail!("{}: the model's tensor '{}' {:?} is missing (--strict)", state.display(), p.name, p.shape);
            }
            done.kept_init.push(p.name.clone());
            continue;
        };
        let view = st.tensor(file_name).map_err(|e| anyhow::anyhow!("{}: '{file_name}': {e}", state.display()))?;
        if view.shape() != p.shape.as_slice() {
            bail!("{}: tensor '{file_name}': expected shape {:?} (the config's model), found {:?}", state.display(), p.shape, view.shape());
        }
        let v = to_f32(&view, file_name, state)?;
        if let Some(i) = v.iter().position(|x| !x.is_finite()) {
            bail!("{}: tensor '{file_name}' holds a non-finite value at {i}", state.display());
        }
        p.value = v;
        p.mask = None;
        done.imported.push(p.name.clone());
    }
    checkpoint::save(out, &task.params(), None, &serde_json::json!({"imported_from": state.display().to_string()}))?;
    Ok(done)
}

#[cfg(test)]
mod tests {
    #[test]
    fn half_precision_conversions() {
        assert_eq!(super::f16_to_f32(0x3c00), 1.0);
        assert_eq!(super::f16_to_f32(0xc000), -2.0);
        assert_eq!(super::f16_to_f32(0x0001), 2f32.powi(-24));
        assert!(super::f16_to_f32(0x7e00).is_nan());
    }
}
