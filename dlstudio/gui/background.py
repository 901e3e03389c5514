"""Running slow work (reading data, importing Keras) off the GUI thread.

:func:`run_in_background` runs a function on one long-lived Python worker thread and delivers
its result or its exception on the GUI thread. Not Qt's thread pool: PySide drops a pool
thread's Python state after each task while the thread lives on, and TensorFlow's per-thread
caches then point at freed objects — a second Keras task on a reused pool thread aborts the
process (measured with TensorFlow 2.21, PySide6 6.11). One thread also keeps Keras work
(shapes, evaluation, export, prediction) from running concurrently.

No Qt object is made, touched or freed on the worker thread:

- A job (the function, the callbacks, the receiver, and later the outcome) is kept in a table
  that only the GUI thread adds to and removes from; the worker thread reads the job, stores
  the outcome in it and posts the job's number to a long-lived dispatcher that lives on the GUI
  thread. The last reference to anything the job holds — a closure over a widget, a traceback
  whose frames hold one — is therefore dropped on the GUI thread.
- An outcome whose receiver was destroyed meanwhile is dropped there, unread.
- Python's cyclic garbage collector runs in whichever thread happens to allocate when a
  threshold is crossed. Run in the worker thread, it freed unreachable widgets, timers and
  Keras objects left over from earlier work there — their C++ destructors on the wrong thread
  crashed the process ("Fatal Python error: Segmentation fault" in the test suite, after
  earlier tests had left garbage behind). So while background work is pending, automatic
  collection is off and the GUI thread collects on a timer instead (as pyqtgraph's
  ``GarbageCollector`` does); it is on again once the work is delivered.

Work that uses Keras calls :func:`prepare_keras` first (work that only might import
TensorFlow, such as reading data, calls :func:`hide_gpus_from_this_process`): the GUI
process only infers shapes, and the GPUs belong to the training worker (whose environment gets
the original setting back from :func:`worker_environment`).
"""

from __future__ import annotations

import gc
import itertools
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import shiboken6
from PySide6.QtCore import QObject, Qt, QTimer, Signal, Slot

from dlstudio.core.native_logs import import_tensorflow_quietly

COLLECT_INTERVAL_MS = 200  # the GUI thread's garbage collection while work is pending

_UNSET = object()
_original_cuda_devices: Any = _UNSET
_worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="dlstudio-background")
_jobs: dict[int, _Job] = {}
_numbers = itertools.count()
_dispatcher: _Dispatcher | None = None


class _Job:
    """One call and what to do with its outcome (made, read last and freed on the GUI
    thread)."""

    __slots__ = ("function", "on_finished", "on_failed", "receiver", "outcome", "failed")

    def __init__(self, function: Callable[[], Any], on_finished: Callable[[Any], None],
                 on_failed: Callable[[Exception], None], receiver: QObject) -> None:
        self.function = function
        self.on_finished = on_finished
        self.on_failed = on_failed
        self.receiver = receiver
        self.outcome: Any = None
        self.failed = False


class _Dispatcher(QObject):
    """Lives on the GUI thread for the whole session; hands finished jobs to their callbacks
    and collects garbage while background work is pending."""

    done = Signal(object)

    def __init__(self) -> None:
        super().__init__()
        self.done.connect(self._deliver, Qt.ConnectionType.QueuedConnection)
        self._collector = QTimer(self)
        self._collector.setInterval(COLLECT_INTERVAL_MS)
        self._collector.timeout.connect(_collect_some_garbage)
        self._gc_was_enabled = gc.isenabled()

    def work_queued(self) -> None:
        """Automatic collection off (it could run in the worker thread); the timer collects."""
        if not self._collector.isActive():
            self._gc_was_enabled = gc.isenabled()
            gc.disable()
            self._collector.start()

    @Slot(object)
    def _deliver(self, number: int) -> None:
        job = _jobs.pop(number, None)
        if not _jobs:
            self._collector.stop()
            if self._gc_was_enabled:
                gc.enable()
        if job is None or not shiboken6.isValid(job.receiver):
            return  # the receiver is gone: nobody wants the outcome
        if job.failed:
            job.on_failed(job.outcome)
        else:
            job.on_finished(job.outcome)


def _collect_some_garbage() -> None:
    """Do on the GUI thread what automatic collection would have done by now."""
    counts, thresholds = gc.get_count(), gc.get_threshold()
    if thresholds[0] and counts[0] >= thresholds[0]:
        generation = 2 if counts[1] >= thresholds[1] and counts[2] >= thresholds[2] else (
            1 if counts[1] >= thresholds[1] else 0)
        gc.collect(generation)


def _run_job(number: int) -> None:
    """The worker thread's part: call the function, keep the outcome in the job, post the
    job's number. It holds no reference of its own once it posts."""
    job = _jobs[number]
    try:
        job.outcome = job.function()
    except Exception as error:  # delivered to the GUI thread, which shows it
        job.outcome, job.failed = error, True
    del job
    dispatcher = _dispatcher
    if dispatcher is not None and shiboken6.isValid(dispatcher):
        dispatcher.done.emit(number)


def run_in_background(function: Callable[[], Any], on_finished: Callable[[Any], None],
                      on_failed: Callable[[Exception], None], *,
                      receiver: QObject) -> None:
    """Call ``function()`` on the worker thread; deliver the outcome on the GUI thread.

    Call it on the GUI thread.

    Args:
        function: The work; it must not touch widgets, nor keep references to Qt objects in
            its own variables.
        on_finished: Called with the return value.
        on_failed: Called with the exception raised.
        receiver: The object (usually a widget or controller) the outcome is for; nothing is
            delivered after it is destroyed.
    """
    global _dispatcher
    if threading.current_thread() is not threading.main_thread():
        raise RuntimeError("run_in_background is called on the GUI thread only")
    if _dispatcher is None or not shiboken6.isValid(_dispatcher):
        _dispatcher = _Dispatcher()
    number = next(_numbers)
    _jobs[number] = _Job(function, on_finished, on_failed, receiver)
    _dispatcher.work_queued()
    _worker.submit(_run_job, number)


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
