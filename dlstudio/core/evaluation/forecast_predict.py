"""Forecasts from a run or an export: the steps after a file's last row, or a backtest.

:func:`forecast_table` reads a series CSV the way the run read its data (its time column, gaps
and missing-value rule), takes the last ``window`` rows and forecasts the ``horizon`` steps
after them; their times follow the file's last time by its step (``2001-04-01`` after
``2001-03-01`` for monthly data, ``1989`` after ``1988`` for a year). Known inputs over those
steps come from the file's last rows whose targets are empty (one per step); calendar inputs
are made from the future times. The table has ``time`` then one column per target.

:func:`backtest_table` forecasts every test window of the file (split in time order as in
training): ``origin`` (the time of the window's first forecast step), ``time``, ``step`` and,
per target, the true value and the forecast (``VALUE`` and ``VALUE forecast``).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from dlstudio.core.data.csv_reading import read_csv_file
from dlstudio.core.data.series import FUTURE_INPUT, WINDOW_INPUT, SeriesDataset
from dlstudio.core.data.series_calendar import calendar_columns
from dlstudio.core.data.series_time import format_time
from dlstudio.core.data.series_windows import window_batches
from dlstudio.core.errors import DataError
from dlstudio.core.project.project import Project

Call = Callable[[dict[str, np.ndarray]], np.ndarray]
"""A model on raw inputs keyed by input name, giving ``(batch, outputs)``."""


def forecast_table(project: Project, data_path: Path, call: Call) -> pd.DataFrame:
    """Forecast the steps after ``data_path``'s last row with ``call``.

    Raises:
        DataError: The file is shorter than a window, or lacks the known inputs of the steps.
    """
    series = project.data.series
    frame = read_csv_file(data_path).frame
    history, ahead = _split_future_rows(frame, series.targets)
    dataset = SeriesDataset.from_frame(project, history, [], evaluation_only=True)
    if len(dataset.values) < series.window:
        raise DataError(f"{data_path.name} has {len(dataset.values)} rows, fewer than the "
                        f"window of {series.window}; give at least {series.window} rows of "
                        "history")
    times = dataset.axis.after_last(series.horizon)
    inputs = {WINDOW_INPUT: dataset.values[None, -series.window:]}
    if dataset.has_future:
        inputs[FUTURE_INPUT] = _future_inputs(dataset, ahead, times, data_path)[None]
    outputs = np.asarray(call(inputs), dtype=np.float64).reshape(series.horizon, -1)
    table = pd.DataFrame({"time": [format_time(value, dataset.axis.kind) for value in times]})
    for index, name in enumerate(series.targets):
        table[name] = outputs[:, index]
    return table


def backtest_table(project: Project, data_path: Path, call: Call,
                   batch_size: int = 256) -> pd.DataFrame:
    """Forecast every test window of ``data_path`` (split in time order as in training).

    Raises:
        DataError: The file has no test window.
    """
    dataset = SeriesDataset.open(project, data_path)
    series = dataset.series
    starts = dataset.starts["test"]
    if not len(starts):
        raise DataError(f"{data_path.name} has no test window; give a longer series")
    outputs = [np.asarray(call({name: np.asarray(value) for name, value in batch.items()}))
               for batch in window_batches(dataset, starts, batch_size, with_targets=False)]
    forecast = np.concatenate(outputs).reshape(len(starts), series.horizon, -1)
    truth = dataset.targets("test").reshape(forecast.shape)
    rows = dataset.target_rows("test")[:, None] + np.arange(series.horizon)[None, :]
    labels = np.array(dataset.axis.labels(rows.reshape(-1))).reshape(rows.shape)
    table = pd.DataFrame({"origin": np.repeat(labels[:, 0], series.horizon),
                          "time": labels.reshape(-1),
                          "step": np.tile(np.arange(1, series.horizon + 1), len(starts))})
    for index, name in enumerate(series.targets):
        table[name] = truth[:, :, index].reshape(-1)
        table[f"{name} forecast"] = forecast[:, :, index].reshape(-1)
    return table


def _split_future_rows(frame: pd.DataFrame, targets: list[str]
                       ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The rows up to the last one with a target value, and the rows after it."""
    present = frame[targets].apply(pd.to_numeric, errors="coerce").notna().any(axis=1)
    given = np.flatnonzero(present.to_numpy())
    if not len(given):
        raise DataError(f"the file has no value of {', '.join(targets)}; forecasting starts "
                        "from their history")
    last = int(given[-1]) + 1
    return frame.iloc[:last].reset_index(drop=True), frame.iloc[last:].reset_index(drop=True)


def _future_inputs(dataset: SeriesDataset, ahead: pd.DataFrame, times: np.ndarray,
                   data_path: Path) -> np.ndarray:
    """The known and calendar inputs over the forecast's steps, ``(horizon, known)``."""
    series = dataset.series
    known = series.known_covariates
    if known and len(ahead) < series.horizon:
        raise DataError(
            f"the model needs the known inputs {', '.join(known)} for the {series.horizon} "
            f"step(s) ahead, but {data_path.name} has {len(ahead)} row(s) after its last "
            f"value of {', '.join(series.targets)}; add a row per step with the targets empty "
            "and the known inputs filled")
    values = ahead[known].iloc[: series.horizon].apply(pd.to_numeric, errors="coerce") \
        .to_numpy(dtype=np.float32) if known else np.zeros((series.horizon, 0), np.float32)
    if np.isnan(values).any():
        raise DataError(f"the known inputs {', '.join(known)} have empty cells in the rows "
                        f"after the history in {data_path.name}; fill them in")
    calendar = calendar_columns(times, dataset.axis.kind, series.calendar_features)
    return np.column_stack([values, calendar]).astype(np.float32)


def project_from_export(metadata: dict[str, Any]) -> Project:
    """A project that reads a series file as an export's metadata describes (its ``series``)."""
    from dataclasses import fields

    from dlstudio.core.project.project import DataSpec, SeriesSpec

    described = metadata["series"]
    spec = SeriesSpec(**{item.name: described[item.name] for item in fields(SeriesSpec)})
    project = Project(data=DataSpec(task="forecasting", series=spec))
    split = described.get("split")
    if isinstance(split, list) and len(split) == 3:
        project.split.train, project.split.validation, project.split.test = split
    return project


def _describes_series(path: Path) -> bool:
    """Whether an export's metadata file exists and describes a forecast (anything else is
    read, and refused where it must be, by the usual prediction path)."""
    import json

    try:
        metadata = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(metadata, dict) and bool(metadata.get("series"))


def forecast_with(source: Path, data_path: Path, backtest: bool) -> pd.DataFrame | None:
    """The forecast table of a forecasting run folder or export (``None`` for any other
    model): the steps after the file's last row, or every test window with ``backtest``."""
    from dlstudio.core.evaluation.evaluate import is_run_folder, open_run
    from dlstudio.core.export.formats import format_module, metadata_path, read_metadata
    from dlstudio.core.runs.folder import RunFolder

    if is_run_folder(source):
        if RunFolder(source).load_project().data.series is None:
            return None
        run = open_run(source)
        project = run.project

        def call(inputs: dict[str, np.ndarray]) -> np.ndarray:
            return np.asarray(run.model.predict(inputs, verbose=0))
    elif _describes_series(metadata_path(source)):
        metadata = read_metadata(source)
        project = project_from_export(metadata)
        call = format_module(metadata["format"]).load(source, metadata)
    else:
        return None
    return (backtest_table if backtest else forecast_table)(project, data_path, call)
