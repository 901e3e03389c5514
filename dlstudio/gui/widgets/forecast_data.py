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
        beats_persistence: Whether the model's MAE is below persistence's (``None``: derive
            it from ``scores``).
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
    beats_persistence: bool | None = None

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
    model = data.scores.get(MODEL, {}).get("mae")
    naive = data.scores.get("persistence", {}).get("mae")
    beats = data.beats_persistence
    if beats is None and model is not None and naive is not None:
        beats = model < naive
    if data.verdict:
        return ("✓ " if beats else "⚠ " if beats is False else "") + data.verdict, beats is False
    if model is None or naive is None:
        return "", False
    if not beats:
        return (f"⚠ The model does not beat persistence: repeating the last value misses by "
                f"{naive:.4g} on average, the model by {model:.4g}. It has learned nothing "
                "useful yet — try a longer window, more epochs, or a simpler model."), True
    gain = 100.0 * (1.0 - model / naive) if naive else 0.0
    return (f"✓ The model beats persistence: its average miss is {model:.4g} against "
            f"{naive:.4g} for repeating the last value ({gain:.0f}% smaller)."), False


def forecast_data_from_result(result: dict[str, Any], target: int = 0) -> ForecastData:
    """Read one target's test windows and scores out of a forecasting ``evaluation.json``.

    The shape is the core's (``core/evaluation/forecast_report.py``): the model's metrics at
    the top with ``per_step``, ``baselines`` by name with the same metrics, ``history`` and one
    entry per test window in ``windows`` (values by target name).

    Args:
        result: The evaluation result of a forecasting run.
        target: Which of the run's targets (their order in ``targets``).

    Raises:
        KeyError, ValueError, TypeError, IndexError: The result is not of that shape.
    """
    name = str(list(result["targets"])[target])
    windows = list(result["windows"])
    if not windows:
        raise ValueError("the test split has no windows")
    baseline_names = list(windows[0].get("baselines") or {})

    def stack(part: str) -> np.ndarray:
        return np.array([window[part][name] for window in windows], dtype=float)

    scores = {MODEL: _metrics(result)}
    steps = {MODEL: _per_step(result.get("per_step") or [])}
    for key, entry in (result.get("baselines") or {}).items():
        scores[key] = _metrics(entry)
        steps[key] = _per_step(entry.get("per_step") or [])
    history = result.get("history") or {}
    values = (history.get("values") or {}).get(name)
    beats = result.get("beats_persistence")
    return ForecastData(
        target=name, times=np.array([window["timestamps"] for window in windows]),
        truth=stack("truth"), forecast=stack("forecast"),
        baselines={key: np.array([window["baselines"][key][name] for window in windows],
                                 dtype=float) for key in baseline_names},
        scores=scores, step_scores=steps,
        history_times=np.array(history["timestamps"]) if values is not None else None,
        history=np.array(values, dtype=float) if values is not None else None,
        verdict=str(result.get("verdict") or ""),
        beats_persistence=None if beats is None else bool(beats))


def _metrics(entry: dict[str, Any]) -> dict[str, float]:
    return {key: float(entry[key]) for key in METRICS if entry.get(key) is not None}


def _per_step(entries: list[dict[str, Any]]) -> dict[str, list[float]]:
    return {key: [float(entry.get(key, np.nan)) for entry in entries]
            for key in METRICS if any(key in entry for entry in entries)}
