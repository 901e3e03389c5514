"""Whether a CSV table is a time series, and the series settings a new project starts with.

A table is a series when one column orders its rows in time — dates or datetimes, or whole
numbers that only grow and are named like time (``YEAR``, ``t``, ``period``) — and every other
column that is read at all holds numbers. The target is the likeliest numeric column (by name and
place, as for tables); the other numeric columns become past inputs. The window covers two
seasons when a season is detected (24 rows otherwise) but at most a quarter of the training
rows, so a short yearly series still has windows to learn from.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from dlstudio.core.data.csv_reading import infer_columns
from dlstudio.core.data.series_season import detect_season
from dlstudio.core.data.series_time import looks_like_time, parse_times
from dlstudio.core.data.target_choice import suggested_target
from dlstudio.core.project.project import ColumnSpec, SeriesSpec

TIME_WORDS = ("year", "yr", "date", "time", "timestamp", "datetime", "period", "t", "month",
              "week", "day", "hour", "quarter", "index", "step", "ds")
"""Words in the name of a whole-number column that mark it as the time axis."""
DEFAULT_WINDOW = 24
TRAIN_SHARE = 0.7


def time_column(frame: pd.DataFrame) -> str | None:
    """The column that orders the rows in time, or ``None`` when the table has none."""
    for name in map(str, frame.columns):
        parsed = parse_times(frame[name]) if _named_like_time(name) or not \
            pd.api.types.is_numeric_dtype(frame[name]) else None
        if parsed is not None and looks_like_time(frame[name]):
            return name
    return None


def _named_like_time(name: str) -> bool:
    words = re.sub(r"[^a-z0-9]+", " ", name.lower()).split()
    return any(word in TIME_WORDS for word in words)


def detect_series(frame: pd.DataFrame, target: str | None = None) -> SeriesSpec | None:
    """Return the series settings for a table that is a time series, else ``None``.

    Args:
        frame: The file's rows.
        target: The column to forecast (default: the likeliest numeric column).
    """
    time = time_column(frame)
    if time is None:
        return None
    names = _numeric_columns(frame.drop(columns=[time]))
    if not names:
        return None
    chosen = target if target in names else suggested_target(
        [ColumnSpec(name, "feature", "numeric") for name in names])
    if chosen is None:
        return None
    return SeriesSpec(time_column=time, targets=[chosen],
                      past_covariates=[name for name in names if name != chosen],
                      window=default_window(frame[chosen]))


def _numeric_columns(frame: pd.DataFrame) -> list[str] | None:
    """The columns of numbers that vary; ``None`` when a column holds categories or text (a
    table, not a series). Columns read as identifiers or constants are passed over."""
    names = []
    for column in infer_columns(frame):
        values = frame[column.name]
        if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
            if values.nunique(dropna=True) > 1:
                names.append(column.name)
        elif column.role != "ignored":
            return None
    return names


def series_settings(frame: pd.DataFrame, target: str | None = None) -> SeriesSpec:
    """Series settings for a table asked to be read as a series (``--task forecasting``):
    the detected ones, or the rows in file order with every numeric column when no time
    column is found."""
    detected = detect_series(frame, target)
    if detected is not None:
        return detected
    numeric = [str(name) for name in frame.columns
               if pd.api.types.is_numeric_dtype(frame[name])]
    chosen = target if target in numeric else (numeric[-1] if numeric else target or "")
    time = time_column(frame) or ""
    return SeriesSpec(time_column=time, targets=[chosen] if chosen else [],
                      past_covariates=[name for name in numeric if name not in (chosen, time)],
                      window=default_window(frame[chosen]) if chosen in numeric else
                      DEFAULT_WINDOW)


def default_window(values: pd.Series) -> int:
    """Two seasons of rows (24 without a season), at most a quarter of the training rows."""
    numbers = pd.to_numeric(values, errors="coerce").to_numpy(dtype=np.float64)
    train = numbers[: int(len(numbers) * TRAIN_SHARE)]
    season = detect_season(train)
    wanted = 2 * season if season else DEFAULT_WINDOW
    return int(max(2, min(wanted, len(train) // 4)))
