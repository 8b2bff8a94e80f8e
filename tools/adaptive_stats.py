#!/usr/bin/env python3
"""How far an adaptive geometry moved, per run of a sweep folder (numbers for the results READMEs).

    python3 tools/adaptive_stats.py SWEEP_DIR [--metric mse]

One line per completed run: its label, the test metric, the swaps made (from metrics.jsonl's
per-epoch swap log) with the wiring cost they removed as a share of what the cost would have
been without them (Σ gain / (Σ gain + the last cost), a rough yardstick) and, for trainable points, the mean displacement of a point and the median
pairwise distance at the start and at the end (torus: wrapped distances; other spaces: "—").
Needs numpy (`pip install numpy`); reads what `geosparse train` writes, changes nothing.
"""
import json
import sys
from pathlib import Path

import numpy as np


def wrapped(a, b, side):
    d = np.abs(a - b) % side
    return np.minimum(d, side - d)


def pair_median(p, side):
    diff = wrapped(p[:, None, :], p[None, :, :], side)
    d = np.sqrt((diff ** 2).sum(-1))
    iu = np.triu_indices(len(p), 1)
    return float(np.median(d[iu]))


def main():
    args = sys.argv[1:]
    if not args:
        sys.exit(__doc__)
    metric = "mse"
    if "--metric" in args:
        i = args.index("--metric")
        metric = args[i + 1]
        del args[i:i + 2]
    runs = Path(args[0]) / "runs"
    if not runs.is_dir():
        sys.exit(f"{args[0]}: no runs/ folder (give a sweep folder)")
    lines = []
    for run in sorted(runs.iterdir()):
        summary = json.loads((run / "summary.json").read_text())
        if summary["status"] != "completed":
            continue
        point = json.loads((run / "point.json").read_text()) if (run / "point.json").exists() else {}
        label = point.get("variant", summary["name"])
        seed = summary["seed"]
        value = summary["train"]["test"][metric]
        swaps, gain, cost = "—", 0.0, None
        for line in (run / "metrics.jsonl").read_text().splitlines():
            rec = json.loads(line)
            if rec.get("phase") == "train" and rec.get("swaps"):
                swaps = (0 if swaps == "—" else swaps) + rec["swaps"]["swaps"]
                gain += rec["swaps"]["gain"]
                cost = rec["swaps"]["cost_after"]
        share = f"{gain / (gain + cost):.1%}" if cost else "—"
        moved = median0 = median1 = "—"
        regs = summary.get("regularizers") or [{}]
        geometry = regs[0].get("spec", {}).get("geometry", {})
        first = run / "embedding_rnn.weight_hh_l0.npy"
        last = run / "embedding_rnn.weight_hh_l0_final.npy"
        if first.exists() and last.exists() and geometry.get("kind") == "torus":
            side = geometry["side"]
            p0, p1 = np.load(first).astype(float), np.load(last).astype(float)
            moved = f"{np.sqrt((wrapped(p0, p1, side) ** 2).sum(-1)).mean():.2f}"
            median0, median1 = f"{pair_median(p0, side):.2f}", f"{pair_median(p1, side):.2f}"
        lines.append((label, seed, value, swaps, share, moved, median0, median1))
    print("| variant | seed | test " + metric + " | swaps | swaps' gain / (gain + final cost) | mean move | median pair d start | end |")
    print("|---|---|---|---|---|---|---|---|")
    for label, seed, value, swaps, share, moved, m0, m1 in sorted(lines):
        print(f"| {label} | {seed} | {value:.6g} | {swaps} | {share} | {moved} | {m0} | {m1} |")


if __name__ == "__main__":
    main()
