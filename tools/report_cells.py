"""Shared by tools/breaking_point.py and tools/scaling.py: reading committed `geosparse report`
CSVs and merging their per-run values into cells.

A study's runs can come from several sweeps, sessions and machines; each report CSV row lists
its runs' values, and a value present in two reports (a bit-identical rerun) counts once.
"""
import csv
import os
import statistics
import sys


def rows(root, path):
    """The rows of ROOT/PATH (a report.csv), or [] with a note when it does not exist yet."""
    full = os.path.join(root, path)
    if not os.path.exists(full):
        print(f"note: {full} not found (not run yet); skipped", file=sys.stderr)
        return []
    return list(csv.DictReader(open(full, encoding="utf-8")))


def add_values(cells, key, values_text, source):
    """Adds a row's space-separated per-run values to cells[key], each value once."""
    cell = cells.setdefault(key, {"values": [], "sources": []})
    added = [float(v) for v in values_text.split() if float(v) not in cell["values"]]
    cell["values"] += added
    if added:
        cell["sources"].append(source)


def stat(values):
    """Mean and population standard deviation."""
    return statistics.fmean(values), statistics.pstdev(values)
