"""The forecasting task: its head, loss, and an evaluation against baselines on a run."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from dlstudio.core.errors import TrainingError
from dlstudio.core.evaluation.forecast_report import verdict
from dlstudio.core.project.project import (
    DataSpec,
    LayerSpec,
    ModelSpec,
    Project,
    SeriesSpec,
    TrainingSpec,
    save_project,
)
from dlstudio.core.tasks import get_task


def test_the_head_has_one_linear_unit_per_output_and_the_loss_is_a_regression_loss():
    task = get_task("forecasting")
    assert task.output_head(6) == (6, "linear")
    assert task.resolve_loss("auto", 6) == "mse"
    with pytest.raises(TrainingError, match="use mse, mae, huber or auto"):
        task.resolve_loss("binary_crossentropy", 6)
    table = task.prediction_table(["from 2001", "from 2002"], np.array([[1.0, 2.0], [3.0, 4.0]]),
                                  ["v t+1", "v t+2"])
    assert list(table.columns) == ["sample", "v t+1", "v t+2"]


def test_a_model_that_does_not_beat_persistence_is_told_so_in_plain_words():
    report = {"mae": 5.0, "beats_persistence": False,
              "baselines": {"persistence": {"mae": 4.0}, "linear_ar": {"mae": 3.0}}}
    assert verdict(report).startswith("The model does not beat persistence")
    report.update(mae=3.5, beats_persistence=True)
    assert "but not the linear AR" in verdict(report)


@pytest.fixture(scope="module")
def trained_run(tmp_path_factory):
    from dlstudio.core.training.run import run_training

    root = tmp_path_factory.mktemp("forecast")
    t = np.arange(150)
    pd.DataFrame({"YEAR": 1800 + t, "VALUE": 20 + 8 * np.sin(2 * np.pi * t / 10)}).to_csv(
        root / "yearly.csv", index=False)
    series = SeriesSpec(time_column="YEAR", targets=["VALUE"], window=10, horizon=3)
    project = Project(name="yearly", data=DataSpec(path=str(root / "yearly.csv"),
                                                   task="forecasting", series=series),
                      model=ModelSpec(layers=[LayerSpec.of("Flatten")]),
                      training=TrainingSpec(epochs=2, batch_size=16))
    save_project(project, root / "yearly.dlstudio.json")
    return run_training(project, lambda event: None, runs_dir=root / "runs").run.path


def test_evaluation_puts_the_model_beside_its_baselines_on_the_same_windows(trained_run):
    from dlstudio.core.evaluation.evaluate import evaluate_run, format_report

    result = evaluate_run(trained_run)

    assert result["task"] == "forecasting" and result["horizon"] == 3
    assert set(result["baselines"]) == {"persistence", "seasonal_naive", "linear_ar"}
    assert result["season_length"] == 10
    for name in ("mae", "rmse", "smape", "mase"):
        assert np.isfinite(result[name]) and name in result["baselines"]["persistence"]
    assert [step["step"] for step in result["per_step"]] == [1, 2, 3]
    assert result["windows_total"] == result["samples"] == len(result["windows"])
    window = result["windows"][0]
    assert window["timestamps"][0] == window["origin"] and len(window["timestamps"]) == 3
    assert len(window["truth"]["VALUE"]) == 3 and len(window["forecast"]["VALUE"]) == 3
    assert set(window["baselines"]) == set(result["baselines"])
    assert result["history"]["timestamps"][-1] == "1949"
    assert isinstance(result["beats_persistence"], bool) and result["verdict"]
    json.dumps(result)  # JSON-ready
    text = format_report(result)
    assert "persistence (last value)" in text and "MAE per step" in text


def test_the_model_card_shows_the_forecast_beside_its_baselines(trained_run):
    from dlstudio.core.reporting.model_card import model_card_html

    html = model_card_html(trained_run)

    assert "persistence" in html and "linear ar" in html and "sMAPE" in html


def test_a_forecasting_run_resumes_where_it_stopped(trained_run):
    from dlstudio.core.runs.folder import RunFolder
    from dlstudio.core.training.run import run_training

    run_training(None, lambda event: None, resume=trained_run, epochs=3)

    assert len(pd.read_csv(RunFolder(trained_run).metrics_path)) == 3


def _random_walk_project(root, rows: int = 160, **training) -> Project:
    if not (root / "walk.csv").exists():
        steps = np.random.default_rng(3).normal(0.5, 2.0, rows)
        pd.DataFrame({"YEAR": 1800 + np.arange(rows), "VALUE": 100 + np.cumsum(steps)}).to_csv(
            root / "walk.csv", index=False)
    series = SeriesSpec(time_column="YEAR", targets=["VALUE"], window=8, horizon=2)
    return Project(name="walk", data=DataSpec(path=str(root / "walk.csv"), task="forecasting",
                                              series=series),
                   model=ModelSpec(layers=[LayerSpec.of("GRU", units=8)]),
                   training=TrainingSpec(**training))


def test_an_untrained_forecaster_forecasts_the_last_value_plus_the_drift(tmp_path):
    from dlstudio.core.data import load_dataset
    from dlstudio.core.model.builder import build_model

    project = _random_walk_project(tmp_path)
    dataset = load_dataset(project)
    model = build_model(project, dataset)
    inputs, _targets = next(iter(dataset.tf_dataset("test", 64)))

    forecast = model.predict(inputs, verbose=0)

    offsets, _scales = dataset.change_scaling()
    last = inputs["window"].numpy()[:, -1, :1]
    np.testing.assert_allclose(forecast, last + np.array(offsets), rtol=1e-5)


def test_early_stopping_keeps_the_untrained_forecaster_when_no_epoch_beats_it(tmp_path):
    from dlstudio.core.training.run import run_training

    # A wave between flat stretches (no drift), flat from before validation on: persistence is
    # perfect there, and whatever training learns of the wave can only do worse
    t = np.arange(160)
    values = np.where((t >= 10) & (t < 100), 20 + 5 * np.sin(2 * np.pi * t / 10), 20.0)
    pd.DataFrame({"YEAR": 1800 + t, "VALUE": values}).to_csv(tmp_path / "walk.csv", index=False)
    project = _random_walk_project(tmp_path, epochs=2, batch_size=16)
    project.training.early_stopping.enabled = True
    save_project(project, tmp_path / "walk.dlstudio.json")
    events = []

    result = run_training(project, events.append, runs_dir=tmp_path / "runs")

    assert result.best_epoch == 0 and result.epochs_done == 2
    assert any("Kept the starting weights" in getattr(event, "text", "") for event in events)
