"""Time stamps as plot coordinates: numbers (a year, an index) stay, dates become seconds.

A series' time column may hold years (``1871``), indices or dates and datetimes (ISO text);
pyqtgraph plots floats, so :func:`plot_times` turns dates into seconds since 1970 and says so,
and :func:`use_time_axis` gives the plot a date axis for them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import pyqtgraph as pg


def plot_times(values: Sequence[Any] | np.ndarray) -> tuple[np.ndarray, bool]:
    """Return ``values`` as floats for the x axis, and whether they are dates.

    Numbers (and text that reads as numbers) are kept; anything else is read as dates and
    given in seconds since 1970 (UTC). Values that read as neither become NaN.
    """
    array = np.asarray(values)
    if array.size == 0:
        return np.zeros(0), False
    if np.issubdtype(array.dtype, np.datetime64):
        return _seconds(pd.to_datetime(array.ravel())).reshape(array.shape), True
    numbers = pd.to_numeric(pd.Series(array.ravel()), errors="coerce").to_numpy(dtype=float)
    if np.isfinite(numbers).mean() >= 0.9 or array.dtype.kind in "iuf":
        return numbers.reshape(array.shape), False
    dates = pd.to_datetime(pd.Series(array.ravel()), errors="coerce", utc=True)
    return _seconds(pd.DatetimeIndex(dates)).reshape(array.shape), True


def _seconds(index: pd.DatetimeIndex) -> np.ndarray:
    if index.tz is not None:
        index = index.tz_convert("UTC").tz_localize(None)
    values = index.to_numpy(dtype="datetime64[ns]")
    seconds = values.astype("int64").astype(float) / 1e9
    seconds[np.isnat(values)] = np.nan
    return seconds


def use_time_axis(plot: pg.PlotWidget, dates: bool) -> None:
    """Give ``plot`` a date axis at the bottom when ``dates``, a number axis otherwise."""
    current = plot.getPlotItem().getAxis("bottom")
    if dates == isinstance(current, pg.DateAxisItem):
        return
    axis = pg.DateAxisItem(orientation="bottom", utcOffset=0) if dates else \
        pg.AxisItem(orientation="bottom")
    plot.getPlotItem().setAxisItems({"bottom": axis})


def time_text(value: float, dates: bool) -> str:
    """One plot coordinate as a person reads it: ``1998`` or ``1998-03-01``."""
    if not np.isfinite(value):
        return "?"
    if dates:
        stamp = pd.Timestamp(value, unit="s")
        return stamp.strftime("%Y-%m-%d %H:%M") if stamp.hour or stamp.minute else \
            stamp.strftime("%Y-%m-%d")
    return f"{value:g}"
