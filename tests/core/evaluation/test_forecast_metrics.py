"""Forecast errors: MAE, RMSE, sMAPE and MASE, overall and per step."""

import numpy as np
import pytest

from dlstudio.core.evaluation.forecast_metrics import errors, naive_scale, per_step


def test_errors_by_hand():
    truth = np.array([[[10.0], [20.0]]])
    forecast = np.array([[[12.0], [20.0]]])
    scale = naive_scale(np.array([[0.0], [4.0], [8.0]]))  # one-step change 4
    result = errors(truth, forecast, scale)
    assert result["mae"] == pytest.approx(1.0)
    assert result["rmse"] == pytest.approx(np.sqrt(2.0))
    assert result["smape"] == pytest.approx(100 * (4 / 22) / 2)
    assert result["mase"] == pytest.approx(0.25)
    steps = per_step(truth, forecast, scale)
    assert [step["mae"] for step in steps] == [2.0, 0.0] and steps[0]["step"] == 1


def test_zero_truth_and_forecast_count_as_no_error_and_a_flat_history_scales_by_one():
    assert errors(np.zeros((1, 1, 1)), np.zeros((1, 1, 1)), np.ones(1))["smape"] == 0.0
    assert naive_scale(np.ones((5, 2))).tolist() == [1.0, 1.0]
