"""A tiny project to tune, and the fast fake worker that trains it (no TensorFlow)."""

from __future__ import annotations

from pathlib import Path

import pytest

from dlstudio.core.project.project import (
    DataSpec,
    LayerSpec,
    ModelSpec,
    Project,
    SearchParameter,
    TuningSpec,
    save_project,
)


@pytest.fixture
def tune_project(tmp_path: Path) -> Path:
    """A saved project searching the learning rate (the fake worker's only input)."""
    data = tmp_path / "data.csv"
    data.write_text("x,label\n1,a\n2,b\n", encoding="utf-8")
    project = Project(
        name="tiny", data=DataSpec(kind="csv", path=str(data), target="label"),
        model=ModelSpec(layers=[LayerSpec.of("Dense", units=8)]),
        tuning=TuningSpec(search=[SearchParameter("training.learning_rate", low=1e-4, high=0.1,
                                                  log=True)],
                          trials=4, pruner="none"))
    return save_project(project, tmp_path / "tiny.dlstudio.json")
