"""Importing a ``.keras`` model onto data gives a project whose next run starts from its weights.

The models are made with plain Keras in the tests (no downloads); each is imported, trained one
epoch, and its trained weights are compared with the file's: with a learning rate near zero
they stay where the file put them, so the run started from them.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import h5py
import keras
import numpy as np
import pandas as pd
import pytest
from PIL import Image

from dlstudio.core.data import load_dataset
from dlstudio.core.model.keras_import import KerasImportError
from dlstudio.core.project.from_data import new_project
from dlstudio.core.project.from_keras import import_keras_model
from dlstudio.core.project.project import load_project
from dlstudio.core.training.events import Message
from dlstudio.core.training.run import run_training


@pytest.fixture(scope="module")
def table(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Four numeric columns and a three-class label that depends on two of them."""
    rng = np.random.default_rng(0)
    values = rng.normal(size=(90, 4))
    label = np.array(["a", "b", "c"])[(values[:, 0] > 0).astype(int) + (values[:, 1] > 0.5)]
    frame = pd.DataFrame(values.round(4), columns=["p", "q", "r", "s"])
    frame["label"] = label
    path = tmp_path_factory.mktemp("table") / "data.csv"
    frame.to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def images(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two classes of 20x20 RGB images (dark and light)."""
    root = tmp_path_factory.mktemp("images") / "data"
    rng = np.random.default_rng(1)
    for name, brightness in (("dark", 60), ("light", 190)):
        for index in range(10):
            pixels = np.clip(rng.normal(brightness, 20, (20, 20, 3)), 0, 255)
            (root / name).mkdir(parents=True, exist_ok=True)
            Image.fromarray(pixels.astype(np.uint8)).save(root / name / f"{index}.png")
    return root


def feature_width(data: Path) -> int:
    return load_dataset(new_project(data, "label")).feature_shape()[0]


def file_arrays(model_file: Path, group: str) -> list[np.ndarray]:
    """The arrays Keras saved for ``group`` (``layers/dense``), read back with h5py."""
    with zipfile.ZipFile(model_file) as archive, archive.open("model.weights.h5") as raw:
        with h5py.File(raw, "r") as weights:
            variables = weights[group]["vars"]
            return [np.asarray(variables[str(i)]) for i in range(len(variables))]


def train_one_epoch(project_file: Path, root: Path) -> tuple[keras.Model, list[Message]]:
    """Train one epoch at a learning rate near zero; return the trained model and messages."""
    project = load_project(project_file)
    project.training.epochs = 1
    project.training.learning_rate = 1e-9
    project.training.weight_decay = 0.0
    events: list = []
    result = run_training(project, events.append, runs_dir=root / "runs")
    model = keras.saving.load_model(result.run.model_path, safe_mode=True)
    return model, [event for event in events if isinstance(event, Message)]


@pytest.mark.slow
def test_a_sequential_mlp_trains_from_its_own_weights(table: Path, tmp_path: Path) -> None:
    model = keras.Sequential([
        keras.Input((feature_width(table),)),
        keras.layers.Dense(16, activation="relu", name="hidden"),
        keras.layers.Dropout(0.1), keras.layers.Dense(3, activation="softmax")])
    model_file = tmp_path / "mlp.keras"
    model.save(model_file)

    result = import_keras_model(model_file, table, tmp_path / "mlp.dlstudio.json", "label")

    assert result.weights.loaded == ["hidden", "output"] and not result.weights.problems
    assert result.weights_path == tmp_path / "mlp.weights.h5"
    assert load_project(tmp_path / "mlp.dlstudio.json").model.initial_weights == "mlp.weights.h5"
    trained, messages = train_one_epoch(tmp_path / "mlp.dlstudio.json", tmp_path)
    assert any("2 of 2 layer(s) loaded" in message.text for message in messages)
    kernel, bias = file_arrays(model_file, "layers/dense")
    np.testing.assert_allclose(trained.get_layer("hidden").kernel.numpy(), kernel, atol=1e-5)
    head = trained.get_layer("output").kernel.numpy()
    np.testing.assert_allclose(head, file_arrays(model_file, "layers/dense_1")[0], atol=1e-5)


@pytest.mark.slow
def test_a_sequential_cnn_sets_the_image_size_and_trains(images: Path, tmp_path: Path) -> None:
    model = keras.Sequential([
        keras.Input((16, 16, 3)), keras.layers.Rescaling(1 / 255),
        keras.layers.Conv2D(4, 3, padding="same", activation="relu", name="conv"),
        keras.layers.BatchNormalization(name="norm"), keras.layers.MaxPooling2D(),
        keras.layers.Flatten(), keras.layers.Dense(1, activation="sigmoid")])
    model_file = tmp_path / "cnn.keras"
    model.save(model_file)

    result = import_keras_model(model_file, images, tmp_path / "cnn.dlstudio.json")

    assert result.project.data.image_size == [16, 16]
    assert [row.type for row in result.project.model.layers] == [
        "Conv2D", "BatchNormalization", "MaxPooling2D", "Flatten"]
    assert any("Rescaling" in note for note in result.notes)
    assert sorted(result.weights.loaded) == ["conv", "norm", "output"]
    trained, _messages = train_one_epoch(tmp_path / "cnn.dlstudio.json", tmp_path)
    kernel = file_arrays(model_file, "layers/conv2d")[0]
    np.testing.assert_allclose(trained.get_layer("conv").kernel.numpy(), kernel, atol=1e-5)


@pytest.mark.slow
def test_a_functional_residual_model_trains_as_a_residual_block(table: Path,
                                                               tmp_path: Path) -> None:
    inputs = keras.Input((feature_width(table),))
    stem = keras.layers.Dense(8, name="stem")(inputs)
    inner = keras.layers.Dense(8, activation="relu", name="inner")(stem)
    joined = keras.layers.Add()([stem, inner])
    model_file = tmp_path / "res.keras"
    keras.Model(inputs, keras.layers.Dense(3, activation="softmax")(joined)).save(model_file)

    result = import_keras_model(model_file, table, tmp_path / "res.dlstudio.json", "label")

    stem_row, block = result.project.model.layers
    assert block.type == "Residual" and block.stacks[0][0].id == "inner"
    assert sorted(result.weights.loaded) == ["inner", "output", "stem"]
    trained, _messages = train_one_epoch(tmp_path / "res.dlstudio.json", tmp_path)
    kernel = file_arrays(model_file, "layers/dense_1")[0]
    np.testing.assert_allclose(trained.get_layer("inner").kernel.numpy(), kernel, atol=1e-5)


def test_a_table_of_another_width_is_refused_with_both_shapes(table: Path,
                                                              tmp_path: Path) -> None:
    model = keras.Sequential([keras.Input((9,)), keras.layers.Dense(3, activation="softmax")])
    model.save(tmp_path / "wide.keras")

    with pytest.raises(KerasImportError) as caught:
        import_keras_model(tmp_path / "wide.keras", table, tmp_path / "wide.dlstudio.json",
                           "label")

    message = str(caught.value)
    assert "expects inputs of shape (9,)" in message
    assert f"gives ({feature_width(table)},)" in message
    assert "Fix:" in message
    assert not (tmp_path / "wide.dlstudio.json").exists()


def test_a_lambda_model_writes_no_project(table: Path, tmp_path: Path) -> None:
    model = keras.Sequential([keras.Input((feature_width(table),)),
                              keras.layers.Lambda(lambda t: t + 1, name="plus_one"),
                              keras.layers.Dense(3, activation="softmax")])
    model.save(tmp_path / "lambda.keras")

    with pytest.raises(KerasImportError, match=r"plus_one \(Lambda\)"):
        import_keras_model(tmp_path / "lambda.keras", table, tmp_path / "l.dlstudio.json",
                           "label")
    assert list(tmp_path.glob("l.*")) == []


@pytest.mark.slow
def test_a_dlstudio_run_round_trips_to_the_same_architecture(table: Path,
                                                            tmp_path: Path) -> None:
    original = new_project(table, "label")
    original.training.epochs = 1
    first = run_training(original, lambda event: None, runs_dir=tmp_path / "runs").run

    result = import_keras_model(first.model_path, table, tmp_path / "again.dlstudio.json",
                                "label")

    def rows(layers: list) -> list:
        return [(row.id, row.type, row.params) for row in layers]

    assert rows(result.project.model.layers) == rows(original.model.layers)
    assert not result.weights.problems
    retrained, _messages = train_one_epoch(tmp_path / "again.dlstudio.json", tmp_path)
    before = keras.saving.load_model(first.model_path, safe_mode=True)
    assert [(layer.name, type(layer).__name__) for layer in retrained.layers] == [
        (layer.name, type(layer).__name__) for layer in before.layers]
