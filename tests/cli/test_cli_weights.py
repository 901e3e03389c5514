"""``dlstudio weights`` and the transfer template from the command line, offline: KERAS_HOME is
a temporary folder, and nothing is downloaded."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from dlstudio import cli
from dlstudio.core.model import backbones
from dlstudio.core.model.backbone_weights import file_hash
from dlstudio.core.project.project import load_project

NAME = "MobileNetV3Small"


def run_cli(capsys, *arguments):
    status = cli.main([str(item) for item in arguments])
    out, err = capsys.readouterr()
    return status, out, err


@pytest.fixture(autouse=True)
def empty_keras_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "keras_home"
    monkeypatch.setenv("KERAS_HOME", str(home))
    return home


def test_weights_list_says_what_is_cached(capsys, empty_keras_cache: Path) -> None:
    status, out, _ = run_cli(capsys, "weights", "list")
    assert status == 0
    assert str(empty_keras_cache / "models") in out
    assert all(name in out for name in backbones.NETWORKS) and "not cached" in out


def test_weights_fetch_file_checks_the_hash_and_fills_the_cache(
        capsys, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        empty_keras_cache: Path) -> None:
    copy = tmp_path / "copy.h5"
    copy.write_bytes(b"pretend weights")
    status, _, err = run_cli(capsys, "weights", "fetch", NAME, "--file", copy)
    assert status == 2 and "damaged or incomplete" in err
    info = dataclasses.replace(backbones.NETWORKS[NAME], weights_hash=file_hash(copy, 32))
    monkeypatch.setitem(backbones.NETWORKS, NAME, info)
    status, out, _ = run_cli(capsys, "weights", "fetch", NAME, "--file", copy)
    cached = empty_keras_cache / "models" / info.weights_file
    assert status == 0 and out.strip() == str(cached) and cached.read_bytes() == b"pretend weights"


def test_unknown_network_is_refused_with_the_names(capsys) -> None:
    status, _, err = run_cli(capsys, "weights", "fetch", "VGG16")
    assert status == 2 and "MobileNetV3Small" in err


def test_init_offers_transfer_and_writes_its_two_phases(capsys, image_folder: Path,
                                                        tmp_path: Path) -> None:
    status, out, _ = run_cli(capsys, "init", image_folder, "-o", tmp_path / "cnn.json")
    assert status == 0 and "--template transfer" in out
    status, out, _ = run_cli(capsys, "init", image_folder, "-o", tmp_path / "transfer.json",
                             "--template", "transfer")
    project = load_project(tmp_path / "transfer.json")
    assert status == 0 and "--template transfer" not in out
    assert [row.type for row in project.model.layers] == [
        "Backbone", "GlobalAveragePooling2D", "Dropout"]
    assert project.training.fine_tune.epochs > 0
    status, out, _ = run_cli(capsys, "info", tmp_path / "transfer.json")
    assert status == 0
    assert "Pretrained weights: backbone_1 (MobileNetV3Small): not in the Keras cache" in out
    assert "939,120" in out  # the Backbone's weights, from the table (nothing downloaded)


def test_train_without_the_weights_offline_names_the_file(capsys, image_folder: Path,
                                                          tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    from dlstudio.core.model import backbone_weights

    def offline(url, timeout):
        raise backbone_weights.urllib.error.URLError("no network")

    monkeypatch.setattr(backbone_weights.urllib.request, "urlopen", offline)
    project = tmp_path / "transfer.json"
    run_cli(capsys, "init", image_folder, "-o", project, "--template", "transfer")
    status, _, err = run_cli(capsys, "train", project)
    assert status == 2
    assert backbones.get_network(NAME).weights_file in err and "no network" in err
    status, _, err = run_cli(capsys, "train", project, "--weights-file", tmp_path / "none.h5")
    assert status == 2 and "does not exist" in err


def test_the_download_line_prints_once_at_the_end_without_a_terminal() -> None:
    import io

    from dlstudio.cli_weights import DownloadLine

    out = io.StringIO()
    line = DownloadLine(NAME, out)
    for done in (1_000_000, 2_000_000, 4_300_000):
        line(done, 4_300_000)
    assert out.getvalue() == f"\rDownloading {NAME} weights: 4.3 of 4.3 MB (100%)\n"
