"""The learning-rate range test: a short run whose rate grows each step, to choose a rate.

A fresh copy of the project's model trains for at most ``steps`` batches (a few hundred at
most; nothing is saved) while the learning rate grows geometrically from ``start`` to ``end``.
The loss of each batch, smoothed, is recorded against the rate; the test stops early once the
smoothed loss is four times its lowest (it diverged) or not finite. The suggestion is a tenth of
the rate where the smoothed loss was lowest — fast, yet safely below where training blows up
(Smith 2017, "Cyclical learning rates"; fastai's ``lr_min``).

:func:`find_learning_rate` is behind ``dlstudio lr-find`` and the training form's "Find…"
button (which runs that command in its own process, never in the GUI).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from dlstudio.core.errors import DataError, UserInputError

MOST_STEPS = 500
SMOOTHING = 0.9
DIVERGED = 4.0


def find_learning_rate(project: Any, steps: int = 100, start: float = 1e-6,
                       end: float = 1.0) -> dict[str, Any]:
    """Run the range test on ``project``'s data and model.

    Args:
        project: The project (its data, model and optimizer settings; the schedule is not
            used).
        steps: Batches to train at most (1-500).
        start: The first learning rate.
        end: The last learning rate.

    Returns:
        ``learning_rates`` and ``losses`` (smoothed; one per step taken), ``raw_losses``,
        ``suggestion`` (the suggested rate), ``current`` (the project's rate), ``steps`` (taken),
        ``diverged`` (whether it stopped early) and ``summary`` (one sentence).

    Raises:
        UserInputError: Steps or rates out of range, or a training split without rows.
    """
    _check(steps, start, end)
    model, batches = prepared_model(project)
    rates = start * (end / start) ** (np.arange(steps) / max(steps - 1, 1))
    result: dict[str, list[float]] = {"learning_rates": [], "losses": [], "raw_losses": []}
    average, lowest, diverged = 0.0, math.inf, False
    for step, (rate, batch) in enumerate(zip(rates, batches, strict=False), start=1):
        model.optimizer.learning_rate.assign(float(rate))
        model.reset_metrics()
        logs = model.train_on_batch(*batch, return_dict=True)
        loss = float(logs.get("loss", next(iter(logs.values()))))
        if not math.isfinite(loss):
            diverged = True
            break
        average = SMOOTHING * average + (1 - SMOOTHING) * loss
        smoothed = average / (1 - SMOOTHING ** step)
        for key, value in (("learning_rates", float(rate)), ("losses", smoothed),
                           ("raw_losses", loss)):
            result[key].append(value)
        lowest = min(lowest, smoothed)
        if smoothed > DIVERGED * lowest and step > 5:
            diverged = True
            break
    return _outcome(result, project.training.learning_rate, diverged)


def _check(steps: int, start: float, end: float) -> None:
    if not 1 <= steps <= MOST_STEPS:
        raise UserInputError(f"--steps must be 1 to {MOST_STEPS}, got {steps}; 100 is enough "
                             "for most models")
    if not 0 < start < end:
        raise UserInputError(f"the rates must grow from a start above 0 to a larger end, got "
                             f"{start:g} to {end:g}; for example --start 1e-6 --end 1")


def prepared_model(project: Any) -> tuple[Any, Any]:
    """Return the project's compiled model (a constant rate to change) and an endless stream
    of training batches, each a tuple for ``train_on_batch`` (the range test and the
    cost sheet's epoch-time probe use it).

    Raises:
        DataError: The training split is empty.
        UserInputError: The task trains its own way (several losses or optimizers).
    """
    import copy

    import keras

    from dlstudio.core.data import load_dataset
    from dlstudio.core.model import builder
    from dlstudio.core.tasks import get_task

    training = copy.deepcopy(project.training)
    training.schedule.kind = "constant"
    keras.utils.set_random_seed(training.seed)
    dataset = load_dataset(project)
    if dataset.split_size("train") == 0:
        raise DataError("the training split is empty; add data or raise split.train")
    task = get_task(dataset.task)
    built = builder.build_model(project, dataset)
    model = task.training_model(built, project)
    if any(type(item).train_step is not keras.Model.train_step for item in (built, model)):
        raise UserInputError("the learning-rate finder needs a model trained on a target "
                             "(classification, regression); this task trains its own way "
                             "(several losses or optimizers), so set its rates by hand")
    loss_name = task.resolve_loss(training.loss, int(built.outputs[0].shape[-1] or 1),
                                  training.label_smoothing)
    model.compile(**task.optimizers(training, 1),
                  loss=task.make_loss(loss_name, training.label_smoothing, model))
    data = task.training_targets(
        dataset.tf_dataset("train", training.batch_size, shuffle=True, seed=training.seed),
        loss_name, len(dataset.class_names)).repeat()
    return model, (batch if isinstance(batch, tuple) else (batch,) for batch in data)


def _outcome(result: dict[str, list[float]], current: float, diverged: bool) -> dict[str, Any]:
    if not result["losses"]:
        raise UserInputError("the loss was not finite from the first step; lower --start or "
                             "check the data")
    lowest = int(np.argmin(result["losses"]))
    suggestion = float(f"{result['learning_rates'][lowest] / 10:.2g}")
    summary = (f"The loss was lowest at a learning rate of about "
               f"{result['learning_rates'][lowest]:.2g} and "
               f"{'blew up' if diverged else 'rose'} beyond; a tenth of that, "
               f"{suggestion:g}, is a good learning rate (the project uses {current:g}).")
    return {**result, "suggestion": suggestion, "current": current,
            "steps": len(result["losses"]), "diverged": diverged, "summary": summary}


def format_lr_find(result: dict[str, Any], rows: int = 12) -> str:
    """The range test as a short table (every few steps) and the suggestion."""
    rates, losses = result["learning_rates"], result["losses"]
    picked = sorted({round(i) for i in np.linspace(0, len(rates) - 1, min(rows, len(rates)))})
    lines = [f"Learning-rate range test: {result['steps']} steps", "",
             f"{'learning rate':>14}  {'loss (smoothed)':>16}"]
    lines += [f"{rates[i]:>14.3g}  {losses[i]:>16.4g}" for i in picked]
    return "\n".join([*lines, "", result["summary"],
                      f"Suggested: training.learning_rate = {result['suggestion']:g}"])
