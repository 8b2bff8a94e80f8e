//! geosparse's cells, losses and optimizers against PyTorch, on the committed fixtures made by
//! tools/make_fixtures.py (float64 references of float32 inputs; tolerance 1e-5 relative).
mod common;

use common::{Fixture, assert_close};
use geosparse_engine::layers::linear::Linear;
use geosparse_engine::layers::rnn::{Activation, CellKind, Rnn, RnnConfig, State};
use geosparse_engine::loss;
use geosparse_engine::optim::{Optimizer, OptimizerConfig, clip_grad_norm};
use geosparse_engine::param::{Module, Param, ParamKind};
use geosparse_engine::regularize::{Regularization, Term};
use geosparse_moduli::{Penalty, Power};
use std::sync::Arc;

fn check_rnn(name: &str) {
    let f = Fixture::load(name);
    let cell = match f.meta["cell"].as_str() {
        "elman-relu" => CellKind::Elman(Activation::Relu),
        "elman-tanh" => CellKind::Elman(Activation::Tanh),
        "gru" => CellKind::Gru,
        "lstm" => CellKind::Lstm,
        c => panic!("unknown cell {c}"),
    };
    let (t, b, i, h, layers) = (f.usize("T"), f.usize("B"), f.usize("I"), f.usize("H"), f.usize("layers"));
    let cfg = RnnConfig { cell, input: i, hidden: h, layers, bias: f.usize("bias") == 1, dropout: 0.0 };
    let mut rng = geosparse_moduli::seed::rng(0, "unused");
    let mut rnn = Rnn::new("rnn", cfg, &mut rng);
    for p in rnn.params_mut() {
        assert_eq!(f.shape(&p.name), p.shape.as_slice(), "{name}: shape of {}", p.name);
        p.value.copy_from_slice(f.get(&p.name));
    }
    let s0 = State { h: f.get("h0").to_vec(), c: f.has("c0").then(|| f.get("c0").to_vec()) };
    let cache = rnn.forward(f.get("x"), t, b, &s0, true, &mut rng);
    assert_close(&format!("{name} out"), cache.output(), f.get("out"));
    let fin = cache.final_state();
    assert_close(&format!("{name} h_n"), &fin.h, f.get("hn"));
    if let Some(c) = &fin.c {
        assert_close(&format!("{name} c_n"), c, f.get("cn"));
    }
    let dfinal = State { h: f.get("g_hn").to_vec(), c: f.has("g_cn").then(|| f.get("g_cn").to_vec()) };
    let (dx, ds0) = rnn.backward(&cache, f.get("g_out"), Some(&dfinal), true);
    assert_close(&format!("{name} grad x"), &dx.unwrap(), f.get("grad.x"));
    assert_close(&format!("{name} grad h0"), &ds0.h, f.get("grad.h0"));
    if let Some(c) = &ds0.c {
        assert_close(&format!("{name} grad c0"), c, f.get("grad.c0"));
    }
    for p in rnn.params() {
        assert_close(&format!("{name} grad {}", p.name), &p.grad, f.get(&format!("grad.{}", p.name)));
    }
}

#[test]
fn elman_relu_matches_pytorch() {
    check_rnn("elman_relu_1l");
    check_rnn("elman_relu_nobias_1l");
}

#[test]
fn elman_tanh_matches_pytorch() {
    check_rnn("elman_tanh_1l");
    check_rnn("elman_tanh_2l");
}

#[test]
fn gru_matches_pytorch() {
    check_rnn("gru_1l");
    check_rnn("gru_2l");
}

#[test]
fn lstm_matches_pytorch() {
    check_rnn("lstm_1l");
    check_rnn("lstm_2l");
}

#[test]
fn losses_match_pytorch() {
    let f = Fixture::load("losses");
    let k = f.shape("soft.z")[1];
    let mut z = f.get("soft.z").to_vec();
    let l = loss::soft_cross_entropy(&mut z, f.get("soft.y"), k, true);
    assert_close("soft loss", &[l as f32], f.get("soft.loss"));
    assert_close("soft grad", &z, f.get("soft.grad"));
    let mut z = f.get("ce.z").to_vec();
    let ids: Vec<u32> = f.get("ce.ids").iter().map(|&v| v as u32).collect();
    let out = loss::cross_entropy(&mut z, &ids, k, true);
    assert_close("ce loss", &[out.loss as f32], f.get("ce.loss"));
    assert_close("ce grad", &z, f.get("ce.grad"));
    let (l, g) = loss::mse(f.get("mse.pred"), f.get("mse.target"));
    assert_close("mse loss", &[l as f32], f.get("mse.loss"));
    assert_close("mse grad", &g, f.get("mse.grad"));
}

fn check_optimizer(name: &str, config: OptimizerConfig, clip: Option<f32>) {
    let f = Fixture::load(name);
    let mut w = Param::zeros("w", &[4, 5], ParamKind::Weight);
    let mut b = Param::zeros("b", &[5], ParamKind::Bias);
    w.value.copy_from_slice(f.get("w0"));
    b.value.copy_from_slice(f.get("b0"));
    let mut opt = Optimizer::new(config);
    for s in 0..f.usize("steps") {
        w.grad.copy_from_slice(f.get(&format!("gw{s}")));
        b.grad.copy_from_slice(f.get(&format!("gb{s}")));
        if let Some(c) = clip {
            let n = clip_grad_norm(vec![&mut w, &mut b], c);
            assert_close(&format!("{name} norm {s}"), &[n as f32], f.get(&format!("norm{s}")));
        }
        opt.step(vec![&mut w, &mut b]);
        assert_close(&format!("{name} w after step {}", s + 1), &w.value, f.get(&format!("w{}", s + 1)));
        assert_close(&format!("{name} b after step {}", s + 1), &b.value, f.get(&format!("b{}", s + 1)));
    }
}

#[test]
fn adamw_matches_pytorch() {
    check_optimizer("adamw", OptimizerConfig::adamw(1e-2, 0.1), None);
}

#[test]
fn adam_matches_pytorch() {
    let cfg = OptimizerConfig::Adam { lr: 1e-2, betas: (0.9, 0.999), eps: 1e-8, weight_decay: 0.05 };
    check_optimizer("adam", cfg, None);
}

#[test]
fn sgd_with_clipping_matches_pytorch() {
    check_optimizer("sgd_clip", OptimizerConfig::sgd(0.5), Some(0.25));
    check_optimizer("sgd_momentum", OptimizerConfig::Sgd { lr: 0.1, momentum: 0.9, weight_decay: 0.01 }, None);
}

#[test]
fn fused_clip_matches_pytorch() {
    // step_scaled(clip_coef(norm)) is the same update as clip_grad_norm + step
    let f = Fixture::load("sgd_clip");
    let mut w = Param::zeros("w", &[4, 5], ParamKind::Weight);
    let mut b = Param::zeros("b", &[5], ParamKind::Bias);
    w.value.copy_from_slice(f.get("w0"));
    b.value.copy_from_slice(f.get("b0"));
    let mut opt = Optimizer::new(OptimizerConfig::sgd(0.5));
    for s in 0..f.usize("steps") {
        w.grad.copy_from_slice(f.get(&format!("gw{s}")));
        b.grad.copy_from_slice(f.get(&format!("gb{s}")));
        let n = geosparse_engine::optim::grad_norm([&w, &b].into_iter());
        opt.step_scaled(vec![&mut w, &mut b], geosparse_engine::optim::clip_coef(n, 0.25));
        assert_close("fused w", &w.value, f.get(&format!("w{}", s + 1)));
        assert_close("fused b", &b.value, f.get(&format!("b{}", s + 1)));
    }
}

#[test]
fn navigation_model_with_penalty_and_mask_matches_pytorch() {
    let f = Fixture::load("navigation_model");
    let (t, b, np, ng) = (f.usize("T"), f.usize("B"), f.usize("Np"), f.usize("Ng"));
    let mut rng = geosparse_moduli::seed::rng(0, "unused");
    let mut enc = Linear::new("encoder", np, ng, false, &mut rng);
    let cfg = RnnConfig { cell: CellKind::Elman(Activation::Relu), input: 2, hidden: ng, layers: 1, bias: false, dropout: 0.0 };
    let mut rnn = Rnn::new("rnn", cfg, &mut rng);
    let mut dec = Linear::new("decoder", ng, np, false, &mut rng);
    enc.weight.value.copy_from_slice(f.get("encoder.weight"));
    rnn.layers[0].weight_ih.value.copy_from_slice(f.get("rnn.weight_ih_l0"));
    rnn.layers[0].weight_hh.value.copy_from_slice(f.get("rnn.weight_hh_l0"));
    rnn.layers[0].weight_hh.set_mask(f.get("mask").iter().map(|&m| m as u8).collect());
    dec.weight.value.copy_from_slice(f.get("decoder.weight"));
    // forward: h0 = enc(c0); out = rnn(v, h0); logits = dec(out)
    let h0 = enc.forward(f.get("c0"), b);
    let cache = rnn.forward(f.get("v"), t, b, &State { h: h0.clone(), c: None }, true, &mut rng);
    let mut logits = dec.forward(cache.output(), t * b);
    let task = loss::soft_cross_entropy(&mut logits, f.get("y"), np, true);
    assert_close("task loss", &[task as f32], f.get("task"));
    let pen = Penalty::new(Arc::new(f.get("R").to_vec()), ng, f.meta["lam"].parse().unwrap(), Power::One).unwrap();
    let reg = Regularization { terms: vec![Term::moduli("rnn.weight_hh_l0", pen)] };
    let penalty = reg.apply(rnn.params_mut(), true).unwrap();
    assert_close("penalty", &[penalty as f32], f.get("penalty"));
    let dh = dec.backward(cache.output(), &logits, t * b, true).unwrap();
    let (_, ds0) = rnn.backward(&cache, &dh, None, false);
    enc.backward(f.get("c0"), &ds0.h, b, false);
    rnn.params_mut().into_iter().for_each(|p| p.mask_grad());
    for (name, p) in [("encoder.weight", &enc.weight), ("rnn.weight_ih_l0", &rnn.layers[0].weight_ih), ("rnn.weight_hh_l0", &rnn.layers[0].weight_hh), ("decoder.weight", &dec.weight)] {
        assert_close(&format!("grad {name}"), &p.grad, f.get(&format!("grad.{name}")));
    }
}
