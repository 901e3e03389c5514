"""The refit (``training.refit_on_all``): once early stopping has found the best epoch count on
the validation rows, a fresh model trains on the training and validation rows together for that
many epochs, with its schedule planned over them.

Early stopping needs rows the model never trains on; on a small table they are a share of the
data the final model can ill afford to lose (15% of 300 rows). The refit gives them back: the
validation rows choose *how long* to train, then every row that is not for testing teaches the
final model. This is the usual practice for small data; ``auto`` does it for tables of fewer
than :data:`~dlstudio.core.project.project.REFIT_AUTO_ROWS` training rows (the figures are in
``benchmarks/README.md``, § Tabular defaults).

The refit continues the run's curves (its epochs follow the first phase's, marked by a
``refit`` phase event; they log the training loss only, since nothing is left to validate on)
and its checkpoints (``refit_from`` and ``refit_epochs`` in ``state.json``, so a stopped or
killed refit resumes in the refit). ``best_epoch`` and ``best_metrics`` stay those of the
first phase: the validation figures are the only honest ones the run has. Until the refit
ends, ``model.keras`` holds the first phase's best model, so a run stopped during the refit
still has a validated model.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from dlstudio.core.data import Dataset
from dlstudio.core.project.project import REFIT_AUTO_ROWS, Project
from dlstudio.core.tasks import get_task


@dataclass(frozen=True)
class RefitPlan:
    """Whether the run refits, and what to tell the user.

    Attributes:
        epochs: The refit's epochs (the first phase's best epoch); 0: no refit.
        data: The data with the validation rows in the training split (with a refit).
        note: Why an asked-for refit does not happen, in words (``None`` when it does, or
            when ``auto`` decided against it quietly).
    """

    epochs: int = 0
    data: Dataset | None = None
    note: str | None = None


def plan_refit(project: Project, dataset: Dataset, best_epoch: int) -> RefitPlan:
    """Decide whether a run whose first phase ended normally refits.

    Args:
        project: The run's project (``training.refit_on_all``, early stopping).
        dataset: The run's data, split as the first phase trained on it.
        best_epoch: The first phase's best epoch (0: none).
    """
    training = project.training
    mode = training.refit_on_all
    if mode == "off":
        return RefitPlan()
    asked = mode == "on"
    rows = dataset.split_size("train")
    if not get_task(dataset.task).refits:
        return _refused(asked, "a refit is for classification and regression; this "
                               "run's model was kept as trained")
    if not training.early_stopping.enabled:
        return _refused(asked, "a refit needs early stopping to find the best epoch count; "
                               "turn early stopping on, or set training.refit_on_all to off")
    if dataset.split_size("validation") == 0 or best_epoch < 1:
        return _refused(asked, "a refit needs a validation split that chose a best epoch; "
                               "this run had none, so its model was kept as trained")
    if not asked and rows >= REFIT_AUTO_ROWS:
        return RefitPlan()
    joined = dataset.with_validation_in_training()
    if joined is None:
        return _refused(asked, "this kind of data cannot join its validation rows to the "
                               "training rows, so there is no refit")
    return RefitPlan(best_epoch, joined)


def _refused(asked: bool, why: str) -> RefitPlan:
    return RefitPlan(note=f"No refit on all rows: {why}." if asked else None)


def refit_project(project: Project, epochs: int) -> Project:
    """Return the project the refit's model is built and compiled from: ``epochs`` epochs
    (its schedule planned over them) and no early stopping (nothing to validate on)."""
    copy = project.copy()
    training = copy.training
    copy.training = dataclasses.replace(
        training, epochs=epochs,
        early_stopping=dataclasses.replace(training.early_stopping, enabled=False))
    return copy


def phase_text(epochs: int, rows: int, best_epoch: int, resumed: bool = False) -> str:
    """What the ``refit`` phase event says."""
    count = f"{epochs} epoch" + ("" if epochs == 1 else "s")
    if resumed:
        return (f"Resuming the refit on the training and validation rows ({rows:,} rows, "
                f"{count}).")
    return (f"Refit: a fresh model now trains on the training and validation rows together "
            f"({rows:,} rows) for {count}, the best count the validation rows found. "
            f"Until it ends, model.keras holds the model of epoch {best_epoch}.")
