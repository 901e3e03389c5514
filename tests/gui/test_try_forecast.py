"""“Try it” on a forecasting run: a series file in, the steps after its last row out."""

from __future__ import annotations

import pandas as pd

from dlstudio.core.project.project import DataSpec, Project, SeriesSpec, save_project
from dlstudio.core.runs.folder import RunFolder
from dlstudio.gui.widgets import try_forecast
from dlstudio.gui.widgets.try_forecast import ForecastTryDialog


def forecast_run(tmp_path):
    csv = tmp_path / "yearly.csv"
    csv.write_text("YEAR,VALUE\n2000,1\n2001,2\n2002,3\n", encoding="utf-8")
    run = tmp_path / "run"
    run.mkdir()
    project = Project(name="yearly", data=DataSpec(
        path=str(csv), task="forecasting",
        series=SeriesSpec(time_column="YEAR", targets=["VALUE"], window=2, horizon=2)))
    save_project(project, RunFolder(run).project_path)
    return run, csv


def test_the_run_forecasts_the_steps_after_the_files_last_row(qtbot, tmp_path, monkeypatch):
    run, csv = forecast_run(tmp_path)
    asked = []

    def forecast(run_dir, data_path):
        asked.append((run_dir, data_path))
        return pd.DataFrame({"time": [2003, 2004], "VALUE": [4.0, 5.25]})

    monkeypatch.setattr(try_forecast, "forecast_file", forecast)
    dialog = ForecastTryDialog(run)
    qtbot.addWidget(dialog)
    assert dialog.path.text() == str(csv.resolve())

    dialog.forecast()
    qtbot.waitUntil(lambda: not dialog.busy, timeout=10_000)

    assert asked == [(run, csv.resolve())]
    assert dialog.table.rowCount() == 2 and dialog.table.item(1, 1).text() == "5.25"
    assert dialog.table.horizontalHeaderItem(0).text() == "time"


def test_a_missing_file_is_said_in_words_without_forecasting(qtbot, tmp_path):
    run, _csv = forecast_run(tmp_path)
    dialog = ForecastTryDialog(run)
    qtbot.addWidget(dialog)
    dialog.path.setText(str(tmp_path / "gone.csv"))

    dialog.forecast()

    assert not dialog.busy and "There is no file" in dialog.status.text()
