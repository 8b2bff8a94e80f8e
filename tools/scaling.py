#!/usr/bin/env python3
"""The navigation scaling summary of issue 15, merged from committed `geosparse report` files.

The scaling runs came from several sweeps, sessions and machines (the run folders of the first
ones were lost with their machine; their per-run values survive in the report CSVs). This script
reads only committed files under docs/results/ and writes

  docs/results/navigation-scaling/summary.csv   one row per (N, variant, recipe, λ) cell at 90 %
  docs/results/navigation-scaling/summary.md    error against N; N = 256 by recipe and λ; the
                                                pruned set (W_hh's own sparsity, its share)
  docs/results/navigation-scaling/scaling_error.png   error at 90 % against N (mean ± pop. std)
  docs/results/navigation-scaling/scaling_whh.png     W_hh's own sparsity and its share of the
                                                      pruned weights against N, per recipe

A value present in two reports (a bit-identical rerun) counts once. W_hh's own sparsity and share
come from run records (summary.json's per-tensor sparsity; tensor sizes from config.toml:
encoder N × Np, W_ih N × 2, W_hh N × N, decoder Np × N — checked against the run's overall
sparsity); under the CPU recipe every matrix is cut to the target, so W_hh's own sparsity is the
target and its share is N² / (N² + 2·N·Np + 2·N) — the script computes those and says so.

    python3 tools/scaling.py            # from the repository root; needs matplotlib
"""
import csv
import glob
import json
import os
import sys
import tomllib

import report_cells

ROOT = "docs/results"
OUT = os.path.join(ROOT, "navigation-scaling")
DENSE_ERR = "test_error_cm"

# (N, report CSV, groups to leave out) — the rerun check of stop 29 (torus DoG, cpu, λ 0.01,
# seed 0, on another CPU and engine) is reported in the README, not merged into the cell.
SOURCES = [
    (256, "navigation-scaling/n256/report.csv", set()),
    (256, "navigation-scaling/n256-recipes/report.csv", {"torus DoG, cpu, λ 0.01"}),
    (256, "navigation-distance/n256/report.csv", None),
    (256, "navigation-distance/more256/report.csv", None),
    (512, "navigation-scaling/n512/report.csv", set()),
    (512, "navigation-distance/n512/report.csv", set()),
    (1024, "navigation-scaling/n1024/report.csv", set()),
    (2048, "navigation-scaling/n2048/report.csv", set()),
]
RECORDS = ["navigation-scaling/n256-recipes/runs", "navigation-distance/more256/runs"]

ORDER = ["dense", "no penalty", "true L1", "torus DoG", "Klein DoG", "permuted DoG", "torus diffusion", "torus d", "permuted torus d"]


def normalise(label):
    """A report group label -> (variant, recipe, λ text) or None to skip."""
    if label.startswith("space="):  # navigation-distance/n256: --by space,inhibitor,permute,lambda
        kv = dict(p.split("=", 1) for p in label.split(", "))
        if kv.get("inhibitor") != "identity" or kv.get("space") != "torus":
            return None
        return ("permuted torus d" if kv["permute"] == "true" else "torus d"), "cpu", kv["lambda"]
    parts = label.split(", ")
    recipe = "paper" if any(p in ("paper", "paper recipe") for p in parts) else "cpu"
    lam = next((p.removeprefix("λ ") for p in parts if p.startswith("λ ")), "0")
    rest = [p for p in parts if p not in ("paper", "paper recipe", "cpu") and not p.startswith("λ ") and not p.endswith(" %")]
    variant = ", ".join(rest)
    variant = {"L1": "true L1"}.get(variant, variant)
    if variant == "dense":
        lam = "0"
    return variant, recipe, lam


def load():
    cells = {}  # (n, variant, recipe, lam, sparsity) -> {"values", "sources"}
    for n, path, skip in SOURCES:
        for row in report_cells.rows(ROOT, path):
            if row["metric"] != DENSE_ERR or row["sparsity"] not in ("dense", "90 %"):
                continue
            if skip is not None and row["group"] in skip:
                continue
            key = normalise(row["group"])
            if key is not None:
                report_cells.add_values(cells, (n, *key, row["sparsity"]), row["values"], path)
    return cells


stat = report_cells.stat


def cell_text(c):
    if not c:
        return ""
    m, s = stat(c["values"])
    return f"{m:.2f} ± {s:.2f} ({len(c['values'])})"


def rank(variant):
    return ORDER.index(variant) if variant in ORDER else len(ORDER)


def pruned_set():
    """Per run record: (N, variant, recipe, λ, W_hh own sparsity, W_hh share of pruned entries)."""
    out, seen = [], set()
    for rec in RECORDS:
        for d in sorted(glob.glob(os.path.join(ROOT, rec, "*"))):
            s = json.load(open(os.path.join(d, "summary.json"), encoding="utf-8"))
            # a bit-identical rerun in another record set (same error, same per-tensor sparsity) counts once
            ident = json.dumps([(s.get("train") or {}).get("test"), (s.get("train") or {}).get("sparsity_per_tensor")], sort_keys=True)
            if ident in seen:
                continue
            seen.add(ident)
            cfg = tomllib.load(open(os.path.join(d, "config.toml"), "rb"))
            point = json.load(open(os.path.join(d, "point.json"), encoding="utf-8"))
            if s["status"] != "completed" or cfg.get("prune", {}).get("kind") == "none" or cfg["prune"].get("target") != 0.9:
                continue
            n, np_ = cfg["task"]["hidden"], cfg["task"]["place_cells"]
            sizes = {"encoder.weight": n * np_, "rnn.weight_ih_l0": n * 2, "rnn.weight_hh_l0": n * n, "decoder.weight": np_ * n}
            sp = s["train"]["sparsity_per_tensor"]
            pruned = {k: sp[k] * sizes[k] for k in sizes}
            overall = sum(pruned.values()) / sum(sizes.values())
            if abs(overall - s["train"]["sparsity"]) > 1e-6:
                sys.exit(f"{d}: tensor sizes do not reproduce the overall sparsity ({overall} vs {s['train']['sparsity']})")
            key = normalise(point["variant"])
            if key is None:
                continue
            out.append((n, *key, sp["rnn.weight_hh_l0"], pruned["rnn.weight_hh_l0"] / sum(pruned.values())))
    return out


# the CPU recipe's λ of the DoG / L1 / diffusion rows at each N (R = d: 0.17 everywhere)
MAIN_LAMBDA = {256: "0.01", 512: "0.01", 1024: "0.00625", 2048: "0.025"}


def cpu_cell(cells, n, variant):
    """The CPU recipe's cell of a variant at N: its λ there, 90 % (dense: not pruned)."""
    lam = "0" if variant in ("dense", "no penalty") else ("0.17" if variant.endswith("torus d") else MAIN_LAMBDA[n])
    return cells.get((n, variant, "cpu", lam, "dense" if variant == "dense" else "90 %"))


def cpu_share(n, np_=256):
    return n * n / (n * n + 2 * n * np_ + 2 * n)


def write(cells, pruned):
    ns = sorted({k[0] for k in cells})
    with open(os.path.join(OUT, "summary.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["n", "variant", "recipe", "lambda", "sparsity", "runs", "mean_cm", "std_cm", "values", "sources"])
        for k, c in sorted(cells.items(), key=lambda kv: (kv[0][0], rank(kv[0][1]), kv[0][2], float(kv[0][3]))):
            m, s = stat(c["values"])
            w.writerow([*k, len(c["values"]), m, s, " ".join(repr(v) for v in c["values"]), " ".join(c["sources"])])
    L = ["# Navigation scaling: merged tables (made by tools/scaling.py from the committed report files)", "",
         "Test decoding error (cm), mean ± population std (runs). Every cell's per-run values and source files: summary.csv.", ""]
    # 1. error against N, CPU recipe, each N's λ
    L += ["## Error at 90 % against N — CPU recipe (each matrix pruned to 90 %, 2 held epochs)", "",
          "λ: 0.01 at N = 256 and 512, 0.00625 at 1024, 0.025 at 2048 for the DoG/L1/diffusion rows; 0.17 for R = d.", "",
          "| variant | " + " | ".join(f"N = {n}" for n in ns) + " |", "|---|" + "---|" * len(ns)]
    for v in sorted({k[1] for k in cells}, key=rank):
        row = [cell_text(cpu_cell(cells, n, v)) for n in ns]
        if any(row):
            L.append(f"| {v} | " + " | ".join(row) + " |")
    # 2. N = 256 by recipe and λ
    combos = sorted({(k[2], k[3]) for k in cells if k[0] == 256 and k[1] != "dense" and k[1] != "no penalty"}, key=lambda c: (c[0], -float(c[1])))
    combos = [c for c in combos if c[1] in ("0.01", "0.000390625", "0.00039")]
    L += ["", "## N = 256: recipe and λ (90 %)", "",
          "cpu = each matrix pruned to 90 %, 2 held epochs; paper = one global threshold over all weight matrices, "
          "ramp ending on the last epoch, no hold. λ 0.00039 = 0.1·(256/4096)², the paper's per-weight pressure. "
          "R = d (torus d) runs at λ 0.17.", "",
          "| variant | " + " | ".join(f"{r}, λ {l}" for r, l in combos) + " | cpu, λ 0.17 | paper, λ 0.17 |", "|---|" + "---|" * (len(combos) + 2)]
    for v in sorted({k[1] for k in cells if k[0] == 256}, key=rank):
        if v == "dense":
            d = [cell_text(cells.get((256, v, r, "0", "dense"))) for r in ("cpu", "paper")]
            L.append(f"| dense (not pruned; cpu 22 epochs / paper 20) | cpu {d[0]}, paper {d[1]} |" + " |" * (len(combos) + 1))
            continue
        if v == "no penalty":
            row = [cell_text(cells.get((256, v, r, "0", "90 %"))) if l == "0.01" else "(λ-free)" for r, l in combos]
        else:
            row = [cell_text(cells.get((256, v, r, l, "90 %"))) for r, l in combos]
        row += [cell_text(cells.get((256, v, r, "0.17", "90 %"))) for r in ("cpu", "paper")]
        L.append(f"| {v} | " + " | ".join(row) + " |")
    # 3. the pruned set
    L += ["", "## The pruned set at 90 %: W_hh's own sparsity and its share of the pruned weights", "",
          f"CPU recipe (computed, every matrix at 90 %): W_hh's share = N² / (N² + 2·N·Np + 2·N) with Np = 256: "
          + ", ".join(f"N = {n}: {cpu_share(n):.3f}" for n in (256, 512, 1024, 2048)) + ".", "",
          "Paper recipe, measured from the run records (mean ± pop. std (runs)):", "",
          "| N | variant | λ | W_hh's own sparsity | W_hh's share of pruned entries |", "|---|---|---|---|---|"]
    groups = {}
    for n, v, r, lam, own, share in pruned:
        if r == "paper":
            groups.setdefault((n, v, lam), []).append((own, share))
    for (n, v, lam), xs in sorted(groups.items(), key=lambda kv: (kv[0][0], rank(kv[0][1]), -float(kv[0][2]))):
        o, s = zip(*xs)
        L.append(f"| {n} | {v} | {lam} | {100 * stat(o)[0]:.2f} ± {100 * stat(o)[1]:.2f} % ({len(o)}) | {stat(s)[0]:.3f} ± {stat(s)[1]:.3f} |")
    with open(os.path.join(OUT, "summary.md"), "w", encoding="utf-8") as f:
        f.write("\n".join(L) + "\n")
    return groups


COLOURS = {"no penalty": "tab:blue", "true L1": "tab:orange", "torus DoG": "tab:green", "Klein DoG": "tab:purple",
           "permuted DoG": "tab:olive", "torus diffusion": "tab:brown", "torus d": "tab:red", "permuted torus d": "tab:pink", "dense": "black"}


def plot(cells, groups):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(7.5, 5))
    for v in sorted({k[1] for k in cells}, key=rank):
        pts = [(n, *stat(c["values"])) for n in sorted({k[0] for k in cells}) if (c := cpu_cell(cells, n, v))]
        if not pts:
            continue
        xs, ms, ss = zip(*pts)
        ax.errorbar(xs, ms, yerr=ss, fmt="o-" if not v.startswith("permuted") else "o--", capsize=3, label=v, color=COLOURS.get(v, "grey"),
                    lw=1.8 if v.endswith("torus d") else 1.0)
    ax.set_xscale("log", base=2)
    ax.set_xlabel("hidden units N (Np = 256 place cells)")
    ax.set_ylabel("test decoding error at 90 % (cm)")
    ax.set_title("navigation, CPU recipe: error at 90 % against N (mean ± pop. std)")
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(os.path.join(OUT, "scaling_error.png"), dpi=110)
    plt.close(fig)

    fig, (a1, a2) = plt.subplots(1, 2, figsize=(10, 4.2))
    ns = [256, 512, 1024, 2048]
    a1.plot(ns, [90] * 4, "k-", label="cpu recipe (every matrix at 90 %)")
    a2.plot(ns, [cpu_share(n) for n in ns], "k-", label="cpu recipe (computed)")
    for (n, v, lam), xs in sorted(groups.items(), key=lambda kv: rank(kv[0][1])):
        mk = "o" if float(lam) >= 0.01 or lam == "0" else "s"
        lab = f"paper, {v}" + ("" if lam == "0" else f", λ {lam}")
        for ax_, values, scale in ((a1, [x[0] for x in xs], 100), (a2, [x[1] for x in xs], 1)):
            m, sd = stat(values)
            ax_.errorbar([n], [scale * m], yerr=[scale * sd], fmt=mk, color=COLOURS.get(v, "grey"), label=lab, capsize=3)
    for a in (a1, a2):
        a.set_xscale("log", base=2)
        a.set_xlabel("hidden units N")
    a1.set_ylabel("W_hh's own sparsity (%)")
    a2.set_ylabel("W_hh's share of the pruned weights")
    a1.set_title("W_hh's own sparsity at 90 % overall")
    a2.set_title("share of W_hh among pruned entries")
    a2.legend(fontsize=6)
    fig.tight_layout()
    fig.savefig(os.path.join(OUT, "scaling_whh.png"), dpi=110)
    plt.close(fig)


if __name__ == "__main__":
    cells = load()
    groups = write(cells, pruned_set())
    plot(cells, groups)
    print(open(os.path.join(OUT, "summary.md"), encoding="utf-8").read())
