"""The Train, Runs and Evaluate tabs in the main window, and closing it during a run."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from PySide6.QtGui import QCloseEvent

from dlstudio.core.project.project import Project, save_project

FAKE_WORKER = str(Path(__file__).with_name("fake_worker.py"))


@pytest.fixture
def opened(window, tmp_path):
    path = save_project(Project(name="Fake"), tmp_path / "fake.dlstudio.json")
    window.open_path(str(path), ask=False)
    tabs = window.training_tabs
    tabs.training.client.program = [sys.executable, FAKE_WORKER, "--epochs", "40",
                                    "--steps", "10", "--delay", "0.02"]
    return window


def current_tab(window) -> str:
    return window.tabs.tabText(window.tabs.currentIndex())


def test_the_tabs_and_the_run_menu_are_there(window):
    titles = [window.tabs.tabText(i) for i in range(window.tabs.count())]
    assert titles[-5:] == ["Train", "Runs", "Evaluate", "Tune", "Monitor"]
    menus = [action.text() for action in window.menuBar().actions()]
    assert "&Run" in menus
    assert window.training_tabs.train_action.shortcut().toString() == "F5"


def test_the_tab_contents_are_built_when_first_shown(window):
    pages = window.training_tabs.pages
    assert all(page.content is None for page in pages.values())
    window.show()
    window.show_workbench("Runs")
    assert pages["Runs"].content is window.training_tabs.runs
    assert pages["Train"].content is None and pages["Evaluate"].content is None
    assert pages["Tune"].content is None and pages["Monitor"].content is None
    assert window.training_tabs.confirm_close()  # nothing to stop: Train was never built
    window.show_workbench("Train")
    assert pages["Train"].content is not None


@pytest.mark.slow
def test_train_from_the_menu_lists_the_run_and_evaluate_opens_its_tab(opened, qtbot):
    tabs = opened.training_tabs
    with qtbot.waitSignal(tabs.training.client.batch, timeout=20000):
        tabs.train_action.trigger()
    assert current_tab(opened) == "Train"
    qtbot.waitUntil(lambda: len(tabs.runs.runs) == 1, timeout=5000)
    assert tabs.runs.runs[0].state == "running"
    with qtbot.waitSignal(tabs.training.run_ended, timeout=10000):
        tabs.training.client.stop()
    qtbot.waitUntil(lambda: tabs.runs.runs[0].state == "stopped", timeout=5000)
    tabs.runs.evaluate_requested.emit(str(tabs.runs.runs[0].path))
    assert current_tab(opened) == "Evaluate"
    assert tabs.evaluation.run_dir == tabs.runs.runs[0].path


@pytest.mark.slow
def test_closing_the_window_during_a_run_asks_then_stops_it(opened, qtbot):
    tabs = opened.training_tabs
    opened.show()
    with qtbot.waitSignal(tabs.training.client.batch, timeout=20000):
        tabs.train()
    questions = []
    tabs.training.ask = lambda question: questions.append(question) or False
    refused = QCloseEvent()
    opened.closeEvent(refused)
    assert not refused.isAccepted() and tabs.training.client.is_active()
    tabs.training.ask = lambda question: True
    assert not opened.close()  # it closes by itself once the worker has stopped
    qtbot.waitUntil(lambda: not opened.isVisible(), timeout=10000)
    qtbot.waitUntil(lambda: not tabs.training.client.is_active(), timeout=10000)
    assert "training run is in progress" in questions[0]
    run = tabs.training.client.run_dir
    assert '"state": "stopped"' in (Path(run) / "run.json").read_text()


def test_opening_a_project_keeps_a_warm_worker_that_train_uses(qtbot, monkeypatch, tmp_path):
    from PySide6.QtWidgets import QMessageBox

    from dlstudio.gui import training_tabs
    from dlstudio.gui.main_window import MainWindow

    monkeypatch.setenv("DLSTUDIO_WARM_WORKER", "1")
    monkeypatch.setattr(training_tabs, "WARM_WORKER_DELAY_MS", 10)
    monkeypatch.setattr(QMessageBox, "question",
                        lambda *args, **kwargs: QMessageBox.StandardButton.Discard)
    window = MainWindow()
    qtbot.addWidget(window)
    client = window.training_tabs.client
    client.program = [sys.executable, FAKE_WORKER, "--epochs", "1", "--steps", "2"]
    assert client.spare_pid() == 0  # no project yet
    path = save_project(Project(name="Fake"), tmp_path / "fake.dlstudio.json")
    window.open_path(str(path), ask=False)
    qtbot.waitUntil(client.is_warm, timeout=20000)
    warm = client.spare_pid()

    with qtbot.waitSignal(client.finished, timeout=20000) as finished:
        window.training_tabs.train()

    assert window.training_tabs.training.client is client
    assert Path(finished.args[0].run_dir).name == f"fake-{warm}"
    qtbot.waitUntil(lambda: client.is_warm() and client.spare_pid() != warm, timeout=20000)
    client.end_spare()
