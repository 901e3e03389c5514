"""Progress arithmetic of a training run: fraction done, elapsed time, time left (no Qt)."""

from __future__ import annotations

import time
from collections.abc import Callable

from dlstudio.core.training import events


class ProgressClock:
    """Follows one worker session's events and tells how far along the run is.

    Paused time does not count. Elapsed time includes earlier sessions of a resumed run once
    the first epoch event (which carries the run's total) arrives.

    Args:
        clock: A monotonic clock in seconds (tests pass a fake one).
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self.epochs = 0
        self.steps = 0
        self.initial_epoch = 0
        self.epoch = 0
        self.step = 0
        self._started: float | None = None
        self._paused_since: float | None = None
        self._paused_total = 0.0
        self._elapsed_at_epoch = 0.0
        self._active_at_epoch = 0.0

    def start(self, event: events.Started) -> None:
        """A session began."""
        self.epochs, self.steps = event.epochs, max(event.steps_per_epoch, 1)
        self.initial_epoch = self.epoch = event.initial_epoch
        self.step = 0
        self._started = self._clock()

    def batch(self, event: events.Batch) -> None:
        """A batch was reported."""
        self.epoch, self.step = event.epoch - 1, event.step

    def epoch_done(self, event: events.Epoch) -> None:
        """An epoch ended."""
        self.epoch, self.step = event.epoch, 0
        self._elapsed_at_epoch = event.elapsed
        self._active_at_epoch = self._active()

    def set_paused(self, paused: bool) -> None:
        """The run was paused or went on."""
        now = self._clock()
        if paused and self._paused_since is None:
            self._paused_since = now
        elif not paused and self._paused_since is not None:
            self._paused_total += now - self._paused_since
            self._paused_since = None

    def has_progress(self) -> bool:
        """Whether this session has reported a batch yet."""
        return self.steps_done() > self.initial_epoch * self.steps

    def steps_done(self) -> int:
        """Batches done in the whole run."""
        return self.epoch * self.steps + self.step

    def fraction(self) -> float:
        """The part of the run done, from 0 to 1."""
        total = self.epochs * self.steps
        return min(1.0, self.steps_done() / total) if total else 0.0

    def elapsed(self) -> float:
        """Seconds of training in the run so far, pauses excluded."""
        return self._elapsed_at_epoch + self._active() - self._active_at_epoch

    def time_left(self) -> float | None:
        """Estimated seconds to the end at this session's pace (``None`` before any batch)."""
        done = self.steps_done() - self.initial_epoch * self.steps
        if done <= 0 or self._started is None:
            return None
        remaining = self.epochs * self.steps - self.steps_done()
        return max(0.0, self._active() / done * remaining)

    def _active(self) -> float:
        if self._started is None:
            return 0.0
        now = self._clock()
        paused = self._paused_total + (now - self._paused_since if self._paused_since else 0.0)
        return max(0.0, now - self._started - paused)


def format_duration(seconds: float) -> str:
    """Return ``0:42``, ``12:05`` or ``1:02:03``."""
    whole = int(round(seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
