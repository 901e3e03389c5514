"""File ▸ Import Keras model…: the import runs off the GUI thread and the project opens."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PySide6.QtWidgets import QFileDialog, QMessageBox

from dlstudio.gui import keras_import_flow
from dlstudio.gui.background import prepare_keras, run_in_background


@pytest.fixture
def answers(monkeypatch, tmp_path):
    """Answer the import's dialogs: a model file, CSV data, a project path; record messages."""
    said: dict[str, list[str]] = {"information": [], "warning": []}
    chosen: dict[str, str] = {}
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        lambda *args, **kwargs: (chosen["model"], ""))
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        lambda *args, **kwargs: (str(tmp_path / "imported"), ""))
    monkeypatch.setattr(keras_import_flow, "_ask_data_kind", lambda window: "csv")
    for kind in said:
        monkeypatch.setattr(QMessageBox, kind,
                            lambda parent, title, text, *rest, kind=kind: said[kind].append(text))
    return chosen, said


def _table(tmp_path: Path) -> Path:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.normal(size=(40, 2)).round(3), columns=["x1", "x2"])
    frame["label"] = np.where(frame["x1"] > 0, "up", "down")
    frame.to_csv(tmp_path / "table.csv", index=False)
    return tmp_path / "table.csv"


def _on_background(qtbot, window, function):
    """Run Keras work on the background thread, as the GUI process always does (Keras on two
    threads of one process is what gui/background.py avoids)."""
    done: list = []
    run_in_background(function, done.append, done.append, receiver=window)
    qtbot.waitUntil(lambda: bool(done), timeout=60_000)
    if isinstance(done[0], Exception):
        raise done[0]
    return done[0]


def _save_mlp(data: Path, path: Path) -> None:
    import keras

    from dlstudio.core.data import load_dataset
    from dlstudio.core.project.from_data import new_project

    prepare_keras()
    width = load_dataset(new_project(data, "label")).feature_shape()[0]
    keras.Sequential([keras.Input((width,)), keras.layers.Dense(6, name="hidden"),
                      keras.layers.Dense(1, activation="sigmoid")]).save(path)


def _save_lambda(path: Path) -> None:
    import keras

    prepare_keras()
    keras.Sequential([keras.Input((2,)), keras.layers.Lambda(lambda t: -t, name="negate"),
                      keras.layers.Dense(1)]).save(path)


@pytest.mark.slow
def test_an_imported_model_opens_as_the_project(window, qtbot, answers, tmp_path, monkeypatch):
    data = _table(tmp_path)
    monkeypatch.setattr(window, "_ask_data_path", lambda kind, title: str(data))
    chosen, said = answers
    chosen["model"] = str(tmp_path / "small.keras")
    _on_background(qtbot, window, lambda: _save_mlp(data, Path(chosen["model"])))

    window.actions["import_keras"].trigger()
    qtbot.waitUntil(lambda: bool(said["information"] or said["warning"]), timeout=120_000)

    assert not said["warning"], said["warning"]
    assert "2 of 2 layer(s) start from the model's weights" in said["information"][0]
    assert window.document.path == tmp_path / "imported.dlstudio.json"
    assert [row.id for row in window.document.project.model.layers] == ["hidden"]


@pytest.mark.slow
def test_a_lambda_model_is_refused_in_a_message(window, qtbot, answers, tmp_path, monkeypatch):
    data = _table(tmp_path)
    monkeypatch.setattr(window, "_ask_data_path", lambda kind, title: str(data))
    chosen, said = answers
    chosen["model"] = str(tmp_path / "lambda.keras")
    _on_background(qtbot, window, lambda: _save_lambda(Path(chosen["model"])))

    window.actions["import_keras"].trigger()
    qtbot.waitUntil(lambda: bool(said["warning"]), timeout=120_000)

    assert "negate (Lambda)" in said["warning"][0]
    assert not (tmp_path / "imported.dlstudio.json").exists()
