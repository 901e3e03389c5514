"""Transfer learning's two phases on tiny images: the head on a frozen Backbone, then its top
layers at a lower rate, one set of curves with a ``phase`` event, and resuming in phase two."""

from __future__ import annotations

from pathlib import Path

import pytest

from dlstudio.core.model.backbone_layer import find_backbones
from dlstudio.core.model.loading import load_keras_file
from dlstudio.core.project.project import (
    DataSpec,
    FineTuneSpec,
    LayerSpec,
    ModelSpec,
    Project,
    TrainingSpec,
)
from dlstudio.core.training.control import RunControl
from dlstudio.core.training.events import Epoch, Phase, Started
from dlstudio.core.training.run import run_training


def transfer_project(folder: Path, write_image) -> Project:
    for index in range(6):
        write_image(folder / "images" / "dark" / f"{index}.png", 50, (16, 16), index)
        write_image(folder / "images" / "light" / f"{index}.png", 200, (16, 16), 50 + index)
    return Project(
        name="transfer", data=DataSpec(kind="images", path=str(folder / "images"),
                                       image_size=[16, 16]),
        model=ModelSpec(layers=[
            LayerSpec.of("Backbone", weights="none", input_size=32),
            LayerSpec.of("GlobalAveragePooling2D"), LayerSpec.of("Dropout", rate=0.2)]),
        training=TrainingSpec(epochs=1, batch_size=8, learning_rate=0.01,
                              fine_tune=FineTuneSpec(epochs=2, layers=5)))


def of_type(events: list, kind: type) -> list:
    return [event for event in events if isinstance(event, kind)]


@pytest.mark.slow  # two phases and a resume of a 1 M-weight network: about 40 s on 2 cores
def test_two_phases_share_one_set_of_curves_and_resume_in_the_second(tmp_path, write_image):
    project = transfer_project(tmp_path, write_image)
    control, events = RunControl(), []

    def stop_in_the_second_phase(event):
        events.append(event)
        if isinstance(event, Epoch) and event.epoch == 2:
            control.stop()

    stopped = run_training(project, stop_in_the_second_phase, runs_dir=tmp_path / "runs",
                           control=control)
    assert events[0].epochs == 3  # one head epoch, then two fine-tuning ones
    [phase] = of_type(events, Phase)
    assert (phase.name, phase.epoch) == ("fine_tune", 1)
    assert phase.learning_rate == pytest.approx(0.001) and phase.trainable_weights > 0
    assert events.index(phase) == events.index(of_type(events, Epoch)[0]) + 1
    assert (stopped.state, stopped.epochs_done) == ("stopped", 2)
    assert stopped.run.read_state().fine_tune_from == 1
    assert stopped.run.read_record().weights[0]["weights"] == "none"

    more: list = []
    resumed = run_training(None, more.append, resume=stopped.run.path)
    assert of_type(more, Started)[0].initial_epoch == 2
    assert [event.epoch for event in of_type(more, Epoch)] == [3]
    assert of_type(more, Phase)[0].epoch == 1
    assert [row["epoch"] for row in resumed.run.read_metrics()] == [1, 2, 3]
    [backbone] = find_backbones(load_keras_file(resumed.run.model_path))
    assert (backbone.trainable_mode, backbone.top_layers) == ("top", 5)


@pytest.mark.slow  # about 40 s on 2 cores
def test_a_run_stopped_while_training_the_head_resumes_on_cached_features(tmp_path,
                                                                           write_image):
    project = transfer_project(tmp_path, write_image)
    project.training.epochs, project.training.fine_tune.epochs = 2, 1
    control, events = RunControl(), []

    def stop_after_the_first_epoch(event):
        events.append(event)
        if isinstance(event, Epoch):
            control.stop()

    stopped = run_training(project, stop_after_the_first_epoch, runs_dir=tmp_path / "runs",
                           control=control)
    assert stopped.run.read_state().fine_tune_from is None
    more: list = []
    resumed = run_training(None, more.append, resume=stopped.run.path)
    assert [event.epoch for event in of_type(more, Epoch)] == [2, 3]
    assert [event.epoch for event in of_type(more, Phase)] == [2]
    assert any("Feature cache" in getattr(event, "text", "") for event in more)
    assert resumed.run.read_state().fine_tune_from == 2
