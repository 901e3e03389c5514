"""The baselines a forecast is judged against, on the same windows."""

import numpy as np

from dlstudio.core.data.series_season import detect_season
from dlstudio.core.evaluation.forecast_baselines import (
    baselines,
    linear_ar,
    persistence,
    seasonal_naive,
)

HISTORY = np.arange(20.0).reshape(-1, 1)


def test_persistence_and_seasonal_naive_repeat_the_right_rows():
    origins = np.array([10, 15])
    assert persistence(HISTORY, origins, 2)[:, :, 0].tolist() == [[9.0, 9.0], [14.0, 14.0]]
    seasonal = seasonal_naive(HISTORY, origins, 3, season=2)
    assert seasonal[0, :, 0].tolist() == [8.0, 9.0, 8.0]


def test_the_linear_ar_recovers_a_linear_recurrence():
    values = [1.0, 2.0]
    for _ in range(198):  # x[t] = 1.6 x[t-1] - 0.8 x[t-2] + 1
        values.append(1.6 * values[-1] - 0.8 * values[-2] + 1.0)
    history = np.array(values).reshape(-1, 1)
    forecast = linear_ar(history, np.arange(10, 150), np.array([160, 170]), window=5,
                         horizon=2)
    assert forecast.shape == (2, 2, 1)
    truth = history[[[160, 161], [170, 171]], 0]
    assert np.abs(forecast[:, :, 0] - truth).max() < 1e-3


def test_seasonal_naive_is_left_out_without_a_season_and_a_season_is_detected():
    found = baselines(HISTORY, np.arange(5, 12), np.array([14, 15]), 4, 2, season=0)
    assert set(found) == {"persistence", "linear_ar"}
    wave = np.sin(2 * np.pi * np.arange(120) / 12) + 0.01 * np.arange(120)
    assert detect_season(wave) == 12
    assert detect_season(np.random.default_rng(0).normal(size=100)) == 0
