"""The Backbone row: the table of networks against the real Keras applications, shape
inference from the table, the layer (preprocessing, trainable modes) and its save/load."""

from __future__ import annotations

import math
from pathlib import Path

import keras
import numpy as np
import pytest

from dlstudio.core.model import backbones
from dlstudio.core.model.backbone_layer import Backbone, find_backbones
from dlstudio.core.model.builder import build_model, inspect_stack
from dlstudio.core.model.catalog import find
from dlstudio.core.model.loading import load_keras_file
from dlstudio.core.project.project import DataSpec, LayerSpec, ModelSpec, Project

_HEAVY = {"EfficientNetV2B1", "EfficientNetV2B2", "ResNet50V2"}


def _networks() -> list:
    return [pytest.param(name, marks=pytest.mark.slow) if name in _HEAVY else name
            for name in backbones.NETWORKS]


@pytest.mark.parametrize("name", _networks())
def test_table_matches_the_keras_application(name: str) -> None:
    info = backbones.get_network(name)
    for size in (32, 65):
        model = backbones.network_outline(name, size, "none")
        assert tuple(model.output.shape[1:]) == backbones.output_shape(name, size, "none")
    frozen_bn = sum(math.prod(weight.shape) for layer in model.layers
                    if not backbones.is_batch_normalization(layer)
                    for weight in layer.trainable_weights)
    assert (model.count_params(), frozen_bn, len(model.layers)) == (
        info.param_count, info.trainable_count, info.layer_count)


def test_catalog_entry_is_in_the_pretrained_category() -> None:
    backbone = find("Backbone")
    assert backbone.category == "Pretrained"
    assert set(backbone.param("network").choices) == set(backbones.NETWORKS)
    assert backbone.param("weights").check("")[1] is not None
    assert backbone.param("weights").check("models/mine.weights.h5") == (
        "models/mine.weights.h5", None)


def _image_project(folder: Path, *rows: LayerSpec) -> Project:
    return Project(name="transfer", data=DataSpec(kind="images", path=str(folder),
                                                  image_size=[24, 24]),
                   model=ModelSpec(layers=list(rows)))


def test_shape_inference_uses_the_table_without_building(monkeypatch) -> None:
    def refuse(network, size, pooling):
        raise AssertionError("shape inference built the network")

    monkeypatch.setattr(backbones, "make_network", refuse)
    project = _image_project(Path("unused"), LayerSpec.of(
        "Backbone", network="EfficientNetV2B2", weights="none", input_size=96),
        LayerSpec.of("GlobalAveragePooling2D"))
    report = inspect_stack(project, (24, 24, 3), "classification", 3)
    row = report.rows[1]
    assert (row.output_shape, row.param_count, row.trainable_count) == (
        (3, 3, 1408), 8_769_374, 0)
    assert report.rows[-1].output_shape == (3,)


def test_shape_inference_refuses_a_backbone_after_a_dense_layer() -> None:
    project = _image_project(Path("unused"), LayerSpec.of("Conv2D", filters=8),
                             LayerSpec.of("Backbone", weights="none"))
    report = inspect_stack(project, (24, 24, 3), "classification", 3)
    assert "1 or 3 colour channels" in report.first_error().error


def test_top_layers_count_only_the_last_layers_without_batch_normalization() -> None:
    top = backbones.trainable_count("MobileNetV3Small", "top", 10)
    assert 0 < top < backbones.get_network("MobileNetV3Small").trainable_count
    assert backbones.trainable_count("MobileNetV3Small", "frozen", 10) == 0


@pytest.mark.slow  # saving and loading a 1 M-weight network: about 15 s on 2 cores
def test_layer_takes_raw_grayscale_pixels_and_saves_and_loads_safely(tmp_path: Path) -> None:
    image = keras.Input((None, None, 1))
    scaled = keras.layers.Rescaling(1 / 255)(keras.layers.Resizing(20, 20)(image))
    backbone = Backbone("MobileNetV3Small", 32, "avg", "top", 5)
    model = keras.Model(image, keras.layers.Dense(2)(backbone(scaled)))
    pixels = np.random.default_rng(0).uniform(0, 255, (2, 30, 26, 1)).astype("float32")
    before = model.predict(pixels, verbose=0)
    trainable = sum(math.prod(w.shape) for w in model.trainable_weights)
    model.save(tmp_path / "model.keras")
    loaded = load_keras_file(tmp_path / "model.keras")
    np.testing.assert_allclose(loaded.predict(pixels, verbose=0), before, atol=1e-5)
    [again] = find_backbones(loaded)
    assert again.trainable_mode == "top"
    assert sum(math.prod(w.shape) for w in loaded.trainable_weights) == trainable


def test_build_model_with_random_weights_matches_the_inferred_counts(write_image,
                                                                     tmp_path: Path) -> None:
    from dlstudio.core.data import load_dataset

    for index in range(2):
        write_image(tmp_path / "images" / "a" / f"{index}.png", 40, (20, 20), index)
        write_image(tmp_path / "images" / "b" / f"{index}.png", 200, (20, 20), index)
    project = _image_project(tmp_path / "images", LayerSpec.of(
        "Backbone", weights="none", input_size=32, pooling="avg"))
    model = build_model(project, load_dataset(project))
    report = inspect_stack(project, (24, 24, 3), "classification", 2)
    assert model.count_params() == sum(row.param_count or 0 for row in report.rows)
    trainable = sum(math.prod(w.shape) for w in model.trainable_weights)
    assert trainable == sum(row.trainable_count or 0 for row in report.rows)


def test_show_code_builds_the_backbone_from_its_weights_file(monkeypatch, tmp_path) -> None:
    from dlstudio.core.model.codegen import layer_code

    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    code = layer_code(LayerSpec.of("Backbone", trainable="top"))
    assert code.startswith("dlstudio_layers.Backbone(network='MobileNetV3Small'")
    assert "trainable_mode='top'" in code
    assert repr(str(tmp_path / "models" / backbones.get_network(
        "MobileNetV3Small").weights_file)) in code


def test_layer_config_round_trips_without_its_weights_file(weights_path=None) -> None:
    layer = Backbone("MobileNetV3Small", 32, "max", "all", 7)
    config = layer.get_config()
    assert "weights_file" not in config
    assert Backbone.from_config(config).get_config() == config
