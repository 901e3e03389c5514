"""A forecasting run's evaluation: the model beside its baselines on the same test windows.

:func:`forecast_report` is the forecasting task's part of ``evaluation.json`` (and of
``dlstudio evaluate --json``). Its shape, kept stable for the GUI's forecast plot::

    {
      "targets": ["VALUE"],            # the forecast series, in output order
      "window": 24, "horizon": 3,      # rows per window, steps forecast
      "step": "MS",                    # the time step (a pandas frequency, or a number)
      "season_length": 12,             # used by seasonal naive (set or detected; 0: none)
      "mae": 1.2, "rmse": 1.6, "smape": 4.1, "mase": 0.8,   # the model, over every value
      "per_step": [{"step": 1, "mae": …, "rmse": …, "smape": …, "mase": …}, …],
      "baselines": {                   # the same metrics on the same windows
        "persistence": {"mae": …, "rmse": …, "smape": …, "mase": …, "per_step": […]},
        "seasonal_naive": {…},         # only with a season length
        "linear_ar": {…}
      },
      "beats_persistence": true,       # the model's MAE is below persistence's
      "verdict": "The model beats persistence …",   # in plain words
      "history": {"timestamps": ["2001-01-01", …],   # the targets from the first test
                  "values": {"VALUE": [..]}},       # window's first input row to the end
      "windows": [{                    # per test window (every k-th beyond MAX_WINDOWS)
        "origin": "2003-04-01",        # the time of its first forecast step
        "timestamps": ["2003-04-01", "2003-05-01", "2003-06-01"],
        "truth": {"VALUE": [..]}, "forecast": {"VALUE": [..]},
        "baselines": {"persistence": {"VALUE": [..]}, "seasonal_naive": {…},
                      "linear_ar": {…}}
      }, …],
      "windows_total": 43, "windows_every": 1,
      "predictions": [{"sample": "from 2003-04-01", "true": [..], "predicted": [..]}, …]
    }

Per-target lists hold ``horizon`` values, step 1 first. Times are ISO dates
(``2003-04-01``, with the time of day when there is one) or whole numbers as text (a year).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from dlstudio.core.data.series_season import detect_season
from dlstudio.core.evaluation import forecast_baselines, forecast_metrics
from dlstudio.core.evaluation.text_table import table

MAX_WINDOWS = 2000
"""Test windows written with their values at most (evenly spaced beyond)."""
BASELINE_TITLES = {"persistence": "persistence (last value)",
                   "seasonal_naive": "seasonal naive", "linear_ar": "linear AR on the window"}


def forecast_report(dataset: Any, split: str, outputs: np.ndarray,
                    base: dict[str, Any]) -> dict[str, Any]:
    """Return the report of a model's ``outputs`` on ``split``'s windows of a series.

    Args:
        dataset: The :class:`~dlstudio.core.data.series.SeriesDataset`.
        split: The split evaluated (``test``).
        outputs: The model's outputs, one row per window, step-major.
        base: The task's plain report (its ``predictions``).
    """
    series = dataset.series
    targets, horizon = list(series.targets), series.horizon
    shape = (len(outputs), horizon, len(targets))
    forecast = np.asarray(outputs, dtype=np.float64).reshape(shape)
    truth = np.asarray(dataset.targets(split), dtype=np.float64).reshape(shape)
    history = dataset.target_history()
    train_rows = max(dataset.train_rows, 0)
    scale = forecast_metrics.naive_scale(history[:train_rows] if train_rows > 1 else history)
    season = series.season_length or detect_season(
        (history[:train_rows] if train_rows > 1 else history)[:, 0])
    origins = dataset.target_rows(split)
    train_origins = dataset.target_rows("train")
    if not len(train_origins):  # data opened for evaluation: fit the AR on these windows
        train_origins = origins
    found = forecast_baselines.baselines(history, train_origins, origins, series.window,
                                         horizon, season)
    model = forecast_metrics.errors(truth, forecast, scale)
    report = {"targets": targets, "window": series.window, "horizon": horizon,
              "step": _step_text(dataset.axis), "season_length": int(season), **model,
              "per_step": forecast_metrics.per_step(truth, forecast, scale),
              "baselines": {name: {**forecast_metrics.errors(truth, values, scale),
                                   "per_step": forecast_metrics.per_step(truth, values, scale)}
                            for name, values in found.items()}}
    report["beats_persistence"] = bool(model["mae"] < report["baselines"]["persistence"]["mae"])
    report["verdict"] = verdict(report)
    report["history"] = _history(dataset, history, origins)
    report.update(_windows(dataset, origins, truth, forecast, found))
    report["predictions"] = base.get("predictions", [])
    return report


def _step_text(axis: Any) -> str:
    return str(axis.step if axis.step is not None else axis.delta)


def verdict(report: dict[str, Any]) -> str:
    """The model against persistence and the linear AR, in plain words."""
    mae = report["mae"]
    persistence = report["baselines"]["persistence"]["mae"]
    if not np.isfinite(mae):
        return "No test window to judge the model on."
    if not report["beats_persistence"]:
        return (f"The model does not beat persistence (repeating the last value): its MAE is "
                f"{mae:.4g} against {persistence:.4g}. It forecasts no better than doing "
                "nothing; train longer, change the window, or add inputs.")
    gain = 100 * (1 - mae / persistence) if persistence > 0 else 0.0
    words = f"The model beats persistence: MAE {mae:.4g} against {persistence:.4g} ({gain:.0f}% " \
            "lower)"
    linear = report["baselines"].get("linear_ar", {}).get("mae")
    if linear is not None and np.isfinite(linear):
        words += (f"; it also beats the linear AR ({linear:.4g})" if mae < linear else
                  f", but not the linear AR on the same window ({linear:.4g})")
    return words + "."


def _history(dataset: Any, history: np.ndarray, origins: np.ndarray) -> dict[str, Any]:
    if not len(origins):
        return {"timestamps": [], "values": {}}
    start = max(int(origins[0]) - dataset.series.window, 0)
    rows = np.arange(start, len(history))
    return {"timestamps": dataset.axis.labels(rows),
            "values": {name: history[start:, index].tolist()
                       for index, name in enumerate(dataset.series.targets)}}


def _windows(dataset: Any, origins: np.ndarray, truth: np.ndarray, forecast: np.ndarray,
             found: dict[str, np.ndarray]) -> dict[str, Any]:
    every = max(1, -(-len(origins) // MAX_WINDOWS))
    names = dataset.series.targets
    horizon = dataset.series.horizon

    def by_target(values: np.ndarray) -> dict[str, list[float]]:
        return {name: values[:, index].tolist() for index, name in enumerate(names)}

    windows = []
    for position in range(0, len(origins), every):
        rows = int(origins[position]) + np.arange(horizon)
        stamps = dataset.axis.labels(rows)
        windows.append({"origin": stamps[0], "timestamps": stamps,
                        "truth": by_target(truth[position]),
                        "forecast": by_target(forecast[position]),
                        "baselines": {name: by_target(values[position])
                                      for name, values in found.items()}})
    return {"windows": windows, "windows_total": len(origins), "windows_every": every}


def report_lines(result: dict[str, Any]) -> list[str]:
    """The model and every baseline side by side, the model per step, and the verdict."""
    header = ["forecast", "MAE", "RMSE", "sMAPE %", "MASE"]

    def row(title: str, values: dict[str, Any]) -> list[str]:
        return [title, *(f"{values[name]:.4g}" for name in forecast_metrics.METRICS)]

    rows = [row("model", result)] + [row(BASELINE_TITLES.get(name, name), values)
                                     for name, values in result["baselines"].items()]
    season = result.get("season_length", 0)
    lines = ["", f"{', '.join(result['targets'])}: {result['horizon']} step(s) ahead from "
                 f"windows of {result['window']} rows"
                 + (f"; season {season} rows" if season else "; no season found"), ""]
    lines += table(header, rows)
    if result["horizon"] > 1:
        persistence = result["baselines"]["persistence"]["per_step"]
        lines += ["", "MAE per step"]
        lines += table(["step", "model", "persistence"],
                       [[str(step["step"]), f"{step['mae']:.4g}", f"{other['mae']:.4g}"]
                        for step, other in zip(result["per_step"], persistence, strict=True)])
    return [*lines, "", result["verdict"]]
