#!/usr/bin/env python3
"""PyTorch baseline for `geosparse bench train-step`: the same training steps, same shapes.

    python3 tools/bench_torch.py --case elman-512 --threads 2 --steps 10

prints one JSON line {"case", "ms_per_step" (median), "ms_min", "peak_rss_mb", "torch"}.
With --sparsity S every weight matrix but the LM's embedding is pruned at random to S with
torch.nn.utils.prune (the mask applied to weight_orig in a forward pre-hook, the dense-masked
training PyTorch users run); `geosparse bench train-step --sparsity S` uses it as baseline (c).
Run one case per process so the peak memory belongs to that case alone. `geosparse bench
train-step --python PY` calls this script itself and prints the ratio.
"""
import argparse
import json
import resource
import statistics
import time

import torch

CASES = {
    # navigation-shaped Elman ReLU: encoder Np→N gives h0, input 2-D velocities, no biases,
    # readout N→512 with soft cross-entropy, AdamW (lr 1e-4, weight decay 0.01)
    "elman-512": dict(kind="elman", n=512, batch=200, seq=20, readout=512),
    "elman-2048": dict(kind="elman", n=2048, batch=200, seq=20, readout=512),
    "elman-4096": dict(kind="elman", n=4096, batch=200, seq=20, readout=512),
    # word-language-model LSTM: 2 layers, embedding = hidden, dropout 0.2, SGD lr 20, clip 0.25
    "lstm-200": dict(kind="lstm", hidden=200, vocab=10000, batch=20, bptt=35, layers=2),
    "lstm-650": dict(kind="lstm", hidden=650, vocab=10000, batch=20, bptt=35, layers=2),
}


class Nav(torch.nn.Module):
    def __init__(self, n, readout):
        super().__init__()
        self.encoder = torch.nn.Linear(readout, n, bias=False)
        self.rnn = torch.nn.RNN(2, n, nonlinearity="relu", bias=False)
        self.decoder = torch.nn.Linear(n, readout, bias=False)

    def forward(self, c0, v):
        out, _ = self.rnn(v, self.encoder(c0).unsqueeze(0))
        return self.decoder(out)


class Lm(torch.nn.Module):
    def __init__(self, vocab, hidden, layers, dropout=0.2):
        super().__init__()
        self.drop = torch.nn.Dropout(dropout)
        self.encoder = torch.nn.Embedding(vocab, hidden)
        self.rnn = torch.nn.LSTM(hidden, hidden, layers, dropout=dropout)
        self.decoder = torch.nn.Linear(hidden, vocab)

    def forward(self, x, h):
        out, h = self.rnn(self.drop(self.encoder(x)), h)
        return self.decoder(self.drop(out)), h


def prune_all(m, sparsity):
    """Prunes every weight matrix of m (not the embedding) at random to `sparsity`."""
    import torch.nn.utils.prune as prune
    for mod in m.modules():
        if isinstance(mod, torch.nn.Embedding):
            continue
        for name, p in list(mod.named_parameters(recurse=False)):
            if p.dim() >= 2:
                prune.random_unstructured(mod, name, amount=sparsity)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--case", required=True, choices=sorted(CASES))
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--steps", type=int, default=10)
    ap.add_argument("--warmup", type=int, default=2)
    ap.add_argument("--sparsity", type=float, default=None)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    c = CASES[a.case]
    if c["kind"] == "elman":
        m = Nav(c["n"], c["readout"])
        if a.sparsity is not None:
            prune_all(m, a.sparsity)
        opt = torch.optim.AdamW(m.parameters(), lr=1e-4, weight_decay=0.01)
        c0 = torch.softmax(torch.randn(c["batch"], c["readout"]), -1)
        v = torch.randn(c["seq"], c["batch"], 2) * 0.02
        y = torch.softmax(torch.randn(c["seq"], c["batch"], c["readout"]), -1)

        def step():
            opt.zero_grad()
            loss = -(y * torch.log_softmax(m(c0, v), -1)).sum(-1).mean()
            loss.backward()
            opt.step()
    else:
        m = Lm(c["vocab"], c["hidden"], c["layers"])
        if a.sparsity is not None:
            prune_all(m, a.sparsity)
        m.train()
        x = torch.randint(0, c["vocab"], (c["bptt"], c["batch"]))
        y = torch.randint(0, c["vocab"], (c["bptt"] * c["batch"],))
        z = torch.zeros(c["layers"], c["batch"], c["hidden"])
        h = [(z.clone(), z.clone())]

        def step():
            m.zero_grad()
            out, hn = m(x, h[0])
            h[0] = (hn[0].detach(), hn[1].detach())
            loss = torch.nn.functional.cross_entropy(out.view(-1, c["vocab"]), y)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(m.parameters(), 0.25)
            with torch.no_grad():
                for p in m.parameters():
                    p.add_(p.grad, alpha=-20.0)
    times = []
    for i in range(a.warmup + a.steps):
        t = time.perf_counter()
        step()
        if i >= a.warmup:
            times.append((time.perf_counter() - t) * 1e3)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(json.dumps({"case": a.case, "ms_per_step": statistics.median(times), "ms_min": min(times),
                      "peak_rss_mb": peak, "torch": torch.__version__, "threads": a.threads,
                      "sparsity": a.sparsity}))


if __name__ == "__main__":
    main()
