"""Running slow work (reading data, importing Keras) off the GUI thread.

:func:`run_in_background` runs a function on one long-lived Python worker thread and delivers
its result or its exception to the GUI thread through a queued signal. Not Qt's thread pool:
PySide drops a pool thread's Python state after each task while the thread lives on, and
TensorFlow's per-thread caches then point at freed objects — a second Keras task on a reused
pool thread aborts the process (measured with TensorFlow 2.21, PySide6 6.11). One thread also
keeps Keras work (shapes, evaluation, export, prediction) from running concurrently.

Work that uses Keras calls :func:`prepare_keras` first (work that only might import
TensorFlow, such as reading data, calls :func:`hide_gpus_from_this_process`): the GUI
process only infers shapes, and the GPUs belong to the training worker (whose environment gets
the original setting back from :func:`worker_environment`).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal, Slot

from dlstudio.core.native_logs import import_tensorflow_quietly

_UNSET = object()
_original_cuda_devices: Any = _UNSET
_worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="dlstudio-background")


class _Signals(QObject):
    finished = Signal(object)
    failed = Signal(object)


class _Relay(QObject):
    """Lives in the receiver's thread and hands the outcome to the callbacks there."""

    def __init__(self, on_finished: Callable[[Any], None],
                 on_failed: Callable[[Exception], None], receiver: QObject) -> None:
        super().__init__(receiver)
        self._on_finished = on_finished
        self._on_failed = on_failed

    @Slot(object)
    def finish(self, result: Any) -> None:
        self.deleteLater()
        self._on_finished(result)

    @Slot(object)
    def fail(self, error: Exception) -> None:
        self.deleteLater()
        self._on_failed(error)


class _Task:
    """Runs the function on the worker thread and reports through signals made in that thread,
    so that every Qt object of the task is created and destroyed on the same thread."""

    def __init__(self, function: Callable[[], Any], relay: _Relay) -> None:
        self._function = function
        self._relay = relay

    def run(self) -> None:
        signals = _Signals()
        queued = Qt.ConnectionType.QueuedConnection
        try:
            signals.finished.connect(self._relay.finish, queued)
            signals.failed.connect(self._relay.fail, queued)
        except RuntimeError:  # the receiver is gone: nobody wants the outcome
            return
        try:
            result = self._function()
        except Exception as error:  # delivered to the receiver's thread, which shows it
            signals.failed.emit(error)
        else:
            signals.finished.emit(result)


def run_in_background(function: Callable[[], Any], on_finished: Callable[[Any], None],
                      on_failed: Callable[[Exception], None], *,
                      receiver: QObject) -> None:
    """Call ``function()`` on a worker thread; deliver the outcome on ``receiver``'s thread.

    Args:
        function: The work; it must not touch widgets.
        on_finished: Called with the return value.
        on_failed: Called with the exception raised.
        receiver: The object (usually a widget or controller) whose thread gets the outcome;
            nothing is delivered after it is destroyed.
    """
    relay = _Relay(on_finished, on_failed, receiver)
    _worker.submit(_Task(function, relay).run)


def wait_for_background(timeout: float = 30.0) -> None:
    """Block until the work queued so far has run (tests call this between tests)."""
    _worker.submit(lambda: None).result(timeout)


def hide_gpus_from_this_process() -> None:
    """Hide the GPUs from TensorFlow in this (the GUI) process, in case it gets imported.

    The GPUs belong to the training worker; the original ``CUDA_VISIBLE_DEVICES`` is remembered
    for :func:`worker_environment`.
    """
    global _original_cuda_devices
    if _original_cuda_devices is _UNSET:
        _original_cuda_devices = os.environ.get("CUDA_VISIBLE_DEVICES")
        os.environ["CUDA_VISIBLE_DEVICES"] = "-1"


def prepare_keras() -> None:
    """Make Keras ready in this process; call it in background work that uses Keras.

    Hides the GPUs (:func:`hide_gpus_from_this_process`), then imports TensorFlow with its
    native start-up chatter kept out of the terminal and the log.
    """
    hide_gpus_from_this_process()
    import_tensorflow_quietly()


def worker_environment() -> dict[str, str]:
    """Return this process's environment with the GPUs visible again, for a training worker."""
    environment = dict(os.environ)
    if _original_cuda_devices is _UNSET:
        return environment
    environment.pop("CUDA_VISIBLE_DEVICES", None)
    if _original_cuda_devices is not None:
        environment["CUDA_VISIBLE_DEVICES"] = _original_cuda_devices
    return environment
