"""Work off the GUI thread: outcomes arrive on the GUI thread; the worker gets the GPUs back."""

from __future__ import annotations

import os
import threading

from PySide6.QtCore import QObject

from dlstudio.gui import background


def test_results_and_errors_arrive_on_the_receivers_thread(qtbot):
    receiver = QObject()
    outcomes = []

    def work() -> str:
        return threading.current_thread().name

    def finished(name: str) -> None:
        outcomes.append(("done", name, threading.current_thread()))

    background.run_in_background(work, finished, outcomes.append, receiver=receiver)
    background.run_in_background(lambda: 1 / 0, outcomes.append,
                                 lambda e: outcomes.append(("failed", type(e).__name__)),
                                 receiver=receiver)
    qtbot.waitUntil(lambda: len(outcomes) == 2)
    done = next(o for o in outcomes if o[0] == "done")
    assert done[1] != threading.main_thread().name and done[2] is threading.main_thread()
    assert ("failed", "ZeroDivisionError") in outcomes


def test_nothing_is_delivered_to_a_receiver_that_is_gone(qtbot):
    receiver = QObject()
    outcomes = []
    release = threading.Event()
    background.run_in_background(lambda: release.wait(5), outcomes.append, outcomes.append,
                                 receiver=receiver)
    receiver.deleteLater()
    qtbot.wait(50)
    release.set()
    qtbot.wait(200)
    assert outcomes == []


def test_the_worker_environment_shows_the_gpus_hidden_from_the_gui(monkeypatch):
    monkeypatch.setattr(background, "_original_cuda_devices", background._UNSET)
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "0,1")
    background.prepare_keras()
    assert os.environ["CUDA_VISIBLE_DEVICES"] == "-1"
    assert background.worker_environment()["CUDA_VISIBLE_DEVICES"] == "0,1"
    monkeypatch.setattr(background, "_original_cuda_devices", None)
    assert "CUDA_VISIBLE_DEVICES" not in background.worker_environment()
