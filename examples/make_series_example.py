"""Write the example time series ``monthly_sales.csv``: 15 years of a shop's monthly sales.

The file is the same on every run (a NumPy generator with a fixed seed): a slow upward trend,
a yearly season (a December peak, a summer dip), noise, two months missing from the file
(a gap in ``month``) and one month whose ``sales`` cell is empty, so ``dlstudio init`` reports
both and fills them by the project's rule. ``month`` is ``YYYY-MM``; ``sales`` in thousands.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

YEARS = 15
SEED = 20261129
START_YEAR = 2010
SKIPPED = (40, 41)
"""Months left out of the file (a gap of two rows)."""
EMPTY = 77
"""The month whose sales cell is empty."""


def make_series_csv(folder: str | Path) -> Path:
    """Write ``monthly_sales.csv`` into ``folder`` (created when missing) and return its path."""
    target = Path(folder) / "monthly_sales.csv"
    target.parent.mkdir(parents=True, exist_ok=True)
    generator = np.random.default_rng(SEED)
    months = np.arange(12 * YEARS)
    season = 12 * np.sin(2 * np.pi * (months - 2) / 12) + 18 * (months % 12 == 11)
    sales = 120 + 0.4 * months + season + generator.normal(0, 4, len(months))
    with target.open("w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        writer.writerow(["month", "sales"])
        for month, value in zip(months, sales, strict=True):
            if month in SKIPPED:
                continue
            label = f"{START_YEAR + month // 12}-{month % 12 + 1:02d}"
            writer.writerow([label, "" if month == EMPTY else f"{value:.1f}"])
    return target


if __name__ == "__main__":
    print(make_series_csv(Path(__file__).resolve().parent / "sales"))
