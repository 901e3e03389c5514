"""The refit on the training and validation rows (``training.refit_on_all``) on a small linear
table made here: when it happens, how it continues the run's curves and checkpoints, and a
refit stopped half-way that resumes in the refit."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dlstudio.core.data import load_dataset
from dlstudio.core.errors import UserInputError
from dlstudio.core.model.loading import load_keras_file
from dlstudio.core.project.from_data import new_project
from dlstudio.core.project.project import (
    REFIT_AUTO_ROWS,
    DataSpec,
    EarlyStoppingSpec,
    LayerSpec,
    ModelSpec,
    Project,
    TrainingSpec,
)
from dlstudio.core.training.control import RunControl
from dlstudio.core.training.events import Epoch, Finished, Message, Phase, Started
from dlstudio.core.training.refit import plan_refit
from dlstudio.core.training.run import run_training


def write_table(path: Path, rows: int) -> Path:
    """A near-linear regression: y = x1 - 2 x2 + a little noise."""
    generator = np.random.default_rng(3)
    x1, x2 = generator.normal(size=rows), generator.normal(size=rows)
    y = x1 - 2 * x2 + 0.1 * generator.normal(size=rows)
    pd.DataFrame({"x1": x1, "x2": x2, "y": y}).to_csv(path, index=False)
    return path


def small_project(folder: Path, refit: str = "auto", early: bool = True) -> Project:
    return Project(
        name="linear",
        data=DataSpec(kind="csv", path=str(write_table(folder / "linear.csv", 120)),
                      target="y"),
        model=ModelSpec(layers=[LayerSpec.of("Dense", units=8, activation="relu")]),
        training=TrainingSpec(epochs=3, batch_size=16, learning_rate=0.02,
                              refit_on_all=refit,
                              early_stopping=EarlyStoppingSpec(enabled=early, patience=5)))


def of_type(events: list, kind: type) -> list:
    return [event for event in events if isinstance(event, kind)]


def test_a_new_small_table_refits_by_default_and_a_large_one_does_not(tmp_path):
    small = new_project(write_table(tmp_path / "small.csv", 200), target="y")
    assert small.training.refit_on_all == "auto" and small.training.early_stopping.enabled
    plan = plan_refit(small, load_dataset(small), best_epoch=7)
    assert plan.epochs == 7 and plan.note is None
    assert plan.data.split_size("validation") == 0
    assert plan.data.split_size("train") == sum(
        load_dataset(small).split_size(split) for split in ("train", "validation"))

    rows = int(REFIT_AUTO_ROWS / 0.7) + 50  # the training split alone reaches the threshold
    large = new_project(write_table(tmp_path / "large.csv", rows), target="y")
    assert plan_refit(large, load_dataset(large), best_epoch=7).epochs == 0
    large.training.refit_on_all = "on"
    assert plan_refit(large, load_dataset(large), best_epoch=7).epochs == 7
    small.training.refit_on_all = "off"
    assert plan_refit(small, load_dataset(small), best_epoch=7).epochs == 0


def test_a_refit_asked_for_without_early_stopping_says_why_it_does_not_happen(tmp_path):
    project = small_project(tmp_path, refit="on", early=False)
    plan = plan_refit(project, load_dataset(project), best_epoch=3)
    assert plan.epochs == 0 and "early stopping" in plan.note
    project.training.refit_on_all = "auto"
    assert plan_refit(project, load_dataset(project), best_epoch=3).note is None


@pytest.mark.slow  # two short fits and a resume: about 7 s on 2 cores
def test_the_refit_continues_the_curves_and_a_stopped_refit_resumes_in_it(tmp_path):
    control, events = RunControl(), []

    def stop_in_the_refit(event):
        events.append(event)
        if isinstance(event, Epoch) and "val_loss" not in event.logs:
            control.stop()

    stopped = run_training(small_project(tmp_path), stop_in_the_refit,
                           runs_dir=tmp_path / "runs", control=control)
    [phase] = of_type(events, Phase)
    best = stopped.best_epoch
    assert best >= 2  # the linear target keeps improving, so the refit has two epochs or more
    assert (phase.name, phase.epoch, phase.epochs) == ("refit", 3, 3 + best)
    assert events[0].epochs == 3 and events[0].samples["validation"] > 0
    assert (stopped.state, stopped.epochs_done) == ("stopped", 4)
    state = stopped.run.read_state()
    assert (state.refit_from, state.refit_epochs, state.epochs_done) == (3, best, 4)
    record = stopped.run.read_record()
    assert record.best_epoch == best and "val_loss" in record.best_metrics
    assert record.refit_epochs is None  # model.keras is still the validated model
    assert any("model.keras keeps the model" in event.text for event in of_type(events, Message))

    more: list = []
    resumed = run_training(None, more.append, resume=stopped.run.path)
    assert of_type(more, Started)[0].initial_epoch == 4
    assert of_type(more, Started)[0].samples["validation"] == 0
    assert [event.epoch for event in of_type(more, Epoch)] == list(range(5, 4 + best))
    assert of_type(more, Phase)[0].name == "refit"
    assert of_type(more, Finished)[0].state == "finished"
    record = resumed.run.read_record()
    assert (record.epochs_done, record.best_epoch, record.refit_epochs) == (3 + best, best, best)
    rows = resumed.run.read_metrics()
    assert [row["epoch"] for row in rows] == list(range(1, 4 + best))
    assert all("val_loss" in row for row in rows[:3])
    assert not any("val_loss" in row for row in rows[3:])
    assert load_keras_file(resumed.run.model_path).outputs[0].shape[-1] == 1
    with pytest.raises(UserInputError, match="finished its refit"):
        run_training(None, more.append, resume=resumed.run.path)


@pytest.mark.slow  # one short fit: about 3 s on 2 cores
def test_refit_off_keeps_the_first_fit(tmp_path):
    events: list = []
    result = run_training(small_project(tmp_path, refit="off"), events.append,
                          runs_dir=tmp_path / "runs")
    assert not of_type(events, Phase)
    assert result.epochs_done == 3 and result.run.read_record().refit_epochs is None
