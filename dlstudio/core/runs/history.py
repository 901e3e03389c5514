"""The curves of one training run as growing NumPy arrays, fed by events or read from a folder.

:class:`RunHistory` keeps, per logged value, the per-batch running averages (with an
exponentially smoothed copy), the per-epoch values and the learning rate, all as
:class:`GrowingSeries` whose arrays the plots draw directly. No Qt here.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np

from dlstudio.core.runs.folder import RunFolder
from dlstudio.core.runs.record import RecordError
from dlstudio.core.training import events

SMOOTHING_EPOCHS = 0.15
DISPLAY_POINTS = 4000
LEARNING_RATE_KEYS = ("learning_rate", "lr")
VALIDATION_PREFIX = "val_"


class GrowingSeries:
    """``(x, y)`` points in arrays that grow by doubling, so appending stays cheap."""

    def __init__(self, capacity: int = 256) -> None:
        self._x = np.empty(capacity)
        self._y = np.empty(capacity)
        self.size = 0

    def __len__(self) -> int:
        return self.size

    @property
    def x(self) -> np.ndarray:
        """The x values (a view; valid until the next append)."""
        return self._x[: self.size]

    @property
    def y(self) -> np.ndarray:
        """The y values (a view; valid until the next append)."""
        return self._y[: self.size]

    def append(self, x: float, y: float) -> None:
        """Add one point at the end."""
        if self.size == len(self._x):
            self._x = np.resize(self._x, 2 * self.size)
            self._y = np.resize(self._y, 2 * self.size)
        self._x[self.size] = x
        self._y[self.size] = y
        self.size += 1

    def truncate(self, x_limit: float) -> None:
        """Drop the points whose x is beyond ``x_limit`` (x grows along the series)."""
        self.size = int(np.searchsorted(self.x, x_limit, side="right"))

    def last(self) -> float:
        """The last y value (NaN when empty)."""
        return float(self._y[self.size - 1]) if self.size else float("nan")


class RunHistory:
    """Everything the curves show of one run.

    Attributes:
        label: The run's name in legends.
        batches: Per logged value, the running averages within each epoch; x is the
            fractional epoch (``epoch - 1 + step / steps``).
        smoothed: The same, smoothed exponentially over about :data:`SMOOTHING_EPOCHS` of an
            epoch (by distance along x, so sparse points are barely smoothed).
        epochs: Per logged value (``loss``, ``val_loss``, ``accuracy``…), x = epoch from 1.
        learning_rate: The learning rate per epoch.
        best_epoch: The epoch with the best monitored value (0 while unknown).
        planned_epochs: The epoch the run ends at (0 while unknown).
        live: Whether the run is still going (from its ``started`` event until it ends), so
            its curves may yet reach ``planned_epochs``.
        phases: Where a new phase of training began (``phase`` events): the epoch it began
            after, and the phase's name (``fine_tune``).
    """

    def __init__(self, label: str) -> None:
        self.label = label
        self.batches: dict[str, GrowingSeries] = {}
        self.smoothed: dict[str, GrowingSeries] = {}
        self.epochs: dict[str, GrowingSeries] = {}
        self.learning_rate = GrowingSeries(64)
        self.best_epoch = 0
        self.planned_epochs = 0
        self.live = False
        self.phases: dict[int, str] = {}

    def families(self) -> list[str]:
        """The metric families (``loss`` first), each a value and its ``val_`` twin."""
        names = {name.removeprefix(VALIDATION_PREFIX) for name in (*self.epochs, *self.batches)}
        names.difference_update(LEARNING_RATE_KEYS)
        return sorted(names, key=lambda name: (name != "loss", name))

    def add_event(self, event: events.Event) -> None:
        """Take in one protocol event (started, batch, epoch, phase, finished; others are
        ignored)."""
        if isinstance(event, events.Started):
            self.truncate(event.initial_epoch)
            self.planned_epochs = event.epochs
            self.live = True
        elif isinstance(event, events.Batch):
            self.add_batch(event.epoch - 1 + event.step / max(event.steps, 1), event.logs)
        elif isinstance(event, events.Epoch):
            self.add_epoch(event.epoch, event.logs, event.learning_rate, event.best_epoch)
        elif isinstance(event, events.Phase):
            self.phases[event.epoch] = event.name
            self.planned_epochs = event.epochs or self.planned_epochs
        elif isinstance(event, events.Finished):
            self.best_epoch = event.best_epoch or self.best_epoch
            self.live = False

    def add_batch(self, position: float, logs: dict[str, float]) -> None:
        """Add the running averages at fractional epoch ``position``."""
        for name, value in logs.items():
            if name in LEARNING_RATE_KEYS or name.startswith(VALIDATION_PREFIX):
                continue
            if name not in self.batches:
                self.batches[name] = GrowingSeries()
                self.smoothed[name] = GrowingSeries()
            raw, smooth = self.batches[name], self.smoothed[name]
            previous = smooth.last()
            if len(smooth) and math.isfinite(previous) and math.isfinite(value):
                weight = math.exp(-(position - smooth.x[-1]) / SMOOTHING_EPOCHS)
                value = weight * previous + (1 - weight) * value
            smooth.append(position, value)
            raw.append(position, logs[name])

    def add_epoch(self, epoch: int, logs: dict[str, float], learning_rate: float | None,
                  best_epoch: int) -> None:
        """Add one epoch's values."""
        for name, value in logs.items():
            if name in LEARNING_RATE_KEYS:
                continue
            if name not in self.epochs:
                self.epochs[name] = GrowingSeries(64)
            self.epochs[name].append(epoch, value)
        rate = learning_rate if learning_rate is not None else _first(logs, LEARNING_RATE_KEYS)
        if rate is not None:
            self.learning_rate.append(epoch, rate)
        self.best_epoch = best_epoch or self.best_epoch

    def truncate(self, epochs_done: int) -> None:
        """Forget what came after epoch ``epochs_done`` (a resumed run redoes it)."""
        for series in (*self.batches.values(), *self.smoothed.values(),
                       *self.epochs.values(), self.learning_rate):
            series.truncate(epochs_done)
        self.phases = {epoch: name for epoch, name in self.phases.items() if epoch <= epochs_done}

    def value_at_epoch(self, name: str, epoch: int) -> float | None:
        """The epoch value ``name`` at ``epoch``, or ``None``."""
        series = self.epochs.get(name)
        if series is None:
            return None
        hits = np.flatnonzero(series.x == epoch)
        return float(series.y[hits[-1]]) if hits.size else None

    @classmethod
    def from_folder(cls, path: str | os.PathLike[str], label: str | None = None) -> RunHistory:
        """Read a run folder's ``events.jsonl`` (or, without it, its ``metrics.csv``)."""
        run = RunFolder(path)
        history = cls(label or Path(path).name)
        if run.events_path.is_file():
            history._read_events(run.events_path)
        else:
            history._read_metrics(run)
        history.live = False
        return history

    def _read_events(self, path: Path) -> None:
        with path.open(encoding="utf-8", errors="replace") as stream:
            for line in stream:
                try:
                    self.add_event(events.decode(line))
                except events.ProtocolError:
                    continue

    def _read_metrics(self, run: RunFolder) -> None:
        for number, row in enumerate(run.read_metrics(), start=1):
            epoch = int(row.pop("epoch", number))
            row.pop("elapsed", None)
            self.add_epoch(epoch, row, _first(row, LEARNING_RATE_KEYS), 0)
        try:
            self.best_epoch = run.read_record().best_epoch if run.info_path.is_file() else 0
        except RecordError:
            self.best_epoch = 0


def display_points(series: GrowingSeries, low: float = -math.inf, high: float = math.inf,
                   max_points: int = DISPLAY_POINTS) -> tuple[np.ndarray, np.ndarray]:
    """The points of ``series`` to draw between x ``low`` and ``high``, at most about
    ``max_points`` of them.

    A longer stretch is peak-decimated: it is cut into buckets of a power-of-two number of
    points (aligned to the start, so they do not shift as the series grows) and each bucket
    drawn as its lowest and highest value, so spikes stay visible. One point either side of
    the range is kept, so lines run to the plot's edges.
    """
    first = max(int(np.searchsorted(series.x, low, side="left")) - 1, 0)
    last = min(int(np.searchsorted(series.x, high, side="right")) + 1, len(series))
    if last - first <= max_points:
        return series.x[first:last], series.y[first:last]
    size = 1 << math.ceil(math.log2(2 * (last - first) / max_points))
    first -= first % size
    whole = first + (last - first) // size * size
    x = np.repeat(series.x[first:whole:size], 2)
    buckets = series.y[first:whole].reshape(-1, size)
    y = np.empty(x.size)
    y[0::2] = np.fmin.reduce(buckets, axis=1)
    y[1::2] = np.fmax.reduce(buckets, axis=1)
    return np.concatenate([x, series.x[whole:last]]), np.concatenate([y, series.y[whole:last]])


def _first(values: dict[str, float], keys: tuple[str, ...]) -> float | None:
    return next((values[key] for key in keys if key in values), None)
