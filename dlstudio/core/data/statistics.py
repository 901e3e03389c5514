"""Statistics the data view shows: per column, per class, per split (pandas only, no Qt)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from dlstudio.core.data.splitting import split_indices
from dlstudio.core.project.project import SplitSpec

if TYPE_CHECKING:
    import pandas as pd

MAX_CLASSES_SHOWN = 40


@dataclass(frozen=True)
class ColumnStatistics:
    """What one column holds.

    Attributes:
        name: The column's header.
        missing: Empty cells.
        distinct: Different values (missing not counted).
        minimum: Smallest value of a numeric column (``None`` otherwise).
        maximum: Largest value of a numeric column.
        mean: Mean of a numeric column.
    """

    name: str
    missing: int
    distinct: int
    minimum: float | None = None
    maximum: float | None = None
    mean: float | None = None

    def range_text(self) -> str:
        """Return ``min – max`` of a numeric column, or an empty string."""
        if self.minimum is None or self.maximum is None:
            return ""
        return f"{format_number(self.minimum)} – {format_number(self.maximum)}"


def column_statistics(frame: pd.DataFrame) -> list[ColumnStatistics]:
    """Return the statistics of every column of ``frame``, in column order."""
    return [_statistics(str(name), frame[name]) for name in frame.columns]


def _statistics(name: str, series: pd.Series) -> ColumnStatistics:
    missing = int(series.isna().sum())
    distinct = int(series.nunique(dropna=True))
    if series.dtype.kind not in "iuf" or missing == len(series):
        return ColumnStatistics(name, missing, distinct)
    values = series.to_numpy(dtype=float)
    return ColumnStatistics(name, missing, distinct, float(np.nanmin(values)),
                            float(np.nanmax(values)), float(np.nanmean(values)))


def class_counts(frame: pd.DataFrame, target: str) -> list[tuple[str, int]]:
    """Return ``(class, rows)`` of the target column, most frequent first (missing left out).

    At most :data:`MAX_CLASSES_SHOWN` classes are returned.
    """
    counts = frame[target].dropna().astype(str).value_counts()
    return [(str(label), int(count)) for label, count in counts.head(MAX_CLASSES_SHOWN).items()]


def split_counts(labels_or_n: Any, split: SplitSpec) -> dict[str, int]:
    """Return how many samples each split gets with ``split``'s fractions and seed."""
    indices = split_indices(labels_or_n, split, split.seed, split.stratified)
    return {name: int(len(values)) for name, values in indices.items()}


def format_number(value: float) -> str:
    """Return ``value`` in at most about six significant digits (``12.5``, ``1.2e+06``)."""
    if math.isnan(value):
        return "–"
    if value == int(value) and abs(value) < 1e9:
        return str(int(value))
    return f"{value:.4g}"
