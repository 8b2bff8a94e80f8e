//! `geosparse export`, `infer`, `import`: file sizes, faithful inference with the sparse
//! kernels, hostile files refused, PyTorch state dicts imported.
mod common;
use common::{geosparse, ok};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Output;

const TOY: &str = r#"
seed = 2
[task]
kind = "navigation"
place_cells = 16
hidden = 64
sequence = 5
batch = 6
steps_per_epoch = 4
eval_batches = 2
eval_batch_size = 8
[train]
epochs = 3
optimizer = { kind = "adamw", lr = 3e-3 }
[penalty]
lambda = 0.1
[penalty.regularizer]
space = "torus"
inhibitor = "dog"
invert = true
[prune]
target = 0.9
"#;

/// A trained toy run (shared by the tests of this file).
fn trained(dir: &Path) -> PathBuf {
    let cfg = dir.join("toy.toml");
    std::fs::write(&cfg, TOY).unwrap();
    let run = dir.join("run");
    ok(&geosparse(&["--threads", "2", "train", "--config", cfg.to_str().unwrap(), "--out", run.to_str().unwrap(), "--no-plots", "--quiet"]));
    run
}

fn metric(out: &Output, key: &str) -> f64 {
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text.lines().find(|l| l.trim_start().starts_with(&format!("{key} "))).unwrap_or_else(|| panic!("no {key} in {text}"));
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

#[test]
fn export_shrinks_the_file_and_infer_matches_the_dense_masked_model() {
    let d = tempfile::tempdir().unwrap();
    let run = trained(d.path());
    let sparse = d.path().join("m.safetensors");
    let o = geosparse(&["export", run.to_str().unwrap(), "--out", sparse.to_str().unwrap()]);
    ok(&o);
    let dense_file = std::fs::metadata(run.join("model.safetensors")).unwrap().len();
    let sparse_file = std::fs::metadata(&sparse).unwrap().len();
    // 90 % pruned, CSR with u16 indices: 6 bytes per kept weight instead of 4 per weight (+masks)
    assert!((sparse_file as f64) < 0.35 * dense_file as f64, "{sparse_file} vs {dense_file}");
    // the sparse kernels give the numbers of the dense masked model (and of the run's summary)
    let s: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(run.join("summary.json")).unwrap()).unwrap();
    let want = s["train"]["test"]["error_cm"].as_f64().unwrap();
    let a = geosparse(&["--threads", "2", "infer", sparse.to_str().unwrap()]);
    ok(&a);
    assert!(String::from_utf8_lossy(&a.stdout).contains("sparse kernels"));
    let b = geosparse(&["--threads", "2", "infer", sparse.to_str().unwrap(), "--dense"]);
    ok(&b);
    for (x, y) in [(metric(&a, "error_cm"), want), (metric(&b, "error_cm"), want), (metric(&a, "loss"), metric(&b, "loss"))] {
        assert!((x - y).abs() <= 1e-5 * y.abs().max(1.0), "{x} vs {y}");
    }
    // --format torch: dense tensors with PyTorch names, pruned entries 0
    let torch = d.path().join("t.safetensors");
    ok(&geosparse(&["export", run.to_str().unwrap(), "--out", torch.to_str().unwrap(), "--format", "torch"]));
    let bytes = std::fs::read(&torch).unwrap();
    let st = safetensors::SafeTensors::deserialize(&bytes).unwrap();
    let mut names: Vec<&str> = st.names();
    names.sort();
    assert_eq!(names, ["decoder.weight", "encoder.weight", "rnn.weight_hh_l0", "rnn.weight_ih_l0"]);
    let hh = st.tensor("rnn.weight_hh_l0").unwrap();
    assert_eq!(hh.shape(), [64, 64]);
    let zeros = hh.data().chunks_exact(4).filter(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]) == 0.0).count();
    assert!(zeros > 64 * 64 / 2);
    // infer refuses the torch file (no geosparse header) clearly
    let o = geosparse(&["infer", torch.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("geosparse export"));
}

/// Rewrites a model file with `edit` applied to its tensors (name → (dtype, shape, bytes)).
fn tamper(src: &Path, dst: &Path, edit: impl FnOnce(&mut HashMap<String, (safetensors::Dtype, Vec<usize>, Vec<u8>)>, &mut HashMap<String, String>)) {
    let bytes = std::fs::read(src).unwrap();
    let st = safetensors::SafeTensors::deserialize(&bytes).unwrap();
    let (_, md) = safetensors::SafeTensors::read_metadata(&bytes).unwrap();
    let mut meta = md.metadata().clone().unwrap();
    let mut t: HashMap<String, (safetensors::Dtype, Vec<usize>, Vec<u8>)> =
        st.iter().map(|(n, v)| (n.to_string(), (v.dtype(), v.shape().to_vec(), v.data().to_vec()))).collect();
    edit(&mut t, &mut meta);
    let views: Vec<(String, safetensors::tensor::TensorView)> = t.iter().map(|(n, (d, s, b))| (n.clone(), safetensors::tensor::TensorView::new(*d, s.clone(), b).unwrap())).collect();
    std::fs::write(dst, safetensors::serialize(views, Some(meta)).unwrap()).unwrap();
}

#[test]
fn corrupt_and_hostile_model_files_are_refused() {
    let d = tempfile::tempdir().unwrap();
    let run = trained(d.path());
    let good = d.path().join("m.safetensors");
    ok(&geosparse(&["export", run.to_str().unwrap(), "--out", good.to_str().unwrap()]));
    let bad = d.path().join("bad.safetensors");
    let u32s = |v: &[u32]| v.iter().flat_map(|x| x.to_le_bytes()).collect::<Vec<u8>>();
    let read_u32 = |b: &[u8]| b.chunks_exact(4).map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect::<Vec<u32>>();
    type Edit = Box<dyn FnOnce(&mut HashMap<String, (safetensors::Dtype, Vec<usize>, Vec<u8>)>, &mut HashMap<String, String>)>;
    let cases: Vec<(&str, Edit, &str)> = vec![
        ("non-monotone row pointers", Box::new(move |t, _| {
            let e = t.get_mut("rnn.weight_hh_l0.csr.row_ptr").unwrap();
            let mut p = read_u32(&e.2);
            p.swap(3, 40);
            e.2 = u32s(&p);
        }), "row"),
        ("a column index out of range", Box::new(|t, _| {
            let e = t.get_mut("rnn.weight_hh_l0.csr.col_idx").unwrap();
            e.2[0] = 0xff;
            e.2[1] = 0xff;
        }), "column"),
        ("a missing tensor", Box::new(|t, _| {
            t.remove("decoder.weight.csr.values");
        }), "missing"),
        ("an extra tensor", Box::new(|t, _| {
            t.insert("evil".into(), (safetensors::Dtype::F32, vec![1], vec![0, 0, 0, 0]));
        }), "evil"),
        ("a shape that does not fit the model", Box::new(|_, m| {
            let s = m.get_mut("geosparse_model").unwrap();
            *s = s.replacen("\"shape\":[64,64]", "\"shape\":[64,65]", 1);
        }), "shape"),
        ("a huge declared model", Box::new(|_, m| {
            let s = m.get_mut("geosparse_model").unwrap();
            *s = s.replacen("\"hidden\":64", "\"hidden\":4000000000", 1);
        }), "parameters"),
        ("a wrong dtype", Box::new(|t, _| {
            let e = t.get_mut("rnn.weight_hh_l0.csr.row_ptr").unwrap();
            e.0 = safetensors::Dtype::I32;
        }), "U32"),
        ("an unknown format version", Box::new(|_, m| {
            let s = m.get_mut("geosparse_model").unwrap();
            *s = s.replacen("\"version\":1", "\"version\":99", 1);
        }), "version 99"),
    ];
    for (what, edit, want) in cases {
        tamper(&good, &bad, edit);
        let o = geosparse(&["infer", bad.to_str().unwrap()]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{what}: {err}");
        assert!(!err.contains("panicked"), "{what}: {err}");
        assert!(err.to_lowercase().contains(&want.to_lowercase()), "{what}: expected {want:?} in {err}");
    }
    // truncated and garbage files
    let bytes = std::fs::read(&good).unwrap();
    std::fs::write(&bad, &bytes[..bytes.len() / 2]).unwrap();
    let o = geosparse(&["infer", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("not a valid safetensors"));
    std::fs::write(&bad, [0xffu8; 64]).unwrap();
    let o = geosparse(&["infer", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../experiments/tests/fixtures").join(name)
}

#[test]
fn pytorch_state_dicts_import_and_reproduce_pytorch_logits() {
    use geosparse_engine::param::Module;
    let d = tempfile::tempdir().unwrap();
    // a corpus of 8 words + <eos>: the vocabulary of the PyTorch fixture (9)
    let words = ["the", "cat", "sat", "on", "a", "mat", "dog", "ran"];
    let text: String = (0..30).map(|i| (0..6).map(|k| words[(i + 3 * k) % 8]).collect::<Vec<_>>().join(" ") + "\n").collect();
    for f in ["train.txt", "valid.txt", "test.txt"] {
        std::fs::write(d.path().join(f), &text).unwrap();
    }
    let cfg_text = format!(
        "seed = 0\n[task]\nkind = \"lm\"\ndata_dir = \"{}\"\ncell = \"lstm\"\nhidden = 6\nlayers = 2\nbatch = 2\neval_batch = 2\nbptt = 4\n[train]\nepochs = 1\noptimizer = {{ kind = \"sgd\", lr = 1.0 }}\n",
        d.path().display()
    );
    let cfg_path = d.path().join("lm.toml");
    std::fs::write(&cfg_path, &cfg_text).unwrap();
    let out = d.path().join("init.safetensors");
    ok(&geosparse(&["import", fixture("torch_wordlm_lstm.safetensors").to_str().unwrap(), "--config", cfg_path.to_str().unwrap(), "--out", out.to_str().unwrap()]));
    // the imported weights reproduce PyTorch's logits
    let cfg = geosparse_experiments::config::RunConfig::from_file(&cfg_path, &[]).unwrap();
    let mut task = cfg.task.build(0).unwrap();
    geosparse_engine::checkpoint::load(&out).unwrap().restore_params(task.params_mut()).unwrap();
    let io = std::fs::read(fixture("torch_wordlm_lstm_io.safetensors")).unwrap();
    let st = safetensors::SafeTensors::deserialize(&io).unwrap();
    let f32s = |n: &str| st.tensor(n).unwrap().data().chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect::<Vec<f32>>();
    let ids: Vec<u32> = f32s("x").iter().map(|&v| v as u32).collect();
    let want = f32s("logits");
    let mut m = geosparse_tasks::lm::model::LmModel::new(
        geosparse_tasks::lm::model::LmConfig { vocab: 9, embed: 6, hidden: 6, layers: 2, cell: geosparse_engine::layers::rnn::CellKind::Lstm, dropout: 0.0 },
        &mut geosparse_moduli::seed::rng(9, "x"),
    );
    for (p, q) in m.params_mut().into_iter().zip(task.params()) {
        p.value.copy_from_slice(&q.value);
    }
    let x = m.encoder.forward(&ids);
    let cache = m.rnn.forward(&x, 4, 2, &m.zero_state(2), false, &mut geosparse_moduli::seed::rng(0, "x"));
    let logits = m.decoder.forward(cache.output(), 8);
    for (a, b) in logits.iter().zip(&want) {
        assert!((a - b).abs() < 1e-5 * (1.0 + b.abs()), "{a} vs {b}");
    }
    // and train.init_from starts a run from them
    let run = d.path().join("ft");
    ok(&geosparse(&["--threads", "1", "train", "--config", cfg_path.to_str().unwrap(), "--out", run.to_str().unwrap(), "--no-plots", "--quiet", "--set", &format!("train.init_from={}", out.display()), "--set", "prune.kind=none", "--set", "penalty.lambda=0"]));
    // a bare nn.GRU state dict maps onto rnn.*, but this LSTM config does not fit it
    let o = geosparse(&["import", fixture("torch_gru.safetensors").to_str().unwrap(), "--config", cfg_path.to_str().unwrap(), "--out", out.to_str().unwrap(), "--force"]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("weight_ih_l0") && err.contains("expected shape"), "{err}");
    // an adding-problem GRU of its size takes it; the readout keeps its initialisation
    let add = d.path().join("add.toml");
    std::fs::write(&add, "[task]\nkind = \"adding\"\ncell = \"gru\"\nhidden = 8\nsequence = 5\neval_samples = 4\n").unwrap();
    let o = geosparse(&["import", fixture("torch_gru.safetensors").to_str().unwrap(), "--config", add.to_str().unwrap(), "--out", out.to_str().unwrap(), "--force"]);
    ok(&o);
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("imported 4 tensors") && text.contains("kept from the seed's initialisation: readout.weight, readout.bias"), "{text}");
    let o = geosparse(&["import", fixture("torch_gru.safetensors").to_str().unwrap(), "--config", add.to_str().unwrap(), "--out", out.to_str().unwrap(), "--strict", "--force"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("readout.weight"));
}
