#!/usr/bin/env python3
"""Regenerates crates/engine/tests/fixtures/communicability.json: reference values for
geosparse's matrix exponential (scipy.linalg.expm, expm_frechet) and for seRNN's
weight-dependent wiring cost (the SE1_sWc regulariser of Achterberg, Akarca et al. 2023, written
here in its own Keras orientation, x = W^T, and differentiated by PyTorch's autograd through
torch.linalg.matrix_exp in float64).

    pip install numpy scipy torch && python3 tools/make_comms_fixtures.py

Tests read the committed file and need no Python."""
import json, pathlib
import numpy as np
import scipy.linalg
import torch

rng = np.random.default_rng(20261201)
out = {"expm": [], "cost": []}
for n, scale in [(3, 0.5), (8, 2.0), (12, 9.0), (20, 30.0)]:
    a = rng.uniform(-0.5, 0.5, (n, n)) * scale
    e = rng.uniform(-0.5, 0.5, (n, n))
    r, l = scipy.linalg.expm_frechet(a, e)
    out["expm"].append({"n": n, "a": a.ravel().tolist(), "e": e.ravel().tolist(),
                        "expm": scipy.linalg.expm(a).ravel().tolist(), "frechet": l.ravel().tolist()})


def se1_swc(x, dist, se1, comms_factor):
    """seRNN's SE1_sWc.__call__ on a Keras recurrent kernel x (x[i, j]: from i to j), in torch."""
    abs_w = x.abs()
    step2 = abs_w.sum(dim=1).pow(-0.5)
    step3 = torch.diag(step2)
    step4 = torch.linalg.matrix_exp(step3 @ abs_w @ step3)
    # seRNN zeroes the diagonal, then raises to comms_factor; zeroing after the power is the same
    # value and keeps autograd away from 0 ** (c - 1) = inf on the diagonal for c < 1
    offdiag = 1.0 - torch.eye(x.shape[0], dtype=x.dtype)
    comms = step4 ** comms_factor * offdiag
    return se1 * (abs_w * comms * dist).sum()


for n, factor, lattice in [(8, 1.0, (2, 2, 2)), (12, 0.5, (3, 2, 2)), (20, 2.0, (5, 2, 2))]:
    # seRNN's lattice: meshgrid(nx, ny, nz) raveled, Euclidean distances
    x, y, z = np.meshgrid(np.arange(lattice[0]), np.arange(lattice[1]), np.arange(lattice[2]))
    pts = np.stack([x.ravel(), y.ravel(), z.ravel()], 1).astype(np.float64)
    dist = np.sqrt(((pts[:, None, :] - pts[None, :, :]) ** 2).sum(-1))
    w = rng.normal(0.0, 1.0 / np.sqrt(n), (n, n))  # PyTorch layout: W[i, j] from j to i
    wt = torch.tensor(w.T.copy(), dtype=torch.float64, requires_grad=True)  # Keras kernel x = W^T
    loss = se1_swc(wt, torch.tensor(dist), 1.0, factor)
    loss.backward()
    grad_w = wt.grad.numpy().T  # d loss / d W
    out["cost"].append({"n": n, "factor": factor, "w": w.ravel().tolist(), "dist": dist.ravel().tolist(),
                        "sum": float(loss.detach()), "grad_sum": grad_w.ravel().tolist()})

path = pathlib.Path(__file__).resolve().parent.parent / "crates/engine/tests/fixtures/communicability.json"
assert not any(np.isnan(c["grad_sum"]).any() for c in out["cost"]), "autograd gave NaN"
path.write_text(json.dumps(out))
print(f"wrote {path}")
