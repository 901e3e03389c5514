"""The time axis of a series: parsing, order, steps and gaps reported, never hidden."""

import numpy as np
import pandas as pd
import pytest

from dlstudio.core.data.series_time import looks_like_time, parse_times, read_time_axis
from dlstudio.core.errors import DataError


def test_years_and_dates_are_times_but_measurements_are_not():
    assert looks_like_time(pd.Series([1700, 1701, 1702, 1703]))
    assert looks_like_time(pd.Series(["2001-01", "2001-02", "2001-03"]))
    assert not looks_like_time(pd.Series([5.5, 3.0, 7.25, 1.0]))
    assert not looks_like_time(pd.Series(["red", "green", "blue"]))
    assert parse_times(pd.Series([1, 2, None, 4])) is None


def test_monthly_dates_step_by_month_and_a_gap_becomes_missing_rows():
    months = pd.date_range("2001-01-01", periods=8, freq="MS").strftime("%Y-%m-%d")
    frame = pd.DataFrame({"date": months, "value": np.arange(8.0)}).drop(index=[3, 4])
    warnings: list[str] = []
    regular, axis = read_time_axis(frame, "date", warnings)
    assert axis.step == "MS" and len(regular) == 8
    assert axis.inserted.tolist() == [3, 4]
    assert np.isnan(regular["value"].iloc[3]) and regular["value"].iloc[5] == 5.0
    assert axis.gaps == [("2001-03-01", 2)]
    assert "skips 2 time(s) in 1 gap(s) (2 after 2001-03-01)" in warnings[0]
    assert axis.labels(np.array([0]))[0] == "2001-01-01"
    assert [str(t)[:10] for t in axis.after_last(2)] == ["2001-09-01", "2001-10-01"]


def test_years_out_of_order_are_sorted_and_said():
    frame = pd.DataFrame({"YEAR": [2002, 2000, 2001, 2004], "v": [3.0, 1.0, 2.0, 5.0]})
    warnings: list[str] = []
    regular, axis = read_time_axis(frame, "YEAR", warnings)
    assert regular["v"].tolist()[:3] == [1.0, 2.0, 3.0]
    assert np.isnan(regular["v"].iloc[3]) and axis.values.tolist() == [2000, 2001, 2002, 2003,
                                                                         2004]
    assert axis.reordered and "not in time order" in warnings[0]
    assert axis.after_last(2).tolist() == [2005, 2006]


def test_a_repeated_time_is_refused_with_the_fix():
    frame = pd.DataFrame({"YEAR": [2000, 2001, 2001, 2002], "v": [1.0, 2.0, 3.0, 4.0]})
    with pytest.raises(DataError, match="repeats 1 time.*aggregate or remove"):
        read_time_axis(frame, "YEAR", [])


def test_no_time_column_takes_the_rows_in_file_order():
    frame = pd.DataFrame({"v": [1.0, 2.0, 3.0]})
    _regular, axis = read_time_axis(frame, "", [])
    assert axis.kind == "rows" and axis.labels() == ["1", "2", "3"]
