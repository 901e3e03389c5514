"""Backbone weights without a network: the Keras cache (KERAS_HOME in a temporary folder),
a local file, a download from a ``file://`` address, checksums and the missing-file message."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import h5py
import keras
import numpy as np
import pytest
from keras.src.legacy.saving.legacy_h5_format import save_weights_to_hdf5_group

from dlstudio.core.errors import ModelBuildError
from dlstudio.core.model import backbone_weights, backbones
from dlstudio.core.model.backbone_layer import Backbone
from dlstudio.core.model.backbone_weights import (
    CorruptWeightsError,
    MissingWeightsError,
    download,
    fetch_missing,
    file_hash,
    resolve,
)

NAME = "MobileNetV3Small"


@pytest.fixture(name="keras_home")
def keras_home_fixture(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty Keras cache: KERAS_HOME points into the test's folder."""
    home = tmp_path / "keras_home"
    monkeypatch.setenv("KERAS_HOME", str(home))
    return home


@pytest.fixture(name="weights_file", scope="module")
def weights_file_fixture(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, np.ndarray]:
    """Random MobileNetV3Small weights in Keras's legacy ``.h5`` layout (as the published
    files are), and the first kernel they hold."""
    network = backbones.make_network(NAME, 32, "none")
    path = tmp_path_factory.mktemp("weights") / backbones.get_network(NAME).weights_file
    with h5py.File(path, "w") as file:
        save_weights_to_hdf5_group(file, network)
    return path, keras.ops.convert_to_numpy(network.weights[0])


@pytest.fixture(name="published")
def published_fixture(weights_file, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Make the test file the "published" one: the table's hash becomes its hash."""
    path, _ = weights_file
    info = dataclasses.replace(backbones.NETWORKS[NAME], weights_hash=file_hash(path, 32))
    monkeypatch.setitem(backbones.NETWORKS, NAME, info)
    return path


def _first_kernel(layer: Backbone) -> np.ndarray:
    return keras.ops.convert_to_numpy(layer.network.weights[0])


def test_missing_weights_message_names_the_file_and_the_folder(keras_home: Path) -> None:
    with pytest.raises(MissingWeightsError) as caught:
        resolve("imagenet", NAME, None)
    message = str(caught.value)
    assert "weights_mobilenet_v3_small_224_1.0_float_no_top_v2.h5" in message
    assert str(keras_home / "models") in message
    assert "dlstudio weights fetch MobileNetV3Small" in message and "--weights-file" in message


def test_weights_load_from_a_fake_keras_cache(keras_home: Path, published: Path,
                                              weights_file) -> None:
    (keras_home / "models").mkdir(parents=True)
    cached = keras_home / "models" / published.name
    cached.write_bytes(published.read_bytes())
    assert resolve("imagenet", NAME) == cached
    layer = Backbone(NAME, 32, weights_file=str(cached))
    np.testing.assert_array_equal(_first_kernel(layer), weights_file[1])


def test_a_corrupt_cached_file_is_refused(keras_home: Path, published: Path) -> None:
    (keras_home / "models").mkdir(parents=True)
    (keras_home / "models" / published.name).write_bytes(b"not weights")
    with pytest.raises(CorruptWeightsError, match="damaged or incomplete"):
        resolve("imagenet", NAME)


def test_weights_load_from_a_local_file_relative_to_the_project(tmp_path: Path) -> None:
    network = backbones.make_network(NAME, 32, "none")
    network.save_weights(tmp_path / "mine.weights.h5")
    path = resolve("mine.weights.h5", NAME, tmp_path)
    layer = Backbone(NAME, 32, weights_file=str(path))
    np.testing.assert_array_equal(_first_kernel(layer),
                                  keras.ops.convert_to_numpy(network.weights[0]))
    with pytest.raises(MissingWeightsError, match="does not exist"):
        resolve("other.weights.h5", NAME, tmp_path)


def test_weights_of_another_network_are_refused_in_words(weights_file) -> None:
    from dlstudio.core.errors import UserInputError

    with pytest.raises(UserInputError, match="does not hold weights of MobileNetV3Large"):
        Backbone("MobileNetV3Large", 32, weights_file=str(weights_file[0]))


def test_download_reports_progress_and_fills_the_cache(keras_home: Path, published: Path) -> None:
    seen: list[tuple[int, int | None]] = []
    path = download(NAME, lambda done, total: seen.append((done, total)), published.as_uri())
    assert path == keras_home / "models" / published.name
    assert path.read_bytes() == published.read_bytes()
    assert seen[-1][0] == published.stat().st_size
    assert not list(path.parent.glob("*.part"))


def test_a_corrupt_download_is_deleted_and_refused(keras_home: Path, published: Path,
                                                   tmp_path: Path) -> None:
    broken = tmp_path / "broken.h5"
    broken.write_bytes(published.read_bytes()[:-100])
    with pytest.raises(CorruptWeightsError, match="corrupt"):
        download(NAME, None, broken.as_uri())
    assert not list((keras_home / "models").iterdir())


def test_offline_download_says_what_to_do(keras_home: Path, tmp_path: Path) -> None:
    with pytest.raises(MissingWeightsError, match="the download failed"):
        download(NAME, None, (tmp_path / "nowhere.h5").as_uri())


def test_fetch_missing_downloads_only_what_the_project_lacks(keras_home: Path,
                                                              published: Path) -> None:
    from dlstudio.core.project.project import DataSpec, LayerSpec, ModelSpec, Project

    project = Project(name="p", data=DataSpec(kind="images", path="x"), model=ModelSpec(
        layers=[LayerSpec.of("Backbone"), LayerSpec.of("Backbone", weights="none")]))
    assert [path.name for path in fetch_missing(project, None, published.as_uri())] == [
        published.name]
    assert fetch_missing(project, None, published.as_uri()) == []
    [use, unused] = backbone_weights.weights_uses(project)
    assert use.record()["sha256"] == backbone_weights.sha256(published)
    assert unused.record() == {"row": unused.row_id, "network": NAME, "weights": "none"}


def test_building_without_the_weights_names_the_row(keras_home: Path, tmp_path: Path) -> None:
    from dlstudio.core.model.builder import build_row_layer
    from dlstudio.core.project.project import DataSpec, LayerSpec, ModelSpec, Project

    row = LayerSpec.of("Backbone")
    project = Project(name="p", data=DataSpec(kind="images", path="x"),
                      model=ModelSpec(layers=[row]))
    with pytest.raises(ModelBuildError, match="layer 1 \\(Backbone\\): the ImageNet weights"):
        build_row_layer(project, project.model.layers[0])
