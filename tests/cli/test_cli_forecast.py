"""Forecasting on the command line: init a yearly series, train, evaluate against baselines,
forecast the next steps (from the run and from its export) and backtest."""

import json

import numpy as np
import pandas as pd
import pytest

from dlstudio import cli
from dlstudio.core.project.project import load_project


def run_cli(capsys, *arguments):
    status = cli.main([str(item) for item in arguments])
    out, err = capsys.readouterr()
    return status, out, err


@pytest.fixture
def yearly_csv(tmp_path):
    """YEAR,VALUE: 120 years of a cycle of 9 years, the shape that was refused before."""
    t = np.arange(120)
    path = tmp_path / "yearly.csv"
    pd.DataFrame({"YEAR": 1900 + t, "VALUE": (50 + 20 * np.sin(2 * np.pi * t / 9)).round(2)}
                 ).to_csv(path, index=False)
    return path


def test_a_yearly_series_is_forecast_end_to_end(capsys, yearly_csv, tmp_path):
    project_path = tmp_path / "yearly.dlstudio.json"
    status, out, err = run_cli(capsys, "init", yearly_csv, "-o", project_path,
                               "--window", 12, "--horizon", 2)
    assert status == 0, err
    assert "forecast VALUE 2 step(s) ahead from windows of 12 rows" in out
    project = load_project(project_path)
    assert project.data.task == "forecasting" and project.model.template == "series_gru"

    status, out, err = run_cli(capsys, "train", project_path, "--epochs", 1)
    assert status == 0, err
    run = next((tmp_path / "runs").iterdir())

    status, out, _ = run_cli(capsys, "evaluate", run, "--json")
    result = json.loads(out)
    assert status == 0 and set(result["baselines"]) >= {"persistence", "linear_ar"}
    assert "mae" in result["baselines"]["persistence"] and result["verdict"]

    status, out, _ = run_cli(capsys, "predict", run, "--data", yearly_csv, "-o",
                             tmp_path / "next.csv")
    forecast = pd.read_csv(tmp_path / "next.csv")
    assert status == 0 and forecast["time"].tolist() == [2020, 2021]
    assert np.isfinite(forecast["VALUE"]).all()

    status, _, _ = run_cli(capsys, "predict", run, "--data", yearly_csv, "-o",
                           tmp_path / "backtest.csv", "--backtest")
    backtest = pd.read_csv(tmp_path / "backtest.csv")
    assert status == 0 and list(backtest.columns) == ["origin", "time", "step", "VALUE",
                                                      "VALUE forecast"]

    status, out, err = run_cli(capsys, "export", run, "--format", "savedmodel", "-o",
                               tmp_path / "exported")
    assert status == 0, err
    readme = " ".join((tmp_path / "exported" / "README.txt").read_text().split())
    assert '"window", [batch, 12, 1]' in readme and "VALUE t+2" in readme
    status, _, _ = run_cli(capsys, "predict", tmp_path / "exported", "--data", yearly_csv,
                           "-o", tmp_path / "next_export.csv")
    again = pd.read_csv(tmp_path / "next_export.csv")
    assert status == 0
    np.testing.assert_allclose(again["VALUE"], forecast["VALUE"], rtol=1e-4)


def test_window_and_horizon_do_not_fit_a_table_task(capsys, yearly_csv, tmp_path):
    status, _, err = run_cli(capsys, "init", yearly_csv, "-o", tmp_path / "p.dlstudio.json",
                             "--task", "regression", "--horizon", 2)
    assert status == 2 and "--window and --horizon are for forecasting" in err
