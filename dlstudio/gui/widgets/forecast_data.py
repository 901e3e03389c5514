"""A forecasting run's test windows as arrays, the way the forecast plots and tables read them.

:class:`ForecastData` holds plain NumPy arrays — one row per test window, one column per
horizon step — so the widgets can be fed by the evaluation result of a run
(:func:`forecast_data_from_result`) or by a test.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

MODEL = "model"
METRICS = ("mae", "rmse", "smape", "mase")
METRIC_TITLES = {"mae": "MAE", "rmse": "RMSE", "smape": "sMAPE (%)", "mase": "MASE"}
METRIC_TIPS = {
    "mae": "Mean absolute error: the typical size of a miss, in the target's units",
    "rmse": "Root mean squared error: like MAE, but large misses count more",
    "smape": "Symmetric mean absolute percentage error: the miss as a share of the values "
             "(0 is perfect, 200 the worst)",
    "mase": "Mean absolute scaled error: the MAE divided by the MAE of repeating the last "
            "value on the training part. Below 1 beats that naive forecast",
}
BASELINE_TITLES = {
    "persistence": "Persistence",
    "seasonal_naive": "Seasonal naive",
    "linear_ar": "Linear AR",
}
BASELINE_TIPS = {
    "persistence": "Repeats the window's last value for every step ahead",
    "seasonal_naive": "Repeats the value one season earlier (a season length is set or "
                      "detected)",
    "linear_ar": "A linear autoregression fitted on the training windows: a weighted sum of "
                 "the window's values",
}


@dataclass
class ForecastData:
    """Every test window of one target.

    Attributes:
        target: The predicted series' name.
        times: ``(windows, horizon)`` time stamps of the steps each window forecasts.
        truth: ``(windows, horizon)`` the true values.
        forecast: ``(windows, horizon)`` the model's forecasts.
        baselines: Each baseline's ``(windows, horizon)`` forecasts by name.
        scores: ``{MODEL or baseline: {metric: value}}`` over every step.
        step_scores: ``{MODEL or baseline: {metric: [value per step]}}``.
        history_times, history: The series before and through the test period (optional).
        verdict: The plain-words judgement against the baselines ("" to derive one).
    """

    target: str
    times: np.ndarray
    truth: np.ndarray
    forecast: np.ndarray
    baselines: dict[str, np.ndarray] = field(default_factory=dict)
    scores: dict[str, dict[str, float]] = field(default_factory=dict)
    step_scores: dict[str, dict[str, list[float]]] = field(default_factory=dict)
    history_times: np.ndarray | None = None
    history: np.ndarray | None = None
    verdict: str = ""

    @property
    def windows(self) -> int:
        """How many test windows there are."""
        return int(self.truth.shape[0])

    @property
    def horizon(self) -> int:
        """How many steps ahead each window forecasts."""
        return int(self.truth.shape[1]) if self.truth.ndim == 2 else 0


def verdict(data: ForecastData) -> tuple[str, bool]:
    """A plain-words judgement of the model against persistence, and whether it is a warning."""
    if data.verdict:
        return data.verdict, "not" in data.verdict.lower() or "worse" in data.verdict.lower()
    model = data.scores.get(MODEL, {}).get("mae")
    naive = data.scores.get("persistence", {}).get("mae")
    if model is None or naive is None:
        return "", False
    if model >= naive:
        return (f"⚠ The model does not beat persistence: repeating the last value misses by "
                f"{naive:.4g} on average, the model by {model:.4g}. It has learned nothing "
                "useful yet — try a longer window, more epochs, or a simpler model."), True
    gain = 100.0 * (1.0 - model / naive) if naive else 0.0
    return (f"✓ The model beats persistence: its average miss is {model:.4g} against "
            f"{naive:.4g} for repeating the last value ({gain:.0f}% smaller)."), False


def forecast_data_from_result(result: dict[str, Any], target: int = 0) -> ForecastData:
    """Read one target's test windows and scores out of a forecasting ``evaluation.json``.

    Args:
        result: The evaluation result of a forecasting run.
        target: Which of the run's targets (their order in ``targets``).

    Raises:
        KeyError, ValueError, TypeError: The result is not a forecasting result of this shape.
    """
    targets = list(result.get("targets") or ["value"])
    name = targets[target]
    windows = result["windows"]

    def one_target(values: Any) -> np.ndarray:
        array = np.asarray(values, dtype=float)
        return array[..., target] if array.ndim == 3 else array

    times = np.asarray(windows["times"])
    baselines = {key: one_target(values)
                 for key, values in (windows.get("baselines") or {}).items()}
    scores = {MODEL: _metrics(result.get("metrics", {}).get("overall", {}))}
    steps = {MODEL: _per_step(result.get("metrics", {}).get("per_step", []))}
    for key, entry in (result.get("baselines") or {}).items():
        scores[key] = _metrics(entry.get("overall", entry))
        steps[key] = _per_step(entry.get("per_step", []))
    history = result.get("history") or {}
    history_values = history.get("values")
    return ForecastData(
        target=name, times=times, truth=one_target(windows["truth"]),
        forecast=one_target(windows["forecast"]), baselines=baselines, scores=scores,
        step_scores=steps,
        history_times=np.asarray(history["times"]) if history.get("times") else None,
        history=_history(history_values, target) if history_values is not None else None,
        verdict=str(result.get("verdict") or ""))


def _history(values: Any, target: int) -> np.ndarray:
    """One target's history: ``(rows, targets)`` values, or ``(rows,)`` of a single one."""
    array = np.asarray(values, dtype=float)
    return array[:, target] if array.ndim == 2 else array


def _metrics(entry: dict[str, Any]) -> dict[str, float]:
    return {key: float(entry[key]) for key in METRICS if entry.get(key) is not None}


def _per_step(entries: list[dict[str, Any]]) -> dict[str, list[float]]:
    return {key: [float(entry.get(key, np.nan)) for entry in entries]
            for key in METRICS if any(key in entry for entry in entries)}
