"""Recognising a time-series table, and the series settings a new project gets."""

import numpy as np
import pandas as pd

from dlstudio.core.data.series_detection import detect_series, series_settings


def test_a_yearly_series_is_recognised_with_its_value_as_target():
    frame = pd.DataFrame({"YEAR": np.arange(1700, 1800), "VALUE": np.sin(np.arange(100.0))})
    series = detect_series(frame)
    assert series is not None
    assert (series.time_column, series.targets, series.past_covariates) == ("YEAR", ["VALUE"],
                                                                            [])
    assert 2 <= series.window <= 70 // 4


def test_dates_with_several_numbers_make_the_others_past_inputs():
    frame = pd.DataFrame({"date": pd.date_range("2020-01-01", periods=60).astype(str),
                          "temperature": np.arange(60.0), "sales": np.arange(60.0) * 2})
    series = detect_series(frame, target="sales")
    assert series.targets == ["sales"] and series.past_covariates == ["temperature"]


def test_an_ordinary_table_is_not_a_series():
    table = pd.DataFrame({"id": np.arange(50), "age": np.arange(50) % 7 + 20.0,
                          "species": ["a", "b"] * 25})
    assert detect_series(table) is None
    numbers = pd.DataFrame({"x": np.random.default_rng(0).normal(size=40), "y": np.ones(40)})
    assert detect_series(numbers) is None
    asked = series_settings(numbers)  # --task forecasting on a file without times
    assert asked.time_column == "" and asked.targets == ["y"]
