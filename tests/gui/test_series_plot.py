"""The data view's series plot: targets shown, covariates toggled, gaps shaded, dates read."""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg

from dlstudio.gui.widgets.series_plot import SeriesPlot
from dlstudio.gui.widgets.time_axis import plot_times, time_text


def test_targets_show_and_covariates_wait_for_their_check_box(qtbot):
    plot = SeriesPlot()
    qtbot.addWidget(plot)
    values = np.array([1.0, 2.0, np.nan, 4.0])
    plot.set_series([2001, 2002, 2003, 2004], {"sales": values, "price": [5, 6, 7, 8]},
                    ["sales"], time_name="year", gaps=[(2002, 2003)])
    assert plot.curves["sales"].isVisible()
    assert not plot.curves["price"].isVisible()
    x, y = plot.curves["sales"].getData()
    assert list(x) == [2001, 2002, 2003, 2004] and np.isnan(y[2])
    plot.boxes["price"].setChecked(True)
    assert plot.curves["price"].isVisible()
    assert plot.curves["price"].getViewBox() is plot.covariate_box  # its own axis
    assert [region.getRegion() for region in plot.gap_regions] == [(2002.0, 2003.0)]
    plot.set_series([1, 2], {"sales": [1, 2]}, ["sales"])
    assert list(plot.boxes) == ["sales"] and plot.gap_regions == []


def test_dates_become_seconds_with_a_date_axis(qtbot):
    plot = SeriesPlot()
    qtbot.addWidget(plot)
    plot.set_series(["2020-01-01", "2020-02-01"], {"load": [1, 2]}, ["load"])
    assert plot.dates
    assert isinstance(plot.plot.getPlotItem().getAxis("bottom"), pg.DateAxisItem)
    seconds, dates = plot_times(["2020-02-01"])
    assert dates and time_text(float(seconds[0]), True) == "2020-02-01"
    years, dates = plot_times(["1871", "1872"])
    assert not dates and list(years) == [1871.0, 1872.0]
