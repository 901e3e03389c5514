"""Before training, missing ImageNet weights are downloaded with a progress dialog, or the
person is told which file to put where; nothing leaves this machine (KERAS_HOME is temporary
and downloads read a local file)."""

from __future__ import annotations

import dataclasses
import urllib.request
from pathlib import Path

import pytest

from dlstudio.core.model import backbones
from dlstudio.core.model.backbone_weights import cache_path, file_hash
from dlstudio.core.project.project import DataSpec, LayerSpec, ModelSpec, Project
from dlstudio.gui.widgets.weights_download import ensure_weights

NAME = "MobileNetV3Small"
ORIGINAL_URLOPEN = urllib.request.urlopen


@pytest.fixture(name="project")
def project_fixture(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Project:
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras_home"))
    return Project(name="p", data=DataSpec(kind="images", path="x"),
                   model=ModelSpec(layers=[LayerSpec.of("Backbone", network=NAME)]))


def test_missing_weights_are_downloaded_with_progress(qtbot, project, tmp_path, monkeypatch):
    published = tmp_path / "published.h5"
    published.write_bytes(b"weights " * 100_000)
    info = dataclasses.replace(backbones.NETWORKS[NAME], weights_hash=file_hash(published, 32))
    monkeypatch.setitem(backbones.NETWORKS, NAME, info)
    monkeypatch.setattr(urllib.request, "urlopen",
                        lambda url, timeout: ORIGINAL_URLOPEN(published.as_uri(), timeout=timeout))
    warnings: list[str] = []

    assert ensure_weights(None, project, lambda title, text: warnings.append(text))
    assert cache_path(NAME).read_bytes() == published.read_bytes() and warnings == []
    assert ensure_weights(None, project, warnings.append)  # cached now: nothing to do


def test_offline_the_person_is_told_which_file_to_put_where(qtbot, project, monkeypatch):
    def offline(url, timeout):
        raise urllib.error.URLError("no network")

    monkeypatch.setattr(urllib.request, "urlopen", offline)
    warnings: list[str] = []

    assert not ensure_weights(None, project, lambda title, text: warnings.append(text))
    [text] = warnings
    assert backbones.get_network(NAME).weights_file in text
    assert str(cache_path(NAME).parent) in text and "no network" in text
