"""The season length of a series, detected from its autocorrelation.

The season is the lag (2 or more rows) where the autocorrelation of the detrended series
(differences removed of a straight line's slope) peaks highest, when that peak is clearly
positive (:data:`MIN_CORRELATION`); 0 when no lag stands out. Monthly data with a yearly
cycle gives 12, the yearly sunspot numbers about 11.
"""

from __future__ import annotations

import numpy as np

MIN_CORRELATION = 0.3
MAX_LAG = 400


def detect_season(values: np.ndarray) -> int:
    """Return the detected season length of a 1-D series, or 0 when there is none."""
    series = np.asarray(values, dtype=np.float64)
    series = series[np.isfinite(series)]
    if series.size < 8:
        return 0
    positions = np.arange(series.size)
    slope, intercept = np.polyfit(positions, series, 1)
    detrended = series - (slope * positions + intercept)
    detrended -= detrended.mean()
    variance = float(np.dot(detrended, detrended))
    if variance == 0.0:
        return 0
    most = min(MAX_LAG, series.size // 2)
    correlation = np.array([np.dot(detrended[:-lag], detrended[lag:]) / variance
                            for lag in range(1, most + 1)])
    best, best_value = 0, MIN_CORRELATION
    for lag in range(2, most):
        value = correlation[lag - 1]
        if value > best_value and value >= correlation[lag - 2] and value >= correlation[lag]:
            best, best_value = lag, value
    return best
