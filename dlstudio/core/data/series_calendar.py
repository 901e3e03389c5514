"""Calendar inputs made from a time column: each a sine and a cosine of its place in its cycle.

``day_of_week`` (7 days), ``month`` (12 months), ``day_of_year`` (365.25 days) and ``hour``
(24 hours) become two columns each (``month_sin``, ``month_cos``), so December sits next to
January. They are known in advance, so they are inputs over the forecast's steps too.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from dlstudio.core.errors import DataError


def calendar_names(features: list[str]) -> list[str]:
    """The columns ``features`` make, in order (``month_sin``, ``month_cos``, …)."""
    return [f"{feature}_{wave}" for feature in features for wave in ("sin", "cos")]


def calendar_columns(times: np.ndarray, kind: str, features: list[str]) -> np.ndarray:
    """Return a ``(rows, 2 × features)`` float32 array of the calendar inputs at ``times``.

    Raises:
        DataError: The times are not dates (a year or an index has no weekday).
    """
    if not features:
        return np.zeros((len(times), 0), np.float32)
    if kind != "dates":
        raise DataError("calendar inputs need a time column of dates, but the time column holds "
                        "whole numbers; remove data.series.calendar_features")
    index = pd.DatetimeIndex(times)
    phases = {"day_of_week": index.dayofweek / 7.0, "month": (index.month - 1) / 12.0,
              "day_of_year": (index.dayofyear - 1) / 365.25,
              "hour": (index.hour + index.minute / 60.0) / 24.0}
    columns = []
    for feature in features:
        angle = 2 * np.pi * np.asarray(phases[feature], dtype=np.float64)
        columns += [np.sin(angle), np.cos(angle)]
    return np.stack(columns, axis=1).astype(np.float32)
