"""Stop, pause and resume requests for a training run, from any thread or a signal handler.

The worker's stdin reader and its SIGTERM handler, and ``dlstudio train``'s Ctrl+C handler,
set them; the training thread obeys them between batches (see
:class:`dlstudio.core.training.callbacks.ProgressReporter`). No TensorFlow here: the worker sets
this up
before it imports it.
"""

from __future__ import annotations

import threading


class StopRequested(Exception):  # noqa: N818 - a request, not an error
    """Raised inside ``fit`` to end training at once when a stop was asked for."""


class RunControl:
    """Stop, pause and resume requests, safe to send from any thread or a signal handler."""

    def __init__(self) -> None:
        self._stop = threading.Event()
        self._running = threading.Event()
        self._running.set()

    def stop(self) -> None:
        """Ask training to stop within one batch."""
        self._stop.set()
        self._running.set()

    def pause(self) -> None:
        """Ask training to wait after the current batch until :meth:`resume` or :meth:`stop`."""
        self._running.clear()

    def resume(self) -> None:
        """Let a paused run continue."""
        self._running.set()

    @property
    def stop_requested(self) -> bool:
        """Whether a stop was asked for."""
        return self._stop.is_set()

    @property
    def pause_requested(self) -> bool:
        """Whether a pause is in effect."""
        return not self._running.is_set()

    def wait_while_paused(self) -> None:
        """Block while paused, waking often so that signal handlers can run."""
        while not self._running.wait(0.1):
            pass

    def check(self) -> None:
        """Raise :class:`StopRequested` when a stop was asked for."""
        if self._stop.is_set():
            raise StopRequested
