"""Work off the GUI thread: outcomes arrive on the GUI thread; the worker gets the GPUs back."""

from __future__ import annotations

import gc
import os
import threading
import time
import weakref

from PySide6.QtCore import QObject, QTimer

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


def _freed_on(threads: list[str]):
    """Return a function that records the thread on which an object is freed."""
    def watch(thing: object) -> None:
        weakref.finalize(thing, lambda: threads.append(threading.current_thread().name))

    return watch


def test_receivers_deleted_mid_flight_are_freed_on_the_gui_thread(qtbot):
    """Stress: the only reference to each receiver is held by its work; half are deleted
    while their work runs. Nothing Qt may be freed on the worker thread."""
    freed: list[str] = []
    watch = _freed_on(freed)
    delivered: list[int] = []
    for number in range(150):
        receiver = QTimer()  # Python-owned: freed where its last reference goes
        receiver.setInterval(1000)
        receiver.start()
        watch(receiver)

        def work(timer=receiver, number=number) -> int:
            time.sleep(0.0005)
            return number

        background.run_in_background(work, delivered.append, delivered.append,
                                     receiver=receiver)
        if number % 2:
            receiver.deleteLater()
        del receiver, work
    background.wait_for_background()
    qtbot.waitUntil(lambda: len(freed) == 150, timeout=10_000)
    assert set(freed) == {threading.main_thread().name}
    assert delivered and all(number % 2 == 0 for number in delivered)


def test_garbage_is_never_collected_on_the_worker_thread(qtbot):
    """Unreachable Qt objects in reference cycles, and background work that allocates enough
    to trigger Python's collector: the collection happens on the GUI thread."""
    freed: list[str] = []
    watch = _freed_on(freed)
    for _ in range(50):
        cyclic = QObject()
        cyclic.me = cyclic  # a cycle: only the garbage collector frees it
        watch(cyclic)
    del cyclic
    outcomes = []

    def allocate() -> int:
        return len([[index] for index in range(200_000)])

    for _ in range(3):
        background.run_in_background(allocate, outcomes.append, outcomes.append,
                                     receiver=QObject())
    background.wait_for_background()
    qtbot.waitUntil(lambda: len(outcomes) == 3)
    gc.collect()
    assert len(freed) == 50 and set(freed) == {threading.main_thread().name}
