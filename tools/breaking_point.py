#!/usr/bin/env python3
"""The breaking-point summary of issue 19, merged from the committed `geosparse report` CSVs.

The breaking-point runs came from several sweeps over several sessions (run folders of the
earliest were lost with their machine; their per-run values survive in the report CSVs). This
script reads only committed files under docs/results/, merges each (N, recipe, variant,
sparsity) cell's per-run values (a value present in two reports — a bit-identical rerun — counts
once), and writes

  docs/results/navigation-breaking-point/summary.csv   one row per cell, with its sources
  docs/results/navigation-breaking-point/summary.md    the tables, with the breaking target
  docs/results/navigation-breaking-point/breaking_n{256,512}.png   error against kept fraction

Breaking rule (issue 19, stated before the runs): the first target whose mean test error
exceeds 2 × the dense mean of the same N.

    python3 tools/breaking_point.py            # from the repository root; needs matplotlib
"""
import csv
import os

import report_cells

ROOT = "docs/results"
OUT = os.path.join(ROOT, "navigation-breaking-point")
TARGETS = ["90 %", "95 %", "98 %", "99 %"]

# (N, recipe, file, group label in the file) -> variant name; None: skip the group.
def normalise(label):
    """A report group label -> (variant, recipe)."""
    recipe = "cpu"
    for tag in (", paper recipe", ", paper"):
        if tag in label:
            recipe = "paper"
            label = label.replace(tag, "")
    label = label.replace(", cpu", "").replace(", 99 %", "").replace(", 98 %", "").replace(", 95 %", "")
    names = {
        "space=torus, inhibitor=identity, permute=false, lambda=0.17": "torus d, λ 0.17",
        "space=torus, inhibitor=identity, permute=true, lambda=0.17": "permuted torus d, λ 0.17",
        "L1, λ 0.01": "true L1, λ 0.01",
        "no penalty": "no penalty",
        "dense": "dense",
    }
    return names.get(label, label), recipe


SOURCES = [
    # N = 256: the breaking sweep (stop 22 and stop 24), R = d (stops 26-27), the dense reference
    (256, "navigation-breaking-point/n256/report.csv", None),
    (256, "navigation-breaking-point/n256-records/report.csv", None),
    (256, "navigation-distance/n256/report.csv", {"torus d, λ 0.17", "permuted torus d, λ 0.17"}),
    (256, "navigation-distance/more256/report.csv", None),
    # N = 512: the scaling study's 90 % (dense reference), the breaking sweep, R = d, stop 28's rows
    (512, "navigation-scaling/n512/report.csv", None),
    (512, "navigation-breaking-point/n512/report.csv", None),
    (512, "navigation-distance/n512/report.csv", None),
    (512, "navigation-breaking-point/n512-more/report.csv", None),
]

ORDER = ["dense", "no penalty", "true L1, λ 0.01", "L1, λ 0.665 (DoG's mean pressure)", "torus DoG, λ 0.01",
         "permuted DoG, λ 0.01", "Klein DoG, λ 0.01", "torus diffusion, λ 0.01", "torus d, λ 0.17",
         "permuted torus d, λ 0.17"]


def load():
    cells = {}  # (n, recipe, variant, sparsity) -> {"values": [...], "sources": [...]}
    for n, path, keep in SOURCES:
        for row in report_cells.rows(ROOT, path):
            if row["metric"] != "test_error_cm":
                continue
            variant, recipe = normalise(row["group"])
            if keep is not None and variant not in keep:
                continue
            sparsity = "dense" if variant == "dense" else row["sparsity"]
            report_cells.add_values(cells, (n, recipe, variant, sparsity), row["values"], path)
    return cells


stat = report_cells.stat


def write(cells):
    with open(os.path.join(OUT, "summary.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["n", "recipe", "variant", "sparsity", "runs", "mean_cm", "std_cm", "values", "sources"])
        for (n, recipe, variant, sp), c in sorted(cells.items(), key=lambda kv: (kv[0][0], kv[0][1], rank(kv[0][2]), kv[0][3])):
            m, s = stat(c["values"])
            w.writerow([n, recipe, variant, sp, len(c["values"]), m, s, " ".join(repr(v) for v in c["values"]), " ".join(c["sources"])])
    lines = ["# Breaking point: merged table (made by tools/breaking_point.py from the committed report CSVs)", ""]
    for n in (256, 512):
        dense = cells.get((n, "cpu", "dense", "dense"))
        if not dense:
            continue
        dm, ds = stat(dense["values"])
        lines += [f"## N = {n}: test error (cm), mean ± population std (runs); dense {dm:.2f} ± {ds:.2f} ({len(dense['values'])}), "
                  f"breaking = first target with mean > 2 × dense = {2 * dm:.2f}", "",
                  "| variant | recipe | " + " | ".join(TARGETS) + " | breaks at |", "|---|---|" + "---|" * len(TARGETS) + "---|"]
        for recipe in ("cpu", "paper"):
            for variant in sorted({k[2] for k in cells if k[0] == n and k[1] == recipe and k[2] != "dense"}, key=rank):
                row, breaks = [], None
                for t in TARGETS:
                    c = cells.get((n, recipe, variant, t))
                    if not c:
                        row.append("")
                        continue
                    m, s = stat(c["values"])
                    row.append(f"{m:.2f} ± {s:.2f} ({len(c['values'])})")
                    if breaks is None and m > 2 * dm:
                        breaks = t
                measured = [t for t in TARGETS if (n, recipe, variant, t) in cells]
                verdict = breaks or (f"not by {measured[-1]}" if measured else "")
                lines.append(f"| {variant} | {recipe} | " + " | ".join(row) + f" | {verdict} |")
        lines.append("")
    with open(os.path.join(OUT, "summary.md"), "w", encoding="utf-8") as f:
        f.write("\n".join(lines))


def rank(variant):
    return ORDER.index(variant) if variant in ORDER else len(ORDER)


COLOURS = {"no penalty": "tab:blue", "true L1, λ 0.01": "tab:orange", "DoG, λ 0.01": "tab:green", "torus DoG, λ 0.01": "tab:green",
           "Klein DoG, λ 0.01": "tab:purple", "torus diffusion, λ 0.01": "tab:brown", "torus d, λ 0.17": "tab:red"}


def plot(cells):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    kept = {"90 %": 10, "95 %": 5, "98 %": 2, "99 %": 1}
    for n in (256, 512):
        dense = cells.get((n, "cpu", "dense", "dense"))
        if not dense:
            continue
        dm, _ = stat(dense["values"])
        fig, ax = plt.subplots(figsize=(7.5, 5))
        for variant in sorted({k[2] for k in cells if k[0] == n and k[1] == "cpu" and k[2] != "dense"}, key=rank):
            pts = [(kept[t], *stat(cells[(n, "cpu", variant, t)]["values"])) for t in TARGETS if (n, "cpu", variant, t) in cells]
            if len(pts) < 2:
                continue
            xs, ms, ss = zip(*pts)
            style = "--" if variant.startswith("permuted") else "-"  # a control: its variant's colour, dashed
            ax.errorbar(xs, ms, yerr=ss, fmt="o" + style, capsize=3, label=variant, color=COLOURS.get(variant.removeprefix("permuted "), "grey"),
                        lw=1.8 if " d," in variant else 1.0)
        ax.axhline(dm, color="black", lw=0.8, label=f"dense {dm:.1f} cm")
        ax.axhline(2 * dm, color="grey", lw=0.8, ls=":", label="2 × dense (breaking)")
        ax.set_xscale("log")
        ax.set_xticks([10, 5, 2, 1])
        ax.set_xticklabels(["10 %", "5 %", "2 %", "1 %"])
        ax.invert_xaxis()
        ax.set_xlabel("weights kept (each matrix pruned to the target)")
        ax.set_ylabel("test decoding error (cm)")
        ax.set_title(f"navigation, N = {n}: error against sparsity (mean ± pop. std over seeds)")
        ax.legend(fontsize=7, loc="upper left")
        fig.tight_layout()
        fig.savefig(os.path.join(OUT, f"breaking_n{n}.png"), dpi=110)
        plt.close(fig)


if __name__ == "__main__":
    cells = load()
    write(cells)
    plot(cells)
    print(open(os.path.join(OUT, "summary.md"), encoding="utf-8").read())
