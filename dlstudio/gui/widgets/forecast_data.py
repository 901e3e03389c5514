"""A forecasting run's test windows as arrays, the way the forecast plots and tables read them.

:class:`ForecastData` holds plain NumPy arrays — one row per test window, one column per
horizon step — so the widgets can be fed by the evaluation result of a run
(:func:`forecast_data_from_result`) or by a test.
"""

from __future__ import annotations

from dataclasses import dataclass, field

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
