"""The time-ordered split of a series into windows: train, then validation, then test.

A window is ``window`` rows of inputs followed by ``horizon`` rows of targets; it is named by its
start row. The rows are cut in time order by the split fractions (train rows first); a window
belongs to the split that holds **all** its target rows, so the last training forecast ends
before the first validation row and ``horizon - 1`` forecast origins are left out at each
boundary — no target is ever in two splits, and nothing is shuffled across a boundary. A window's
inputs may reach back into the split before it: that past is known when the forecast is made.
The stride thins the training windows only; validation and test keep every window.
"""

from __future__ import annotations

import numpy as np

from dlstudio.core.data.base import SPLITS
from dlstudio.core.data.series_missing import windows_without_missing
from dlstudio.core.errors import DataError


def split_rows(rows: int, fractions: tuple[float, float, float]) -> tuple[int, int]:
    """Return the first validation row and the first test row for ``rows`` rows."""
    total = sum(fractions) or 1.0
    train_end = int(round(rows * fractions[0] / total))
    validation_end = int(round(rows * (fractions[0] + fractions[1]) / total))
    return train_end, validation_end


def window_starts(rows: int, window: int, horizon: int, stride: int,
                  fractions: tuple[float, float, float], complete: np.ndarray | None = None,
                  evaluation_only: bool = False) -> dict[str, np.ndarray]:
    """Return each split's window start rows (int64, in time order).

    Args:
        rows: Rows in the regular series.
        window: Input rows per window.
        horizon: Target rows after each window.
        stride: Rows between two training window starts.
        fractions: The train, validation and test fractions of the rows.
        complete: Per row, whether every value was given; windows that touch an incomplete
            row are left out (the ``drop_windows`` rule). ``None``: keep every window.
        evaluation_only: Every window is a test window (new data read like the training data).

    Raises:
        DataError: The series is too short for one training window.
    """
    span = window + horizon
    every = np.arange(0, max(rows - span + 1, 0), dtype=np.int64)
    if complete is not None:
        every = windows_without_missing(complete, every, span)
    if evaluation_only:
        empty = np.empty(0, np.int64)
        return {"train": empty, "validation": empty, "test": every}
    train_end, validation_end = split_rows(rows, fractions)
    first_target, last_target = every + window, every + span - 1
    starts = {
        "train": every[last_target < train_end][::max(stride, 1)],
        "validation": every[(first_target >= train_end) & (last_target < validation_end)],
        "test": every[first_target >= validation_end],
    }
    if not len(starts["train"]):
        raise DataError(
            f"the series has {rows} rows, too few for one training window of {window} rows "
            f"and a horizon of {horizon} in the first {train_end} (training) rows; lower "
            "data.series.window or the horizon, or raise split.train")
    return {split: starts[split] for split in SPLITS}
