"""A transfer-learning run exports a SavedModel and a .keras file that take raw images: the
reload check (a fresh process, Keras safe mode for .keras) predicts what the run predicts."""

from __future__ import annotations

from pathlib import Path

import pytest

from dlstudio.core.export.exporter import export_run
from dlstudio.core.project.project import (
    DataSpec,
    LayerSpec,
    ModelSpec,
    Project,
    TrainingSpec,
)
from dlstudio.core.training.run import run_training


@pytest.mark.slow  # a run and two exports of a 1 M-weight network: about a minute on 2 cores
def test_a_backbone_run_exports_models_that_take_raw_images(tmp_path: Path, write_image) -> None:
    for index in range(6):
        write_image(tmp_path / "images" / "dark" / f"{index}.png", 50, (16, 16), index)
        write_image(tmp_path / "images" / "light" / f"{index}.png", 200, (20, 14), 9 + index)
    project = Project(
        name="transfer", data=DataSpec(kind="images", path=str(tmp_path / "images"),
                                       image_size=[16, 16]),
        model=ModelSpec(layers=[LayerSpec.of("Backbone", weights="none", input_size=32),
                                LayerSpec.of("GlobalAveragePooling2D"),
                                LayerSpec.of("Dropout", rate=0.2)]),
        training=TrainingSpec(epochs=1, batch_size=8))
    run = run_training(project, lambda event: None, runs_dir=tmp_path / "runs").run

    saved = export_run(run.path, "savedmodel", tmp_path / "savedmodel")
    keras_file = export_run(run.path, "keras", tmp_path / "model.keras")

    for result in (saved, keras_file):
        assert result.check.passed and result.check.max_abs_diff <= 1e-4
    assert saved.inputs[0]["shape"] == [None, None, None, 3]  # raw pixels, any size
