"""Tiny data for the command line: a learnable CSV and a folder of small PNGs in 3 classes."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image


@pytest.fixture
def toy_csv(tmp_path) -> Path:
    """240 rows; ``label`` (3 classes) is set by two lines in the plane of x1 and x2."""
    generator = np.random.default_rng(0)
    x1, x2 = generator.normal(size=240), generator.normal(size=240)
    label = np.where(x1 + x2 > 0.7, "high", np.where(x1 - x2 > 0, "middle", "low"))
    colour = generator.choice(["red", "green"], size=240)
    path = tmp_path / "toy.csv"
    pd.DataFrame({"id": np.arange(240), "x1": x1, "x2": x2, "colour": colour,
                  "label": label}).to_csv(path, index=False)
    return path


@pytest.fixture
def image_folder(tmp_path) -> Path:
    """Three class folders of six 16×16 PNGs each, one dominant colour per class."""
    root = tmp_path / "shapes"
    generator = np.random.default_rng(1)
    for channel, name in enumerate(["red", "green", "blue"]):
        (root / name).mkdir(parents=True)
        for index in range(6):
            pixels = generator.integers(0, 80, size=(16, 16, 3), dtype=np.uint8)
            pixels[..., channel] = 200
            Image.fromarray(pixels).save(root / name / f"{index}.png")
    return root


@pytest.fixture(scope="session")
def trained_toy_run(tmp_path_factory) -> Path:
    """A 2-epoch run of a small classification CSV (train once per session; copy it before
    changing it): ``run_dir.parent.parent / "toy.csv"`` is its data."""
    from dlstudio.core.project.project import (
        DataSpec,
        LayerSpec,
        ModelSpec,
        Project,
        TrainingSpec,
        save_project,
    )
    from dlstudio.core.training.run import run_training

    root = tmp_path_factory.mktemp("toy_run")
    generator = np.random.default_rng(0)
    x1, x2 = generator.normal(size=60), generator.normal(size=60)
    pd.DataFrame({"x1": x1, "x2": x2, "label": np.where(x1 + x2 > 0, "up", "down")}).to_csv(
        root / "toy.csv", index=False)
    project = Project(name="toy", data=DataSpec(kind="csv", path=str(root / "toy.csv"),
                                                target="label"),
                      model=ModelSpec(layers=[LayerSpec.of("Dense", units=4)]),
                      training=TrainingSpec(epochs=2, batch_size=16))
    save_project(project, root / "toy.dlstudio.json")
    return run_training(project, lambda event: None, runs_dir=root / "runs").run.path
