"""Baseline forecasts on the same windows as the model: persistence, seasonal naive and a
linear autoregression (NumPy only).

Each takes the filled target history ``(rows, targets)`` and the forecast origins (each
window's first target row) and returns ``(windows, horizon, targets)``:

- **persistence** repeats the last value before the origin;
- **seasonal naive** repeats the value one season earlier (``y[t + h − m·k]``, ``k`` the
  fewest seasons that reach back before the origin) — only with a season length;
- **linear AR** is a least-squares linear map from the window's target values (and a
  constant) to the horizon's, fitted on the training windows (a tiny ridge keeps it stable),
  one linear model per step and target.
"""

from __future__ import annotations

import numpy as np

MAX_FIT_WINDOWS = 50_000
"""Training windows the linear AR is fitted on at most (evenly spaced beyond that)."""
RIDGE = 1e-6


def persistence(history: np.ndarray, origins: np.ndarray, horizon: int) -> np.ndarray:
    """The last value before each origin, for every step."""
    last = history[origins - 1]
    return np.repeat(last[:, None, :], horizon, axis=1)


def seasonal_naive(history: np.ndarray, origins: np.ndarray, horizon: int,
                   season: int) -> np.ndarray:
    """The value one season (or as many as needed) before each forecast step."""
    steps = np.arange(horizon)
    back = season * (steps // season + 1)
    rows = np.clip(origins[:, None] + steps[None, :] - back[None, :], 0, None)
    return history[rows]


def _windows(history: np.ndarray, origins: np.ndarray, window: int) -> np.ndarray:
    rows = origins[:, None] + np.arange(-window, 0)[None, :]
    flat = history[rows].reshape(len(origins), -1)
    return np.column_stack([flat, np.ones(len(origins))])


def linear_ar(history: np.ndarray, train_origins: np.ndarray, origins: np.ndarray,
              window: int, horizon: int) -> np.ndarray:
    """A least-squares linear autoregression on the window, fitted on ``train_origins``."""
    targets = history.shape[1]
    if not len(train_origins):
        return persistence(history, origins, horizon)
    fit = train_origins[np.linspace(0, len(train_origins) - 1,
                                    min(len(train_origins), MAX_FIT_WINDOWS)).astype(int)]
    inputs = _windows(history, fit, window)
    outputs = history[fit[:, None] + np.arange(horizon)[None, :]].reshape(len(fit), -1)
    gram = inputs.T @ inputs
    gram += RIDGE * (np.trace(gram) / len(gram) + 1.0) * np.eye(len(gram))
    weights = np.linalg.solve(gram, inputs.T @ outputs)
    forecast = _windows(history, origins, window) @ weights
    return forecast.reshape(len(origins), horizon, targets)


def baselines(history: np.ndarray, train_origins: np.ndarray, origins: np.ndarray,
              window: int, horizon: int, season: int) -> dict[str, np.ndarray]:
    """Every baseline that applies, by name (``seasonal_naive`` only with a season)."""
    found = {"persistence": persistence(history, origins, horizon)}
    if season >= 2:
        found["seasonal_naive"] = seasonal_naive(history, origins, horizon, season)
    found["linear_ar"] = linear_ar(history, train_origins, origins, window, horizon)
    return found
