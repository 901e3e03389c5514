"""Forecast errors, overall and per horizon step: MAE, RMSE, sMAPE and MASE (NumPy only).

Arrays are ``(windows, horizon, targets)``. sMAPE is the mean of ``2|f − y| / (|y| + |f|)`` in
percent (0 where both are 0). MASE divides each target's absolute errors by the mean absolute
one-step change of that target over the training rows (the in-sample naive forecast's error),
so 1.0 means "as wrong as repeating the last value, one step ahead" and below 1 is better.
"""

from __future__ import annotations

import numpy as np

METRICS = ("mae", "rmse", "smape", "mase")


def naive_scale(train_targets: np.ndarray) -> np.ndarray:
    """Each target's mean absolute one-step change over the training rows (1 where it is 0
    or there are too few rows), the denominator of MASE."""
    values = np.asarray(train_targets, dtype=np.float64)
    if len(values) < 2:
        return np.ones(values.shape[1])
    scale = np.nanmean(np.abs(np.diff(values, axis=0)), axis=0)
    return np.where(np.isfinite(scale) & (scale > 0), scale, 1.0)


def errors(truth: np.ndarray, forecast: np.ndarray, scale: np.ndarray) -> dict[str, float]:
    """MAE, RMSE, sMAPE (percent) and MASE over every value of ``(windows, …, targets)``."""
    truth = np.asarray(truth, dtype=np.float64)
    forecast = np.asarray(forecast, dtype=np.float64)
    if truth.size == 0:
        return {name: float("nan") for name in METRICS}
    difference = forecast - truth
    absolute = np.abs(difference)
    denominator = np.abs(truth) + np.abs(forecast)
    smape = np.divide(2 * absolute, denominator, out=np.zeros_like(absolute),
                      where=denominator > 0)
    return {"mae": float(absolute.mean()), "rmse": float(np.sqrt((difference ** 2).mean())),
            "smape": float(100 * smape.mean()), "mase": float((absolute / scale).mean())}


def per_step(truth: np.ndarray, forecast: np.ndarray,
             scale: np.ndarray) -> list[dict[str, float]]:
    """:func:`errors` of each horizon step (``step`` 1 is the next row)."""
    return [{"step": step + 1, **errors(truth[:, step], forecast[:, step], scale)}
            for step in range(truth.shape[1])]
