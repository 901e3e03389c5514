"""The forecast plot and scores of a forecasting run, fed with made-up test windows."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtWidgets import QCheckBox

from dlstudio.gui.widgets.forecast_data import ForecastData, verdict
from dlstudio.gui.widgets.forecast_plot import ForecastPlot
from dlstudio.gui.widgets.forecast_scores import ForecastScores


def made_up(model_error: float = 0.5, dates: bool = False) -> ForecastData:
    """Twenty windows of a horizon of 3 on a sine; persistence repeats the last value."""
    years = np.arange(1900, 1960)
    series = 10 + 5 * np.sin(years / 3.0)
    starts = np.arange(35, 55)
    times = np.stack([years[starts + k] for k in range(3)], axis=1)
    if dates:
        times = np.array([[f"{year}-01-01" for year in row] for row in times])
    truth = np.stack([series[starts + k] for k in range(3)], axis=1)
    forecast = truth + model_error
    persistence = np.repeat(series[starts - 1][:, None], 3, axis=1)

    def scores(values: np.ndarray) -> dict[str, float]:
        return {"mae": float(np.mean(np.abs(truth - values))),
                "rmse": float(np.sqrt(np.mean((truth - values) ** 2)))}

    def steps(values: np.ndarray) -> dict[str, list[float]]:
        return {"mae": [float(v) for v in np.mean(np.abs(truth - values), axis=0)]}

    return ForecastData("flow", times, truth, forecast, {"persistence": persistence},
                        {"model": scores(forecast), "persistence": scores(persistence)},
                        {"model": steps(forecast), "persistence": steps(persistence)},
                        history_times=years, history=series)


@pytest.fixture
def plot(qtbot):
    widget = ForecastPlot()
    qtbot.addWidget(widget)
    widget.resize(900, 600)
    widget.show()
    return widget


def test_the_plot_draws_the_chosen_step_ahead_of_every_window(plot):
    data = made_up()
    plot.set_data(data)
    x, y = plot.items["model"].getData()
    assert list(x) == list(data.times[:, 0].astype(float))
    assert np.allclose(y, data.forecast[:, 0])
    plot.step.setValue(3)
    x, y = plot.items["truth"].getData()
    assert list(x) == list(data.times[:, 2].astype(float))
    assert np.allclose(y, data.truth[:, 2])
    _x, residuals = plot.items["residuals"].getData()
    assert np.allclose(residuals, -0.5)
    assert plot.step.maximum() == 3


def test_the_slider_draws_one_windows_whole_forecast_and_zooms_onto_it(plot):
    data = made_up()
    plot.set_data(data)
    whole = plot.forecast.getViewBox().viewRange()[0]
    assert whole[0] < 1935 and whole[1] >= 1956  # the whole test period
    plot.slider.setValue(10)
    x, y = plot.fans["model"].getData()
    assert list(x) == list(data.times[10].astype(float))
    assert np.allclose(y, data.forecast[10])
    left, right = plot.forecast.getViewBox().viewRange()[0]
    assert left < data.times[10, 0] < data.times[10, 2] <= right
    assert right - left < whole[1] - whole[0]
    assert "11 of 20" in plot.window_label.text() and "1945" in plot.window_label.text()
    plot.whole_button.click()
    assert plot.forecast.getViewBox().viewRange()[0][1] - \
        plot.forecast.getViewBox().viewRange()[0][0] > right - left


def test_baselines_are_toggled_by_their_check_boxes(plot):
    plot.set_data(made_up())
    box = plot.baseline_boxes["persistence"]
    assert box.isChecked() and plot.items["persistence"].isVisible()
    box.setChecked(False)
    assert not plot.items["persistence"].isVisible()
    assert not plot.fans["persistence"].isVisible()
    plot.set_data(made_up())  # the first boxes go at once, not when Qt gets round to it
    old = [box for box in plot.findChildren(QCheckBox)
           if box not in plot.baseline_boxes.values()]
    assert old and all(box.isHidden() for box in old)
    assert "truth" in plot.key.text() and "history" in plot.key.text()
    plot.set_data(None)
    assert plot.baseline_boxes == {}


def test_dates_get_a_date_axis(plot):
    import pyqtgraph as pg

    plot.set_data(made_up(dates=True))
    assert isinstance(plot.forecast.getPlotItem().getAxis("bottom"), pg.DateAxisItem)
    assert "1935-01-01" in plot.window_label.text()


def test_scores_sit_beside_the_baselines_with_the_best_in_bold(qtbot):
    scores = ForecastScores()
    qtbot.addWidget(scores)
    scores.set_data(made_up(model_error=0.1))
    headers = [scores.overall.horizontalHeaderItem(c).text()
               for c in range(scores.overall.columnCount())]
    assert headers == ["forecast", "MAE", "RMSE"]
    assert [scores.overall.item(r, 0).text() for r in range(2)] == ["Model", "Persistence"]
    assert scores.overall.item(0, 1).font().bold()  # the model's MAE is the lowest
    assert not scores.overall.item(1, 1).font().bold()
    assert scores.per_step.rowCount() == 3
    assert scores.per_step.horizontalHeaderItem(2).text() == "Persist."
    assert scores.per_step.item(0, 1).font().bold()
    assert "beats persistence" in scores.verdict.text()


def test_a_model_worse_than_persistence_is_flagged_in_plain_words(qtbot):
    scores = ForecastScores()
    qtbot.addWidget(scores)
    data = made_up(model_error=9.0)
    scores.set_data(data)
    text, warning = verdict(data)
    assert warning and "does not beat persistence" in text
    assert scores.verdict.text() == text
    assert scores.overall.item(1, 1).font().bold()  # persistence is the best
