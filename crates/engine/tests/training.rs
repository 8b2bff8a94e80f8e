//! Training-loop guarantees: masks hold under AdamW with weight decay, runs are bit-for-bit
//! reproducible for a seed and thread count, checkpoints resume exactly, and bad checkpoints
//! are clear errors.
use geosparse_engine::checkpoint;
use geosparse_engine::layers::embedding::Embedding;
use geosparse_engine::layers::linear::Linear;
use geosparse_engine::layers::rnn::{CellKind, Rnn, RnnConfig, State};
use geosparse_engine::loss;
use geosparse_engine::optim::{Optimizer, OptimizerConfig, clip_grad_norm};
use geosparse_engine::param::{Module, Param};
use geosparse_moduli::seed;
use rand::Rng;

/// A small LSTM language model trained with truncated BPTT on random tokens.
struct Lm {
    emb: Embedding,
    rnn: Rnn,
    dec: Linear,
    opt: Optimizer,
    state: State,
}

const V: usize = 50;

impl Lm {
    fn new(hidden: usize, batch: usize) -> Lm {
        let mut rng = seed::rng(5, "init");
        let emb = Embedding::new("encoder", V, 32, 0.1, &mut rng);
        let cfg = RnnConfig { cell: CellKind::Lstm, input: 32, hidden, layers: 2, bias: true, dropout: 0.2 };
        let mut rnn = Rnn::new("rnn", cfg, &mut rng);
        let dec = Linear::new("decoder", hidden, V, true, &mut rng);
        let gh = 4 * hidden;
        rnn.layers[0].weight_hh.set_mask((0..gh * hidden).map(|i| (i % 5 != 0) as u8).collect());
        rnn.layers[1].weight_ih.set_mask((0..gh * hidden).map(|i| (i % 3 == 0) as u8).collect());
        Lm { emb, rnn, dec, opt: Optimizer::new(OptimizerConfig::adamw(3e-3, 0.1)), state: State::zeros(&cfg, batch) }
    }

    fn params_mut(&mut self) -> Vec<&mut Param> {
        let mut v = self.emb.params_mut();
        v.extend(self.rnn.params_mut());
        v.extend(self.dec.params_mut());
        v
    }

    fn params(&self) -> Vec<&Param> {
        let mut v = self.emb.params();
        v.extend(self.rnn.params());
        v.extend(self.dec.params());
        v
    }

    /// One TBPTT step on chunk `step` (data and dropout drawn from (seed, step)).
    fn step(&mut self, step: u64, t: usize, b: usize) -> f64 {
        let mut rng = seed::rng_at(11, "batch", step);
        let ids: Vec<u32> = (0..(t + 1) * b).map(|_| rng.random_range(0..V as u32)).collect();
        let (inp, tgt) = (&ids[..t * b], &ids[b..]);
        self.params_mut().into_iter().for_each(Param::zero_grad);
        let x = self.emb.forward(inp);
        let cache = self.rnn.forward(&x, t, b, &self.state, true, &mut rng);
        self.state = cache.final_state(); // carried, detached
        let mut z = self.dec.forward(cache.output(), t * b);
        let out = loss::cross_entropy(&mut z, tgt, V, true);
        let dh = self.dec.backward(cache.output(), &z, t * b, true).unwrap();
        let (dx, _) = self.rnn.backward(&cache, &dh, None, true);
        self.emb.backward(inp, &dx.unwrap());
        clip_grad_norm(self.params_mut(), 0.5);
        let mut opt = std::mem::replace(&mut self.opt, Optimizer::new(OptimizerConfig::sgd(1.0)));
        opt.step(self.params_mut());
        self.opt = opt;
        out.loss
    }
}

#[test]
fn masked_weights_stay_exactly_zero_across_100_adamw_steps() {
    let mut lm = Lm::new(24, 4);
    let before: Vec<Vec<f32>> = lm.params().iter().map(|p| p.value.clone()).collect();
    let mut first = 0.0;
    let mut last = 0.0;
    for s in 0..100 {
        let l = lm.step(s, 6, 4);
        if s == 0 {
            first = l;
        }
        last = l;
        for p in lm.params() {
            if let Some(m) = &p.mask {
                for (i, (&v, &k)) in p.value.iter().zip(m).enumerate() {
                    if k == 0 {
                        assert_eq!(v.to_bits(), 0.0f32.to_bits(), "{}[{i}] = {v} after step {s}", p.name);
                    }
                }
                let slots = &lm.opt.state[&p.name];
                assert!(m.iter().zip(&slots.m).zip(&slots.v).all(|((&k, &a), &b)| k != 0 || (a == 0.0 && b == 0.0)));
            }
        }
    }
    // the kept weights did train
    for (p, b) in lm.params().iter().zip(&before) {
        let moved = p.value.iter().zip(b).zip(p.mask.as_deref().unwrap_or(&vec![1u8; b.len()])).filter(|((a, b), k)| **k != 0 && a != b).count();
        assert!(moved > 0, "{} never moved", p.name);
    }
    assert!(last.is_finite() && first.is_finite());
}

fn losses(threads: usize, steps: u64) -> Vec<u64> {
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
    pool.install(|| {
        let mut lm = Lm::new(160, 40); // big enough for the parallel paths
        (0..steps).map(|s| lm.step(s, 8, 40).to_bits()).collect()
    })
}

#[test]
fn same_seed_and_threads_give_bit_identical_losses() {
    assert_eq!(losses(2, 6), losses(2, 6));
    assert_eq!(losses(1, 3), losses(1, 3));
}

#[test]
fn checkpoint_resumes_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ck.safetensors");
    let mut a = Lm::new(20, 3);
    for s in 0..5 {
        a.step(s, 5, 3);
    }
    // state carried across chunks is part of what a resume needs: save it as metadata
    let meta = serde_json::json!({"step": 5, "h": a.state.h, "c": a.state.c});
    checkpoint::save(&path, &a.params(), Some(&a.opt), &meta).unwrap();
    let cont: Vec<f64> = (5..10).map(|s| a.step(s, 5, 3)).collect();

    let mut b = Lm::new(20, 3);
    b.opt = Optimizer::new(OptimizerConfig::adamw(3e-3, 0.1));
    let ck = checkpoint::load(&path).unwrap();
    ck.restore_params(b.params_mut()).unwrap();
    let params: Vec<Param> = b.params().into_iter().cloned().collect();
    ck.restore_optimizer(&mut b.opt, &params.iter().collect::<Vec<_>>()).unwrap();
    b.state.h = serde_json::from_value(ck.meta["h"].clone()).unwrap();
    b.state.c = serde_json::from_value(ck.meta["c"].clone()).unwrap();
    let resumed: Vec<f64> = (5..10).map(|s| b.step(s, 5, 3)).collect();
    assert_eq!(cont.iter().map(|x| x.to_bits()).collect::<Vec<_>>(), resumed.iter().map(|x| x.to_bits()).collect::<Vec<_>>());
}

#[test]
fn loading_the_wrong_shapes_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ck.safetensors");
    let small = Lm::new(8, 2);
    checkpoint::save(&path, &small.params(), None, &serde_json::json!({})).unwrap();
    let mut big = Lm::new(12, 2);
    let err = checkpoint::load(&path).unwrap().restore_params(big.params_mut()).unwrap_err().to_string();
    assert!(err.contains("rnn.weight_ih_l0") && err.contains("[48, 32]") && err.contains("[32, 32]"), "{err}");
    // missing tensor
    let mut only = Lm::new(8, 2);
    checkpoint::save(&path, &[only.params()[0]], None, &serde_json::json!({})).unwrap();
    let err = checkpoint::load(&path).unwrap().restore_params(only.params_mut()).unwrap_err().to_string();
    assert!(err.contains("rnn.weight_ih_l0") && err.contains("missing"), "{err}");
    // not a safetensors file at all
    std::fs::write(&path, b"\xff\xff\xff\xff\xff\xff\xff\xffgarbage").unwrap();
    let err = checkpoint::load(&path).unwrap_err().to_string();
    assert!(err.contains("not a valid safetensors"), "{err}");
}

/// A pruned linear layer on the sparse kernels gives the dense masked results: y = x Wᵀ + b,
/// dx = dy W, dW at the kept entries (none elsewhere), db; shapes from a single row to a
/// navigation decoder's (T·B = 130, 33 → 21) and an all-pruned row.
#[test]
fn sparse_linear_layers_match_the_dense_masked_ones() {
    for (m, input, output, every) in [(1, 9, 5, 3), (130, 33, 21, 10), (64, 16, 48, 7)] {
        let mut rng = seed::rng(m as u64, "sparse linear");
        let mut dense = Linear::new("lin", input, output, true, &mut rng);
        let n = dense.weight.numel();
        let mut mask: Vec<u8> = (0..n).map(|k| (k * 7919 % every == 0) as u8).collect();
        mask[..input].iter_mut().for_each(|k| *k = 0); // row 0 pruned away entirely
        dense.weight.set_mask(mask);
        let mut sparse = dense.clone();
        sparse.prepare_sparse(0.5);
        assert!(sparse.sparse.is_some());
        let x: Vec<f32> = (0..m * input).map(|_| rng.random::<f32>() - 0.5).collect();
        let dy: Vec<f32> = (0..m * output).map(|_| rng.random::<f32>() - 0.5).collect();
        let close = |a: &[f32], c: &[f32], what: &str| {
            assert_eq!(a.len(), c.len(), "{what}");
            for (k, (p, q)) in a.iter().zip(c).enumerate() {
                assert!((p - q).abs() <= 1e-5 * (1.0 + q.abs()), "m {m} {what}[{k}]: sparse {p} vs dense {q}");
            }
        };
        close(&sparse.forward(&x, m), &dense.forward(&x, m), "y");
        let dxs = sparse.backward(&x, &dy, m, true).unwrap();
        let dxd = dense.backward(&x, &dy, m, true).unwrap();
        close(&dxs, &dxd, "dx");
        dense.weight.mask_grad();
        close(&sparse.weight.grad, &dense.weight.grad, "dW");
        let mk = sparse.weight.mask.as_ref().unwrap();
        assert!(sparse.weight.grad.iter().zip(mk).all(|(g, &k)| k != 0 || *g == 0.0), "no gradient outside the pattern");
        close(&sparse.bias.as_ref().unwrap().grad, &dense.bias.as_ref().unwrap().grad, "db");
        // dense above the threshold, and without a mask
        sparse.prepare_sparse(0.01);
        assert!(sparse.sparse.is_none());
    }
}

/// A pruned W_ih narrower than `MIN_SPARSE_INPUT` (navigation's 2-D input) stays on the dense GEMM.
#[test]
fn thin_pruned_input_matrices_stay_dense() {
    use geosparse_engine::layers::layer::MIN_SPARSE_INPUT;
    use geosparse_engine::layers::rnn::Activation;
    for input in [2, MIN_SPARSE_INPUT - 1, MIN_SPARSE_INPUT] {
        let cfg = RnnConfig { cell: CellKind::Elman(Activation::Relu), input, hidden: 50, layers: 1, bias: false, dropout: 0.0 };
        let mut rnn = Rnn::new("rnn", cfg, &mut seed::rng(4, "thin"));
        let n = rnn.layers[0].weight_ih.numel();
        rnn.layers[0].weight_ih.set_mask((0..n).map(|k| (k % 10 == 0) as u8).collect());
        rnn.prepare_sparse(0.5);
        assert_eq!(rnn.layers[0].sparse_ih.is_some(), input >= MIN_SPARSE_INPUT, "input {input}");
    }
}

/// The sparse kernels give the dense masked results (forward, input and weight gradients).
#[test]
fn sparse_recurrent_products_match_the_dense_masked_ones() {
    use geosparse_engine::layers::rnn::Activation;
    for cell in [CellKind::Elman(Activation::Relu), CellKind::Elman(Activation::Tanh), CellKind::Gru, CellKind::Lstm] {
        let (t, b, i, h) = (6, 5, 36, 40);
        let mut rng = seed::rng(3, "sparse");
        let cfg = RnnConfig { cell, input: i, hidden: h, layers: 2, bias: true, dropout: 0.0 };
        let mut dense = Rnn::new("rnn", cfg, &mut rng);
        for l in &mut dense.layers {
            let n = l.weight_hh.numel();
            l.weight_hh.set_mask((0..n).map(|k| (k * 7919 % 10 == 0) as u8).collect()); // 10 % kept
        }
        // W_ih pruned too in the first layer (its x is the input, whose dx is checked)
        let n = dense.layers[0].weight_ih.numel();
        dense.layers[0].weight_ih.set_mask((0..n).map(|k| (k * 104_729 % 4 == 0) as u8).collect()); // 25 % kept
        let mut sparse = dense.clone();
        sparse.prepare_sparse(0.5);
        assert!(sparse.layers.iter().all(|l| l.sparse.is_some()));
        assert!(sparse.layers[0].sparse_ih.is_some() && sparse.layers[1].sparse_ih.is_none(), "layer 1's W_ih has no mask");
        let x: Vec<f32> = (0..t * b * i).map(|_| rng.random::<f32>() - 0.5).collect();
        let dout: Vec<f32> = (0..t * b * h).map(|_| rng.random::<f32>() - 0.5).collect();
        let s0 = State::zeros(&cfg, b);
        let (cd, cs) = (dense.forward(&x, t, b, &s0, true, &mut rng), sparse.forward(&x, t, b, &s0, true, &mut rng));
        let close = |a: &[f32], c: &[f32], what: &str| {
            for (k, (p, q)) in a.iter().zip(c).enumerate() {
                assert!((p - q).abs() <= 1e-5 * (1.0 + q.abs()), "{cell:?} {what}[{k}]: sparse {p} vs dense {q}");
            }
        };
        close(cs.output(), cd.output(), "output");
        let (dxd, _) = dense.backward(&cd, &dout, None, true);
        let (dxs, _) = sparse.backward(&cs, &dout, None, true);
        close(&dxs.unwrap(), &dxd.unwrap(), "dx");
        for (ls, ld) in sparse.layers.iter_mut().zip(&mut dense.layers) {
            ld.weight_hh.mask_grad();
            close(&ls.weight_hh.grad, &ld.weight_hh.grad, "dW_hh");
            // no gradient outside the pattern at all
            let m = ls.weight_hh.mask.as_ref().unwrap();
            assert!(ls.weight_hh.grad.iter().zip(m).all(|(g, &k)| k != 0 || *g == 0.0));
            ld.weight_ih.mask_grad();
            close(&ls.weight_ih.grad, &ld.weight_ih.grad, "dW_ih");
            if let Some(m) = &ls.weight_ih.mask {
                assert!(ls.weight_ih.grad.iter().zip(m).all(|(g, &k)| k != 0 || *g == 0.0));
            }
        }
        // values are refreshed from the dense matrix without rebuilding the pattern
        let v0 = sparse.layers[0].sparse.as_ref().unwrap().mask_version;
        sparse.layers[0].weight_hh.value.iter_mut().for_each(|w| *w *= 2.0);
        sparse.prepare_sparse(0.5);
        let s = sparse.layers[0].sparse.as_ref().unwrap();
        assert_eq!(s.mask_version, v0);
        assert_eq!(s.csr.to_dense(), sparse.layers[0].weight_hh.value);
        // above the threshold the dense kernels are used again
        sparse.prepare_sparse(0.05);
        assert!(sparse.layers[0].sparse.is_none());
    }
}
