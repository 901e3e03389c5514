"""A CSV file read as a time series (``data.series``) for forecasting, as a :class:`Dataset`.

The rows are put in time order and made regular (:mod:`series_time`: gaps become missing
rows), missing values are handled by the project's rule (:mod:`series_missing`), calendar
inputs are made from the time column (:mod:`series_calendar`), and the windows are split in
time order (:mod:`series_split`). Windows stream from the value array with ``tf.data``: each
batch gathers its windows by start row, so no array of all windows is ever made.

The model takes raw values: ``window`` ``(window, columns)`` — the targets, the past inputs,
the known inputs and the calendar inputs, in that order — and, when there are known or
calendar inputs, ``future`` ``(horizon, known columns)``, their values over the forecast's
steps. Normalization (means and variances of the training rows only) lives in the model; the
forecast comes out in the targets' units
(:class:`~dlstudio.core.model.series_layers.ForecastScale`).
The outputs are step-major and named in :attr:`class_names` (``VALUE t+1``, ``VALUE t+2``…).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from dlstudio.core.data.base import SPLITS, Dataset
from dlstudio.core.data.csv_reading import CsvFile, read_csv_file
from dlstudio.core.data.series_calendar import calendar_columns, calendar_names
from dlstudio.core.data.series_missing import fill_missing
from dlstudio.core.data.series_split import split_rows, window_starts
from dlstudio.core.data.series_time import TimeAxis, read_time_axis
from dlstudio.core.data.tabular_columns import as_numbers
from dlstudio.core.errors import DataError
from dlstudio.core.project.project import ColumnSpec

if TYPE_CHECKING:
    from dlstudio.core.project.project import Project, SeriesSpec

WINDOW_INPUT, FUTURE_INPUT = "window", "future"


def output_names(targets: list[str], horizon: int) -> list[str]:
    """The outputs' names, step-major: ``VALUE t+1``, ``OTHER t+1``, ``VALUE t+2``, …"""
    return [f"{target} t+{step}" for step in range(1, horizon + 1) for target in targets]


class SeriesDataset(Dataset):
    """A time series read through a project's ``data.series`` settings.

    Attributes beyond :class:`Dataset`'s: ``series`` (the settings), ``axis`` (the regular
    time axis), ``values`` (``(rows, columns)`` float32 inputs, filled), ``column_names`` (their
    names), ``complete`` (rows that had every value), ``starts`` (each split's window start
    rows), ``future_rows`` (rows after the file's last complete target row that hold the known
    inputs of the forecast, for ``predict``).
    """

    kind = "csv"
    task = "forecasting"

    def __init__(self, series: SeriesSpec, frame: pd.DataFrame, axis: TimeAxis,
                 warnings: list[str]) -> None:
        self.series = series
        self.axis = axis
        self.warnings = warnings
        self.class_names = output_names(series.targets, series.horizon)
        self.has_targets = all(name in frame.columns for name in series.targets)
        self.columns = _column_specs(frame, series)
        self.known_names = [*series.known_covariates, *calendar_names(series.calendar_features)]
        self.column_names = [*series.targets, *series.past_covariates, *self.known_names]
        self.starts: dict[str, np.ndarray] = {}
        self.table: CsvFile | None = None  # the file as read (its delimiter, for exports)
        self._window_input: Any = None
        self._window_change: Any = None
        raw = np.column_stack([_numbers(frame, name) for name in self.input_columns()])
        raw = np.column_stack([raw, calendar_columns(axis.values, axis.kind,
                                                     series.calendar_features)])
        self.raw = raw
        labels = axis.labels()
        self.values, self.complete = fill_missing(raw, self.column_names, labels,
                                                  series.missing, warnings)

    def input_columns(self) -> list[str]:
        """The file's columns the model reads, in input order."""
        return self.series.input_columns()

    @classmethod
    def open(cls, project: Project, source: str | Path, *,
             evaluation_only: bool = False) -> SeriesDataset:
        """Read ``source`` through ``project.data.series`` and split its windows.

        Raises:
            DataError: A column is missing or not numbers, the time column is unusable, or
                the series is too short for a window.
        """
        table = read_csv_file(source)
        dataset = cls.from_frame(project, table.frame, list(table.warnings),
                                 evaluation_only=evaluation_only)
        dataset.table = table
        return dataset

    @classmethod
    def from_frame(cls, project: Project, frame: pd.DataFrame, warnings: list[str], *,
                   evaluation_only: bool = False) -> SeriesDataset:
        """Like :meth:`open`, for rows already read."""
        series = project.data.series
        if series is None:
            raise DataError("the project has no data.series settings; set them to forecast")
        _check_columns(frame, series)
        frame, axis = read_time_axis(frame, series.time_column, warnings)
        dataset = cls(series, frame, axis, warnings)
        fractions = (project.split.train, project.split.validation, project.split.test)
        complete = dataset.complete if series.missing == "drop_windows" else None
        dataset.starts = window_starts(len(axis.values), series.window, series.horizon,
                                       series.stride, fractions, complete, evaluation_only)
        dataset.fractions = fractions
        rows = len(axis.values)
        train_end, validation_end = (0, 0) if evaluation_only else split_rows(rows, fractions)
        dataset.train_rows = train_end
        dataset.row_ranges = {"train": (0, train_end), "validation": (train_end, validation_end),
                              "test": (validation_end, rows)}
        return dataset

    # Sizes and shapes --------------------------------------------------------------------

    def split_size(self, split: str) -> int:
        """Return the number of windows in ``split``."""
        return len(self.starts[split])

    @property
    def past_columns(self) -> int:
        """Columns known only up to the forecast's start (the targets and past inputs)."""
        return len(self.series.targets) + len(self.series.past_covariates)

    @property
    def has_future(self) -> bool:
        """Whether the model takes the known inputs over the forecast's steps."""
        return bool(self.known_names)

    def feature_shape(self) -> tuple[int, ...]:
        """``(window, features)``, or ``(window + horizon, features + 1)`` with known inputs;
        the features are each target's change within the window, then every column."""
        window = self.series.window
        columns = len(self.series.targets) + len(self.column_names)
        if self.has_future:
            return (window + self.series.horizon, columns + 1)
        return (window, columns)

    # The model's inputs and outputs ----------------------------------------------------------

    def _train_values(self) -> np.ndarray:
        if self.train_rows == 0:
            raise DataError("data opened for evaluation has no training rows to fit the "
                            "normalization on; build the model from the project's own data")
        rows = self.values[: self.train_rows]
        return rows[self.complete[: self.train_rows]] if self.complete[: self.train_rows].any() \
            else rows

    def normalization(self) -> tuple[np.ndarray, np.ndarray]:
        """Each input column's mean and variance over the training rows (variance 1 where a
        column is constant there)."""
        rows = self._train_values().astype(np.float64)
        variance = rows.var(axis=0)
        return rows.mean(axis=0), np.where(variance > 0, variance, 1.0)

    def build_inputs(self) -> tuple[dict[str, Any], Any]:
        """Return the raw ``window`` (and ``future``) inputs and the normalized sequence: each
        target's change within the window (:class:`WindowChange`), then every column normalized
        by the training rows."""
        import keras

        from dlstudio.core.model.series_layers import JoinFuture, WindowChange

        mean, variance = self.normalization()
        window = keras.Input(shape=(self.series.window, len(self.column_names)),
                             dtype="float32", name=WINDOW_INPUT)
        inputs = {WINDOW_INPUT: window}
        self._window_input = window
        targets = len(self.series.targets)
        change = WindowChange(np.sqrt(variance[:targets]), name="window_change")(window)
        self._window_change = change
        normalized = keras.layers.Concatenate(name="window_features")([
            change, keras.layers.Normalization(mean=mean, variance=variance,
                                               name="window_normalization")(window)])
        if not self.has_future:
            return inputs, normalized
        known = slice(self.past_columns, None)
        future = keras.Input(shape=(self.series.horizon, len(self.known_names)),
                             dtype="float32", name=FUTURE_INPUT)
        inputs[FUTURE_INPUT] = future
        ahead = keras.layers.Normalization(mean=mean[known], variance=variance[known],
                                           name="future_normalization")(future)
        joined = JoinFuture(targets + self.past_columns, name="join_future")([normalized, ahead])
        return inputs, joined

    def finish_forecast(self, outputs: Any) -> Any:
        """The head's outputs in the targets' units (:class:`ForecastScale`), from the raw
        window built by :meth:`build_inputs`.

        Before the scaling, a linear autoregression on each target's change within the window
        (one Dense layer, ``linear_ar``, starting at zero) is added to the head's outputs: the
        template's layers learn what a straight line through the window misses, and the model
        can always do what the linear AR baseline does."""
        import keras

        from dlstudio.core.model.series_layers import ForecastScale

        if self._window_input is None:
            self.build_inputs()
        flat = keras.layers.Flatten(name="window_change_flat", dtype="float32")(
            self._window_change)
        linear = keras.layers.Dense(outputs.shape[-1], kernel_initializer="zeros",
                                    name="linear_ar", dtype="float32")(flat)
        outputs = keras.layers.Add(name="head_and_linear_ar", dtype="float32")([outputs, linear])
        offsets, scales = self.change_scaling()
        return ForecastScale(len(self.series.targets), offsets, scales, name="target_scale",
                             dtype="float32")([outputs, self._window_input])

    def change_scaling(self) -> tuple[list[float], list[float]]:
        """The mean and spread of each output's change from the window's last value, over the
        training rows (step-major, like the outputs)."""
        targets = self._train_values()[:, : len(self.series.targets)].astype(np.float64)
        offsets, scales = [], []
        for step in range(1, self.series.horizon + 1):
            change = targets[step:] - targets[:-step] if len(targets) > step else \
                np.zeros((1, targets.shape[1]))
            spread = change.std(axis=0)
            offsets += change.mean(axis=0).tolist()
            scales += np.where(spread > 0, spread, 1.0).tolist()
        return offsets, scales

    # Rows of the file, for reference statistics and drift ----------------------------------

    @property
    def features(self) -> list[ColumnSpec]:
        """The file's columns the model reads (targets included: their past is an input)."""
        return [ColumnSpec(name, "feature", "numeric") for name in self.input_columns()]

    @property
    def input_names(self) -> dict[str, str]:
        """Each read column by its own name (the keys of :meth:`inputs`)."""
        return {name: name for name in self.input_columns()}

    def inputs(self, split: str) -> dict[str, np.ndarray]:
        """The raw values (NaN where missing) of ``split``'s rows, ``(rows, 1)`` per column:
        the split's own rows in time order (every row for data opened for evaluation)."""
        start, end = self.row_ranges[split]
        return {name: self.raw[start:end, index:index + 1].astype(np.float32)
                for index, name in enumerate(self.input_columns())}

    # Windows ----------------------------------------------------------------------------

    def target_rows(self, split: str) -> np.ndarray:
        """Each window's first target row in ``split`` (the forecast origin)."""
        return self.starts[split] + self.series.window

    def tf_dataset(self, split: str, batch_size: int, *, shuffle: bool = False,
                   seed: int = 0, cache: bool = False) -> Any:
        """Return ``split``'s windows as a batched, prefetched ``tf.data.Dataset``.

        Only the start rows are shuffled and batched; each batch gathers its windows from the
        value array, so memory holds the series once, never every window.
        """
        from dlstudio.core.data.series_windows import window_batches

        return window_batches(self, self.starts[split], batch_size, shuffle=shuffle, seed=seed)

    def targets(self, split: str) -> np.ndarray:
        """Return ``split``'s targets, ``(windows, horizon × targets)`` float32, step-major."""
        rows = self.target_rows(split)[:, None] + np.arange(self.series.horizon)[None, :]
        values = self.values[:, : len(self.series.targets)][rows]
        return values.reshape(len(rows), -1).astype(np.float32)

    def sample_ids(self, split: str) -> list[str]:
        """Each window by the time of its first forecast step: ``from 2001-03-01``."""
        return [f"from {label}" for label in self.axis.labels(self.target_rows(split))]

    def target_history(self) -> np.ndarray:
        """Every row's target values, ``(rows, targets)`` float64, filled."""
        return self.values[:, : len(self.series.targets)].astype(np.float64)

    def export_description(self) -> dict[str, Any]:
        """What an export's window and future inputs hold, for its metadata and README."""
        from dataclasses import asdict

        return {**asdict(self.series), "columns": list(self.column_names),
                "file_columns": self.input_columns(), "known_columns": list(self.known_names),
                "step": str(self.axis.step if self.axis.step is not None else self.axis.delta),
                "time_kind": self.axis.kind, "split": list(self.fractions)}

    # Summaries -------------------------------------------------------------------------

    def summary(self) -> dict[str, Any]:
        """The series' rows, time span, step, gaps, windows per split and warnings."""
        labels = self.axis.labels([0, len(self.axis.values) - 1]) if len(self.axis.values) \
            else ["", ""]
        return {"kind": "series", "task": self.task, "rows": int(len(self.values)),
                "time_column": self.series.time_column, "first": labels[0], "last": labels[-1],
                "step": str(self.axis.step if self.axis.step is not None else self.axis.delta),
                "gaps": [{"after": time, "missing": count} for time, count in self.axis.gaps],
                "targets": list(self.series.targets), "inputs": list(self.column_names),
                "window": self.series.window, "horizon": self.series.horizon,
                "splits": {split: self.split_size(split) for split in SPLITS},
                "warnings": list(self.warnings)}

    def summary_lines(self) -> list[str]:
        """:meth:`summary` as text lines for ``dlstudio info``."""
        info = self.summary()
        splits = ", ".join(f"{split} {count}" for split, count in info["splits"].items())
        return [f"Series: {info['rows']} rows from {info['first']} to {info['last']} "
                f"(step {info['step']}; {len(info['gaps'])} gap(s))",
                f"Forecast {', '.join(info['targets'])} {info['horizon']} step(s) ahead from "
                f"windows of {info['window']} rows of {', '.join(info['inputs'])}",
                f"Windows (time-ordered): {splits}",
                *(f"warning: {warning}" for warning in info["warnings"])]


def _check_columns(frame: pd.DataFrame, series: SeriesSpec) -> None:
    missing = [name for name in series.input_columns() if name not in frame.columns]
    if missing:
        raise DataError(f"the series column(s) {', '.join(missing)} are not in the file; its "
                        f"columns are {', '.join(map(str, frame.columns))} — fix data.series")


def _numbers(frame: pd.DataFrame, name: str) -> np.ndarray:
    values, bad = as_numbers(frame[name])
    if bad:
        raise DataError(f"the series column '{name}' must hold numbers, but it holds "
                        f"'{frame[name].iloc[bad[0]]}'; fix the value or leave the column out "
                        "of data.series")
    return values.astype(np.float64)


def _column_specs(frame: pd.DataFrame, series: SeriesSpec) -> list[ColumnSpec]:
    """Every column's role as the series reads it: targets, inputs, the rest ignored."""
    inputs = {*series.past_covariates, *series.known_covariates}
    specs = []
    for name in map(str, frame.columns):
        role = "target" if name in series.targets else "feature" if name in inputs else "ignored"
        kind = "identifier" if name == series.time_column else "numeric"
        specs.append(ColumnSpec(name, role, kind))
    return specs
