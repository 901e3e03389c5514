"""Every template learns its kind of data with dlstudio's default training settings.

Each test trains a template through the real run loop (:func:`train`) on tiny data
made here, whose classes a working model separates easily: only the number of epochs (and the
batch size, for the few samples) is set, never the optimizer, learning rate or the layers.
Tables train with the settings `dlstudio init` gives a table (AdamW, cosine schedule, label
smoothing, the batch size from the rows: :func:`table_project`), as a person's project would.
The validation accuracy of the last epoch must be far above chance (one in three).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from dlstudio.core.model.templates import get_template
from dlstudio.core.project.from_data import new_project
from dlstudio.core.project.project import (
    ColumnSpec,
    DataSpec,
    ModelSpec,
    Project,
    TrainingSpec,
    save_project,
)
from dlstudio.core.runs.folder import RunFolder

TOPICS = {"sport": ["goal", "match", "team"], "food": ["pizza", "soup", "bread"],
          "tech": ["laptop", "phone", "code"]}
FILLER = "the a today really very some new old good bad big small my our".split()
SHAPES = ("square", "cross", "triangle")
COLOURS = ([230, 30, 30], [30, 200, 30], [30, 30, 230], [240, 240, 40])


def train(project: Project, root: Path) -> Path:
    """Train ``project`` as ``dlstudio train`` does, into ``root/runs``; return the run folder."""
    from dlstudio.core.training.run import run_training

    save_project(project, root / "project.dlstudio.json")
    return run_training(project, lambda event: None, runs_dir=root / "runs").run.path


def last_val_accuracy(run: Path) -> float:
    """Return the validation accuracy of the run's last epoch."""
    return float(pd.read_csv(RunFolder(run).metrics_path)["val_accuracy"].iloc[-1])


def project_for(template: str, data: DataSpec, epochs: int, **sizes: int) -> Project:
    """Return a project training ``template`` on ``data`` with default settings but epochs."""
    layers = get_template(template).layers(*sizes.values())
    return Project(name=template, data=data, model=ModelSpec(layers=layers, template=template),
                   training=TrainingSpec(epochs=epochs, batch_size=16))


def table_project(template: str, csv: Path, epochs: int) -> Project:
    """Return the project ``dlstudio init --template`` makes for ``csv``, trained ``epochs``.

    Its training settings are the table defaults (``from_data._table_defaults``); with the
    plain ``TrainingSpec`` (Adam at a constant rate, no smoothing) and 12 epochs, the robust
    scaling of the columns left two or three of the 27 validation rows on the wrong side
    (0.889-0.926, by seed), while the same run with init's settings ends at 0.926-1.0.
    """
    project = new_project(csv, target="label", template=template)
    project.training.epochs = epochs
    project.training.refit_on_all = "off"  # validated to the last epoch (test_refit.py)
    return project


@pytest.fixture(scope="module")
def table_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """180 rows: classes a/b/c around three points in (x, y), plus a column of noise."""
    rng = np.random.default_rng(0)
    label = np.array(["a", "b", "c"] * 60)
    centres = {"a": (0.0, 0.0), "b": (4.0, 0.0), "c": (0.0, 4.0)}
    xy = np.array([centres[name] for name in label]) + rng.normal(0, 0.5, (len(label), 2))
    frame = pd.DataFrame({"x": xy[:, 0].round(3), "y": xy[:, 1].round(3),
                          "noise": rng.normal(0, 1, len(label)).round(3), "label": label})
    path = tmp_path_factory.mktemp("table") / "points.csv"
    frame.to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def text_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """180 short texts of filler words; one keyword anywhere in each decides its topic."""
    rng = np.random.default_rng(1)
    rows = []
    for index in range(180):
        topic = list(TOPICS)[index % 3]
        words = list(rng.choice(FILLER, rng.integers(3, 7)))
        words.insert(int(rng.integers(0, len(words) + 1)), str(rng.choice(TOPICS[topic])))
        rows.append((" ".join(words), topic))
    path = tmp_path_factory.mktemp("text") / "texts.csv"
    pd.DataFrame(rows, columns=["text", "topic"]).to_csv(path, index=False)
    return path


def draw(shape: str, pixels: np.ndarray, colour: list[int], offset: np.ndarray) -> None:
    """Draw a filled square, a cross or a triangle about 10 pixels wide at ``offset``."""
    top, left = 2 + offset
    if shape == "square":
        pixels[top:top + 9, left:left + 9] = colour
    elif shape == "cross":
        pixels[top + 4:top + 6, left:left + 10] = colour
        pixels[top:top + 10, left + 4:left + 6] = colour
    else:
        for row in range(10):
            pixels[top + row, left:left + row + 1] = colour


@pytest.fixture(scope="module")
def shape_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """24 noisy 16x16 PNGs per shape, in a random colour at a random place: the shape is the
    class, so colour alone does not tell it."""
    rng = np.random.default_rng(2)
    root = tmp_path_factory.mktemp("shapes") / "images"
    for shape in SHAPES:
        (root / shape).mkdir(parents=True)
        for index in range(24):
            pixels = np.clip(rng.normal(128, 20, (16, 16, 3)), 0, 255)
            draw(shape, pixels, COLOURS[rng.integers(len(COLOURS))], rng.integers(0, 4, 2))
            Image.fromarray(pixels.astype(np.uint8)).save(root / shape / f"{index}.png")
    return root


@pytest.mark.slow
@pytest.mark.parametrize("template", ["mlp", "bottleneck", "wide_deep"])
def test_table_templates_learn_a_csv(template, table_csv, tmp_path):
    run = train(table_project(template, table_csv, epochs=30), tmp_path)

    assert last_val_accuracy(run) >= 0.9


@pytest.mark.slow
@pytest.mark.parametrize("template", ["cnn", "resnet"])
def test_image_templates_learn_shapes_in_small_images(template, shape_folder, tmp_path):
    data = DataSpec(kind="images", path=str(shape_folder), image_size=[16, 16])

    run = train(project_for(template, data, epochs=12), tmp_path)

    assert last_val_accuracy(run) >= 0.8


@pytest.mark.slow
def test_a_block_template_exports_a_savedmodel_and_a_keras_file_that_pass_the_reload_check(
        table_csv, tmp_path):
    import keras

    from dlstudio.core.export.exporter import export_run

    data = DataSpec(kind="csv", path=str(table_csv), target="label")
    run = train(project_for("wide_deep", data, epochs=2), tmp_path)

    saved = export_run(run, "savedmodel", tmp_path / "savedmodel")
    keras_file = export_run(run, "keras", tmp_path / "model.keras")

    assert saved.check.passed and keras_file.check.passed
    loaded = keras.saving.load_model(keras_file.path, safe_mode=True)
    assert any(layer.name.startswith("branches_1") for layer in loaded.layers)


@pytest.mark.slow
@pytest.mark.parametrize(("template", "epochs"), [("lstm", 10), ("gru", 10), ("text_cnn", 10),
                                                ("transformer", 6)])
def test_text_templates_learn_keywords_read_as_sequences(template, epochs, text_csv, tmp_path):
    data = DataSpec(kind="csv", path=str(text_csv), target="topic", text_encoding="sequence",
                    max_tokens=100, sequence_length=12,
                    columns=[ColumnSpec("text", "feature", "text"),
                             ColumnSpec("topic", "target", "categorical")])

    run = train(project_for(template, data, epochs, vocabulary_size=100,
                            sequence_length=12), tmp_path)

    assert last_val_accuracy(run) >= 0.9


def digit_like_folder(root: Path, classes=("zero", "one"), count=10) -> Path:
    """Tiny gray images of two kinds (a bright square or a bright bar), one folder each."""
    rng = np.random.default_rng(3)
    for number, name in enumerate(classes):
        (root / name).mkdir(parents=True)
        for index in range(count):
            pixels = rng.normal(20, 5, (16, 16))
            pixels[4:12, 4:12] += 200 if number == 0 else 0
            pixels[:, 7:9] += 200 if number == 1 else 0
            Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), "L").save(
                root / name / f"{index}.png")
    return root


@pytest.mark.slow
@pytest.mark.parametrize("template", ["autoencoder", "vae"])
def test_the_reconstruction_templates_train_on_rows_and_on_images(template, tmp_path):
    from dlstudio.core.evaluation.evaluate import evaluate_run

    rng = np.random.default_rng(4)
    base = rng.normal(size=(60, 2))
    pd.DataFrame({"a": base[:, 0], "b": base[:, 1], "c": base.sum(1)}).round(3).to_csv(
        tmp_path / "rows.csv", index=False)
    folder = digit_like_folder(tmp_path / "images")
    for data in (tmp_path / "rows.csv", folder):
        project = new_project(data, template=template)
        assert project.data.task == get_template(template).task
        assert set(project.model.parts) == {"encoder", "decoder"} and not project.model.layers
        if data.suffix == ".csv":
            assert project.data.target is None  # every column is a feature
        project.training.epochs = 1
        root = tmp_path / f"{data.stem}-{template}"
        run = train(project, root)
        assert RunFolder(run).read_record().state == "finished"
        assert evaluate_run(run)["errors"]["mean"] > 0
