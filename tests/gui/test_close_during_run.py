"""Closing the window during a run: "Stopping…" with progress, the window keeps painting, and
it closes once the worker has saved its checkpoint (issue 16, GUI item 7)."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from PySide6.QtCore import QTimer

from dlstudio.core.project.project import Project, save_project

FAKE_WORKER = str(Path(__file__).with_name("fake_worker.py"))


def test_closing_during_a_run_keeps_the_window_responsive_and_closes_when_stopped(
        window, tmp_path, qtbot):
    path = save_project(Project(name="Slow"), tmp_path / "slow.dlstudio.json")
    window.open_path(str(path), ask=False)
    training = window.training_tabs.training
    # Each batch takes 0.4 s, so the worker needs a while to reach the stop.
    training.client.program = [sys.executable, FAKE_WORKER, "--epochs", "5", "--steps", "50",
                               "--delay", "0.4"]
    training.ask = lambda question: True
    window.show()
    with qtbot.waitSignal(training.client.batch, timeout=20000):
        window.training_tabs.train()
    ticks_while_stopping = []
    timer = QTimer(interval=10)
    shown = []

    def tick():
        if training.client.is_active():
            ticks_while_stopping.append(time.monotonic())
        if training.stopping_dialog is not None:
            shown.append(training.stopping_dialog.bar.text())

    timer.timeout.connect(tick)
    timer.start()

    asked_at = time.monotonic()
    assert not window.close()
    dialog = training.stopping_dialog
    assert dialog is not None and dialog.isVisible()
    assert "Stopping" in dialog.windowTitle()
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=10000)
    closed_after = time.monotonic() - asked_at
    timer.stop()

    # The event loop ran while the worker stopped (a blocking close would let no timer fire
    # until the worker had exited).
    assert [tick for tick in ticks_while_stopping if tick > asked_at]
    assert shown and shown[-1].startswith("Stopping…") and training.stopping_dialog is None
    assert closed_after < 5
    run = Path(training.client.run_dir)
    assert '"state": "stopped"' in (run / "run.json").read_text()


def test_end_it_now_ends_a_worker_that_does_not_stop(window, tmp_path, qtbot):
    path = save_project(Project(name="Stuck"), tmp_path / "stuck.dlstudio.json")
    window.open_path(str(path), ask=False)
    training = window.training_tabs.training
    training.client.program = [sys.executable, FAKE_WORKER, "--epochs", "2", "--steps", "3",
                               "--delay", "30"]
    training.ask = lambda question: True
    window.show()
    with qtbot.waitSignal(training.client.started, timeout=20000):
        window.training_tabs.train()
    assert not window.close()
    training.stopping_dialog.end_button.click()
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=10000)
    qtbot.waitUntil(lambda: not training.client.is_active(), timeout=10000)
