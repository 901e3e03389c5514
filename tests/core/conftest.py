"""Tiny trained runs shared by the evaluation, export and prediction tests.

Each run trains once per test session (a few seconds): a three-class CSV with a numeric column
that has a gap and a categorical column, a CSV regression, and a two-class image folder (one
sigmoid output unit).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from dlstudio.core.project.project import (
    AugmentationSpec,
    ColumnSpec,
    DataSpec,
    LayerSpec,
    ModelSpec,
    Project,
    TrainingSpec,
    save_project,
)


@dataclass
class TrainedCase:
    """A finished run and what it was trained on.

    Attributes:
        run: The run folder.
        data: The training CSV file or image folder.
        root: A folder the test may write into.
    """

    run: Path
    data: Path
    root: Path


def train(project: Project, root: Path) -> Path:
    """Train ``project`` into ``root/runs`` and return the run folder."""
    from dlstudio.core.training.run import run_training

    save_project(project, root / "project.dlstudio.json")
    return run_training(project, lambda event: None, runs_dir=root / "runs").run.path


def classification_frame(rows: int = 60, seed: int = 0) -> pd.DataFrame:
    """Rows of ``size`` (numeric, learnable), ``colour`` (categorical) and ``label`` (a/b/c)."""
    rng = np.random.default_rng(seed)
    label = np.array(["a", "b", "c"] * (rows // 3))
    size = np.select([label == "a", label == "b"], [1.0, 5.0], 9.0) + rng.normal(0, 0.7, rows)
    colour = np.where(label == "c", "red", rng.choice(["blue", "green"], rows))
    return pd.DataFrame({"size": size.round(3), "colour": colour, "label": label})


@pytest.fixture(scope="session")
def csv_run(tmp_path_factory: pytest.TempPathFactory) -> TrainedCase:
    """A three-class CSV run (softmax head); ``size`` has one empty cell."""
    root = tmp_path_factory.mktemp("csv_run")
    frame = classification_frame()
    frame.loc[4, "size"] = np.nan
    data = root / "data.csv"
    frame.to_csv(data, index=False)
    project = Project(
        name="tiny csv",
        data=DataSpec(kind="csv", path=str(data), target="label", columns=[
            ColumnSpec("size", "feature", "numeric"),
            ColumnSpec("colour", "feature", "categorical"),
            ColumnSpec("label", "target", "categorical")]),
        model=ModelSpec(layers=[LayerSpec.of("Dense", units=8)]),
        training=TrainingSpec(epochs=3, batch_size=16, learning_rate=0.05))
    return TrainedCase(train(project, root), data, root)


@pytest.fixture(scope="session")
def regression_run(tmp_path_factory: pytest.TempPathFactory) -> TrainedCase:
    """A CSV regression run: ``y = 3 x + 2 [kind == v]``."""
    root = tmp_path_factory.mktemp("regression_run")
    rng = np.random.default_rng(1)
    x = rng.uniform(0, 1, 40).round(3)
    kind = np.array(["u", "v"] * 20)
    frame = pd.DataFrame({"x": x, "kind": kind, "y": 3 * x + 2 * (kind == "v")})
    data = root / "data.csv"
    frame.to_csv(data, index=False)
    project = Project(
        name="tiny regression",
        data=DataSpec(kind="csv", path=str(data), target="y", task="regression", columns=[
            ColumnSpec("x", "feature", "numeric"),
            ColumnSpec("kind", "feature", "categorical"),
            ColumnSpec("y", "target", "numeric")]),
        model=ModelSpec(layers=[LayerSpec.of("Dense", units=4)]),
        training=TrainingSpec(epochs=2, batch_size=8, learning_rate=0.05))
    return TrainedCase(train(project, root), data, root)


def write_image(path: Path, brightness: int, size: tuple[int, int], seed: int) -> Path:
    """Write an RGB PNG of ``size`` (width, height) around ``brightness`` with some noise."""
    rng = np.random.default_rng(seed)
    width, height = size
    pixels = np.clip(rng.normal(brightness, 20, (height, width, 3)), 0, 255).astype(np.uint8)
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(pixels).save(path)
    return path


@pytest.fixture(name="write_image")
def write_image_fixture():
    """Return :func:`write_image`, for tests that need images of their own."""
    return write_image


@pytest.fixture(scope="session")
def image_run(tmp_path_factory: pytest.TempPathFactory) -> TrainedCase:
    """A two-class image run (``dark``, ``light``: one sigmoid unit) with random flips."""
    root = tmp_path_factory.mktemp("image_run")
    data = root / "images"
    for index in range(8):
        write_image(data / "dark" / f"{index}.png", 40, (20, 20), index)
        write_image(data / "light" / f"{index}.png", 210, (20, 20), 100 + index)
    project = Project(
        name="tiny images",
        data=DataSpec(kind="images", path=str(data), image_size=[16, 16],
                      augmentation=AugmentationSpec(flip="horizontal")),
        model=ModelSpec(layers=[LayerSpec.of("Flatten"), LayerSpec.of("Dense", units=4)]),
        training=TrainingSpec(epochs=2, batch_size=8, learning_rate=0.01))
    return TrainedCase(train(project, root), data, root)


@pytest.fixture(scope="session")
def csv_savedmodel(csv_run: TrainedCase):
    """The CSV run exported as a SavedModel (an ``ExportResult``)."""
    from dlstudio.core.export.exporter import export_run

    return export_run(csv_run.run, "savedmodel", csv_run.root / "export" / "savedmodel")
