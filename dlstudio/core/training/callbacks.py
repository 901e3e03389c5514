"""The Keras callbacks of a training run: progress events, stop and pause, NaN detection, the
best epoch and early stopping, reduce-on-plateau, and the per-epoch checkpoint.

Callbacks run in the order the run loop lists them; at the end of an epoch the plateau and
best-epoch trackers update first, then :class:`RunRecorder` records the epoch and hands the
checkpoint, with their state, to :class:`~dlstudio.core.training.checkpoints.Checkpointer`, so a
resumed
run continues exactly where the checkpoint left off. A stop request or a
non-finite loss raises out of ``fit`` within a batch: the unfinished epoch is not recorded, and
the last checkpoint stays the one of the last completed epoch.
"""

from __future__ import annotations

import math
import os
import threading
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import keras

from dlstudio.core.errors import TrainingError
from dlstudio.core.runs.folder import RunFolder
from dlstudio.core.runs.record import CheckpointState
from dlstudio.core.training.checkpoints import Checkpointer
from dlstudio.core.training.control import RunControl
from dlstudio.core.training.diagnostics import DoctorProbe
from dlstudio.core.training.events import Batch, Epoch, Event, Message
from dlstudio.core.training.failures import NonFiniteLoss

BATCH_EVENT_INTERVAL = 0.25  # seconds: about four batch events a second


class ProgressReporter(keras.callbacks.Callback):
    """Obeys stop and pause between batches, sends batch events and catches non-finite losses.

    Stop and pause are checked as each batch begins, on the training thread, so they take
    effect within one batch. The batch-end work runs on Keras's callback thread
    (``async_safe``): reading a batch's loss waits for that batch, and doing it there keeps
    the training thread dispatching the next one. A non-finite loss raised there surfaces in
    ``fit`` a batch later.

    Args:
        emit: Where events go (called from two threads).
        control: Stop and pause requests.
        steps: Batches per epoch.
        batch_size: Samples per batch.
        samples: Training samples per epoch.
    """

    async_safe = True

    def __init__(self, emit: Callable[[Event], None], control: RunControl, steps: int,
                 batch_size: int, samples: int) -> None:
        super().__init__()
        self.emit, self.control = emit, control
        self.steps, self.batch_size, self.samples = steps, batch_size, samples
        self.epoch = 0
        self._started = self._last_sent = 0.0
        self._lock = threading.Lock()
        self._closed = False

    def close(self) -> None:
        """Send nothing more (batch ends still queued after ``fit`` returned are dropped)."""
        with self._lock:
            self._closed = True

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self.epoch = epoch + 1
        self._started = time.perf_counter()
        self._last_sent = self._started

    def on_train_batch_begin(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        self.control.check()
        if not self.control.pause_requested:
            return
        paused = time.perf_counter()
        self.emit(Message("info", f"Paused before batch {batch + 1} of epoch {self.epoch}."))
        self.control.wait_while_paused()
        self.control.check()
        self._started += time.perf_counter() - paused
        self.emit(Message("info", "Resumed."))

    def on_test_batch_begin(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        self.control.check()

    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        step = min(batch + 1, self.steps)
        logs = _floats(logs or {})
        loss = logs.get("loss")
        if loss is not None and not math.isfinite(loss):
            raise NonFiniteLoss(self.epoch, step, loss)
        now = time.perf_counter()
        if step < self.steps and now - self._last_sent < BATCH_EVENT_INTERVAL:
            return
        self._last_sent = now
        speed = min(step * self.batch_size, self.samples) / max(now - self._started, 1e-9)
        with self._lock:
            if not self._closed:
                self.emit(Batch(self.epoch, step, self.steps, logs, round(speed, 1)))


def monitor_mode(monitor: str) -> str:
    """Return ``max`` for values that grow when the model improves (accuracy, AUC…), else
    ``min``."""
    growing = ("acc", "auc", "precision", "recall", "f1", "r2")
    return "max" if any(word in monitor for word in growing) else "min"


class BestTracker(keras.callbacks.Callback):
    """Tracks the best epoch of ``monitor``; with ``patience``, stops early and keeps the best
    weights (in memory, written to ``best_weights_path`` with each checkpoint).

    Args:
        monitor: The logged value to watch (``val_loss``).
        patience: Epochs without improvement before stopping; ``None`` never stops.
        min_delta: The smallest change that counts as an improvement.
        best_weights_path: Where the best weights are saved (with ``patience`` only).
        state: What :meth:`state` returned before, when resuming.
    """

    def __init__(self, monitor: str, patience: int | None, min_delta: float,
                 best_weights_path: os.PathLike[str] | str,
                 state: dict[str, Any] | None = None) -> None:
        super().__init__()
        self.monitor, self.patience, self.min_delta = monitor, patience, min_delta
        self.mode = monitor_mode(monitor)
        self.best_weights_path = str(best_weights_path)
        state = state or {}
        self.best: float | None = state.get("value")
        self.best_epoch: int = state.get("epoch", 0)
        self.best_metrics: dict[str, float] = state.get("metrics", {})
        self.wait: int = state.get("wait", 0)
        self.stopped_early = False
        self._best_weights: list[Any] | None = None

    def begin_phase(self) -> None:
        """A new phase of training begins: patience counts afresh (the best so far stays)."""
        self.wait, self.stopped_early = 0, False
        if self.model is not None:
            self.model.stop_training = False

    def state(self) -> dict[str, Any]:
        """Return what resuming needs, JSON-ready."""
        return {"monitor": self.monitor, "value": self.best, "epoch": self.best_epoch,
                "metrics": self.best_metrics, "wait": self.wait}

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        logs = _floats(logs or {})
        value = logs.get(self.monitor)
        if value is None and self.patience is not None:
            raise TrainingError(
                f"training.early_stopping.monitor is {self.monitor!r}, which training does not "
                f"log; choose one of {', '.join(logs)}")
        if value is not None and self._improved(value):
            self.best, self.best_epoch, self.best_metrics, self.wait = value, epoch + 1, logs, 0
            if self.patience is not None:
                self._best_weights = self.model.get_weights()
            return
        self.wait += 1
        if self.patience is not None and self.wait >= self.patience:
            self.stopped_early = True
            self.model.stop_training = True

    def score_start(self, logs: dict[str, Any]) -> None:
        """Make the untrained model (epoch 0, scored with ``logs``) the best so far, so the
        epochs must beat it to be kept (a forecaster whose start is a baseline)."""
        value = _floats(logs).get(self.monitor)
        if value is None or not math.isfinite(value) or self.best is not None:
            return
        self.best, self.best_epoch, self.best_metrics = value, 0, _floats(logs)
        if self.patience is not None:
            self._best_weights = self.model.get_weights()

    def save_best_weights(self) -> None:
        """Write the best weights kept in memory since the last call (for resuming)."""
        if self._best_weights is None:
            return
        current = self.model.get_weights()
        self.model.set_weights(self._best_weights)
        temporary = Path(self.best_weights_path).with_name(".best-partial.weights.h5")
        try:
            self.model.save_weights(temporary)
            os.replace(temporary, self.best_weights_path)
        except BaseException:
            temporary.unlink(missing_ok=True)  # a full disk leaves the last good file alone
            raise
        finally:
            self.model.set_weights(current)
        self._best_weights = None

    def restore_best_weights(self) -> bool:
        """Load the best epoch's weights into the model; return whether there were any."""
        if self.patience is None:
            return False
        if self._best_weights is not None:
            self.model.set_weights(self._best_weights)
            return True
        if not os.path.exists(self.best_weights_path):
            return False
        with warnings.catch_warnings():  # the best epoch may predate fine-tuning's optimizer
            warnings.filterwarnings("ignore", "Skipping variable loading for optimizer")
            self.model.load_weights(self.best_weights_path)
        return True

    def _improved(self, value: float) -> bool:
        if not math.isfinite(value):
            return False
        if self.best is None:
            return True
        if self.mode == "min":
            return value < self.best - self.min_delta
        return value > self.best + self.min_delta


class PlateauReducer(keras.callbacks.ReduceLROnPlateau):
    """Keras's ReduceLROnPlateau whose waiting state survives a resume.

    Args:
        state: What :meth:`state` returned before, when resuming.
        **options: ReduceLROnPlateau's arguments.
    """

    def __init__(self, state: dict[str, Any] | None = None, **options: Any) -> None:
        super().__init__(**options)
        self._restored = state

    def state(self) -> dict[str, Any]:
        """Return what resuming needs, JSON-ready."""
        return {"wait": int(self.wait), "best": float(self.best),
                "cooldown_counter": int(self.cooldown_counter)}

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        super().on_train_begin(logs)
        if self._restored:
            self.wait = self._restored["wait"]
            self.best = self._restored["best"]
            self.cooldown_counter = self._restored["cooldown_counter"]


class RunRecorder(keras.callbacks.Callback):
    """After each epoch: metrics row, run.json, the epoch event and the checkpoint.

    Args:
        run: The run folder.
        emit: Where events go.
        control: Stop requests are obeyed right after the checkpoint.
        tracker: The best-epoch tracker (its state goes into the checkpoint).
        plateau: The reduce-on-plateau callback, if any (likewise).
        base_state: Fixed facts stored in every state.json (batch size, steps per epoch, …)
            and where training starts (epochs done, time elapsed).
        probe: The training doctor's measurements (they go into the epoch event), if any;
            it must come before this callback in ``fit``'s list.
    """

    def __init__(self, run: RunFolder, emit: Callable[[Event], None], control: RunControl,
                 tracker: BestTracker, plateau: PlateauReducer | None,
                 base_state: CheckpointState, probe: DoctorProbe | None = None) -> None:
        super().__init__()
        self.probe = probe
        self.run, self.emit, self.control = run, emit, control
        self.tracker, self.plateau = tracker, plateau
        self.base_state = base_state
        self.elapsed_before = base_state.elapsed
        self.epochs_done = base_state.epochs_done
        self.checkpointer = Checkpointer(run, tracker)
        self._started = time.perf_counter()
        self.last_elapsed = base_state.elapsed

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        self._started = time.perf_counter()

    def begin_phase(self, fine_tune_from: int) -> None:
        """The fine-tuning phase begins after epoch ``fine_tune_from``: later checkpoints say
        so, and the time keeps counting from where the first phase left it."""
        self.base_state = self.base_state.changed(fine_tune_from=fine_tune_from)
        self.elapsed_before = self.last_elapsed

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        logs = _floats(logs or {})
        learning_rate = logs.pop("learning_rate", None) or current_learning_rate(self.model)
        elapsed = round(self.elapsed_before + time.perf_counter() - self._started, 3)
        self.last_elapsed = elapsed
        self.epochs_done = epoch + 1
        self.run.append_metrics({"epoch": epoch + 1, **logs, "learning_rate": learning_rate,
                                 "elapsed": elapsed})
        self.run.update_record(epochs_done=epoch + 1, best_epoch=self.tracker.best_epoch,
                               best_metrics=self.tracker.best_metrics, final_metrics=logs)
        last = (epoch + 1 >= self.params.get("epochs", 0) or self.model.stop_training
                or self.control.stop_requested)
        self.checkpointer.epoch_done(self.model, self._state(elapsed), force=last)
        diagnostics = dict(self.probe.values) if self.probe is not None else {}
        self.emit(Epoch(epoch + 1, logs, learning_rate, elapsed, self.tracker.best_epoch,
                        diagnostics))
        self.control.check()

    def _state(self, elapsed: float) -> CheckpointState:
        return self.base_state.changed(
            epochs_done=self.epochs_done, elapsed=elapsed,
            optimizer_iterations=optimizer_step(self.model), best=self.tracker.state(),
            plateau=self.plateau.state() if self.plateau else None)


def optimizer_step(model: keras.Model) -> int:
    """Return the optimizer's step count (also under a mirrored strategy, where ``int()`` of
    the variable fails)."""
    return int(keras.ops.convert_to_numpy(model.optimizer.iterations))


def current_learning_rate(model: keras.Model) -> float:
    """Return the optimizer's learning rate now (a schedule's value at the current step)."""
    return float(keras.ops.convert_to_numpy(model.optimizer.learning_rate))


def _floats(logs: dict[str, Any]) -> dict[str, float]:
    """Return the numeric logs as floats, ordered loss, metrics, val_loss, val_ metrics."""
    values = {}
    for key, value in logs.items():
        try:
            values[key] = float(value)
        except (TypeError, ValueError):
            continue
    return dict(sorted(values.items(), key=lambda item: _log_order(item[0])))


def _log_order(name: str) -> tuple[bool, bool]:
    return name.startswith("val_"), name.removeprefix("val_") != "loss"
