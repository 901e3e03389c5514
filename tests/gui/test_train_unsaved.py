"""Train on a project that was never saved: it asks where to save, then trains; disabled
controls say why (issue 16, GUI item 1)."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtWidgets import QFileDialog

FAKE_WORKER = str(Path(__file__).with_name("fake_worker.py"))


def test_train_on_an_unsaved_project_asks_where_to_save_beside_the_data_then_trains(
        window, csv_path, qtbot, monkeypatch):
    window.start_from_data(str(csv_path))
    qtbot.waitUntil(lambda: window.document.project.data.path != "", timeout=20_000)
    assert window.document.path is None
    training = window.training_tabs.training
    training.client.program = [sys.executable, FAKE_WORKER, "--epochs", "1", "--steps", "2"]
    assert training.train_button.isEnabled()
    assert "saved first" in training.train_button.toolTip()
    offered = []

    def save_dialog(parent, title, start, filters, **_options):
        offered.append(start)
        return start, filters

    monkeypatch.setattr(QFileDialog, "getSaveFileName", save_dialog)
    with qtbot.waitSignal(training.run_ended, timeout=20_000):
        window.training_tabs.train_action.trigger()

    assert offered == [str(csv_path.parent / "table.dlstudio.json")]
    assert window.document.path == csv_path.parent / "table.dlstudio.json"
    assert (csv_path.parent / "runs").is_dir()


def test_cancelling_the_save_does_not_train(window, csv_path, qtbot, monkeypatch):
    window.start_from_data(str(csv_path))
    qtbot.waitUntil(lambda: window.document.project.data.path != "", timeout=20_000)
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *args, **kw: ("", ""))
    training = window.training_tabs.training
    started = []
    training.client.start = lambda *args, **kwargs: started.append(args)
    window.training_tabs.train()
    assert started == [] and window.document.path is None


def test_disabled_run_controls_say_why(window):
    training = window.training_tabs.training
    for button in (training.pause_button, training.resume_button, training.stop_button):
        assert not button.isEnabled()
        assert "press Train first" in button.toolTip()


def test_disabled_run_list_buttons_say_why(window, csv_project):
    window.open_path(str(csv_project))
    runs = window.training_tabs.runs
    for button in (runs.resume_button, runs.evaluate_button, runs.export_button,
                   runs.try_button, runs.rename_button):
        assert not button.isEnabled()
        assert "Select a run" in button.toolTip()
