#!/usr/bin/env python3
"""Regenerate the PyTorch parity fixtures the engine's tests read.

Run by hand (CI never runs Python):

    python3 -m venv /tmp/torchenv && /tmp/torchenv/bin/pip install torch safetensors numpy
    /tmp/torchenv/bin/python tools/make_fixtures.py crates/engine/tests/fixtures

Inputs and weights are drawn in float32; every reference output and gradient is computed by
PyTorch in float64 from those float32 values and stored as float32, so the Rust tests compare
geosparse's float32 arithmetic against the exact answer (tolerance 1e-5 relative).
"""
import sys
from pathlib import Path

import torch
from safetensors.torch import save_file

torch.manual_seed(20240611)
OUT = Path(sys.argv[1] if len(sys.argv) > 1 else "crates/engine/tests/fixtures")
OUT.mkdir(parents=True, exist_ok=True)


def f32(t):
    return t.detach().to(torch.float32).contiguous()


def rand(*shape, scale=1.0):
    return (torch.rand(*shape) * 2 - 1).mul(scale).to(torch.float32)


def save(name, tensors, **meta):
    save_file({k: f32(v) for k, v in tensors.items()}, str(OUT / f"{name}.safetensors"),
              metadata={k: str(v) for k, v in meta.items()})
    print("wrote", name)


def rnn_fixture(name, kind, layers, bias=True, nonlinearity="tanh", T=5, B=3, I=4, H=6):
    mod = {"rnn": torch.nn.RNN, "gru": torch.nn.GRU, "lstm": torch.nn.LSTM}[kind]
    kw = dict(nonlinearity=nonlinearity) if kind == "rnn" else {}
    net = mod(I, H, num_layers=layers, bias=bias, **kw).double()
    with torch.no_grad():
        for p in net.parameters():
            p.copy_(rand(*p.shape, scale=0.6).double())
    x = rand(T, B, I).double().requires_grad_()
    h0 = rand(layers, B, H, scale=0.5).double().requires_grad_()
    g_out = rand(T, B, H)
    g_hn = rand(layers, B, H)
    if kind == "lstm":
        c0 = rand(layers, B, H, scale=0.5).double().requires_grad_()
        g_cn = rand(layers, B, H)
        out, (hn, cn) = net(x, (h0, c0))
        loss = (out * g_out.double()).sum() + (hn * g_hn.double()).sum() + (cn * g_cn.double()).sum()
    else:
        out, hn = net(x, h0)
        loss = (out * g_out.double()).sum() + (hn * g_hn.double()).sum()
    loss.backward()
    t = {"x": x, "h0": h0, "out": out, "hn": hn, "g_out": g_out, "g_hn": g_hn,
         "grad.x": x.grad, "grad.h0": h0.grad, "loss": loss.reshape(1)}
    if kind == "lstm":
        t.update({"c0": c0, "cn": cn, "g_cn": g_cn, "grad.c0": c0.grad})
    for n, p in net.named_parameters():
        t[f"rnn.{n}"] = p
        t[f"grad.rnn.{n}"] = p.grad
    cell = {"rnn": f"elman-{nonlinearity}", "gru": "gru", "lstm": "lstm"}[kind]
    save(name, t, cell=cell, layers=layers, bias=int(bias), T=T, B=B, I=I, H=H)


rnn_fixture("elman_relu_1l", "rnn", 1, nonlinearity="relu")
rnn_fixture("elman_relu_nobias_1l", "rnn", 1, bias=False, nonlinearity="relu")
rnn_fixture("elman_tanh_1l", "rnn", 1, nonlinearity="tanh")
rnn_fixture("elman_tanh_2l", "rnn", 2, nonlinearity="tanh")
rnn_fixture("gru_1l", "gru", 1)
rnn_fixture("gru_2l", "gru", 2)
rnn_fixture("lstm_1l", "lstm", 1)
rnn_fixture("lstm_2l", "lstm", 2)


def loss_fixture():
    M, K = 7, 9
    z = rand(M, K, scale=3.0).double().requires_grad_()
    y = torch.softmax(rand(M, K, scale=2.0).double(), -1)
    soft = -(y * torch.log_softmax(z, -1)).sum(-1).mean()
    soft.backward()
    z2 = rand(M, K, scale=3.0).double().requires_grad_()
    ids = torch.randint(0, K, (M,))
    ce = torch.nn.functional.cross_entropy(z2, ids)
    ce.backward()
    p = rand(M).double().requires_grad_()
    tgt = rand(M)
    mse = torch.nn.functional.mse_loss(p, tgt.double())
    mse.backward()
    save("losses", {"soft.z": z, "soft.y": y, "soft.loss": soft.reshape(1), "soft.grad": z.grad,
                    "ce.z": z2, "ce.ids": ids.double(), "ce.loss": ce.reshape(1), "ce.grad": z2.grad,
                    "mse.pred": p, "mse.target": tgt, "mse.loss": mse.reshape(1), "mse.grad": p.grad})


loss_fixture()


def optim_fixture(name, make, steps=3, clip=None):
    w = torch.nn.Parameter(rand(4, 5).double())
    b = torch.nn.Parameter(rand(5).double())
    t = {"w0": w.detach().clone(), "b0": b.detach().clone()}
    opt = make([w, b])
    for s in range(steps):
        gw, gb = rand(4, 5, scale=2.0), rand(5, scale=2.0)
        t[f"gw{s}"], t[f"gb{s}"] = gw, gb
        w.grad, b.grad = gw.double().clone(), gb.double().clone()
        if clip is not None:
            n = torch.nn.utils.clip_grad_norm_([w, b], clip)
            t[f"norm{s}"] = n.reshape(1)
        opt.step()
        t[f"w{s + 1}"], t[f"b{s + 1}"] = w.detach().clone(), b.detach().clone()
    save(name, t, steps=steps, clip=clip if clip is not None else 0)


optim_fixture("adamw", lambda ps: torch.optim.AdamW(ps, lr=1e-2, weight_decay=0.1))
optim_fixture("adam", lambda ps: torch.optim.Adam(ps, lr=1e-2, weight_decay=0.05))
optim_fixture("sgd_clip", lambda ps: torch.optim.SGD(ps, lr=0.5), clip=0.25)
optim_fixture("sgd_momentum", lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.9, weight_decay=0.01))


def navigation_fixture():
    """Encoder → h0, ReLU RNN without bias, decoder, soft cross-entropy + moduli penalty on a
    masked W_hh: the navigation model end to end."""
    T, B, Np, Ng = 4, 3, 5, 8
    enc = torch.nn.Linear(Np, Ng, bias=False).double()
    rnn = torch.nn.RNN(2, Ng, nonlinearity="relu", bias=False).double()
    dec = torch.nn.Linear(Ng, Np, bias=False).double()
    with torch.no_grad():
        for p in [*enc.parameters(), *rnn.parameters(), *dec.parameters()]:
            p.copy_(rand(*p.shape, scale=0.5).double())
    mask = (torch.rand(Ng, Ng) > 0.3).double()
    with torch.no_grad():
        rnn.weight_hh_l0.mul_(mask)
    R = (torch.rand(Ng, Ng) * 80).to(torch.float32)
    lam = 0.1
    c0 = torch.softmax(rand(B, Np, scale=2.0).double(), -1)
    v = rand(T, B, 2, scale=0.1).double()
    y = torch.softmax(rand(T, B, Np, scale=2.0).double(), -1)
    h0 = enc(c0).unsqueeze(0)
    out, _ = rnn(v, h0)
    logits = dec(out)
    task = -(y * torch.log_softmax(logits, -1)).sum(-1).mean()
    pen = lam * (R.double() * rnn.weight_hh_l0.abs()).mean()
    (task + pen).backward()
    with torch.no_grad():
        rnn.weight_hh_l0.grad.mul_(mask)
    t = {"c0": c0, "v": v, "y": y, "R": R, "mask": mask, "task": task.reshape(1), "penalty": pen.reshape(1),
         "encoder.weight": enc.weight, "rnn.weight_ih_l0": rnn.weight_ih_l0, "rnn.weight_hh_l0": rnn.weight_hh_l0,
         "decoder.weight": dec.weight}
    for n, p in [("encoder.weight", enc.weight), ("rnn.weight_ih_l0", rnn.weight_ih_l0),
                 ("rnn.weight_hh_l0", rnn.weight_hh_l0), ("decoder.weight", dec.weight)]:
        t["grad." + n] = p.grad
    save("navigation_model", t, T=T, B=B, Np=Np, Ng=Ng, lam=lam)


navigation_fixture()


def import_fixtures():
    """PyTorch models for `geosparse import`: the word-language-model layout (encoder, rnn,
    decoder) with a 2-layer LSTM, and a bare nn.GRU state dict, with the logits of a known
    input (the corpus of the import test has 9 words: 8 + <eos>)."""
    out = Path(sys.argv[2]) if len(sys.argv) > 2 else Path("crates/experiments/tests/fixtures")
    out.mkdir(parents=True, exist_ok=True)
    V, H, L = 9, 6, 2

    class WordLM(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.encoder = torch.nn.Embedding(V, H)
            self.rnn = torch.nn.LSTM(H, H, L)
            self.decoder = torch.nn.Linear(H, V)

        def forward(self, x):
            o, _ = self.rnn(self.encoder(x))
            return self.decoder(o)

    m = WordLM().double()
    with torch.no_grad():
        for p in m.parameters():
            p.copy_(rand(*p.shape, scale=0.5).double())
    x = torch.tensor([[1, 2], [3, 4], [5, 6], [7, 0]])  # (T=4, B=2)
    logits = m(x)
    state = {k: f32(v) for k, v in m.state_dict().items()}
    save_file(state, str(out / "torch_wordlm_lstm.safetensors"))
    save_file({"x": x.to(torch.float32), "logits": f32(logits)}, str(out / "torch_wordlm_lstm_io.safetensors"))
    gru = torch.nn.GRU(2, 8, 1)
    save_file({k: f32(v) for k, v in gru.state_dict().items()}, str(out / "torch_gru.safetensors"))
    print("wrote import fixtures")


import_fixtures()
