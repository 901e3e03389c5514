"""Missing values in a series: each rule, and the report of how many and where."""

import numpy as np

from dlstudio.core.data.series_missing import fill_missing, windows_without_missing

LABELS = ["2001", "2002", "2003", "2004", "2005"]


def test_interpolation_fills_linearly_and_reports_where():
    values = np.array([[1.0], [np.nan], [3.0], [np.nan], [np.nan]])
    warnings: list[str] = []
    filled, complete = fill_missing(values, ["v"], LABELS, "interpolate", warnings)
    assert filled[:, 0].tolist() == [1.0, 2.0, 3.0, 3.0, 3.0]
    assert complete.tolist() == [True, False, True, False, False]
    assert warnings == ["column 'v' has 3 missing value(s) (at 2002, 2004, 2005); filled by "
                        "linear interpolation in time"]


def test_forward_fill_repeats_the_last_value_and_drop_windows_leaves_windows_out():
    values = np.array([[1.0], [np.nan], [5.0], [6.0], [7.0]])
    filled, _ = fill_missing(values, ["v"], LABELS, "forward_fill", [])
    assert filled[:, 0].tolist() == [1.0, 1.0, 5.0, 6.0, 7.0]
    warnings: list[str] = []
    _filled, complete = fill_missing(values, ["v"], LABELS, "drop_windows", warnings)
    assert "windows that touch them are left out" in warnings[0]
    assert windows_without_missing(complete, np.arange(3), 2).tolist() == [2]
