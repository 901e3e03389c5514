"""The time axis of a series: which column orders the rows, its step, and its gaps.

A time column holds dates or datetimes (``2001-03``, ``2001-03-01 12:00``) or whole numbers that
only grow (a year, an index). :func:`read_time_axis` parses it, puts the rows in time order
(saying so when they were not), refuses repeated times, infers the step (pandas' frequency for
dates, so months of 28-31 days are one step; the most common difference otherwise) and inserts
an empty row for every missing time, so the series is regular and a gap becomes missing values
that the chosen rule handles (:mod:`dlstudio.core.data.series_missing`) — never silently: every
gap is reported with where it is.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from dlstudio.core.errors import DataError

MIN_ROWS_FOR_TIME = 3
"""A column is taken as time from this many rows on."""
GAPS_NAMED = 5


@dataclass
class TimeAxis:
    """The times of a regular series, one per row (after gaps were filled in).

    Attributes:
        kind: ``dates`` (``datetime64`` values), ``numbers`` (whole numbers) or ``rows`` (no
            time column: the row number).
        values: One time per row.
        step: The distance between two rows: a pandas frequency string for dates (``MS``,
            ``D``; ``None`` when pandas finds none and a fixed ``timedelta`` is used), a whole
            number otherwise.
        delta: The fixed step of dates without a frequency (``None`` otherwise).
        gaps: Each gap as ``(last time before it, missing count)``, in words ready to show.
        inserted: Row positions (in the regular series) that a gap inserted.
        reordered: Whether the file's rows were out of time order.
    """

    kind: str
    values: np.ndarray
    step: str | int | None = 1
    delta: pd.Timedelta | None = None
    gaps: list[tuple[str, int]] = field(default_factory=list)
    inserted: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    reordered: bool = False

    def labels(self, positions: np.ndarray | None = None) -> list[str]:
        """The times at ``positions`` (default all) as text: ISO dates, or numbers."""
        values = self.values if positions is None else self.values[positions]
        return [format_time(value, self.kind) for value in values]

    def after_last(self, count: int) -> np.ndarray:
        """The ``count`` times that follow the last row, one step apart."""
        return self.following(self.values[-1], count)

    def following(self, last: object, count: int) -> np.ndarray:
        """The ``count`` times that follow ``last``, one step apart."""
        if self.kind != "dates":
            step = int(self.step or 1)
            return np.asarray(last, dtype=np.int64) + step * np.arange(1, count + 1)
        start = pd.Timestamp(last)
        if self.step is not None:
            times = pd.date_range(start, periods=count + 1, freq=self.step)[1:]
        else:
            times = pd.DatetimeIndex([start + self.delta * (i + 1) for i in range(count)])
        return times.to_numpy(dtype="datetime64[ns]")


def format_time(value: object, kind: str) -> str:
    """One time as text: ``2001-03-01`` (a time of day only when there is one), or a number."""
    if kind != "dates":
        return str(int(value))
    stamp = pd.Timestamp(value)
    return stamp.strftime("%Y-%m-%d") if stamp == stamp.normalize() else stamp.isoformat()


def parse_times(column: pd.Series) -> tuple[str, np.ndarray] | None:
    """Read a column as times: ``("numbers", int64)`` for whole numbers, ``("dates",
    datetime64)`` for dates; ``None`` when it is neither or has empty cells."""
    if len(column) < MIN_ROWS_FOR_TIME or column.isna().any():
        return None
    if pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column):
        values = column.to_numpy(dtype=np.float64)
        if np.all(np.isfinite(values)) and np.all(values == np.round(values)):
            return "numbers", values.astype(np.int64)
        return None
    text = column.astype(str).str.strip()
    if not text.str.contains(r"\d", regex=True).all() or not text.str.contains(
            r"[-/:.T ]|^\d{8}$", regex=True).all():
        return None
    try:
        parsed = pd.to_datetime(text, errors="raise", format="mixed")
    except (ValueError, TypeError, OverflowError):
        return None
    if getattr(parsed.dt, "tz", None) is not None:
        parsed = parsed.dt.tz_convert(None)
    return "dates", parsed.to_numpy(dtype="datetime64[ns]")


def looks_like_time(column: pd.Series) -> bool:
    """Whether a column can order a series: dates, or whole numbers all distinct and in
    order (a year, an index)."""
    parsed = parse_times(column)
    if parsed is None:
        return False
    kind, values = parsed
    if kind == "dates":
        return len(np.unique(values)) == len(values)
    return bool(np.all(np.diff(values) > 0))


def read_time_axis(frame: pd.DataFrame, time_column: str,
                   warnings: list[str]) -> tuple[pd.DataFrame, TimeAxis]:
    """Order ``frame`` by its time column and make it regular (one row per step).

    Args:
        frame: The file's rows.
        time_column: The column of times (``""``: the rows are in order, one step apart).
        warnings: Where reordering and gaps are reported, each in one sentence.

    Returns:
        The rows in time order with an empty row inserted per missing time, and the axis.

    Raises:
        DataError: The column is missing, is not times, or repeats a time.
    """
    if not time_column:
        return frame.reset_index(drop=True), TimeAxis("rows", np.arange(1, len(frame) + 1))
    if time_column not in frame.columns:
        raise DataError(f"the time column '{time_column}' is not in the file; its columns are "
                        f"{', '.join(map(str, frame.columns))} — set data.series.time_column")
    parsed = parse_times(frame[time_column])
    if parsed is None:
        raise DataError(f"the time column '{time_column}' holds neither dates nor whole "
                        "numbers on every row; choose another time column, or leave it empty "
                        "to take the rows in file order")
    kind, values = parsed
    order = np.argsort(values, kind="stable")
    reordered = bool(np.any(order != np.arange(len(order))))
    frame, values = frame.iloc[order].reset_index(drop=True), values[order]
    if reordered:
        warnings.append(f"the rows were not in time order of '{time_column}'; they are read "
                        "sorted by it")
    repeated = np.flatnonzero(values[1:] == values[:-1])
    if repeated.size:
        first = format_time(values[repeated[0]], kind)
        raise DataError(f"the time column '{time_column}' repeats {repeated.size} time(s), "
                        f"such as {first}; a series has one row per time — aggregate or "
                        "remove the repeated rows")
    axis = _regular_axis(kind, values)
    axis.reordered = reordered
    frame = _with_gap_rows(frame, axis)
    _report_gaps(axis, time_column, warnings)
    return frame, axis


def _regular_axis(kind: str, values: np.ndarray) -> TimeAxis:
    """The regular axis spanning ``values`` and where the given times sit on it."""
    if kind == "numbers":
        differences = np.diff(values)
        step = int(_most_common(differences)) if differences.size else 1
        if step <= 0 or np.any(differences % step):
            return TimeAxis(kind, values, step=step)  # irregular: kept as is
        regular = np.arange(values[0], values[-1] + step, step, dtype=np.int64)
        return TimeAxis(kind, regular, step=step, inserted=_missing_positions(regular, values))
    index = pd.DatetimeIndex(values)
    frequency = pd.infer_freq(index) if len(index) >= 3 else None
    frequency = frequency or _frequency_with_gaps(index)
    if frequency is not None:
        regular = pd.date_range(index[0], index[-1], freq=frequency)
        if regular.isin(index).sum() == len(index):
            times = regular.to_numpy(dtype="datetime64[ns]")
            return TimeAxis(kind, times, step=frequency,
                            inserted=_missing_positions(times, values))
    delta = pd.Timedelta(_most_common(np.diff(values)))
    return TimeAxis(kind, values, step=None, delta=delta)


def _frequency_with_gaps(index: pd.DatetimeIndex) -> str | None:
    """The frequency of dates that skip some steps: the one inferred on the longest run."""
    for start in range(0, max(1, len(index) - 3), max(1, len(index) // 8)):
        for length in (12, 6, 3):
            window = index[start:start + length]
            if len(window) == length:
                frequency = pd.infer_freq(window)
                if frequency is not None:
                    return frequency
    return None


def _most_common(values: np.ndarray) -> object:
    unique, counts = np.unique(values, return_counts=True)
    return unique[int(np.argmax(counts))]


def _missing_positions(regular: np.ndarray, given: np.ndarray) -> np.ndarray:
    return np.flatnonzero(~np.isin(regular, given)).astype(np.int64)


def _with_gap_rows(frame: pd.DataFrame, axis: TimeAxis) -> pd.DataFrame:
    """``frame`` with an empty row (but its time) at each inserted position."""
    if not axis.inserted.size:
        return frame
    keep = np.ones(len(axis.values), dtype=bool)
    keep[axis.inserted] = False
    regular = pd.DataFrame(index=np.arange(len(axis.values)), columns=frame.columns,
                           dtype=object)
    regular = regular.astype({name: frame[name].dtype for name in frame.columns
                              if pd.api.types.is_float_dtype(frame[name])})
    regular.iloc[np.flatnonzero(keep)] = frame.to_numpy()
    for name in frame.columns:
        if pd.api.types.is_numeric_dtype(frame[name]):
            regular[name] = pd.to_numeric(regular[name], errors="coerce")
    return regular


def _report_gaps(axis: TimeAxis, time_column: str, warnings: list[str]) -> None:
    if not axis.inserted.size:
        return
    runs = np.split(axis.inserted, np.flatnonzero(np.diff(axis.inserted) > 1) + 1)
    axis.gaps = [(format_time(axis.values[run[0] - 1], axis.kind), len(run)) for run in runs]
    named = "; ".join(f"{count} after {time}" for time, count in axis.gaps[:GAPS_NAMED])
    more = f"; and {len(runs) - GAPS_NAMED} more gaps" if len(runs) > GAPS_NAMED else ""
    warnings.append(f"'{time_column}' skips {axis.inserted.size} time(s) in {len(runs)} gap(s) "
                    f"({named}{more}); their rows are read as missing values")
