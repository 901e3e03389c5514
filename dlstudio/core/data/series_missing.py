"""Missing values in a series: counted, located and handled by the project's rule, never
silently.

Rules (``data.series.missing``): ``interpolate`` fills linearly between the neighbours in time
(the ends take the nearest value), ``forward_fill`` repeats the last value seen (the start takes
the first one), ``drop_windows`` leaves out every window whose rows touch a missing value
(the values themselves are then filled only so that no NaN reaches an array; no window reads
them).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from dlstudio.core.errors import DataError

ROWS_NAMED = 5


def fill_missing(values: np.ndarray, names: list[str], labels: list[str], rule: str,
                 warnings: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Fill the missing values of a ``(rows, columns)`` float array by ``rule``.

    Args:
        values: One column per name, NaN where a value is missing.
        names: The columns' names, for the report.
        labels: Each row's time as text, for the report.
        rule: ``interpolate``, ``forward_fill`` or ``drop_windows``.
        warnings: Where each column's missing values are reported (how many, where, and what
            was done), one sentence per column.

    Returns:
        The filled values (float32) and a per-row mask of the rows that were complete.

    Raises:
        DataError: A column has no value at all.
    """
    missing = np.isnan(values)
    for index, name in enumerate(names):
        rows = np.flatnonzero(missing[:, index])
        if rows.size == len(values):
            raise DataError(f"the column '{name}' has no value at all; remove it from the "
                            "series settings or fill it in the file")
        if rows.size:
            warnings.append(_missing_sentence(name, rows, labels, rule))
    frame = pd.DataFrame(values)
    if rule == "interpolate":
        frame = frame.interpolate(method="linear", limit_direction="both")
    frame = frame.ffill().bfill()
    return frame.to_numpy(dtype=np.float32), ~missing.any(axis=1)


def _missing_sentence(name: str, rows: np.ndarray, labels: list[str], rule: str) -> str:
    where = ", ".join(labels[row] for row in rows[:ROWS_NAMED])
    more = ", …" if rows.size > ROWS_NAMED else ""
    done = {"interpolate": "filled by linear interpolation in time",
            "forward_fill": "filled with the last value before them",
            "drop_windows": "the windows that touch them are left out"}[rule]
    return f"column '{name}' has {rows.size} missing value(s) (at {where}{more}); {done}"


def windows_without_missing(complete: np.ndarray, starts: np.ndarray, span: int) -> np.ndarray:
    """Keep the window starts whose ``span`` rows (window and horizon) are all complete."""
    if complete.all() or not starts.size:
        return starts
    bad = np.concatenate([[0], np.cumsum(~complete)])
    return starts[bad[starts + span] - bad[starts] == 0]
