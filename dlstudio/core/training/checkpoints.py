"""Checkpoints for resuming: ``checkpoints/last.keras`` (weights, optimizer state, schedule
position), ``checkpoints/state.json`` and ``checkpoints/best.weights.h5``.

Each completed epoch is checkpointed, except when epochs are so short that writing the files
would slow training by more than :data:`SAVE_BUDGET`: then the epoch's variables are kept in
memory and written once enough training time has passed, at the last epoch, or when training
stops or fails. A stopped or failed run therefore always leaves the checkpoint of its last
completed epoch; a killed one loses at most the epochs of the last few seconds (about
``1 / SAVE_BUDGET`` times the time one save takes).
"""

from __future__ import annotations

import os
import time
from typing import Any

from dlstudio.core.runs.folder import RunFolder
from dlstudio.core.runs.record import CheckpointState

SAVE_BUDGET = 0.03  # the share of training time that checkpoint writing may take


class Checkpointer:
    """Decides when to write the checkpoint of a completed epoch, and writes it.

    Args:
        run: The run folder.
        tracker: The best-epoch tracker; it writes its best weights with each checkpoint.
    """

    def __init__(self, run: RunFolder, tracker: Any) -> None:
        self.run, self.tracker = run, tracker
        self.save_seconds: float | None = None
        self._last_save = time.perf_counter()
        self._pending: tuple[list[Any], CheckpointState] | None = None

    def epoch_done(self, model: Any, state: CheckpointState, force: bool = False) -> None:
        """Checkpoint the epoch that just completed, now or (if saving is costly) later.

        Args:
            model: The compiled model, its weights and optimizer as the epoch left them.
            state: What state.json holds for this epoch.
            force: Write now (the last epoch, or training is about to stop).
        """
        waited = time.perf_counter() - self._last_save
        if force or self.save_seconds is None or waited * SAVE_BUDGET >= self.save_seconds:
            self._write(model, state)
        else:
            self._pending = (variable_values(model), state)

    def flush(self, model: Any) -> None:
        """Write the completed epoch kept in memory, if any; the model is left as it was."""
        if self._pending is None:
            return
        values, state = self._pending
        current = variable_values(model)
        assign_variables(model, values)
        self._write(model, state)
        assign_variables(model, current)

    def _write(self, model: Any, state: CheckpointState) -> None:
        started = time.perf_counter()
        temporary = self.run.checkpoint_dir / ".last-partial.keras"
        try:
            model.save(temporary)
            os.replace(temporary, self.run.last_checkpoint_path)
        except BaseException:
            temporary.unlink(missing_ok=True)  # a full disk leaves the last good checkpoint
            raise
        self.tracker.save_best_weights()
        self.run.write_state(state)
        self._last_save = time.perf_counter()
        self.save_seconds = self._last_save - started
        self._pending = None


def variable_values(model: Any) -> list[Any]:
    """Return copies of the model's and its optimizer's variables (weights, moments, step)."""
    return [variable.numpy() for variable in _variables(model)]


def assign_variables(model: Any, values: list[Any]) -> None:
    """Put values from :func:`variable_values` back into the model and its optimizer."""
    for variable, value in zip(_variables(model), values, strict=True):
        variable.assign(value)


def _variables(model: Any) -> list[Any]:
    """The model's variables and every optimizer's (a GAN's discriminator optimizer too)."""
    optimizers = [model.optimizer, *getattr(model, "extra_optimizers", ())]
    return list(model.variables) + [v for optimizer in optimizers for v in optimizer.variables]
