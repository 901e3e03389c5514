"""Where a run starts: a new run, or a run folder continued after its last checkpoint.

A stopped, killed or crashed run continues at the epoch after its last checkpoint, with the
weights, optimizer state and schedule position of ``checkpoints/last.keras`` and the early
stopping and plateau state of ``checkpoints/state.json``. Rows of ``metrics.csv`` written after
that checkpoint (a kill between the two writes) are dropped before training appends again.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dlstudio.core.errors import UserInputError
from dlstudio.core.project.project import Project, save_project
from dlstudio.core.runs.folder import RunFolder
from dlstudio.core.runs.record import CheckpointState, RunRecord


@dataclass
class ResumePoint:
    """The project to train and how much of it is done.

    Attributes:
        project: The project (for a resumed run, the run's snapshot).
        run: The run folder to continue, or ``None`` for a new run.
        epochs_done: Epochs already completed.
        state: The checkpoint's state.json (a blank one for a new run or no checkpoint yet).
        checkpoint: Whether ``checkpoints/last.keras`` is to be loaded.
    """

    project: Project
    run: RunFolder | None = None
    epochs_done: int = 0
    state: CheckpointState = field(default_factory=CheckpointState)
    checkpoint: bool = False

    @classmethod
    def fresh(cls, project: Project, epochs: int | None = None) -> ResumePoint:
        """Return the start of a new run of ``project`` (``epochs`` overrides its number)."""
        copy = project.copy()
        if epochs is not None:
            copy.training.epochs = epochs
        return cls(copy)


def prepare_resume(path: Path, epochs: int | None = None) -> ResumePoint:
    """Return where the run folder ``path`` continues.

    Args:
        path: The run folder.
        epochs: A new total number of epochs (to train a finished run further).

    Raises:
        UserInputError: ``path`` is not a run folder, the run is still running, it has
            already done all its epochs, or its checkpoint or ``metrics.csv`` is damaged
            (resuming never starts a run over on top of what it recorded).
    """
    run = RunFolder.open(path)
    _refuse_if_running(run.read_record(), path)
    project = run.load_project()
    checkpoint = run.read_state(strict=True)
    run.read_metrics(strict=True)  # a damaged metrics.csv is refused before anything changes
    if checkpoint is None:
        _refuse_to_start_over(run, path)
    state = checkpoint or CheckpointState()
    done = state.epochs_done
    if epochs is not None and epochs != project.training.epochs:
        project.training.epochs = epochs
        save_project(project, run.project_path)
    end = planned_end(project, state)
    if done >= end and state.refit_from is not None:
        raise UserInputError(
            f"{path} has finished its refit on the training and validation rows, whose length "
            "the first phase chose; it cannot be trained further. Start a new run with "
            "`dlstudio train PROJECT` (with more epochs, or training.refit_on_all off)")
    if done >= end:
        raise UserInputError(
            f"{path} has already done {done} of {end} epochs; pass "
            f"--epochs with a larger number (such as {done + 10}) to train it further")
    run.truncate_metrics(done)
    return ResumePoint(project, run, done, state, checkpoint is not None)


def planned_end(project: Project, state: CheckpointState) -> int:
    """Return the epoch a run ends at: ``training.epochs``, plus the fine-tuning phase's
    epochs for a model with a Backbone (counted from where that phase began, once it has), or
    the refit's end once a refit on all rows began."""
    from dlstudio.core.model.backbone_weights import backbone_rows

    training = project.training
    if state.refit_from is not None and state.refit_epochs:
        return state.refit_from + state.refit_epochs
    if state.fine_tune_from is not None:
        return state.fine_tune_from + training.fine_tune.epochs
    if training.fine_tune.epochs > 0 and backbone_rows(project):
        return training.epochs + training.fine_tune.epochs
    return training.epochs


def load_checkpoint(path: Path) -> Any:
    """Load a saved model with its optimizer state (``safe_mode`` on, dlstudio layers known).

    Raises:
        UserInputError: The file cannot be read as a Keras model.
    """
    from dlstudio.core.model.loading import load_keras_file

    return load_keras_file(path, "the run cannot be resumed from it — start a new run")


def _refuse_to_start_over(run: RunFolder, path: Path) -> None:
    """Refuse to resume at epoch 1 a run that recorded epochs but has no usable checkpoint:
    that would replace its metrics and checkpoints."""
    leftovers = [item for item in (run.last_checkpoint_path, run.state_path, run.model_path)
                 if item.exists()]
    if run.read_metrics(strict=True):
        leftovers.append(run.metrics_path)
    if not leftovers:
        return  # killed before its first epoch ended: nothing to lose by starting it
    missing = [item for item in (run.last_checkpoint_path, run.state_path) if not item.exists()]
    why = (f"{missing[0].relative_to(run.path)} is missing" if missing
           else "its checkpoint is unusable")
    recorded = ", ".join(item.name for item in leftovers)
    raise UserInputError(
        f"{path} cannot be resumed: it recorded epochs ({recorded}) but {why}; resuming would "
        "start over at epoch 1 and replace them. Restore the file, or start a new run with "
        "`dlstudio train PROJECT` (this run folder is left as it is)")


def _refuse_if_running(record: RunRecord, path: Path) -> None:
    pid = record.pid
    if record.state != "running" or pid is None or pid == os.getpid():
        return
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return
    except PermissionError:
        pass
    raise UserInputError(f"{path} is still running (process {pid}); stop it before resuming")
