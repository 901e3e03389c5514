"""Running slow work (reading data, importing Keras) off the GUI thread.

:func:`run_in_background` runs a function on Qt's global thread pool and delivers its result or
its exception to the GUI thread through a queued signal. Work that may import TensorFlow calls
:func:`hide_gpus_from_this_process` first: the GUI process only infers shapes, and the GPUs
belong to the training worker (whose environment gets the original setting back from
:func:`worker_environment`).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal, Slot

_UNSET = object()
_original_cuda_devices: Any = _UNSET


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


class _Task(QRunnable):
    """Runs the function on a pool thread and reports through signals made in that thread, so
    that every Qt object of the task is created and destroyed on the same thread."""

    def __init__(self, function: Callable[[], Any], relay: _Relay) -> None:
        super().__init__()
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
    QThreadPool.globalInstance().start(_Task(function, relay))


def hide_gpus_from_this_process() -> None:
    """Hide the GPUs from TensorFlow in this (the GUI) process, before Keras is imported.

    Remembers the original ``CUDA_VISIBLE_DEVICES`` for :func:`worker_environment`.
    """
    global _original_cuda_devices
    if _original_cuda_devices is _UNSET:
        _original_cuda_devices = os.environ.get("CUDA_VISIBLE_DEVICES")
        os.environ["CUDA_VISIBLE_DEVICES"] = "-1"


def worker_environment() -> dict[str, str]:
    """Return this process's environment with the GPUs visible again, for a training worker."""
    environment = dict(os.environ)
    if _original_cuda_devices is _UNSET:
        return environment
    environment.pop("CUDA_VISIBLE_DEVICES", None)
    if _original_cuda_devices is not None:
        environment["CUDA_VISIBLE_DEVICES"] = _original_cuda_devices
    return environment
