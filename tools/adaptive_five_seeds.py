#!/usr/bin/env python3
"""Issue 14's navigation table with 5 seeds, merged from the committed `geosparse report` CSVs.

Seeds 0-2 of the adaptive variants (docs/results/navigation-adaptive/n256 and
communicability/, whose run folders are gone; their per-run values survive in the CSVs) and
seeds 3-4 (docs/results/navigation-adaptive/seeds34, sweeps/navigation-adaptive-seeds-256.toml).
Writes docs/results/navigation-adaptive/five_seeds.md and .csv: per variant the test error at
90 %, mean ± population std over the seeds found, and each seed group's own mean.

    python3 tools/adaptive_five_seeds.py        # from the repository root
"""
import csv
import os
import statistics

ROOT = "docs/results/navigation-adaptive"
# variant label in seeds34 -> its label in the seed 0-2 reports (file, group)
VARIANTS = [
    ("torus DoG, λ 0.01", "n256", "torus DoG, cpu, λ 0.01"),
    ("Klein DoG, λ 0.01", "n256", "Klein DoG, cpu, λ 0.01"),
    ("torus DoG + swaps, λ 0.01", "n256", "torus DoG + swaps, λ 0.01"),
    ("Klein DoG + swaps, λ 0.01", "n256", "Klein DoG + swaps, λ 0.01"),
    ("torus DoG, trainable points, λ 0.01", "n256", "torus DoG, trainable points, λ 0.01"),
    ("Klein DoG, trainable points, λ 0.01", "n256", "Klein DoG, trainable points, λ 0.01"),
    ("torus d × C (seRNN cost), λ 18", "communicability", "torus d × C (seRNN cost), λ 18"),
]


def values(path, group):
    for row in csv.DictReader(open(path, encoding="utf-8")):
        if row["metric"] == "test_error_cm" and row["group"] == group and row["sparsity"] == "90 %":
            return [float(v) for v in row["values"].split()]
    return []


def cell(v):
    return f"{statistics.fmean(v):.2f} ± {statistics.pstdev(v):.2f}" if v else "—"


def main():
    lines = ["| variant | seeds 0-2 | seeds 3-4 | all seeds (n) |", "|---|---|---|---|"]
    rows = []
    for label, src, old_label in VARIANTS:
        first = values(os.path.join(ROOT, src, "report.csv"), old_label)
        second = values(os.path.join(ROOT, "seeds34", "report.csv"), label)
        both = first + second
        lines.append(f"| {label} | {cell(first)} | {cell(second)} | {cell(both)} ({len(both)}) |")
        rows.append([label, len(both), statistics.fmean(both) if both else "", statistics.pstdev(both) if both else "", " ".join(map(repr, first)), " ".join(map(repr, second))])
    with open(os.path.join(ROOT, "five_seeds.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["variant", "runs", "mean_cm", "std_cm", "seeds_0_2", "seeds_3_4"])
        w.writerows(rows)
    text = "# Navigation, N = 256, 90 %: test error (cm), mean ± population std (made by tools/adaptive_five_seeds.py)\n\n" + "\n".join(lines) + "\n"
    with open(os.path.join(ROOT, "five_seeds.md"), "w", encoding="utf-8") as f:
        f.write(text)
    print(text)


if __name__ == "__main__":
    main()
