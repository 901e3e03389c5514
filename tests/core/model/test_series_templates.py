"""The forecasting templates train through the real run loop on a series made here."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from dlstudio.core.model.templates import TEMPLATES, choose_template
from dlstudio.core.project.project import (
    DataSpec,
    ModelSpec,
    Project,
    SeriesSpec,
    TrainingSpec,
    save_project,
)
from dlstudio.core.runs.folder import RunFolder

SERIES_TEMPLATES = [name for name, template in TEMPLATES.items() if "series" in template.kinds]


@pytest.fixture(scope="module")
def wave_csv(tmp_path_factory):
    """A noisy monthly wave with a season of 12 rows and a slow trend."""
    rows = 240
    t = np.arange(rows)
    values = 50 + 10 * np.sin(2 * np.pi * t / 12) + 0.05 * t
    values += np.random.default_rng(0).normal(0, 0.5, rows)
    path = tmp_path_factory.mktemp("series") / "wave.csv"
    pd.DataFrame({"month": pd.date_range("2000-01-01", periods=rows, freq="MS")
                  .strftime("%Y-%m"), "value": values.round(3)}).to_csv(path, index=False)
    return path


def wave_project(csv, template: str, epochs: int) -> Project:
    series = SeriesSpec(time_column="month", targets=["value"], window=12, horizon=2)
    data = DataSpec(path=str(csv), task="forecasting", series=series)
    layers = TEMPLATES[template].layers_for(data)
    return Project(name=template, data=data, model=ModelSpec(layers=layers, template=template),
                   training=TrainingSpec(epochs=epochs, batch_size=16))


def train(project: Project, root) -> RunFolder:
    from dlstudio.core.training.run import run_training

    save_project(project, root / "project.dlstudio.json")
    return RunFolder(run_training(project, lambda event: None, runs_dir=root / "runs").run.path)


def test_the_series_templates_exist_and_gru_is_the_default():
    assert set(SERIES_TEMPLATES) == {"series_gru", "series_lstm", "series_tcn",
                                     "series_transformer"}
    assert choose_template("series", "forecasting", (12, 1)).name == "series_gru"


@pytest.mark.parametrize("template", SERIES_TEMPLATES)
def test_each_series_template_trains_and_its_loss_falls(template, wave_csv, tmp_path):
    run = train(wave_project(wave_csv, template, epochs=3), tmp_path)

    metrics = pd.read_csv(run.metrics_path)
    assert len(metrics) == 3 and np.isfinite(metrics["val_loss"]).all()
    assert metrics["loss"].iloc[-1] < metrics["loss"].iloc[0]
    record = json.loads(run.info_path.read_text())
    assert record["task"] == "forecasting"
    assert record["class_names"] == ["value t+1", "value t+2"]


@pytest.mark.slow
def test_a_trained_gru_beats_persistence_on_a_seasonal_series(wave_csv, tmp_path):
    from dlstudio.core.evaluation.evaluate import evaluate_run

    run = train(wave_project(wave_csv, "series_gru", epochs=40), tmp_path)
    result = evaluate_run(run.path)

    assert result["beats_persistence"], result["verdict"]
    assert result["season_length"] == 12
