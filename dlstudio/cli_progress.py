"""How ``dlstudio train`` shows a run on a terminal: a progress bar per epoch (loss, metrics,
speed, time left) redrawn in place, then a one-line summary per epoch.

Without a terminal (a pipe, a log file) only the summaries are printed. Messages go to stderr,
so stdout holds the summaries and, last, the run folder.
"""

from __future__ import annotations

import shutil
from typing import TextIO

from dlstudio.core.data.health.findings import Fix
from dlstudio.core.training.events import Batch, Epoch, Event, Finished, Message, Phase, Started

BAR_WIDTH = 24


class ProgressPrinter:
    """An event sink that renders training progress for a person.

    Args:
        out: Where progress and summaries go (stdout).
        err: Where messages go (stderr).
        live: Redraw a progress bar in place (when ``out`` is a terminal).
    """

    def __init__(self, out: TextIO, err: TextIO, live: bool) -> None:
        self.out, self.err, self.live = out, err, live
        self.epochs = 0
        self.batch_size = 1
        self._previous_elapsed = 0.0
        self._last_epoch = 0
        self._bar_shown = False

    def __call__(self, event: Event) -> None:
        if isinstance(event, Started):
            self._started(event)
        elif isinstance(event, Batch) and self.live:
            self._draw_bar(event)
        elif isinstance(event, Epoch):
            self._epoch(event)
        elif isinstance(event, Message):
            self._clear_bar()
            self.err.write(f"{'warning' if event.level == 'warning' else 'note'}: "
                           f"{event.text}\n")
            if event.fix is not None:
                self.err.write(f"  fix for the next run: "
                               f"{Fix.from_json(event.fix).describe()}\n")
            self.err.flush()
        elif isinstance(event, Phase):
            self.epochs = event.epochs or self.epochs
            self._line(f"After epoch {event.epoch}: {event.text}")
        elif isinstance(event, Finished):
            self._finished(event)

    def _started(self, event: Started) -> None:
        self.epochs, self.batch_size = event.epochs, event.batch_size
        where = ", ".join(event.devices)
        begin = (f"Resuming at epoch {event.initial_epoch + 1} of {event.epochs}"
                 if event.initial_epoch else f"Training {event.epochs} epoch(s)")
        self._line(f"{begin} on {where}: {event.samples.get('train', 0)} training samples, "
                   f"batch size {event.batch_size}, {event.steps_per_epoch} steps per epoch")

    def _draw_bar(self, event: Batch) -> None:
        done = event.step / max(event.steps, 1)
        filled = int(round(done * BAR_WIDTH))
        bar = "#" * filled + "." * (BAR_WIDTH - filled)
        speed = max(event.samples_per_second, 1e-9)
        seconds_left = (event.steps - event.step) * self.batch_size / speed
        text = (f"Epoch {event.epoch}/{self.epochs} [{bar}] {event.step}/{event.steps} "
                f"{format_logs(event.logs)} | {event.samples_per_second:,.0f} samples/s | "
                f"{format_duration(seconds_left)} left")
        width = shutil.get_terminal_size((100, 20)).columns - 1
        self.out.write("\r\033[K" + text[:width])
        self.out.flush()
        self._bar_shown = True

    def _epoch(self, event: Epoch) -> None:
        self._last_epoch = event.epoch
        duration = event.elapsed - self._previous_elapsed
        self._previous_elapsed = event.elapsed
        best = " *best*" if event.best_epoch == event.epoch else ""
        self._line(f"Epoch {event.epoch}/{self.epochs}: {format_logs(event.logs)} | "
                   f"lr {event.learning_rate:.3g} | {format_duration(duration)}{best}")

    def _finished(self, event: Finished) -> None:
        verb = "Finished" if event.state == "finished" else "Stopped"
        if event.best_epoch:
            self._line(f"{verb}. Best epoch {event.best_epoch}: "
                       f"{format_logs(event.best_metrics)}")
        elif self._last_epoch:  # nothing to rank the epochs by (a GAN)
            self._line(f"{verb} after epoch {self._last_epoch}.")
        else:
            self._line(f"{verb} before the first epoch completed.")

    def _line(self, text: str) -> None:
        self._clear_bar()
        self.out.write(text + "\n")
        self.out.flush()

    def _clear_bar(self) -> None:
        if self._bar_shown:
            self.out.write("\r\033[K")
            self._bar_shown = False


def format_logs(logs: dict[str, float]) -> str:
    """Return ``loss 0.4123  accuracy 0.8812 …`` with four significant digits."""
    return "  ".join(f"{name} {value:.4g}" for name, value in logs.items())


def format_duration(seconds: float) -> str:
    """Return ``42s``, ``3m05s`` or ``1h02m``."""
    seconds = max(0, int(round(seconds)))
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"
