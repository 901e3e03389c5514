"""How training minimizes: the optimizer and the learning-rate schedule, built from a project's
training settings (what it minimizes — the loss, metrics, targets and class weights — belongs to
the task: :mod:`dlstudio.core.tasks`).

Schedules count optimizer steps: ``steps = epochs × steps_per_epoch`` (with gradient
accumulation Keras schedules count micro-batches, so the same formula holds). Reduce-on-plateau
is a callback rather than a schedule (see :mod:`dlstudio.core.training.callbacks`); Keras cannot
combine
the two, and a project has one schedule kind, so they never meet.
"""

from __future__ import annotations

from typing import Any

import keras

from dlstudio.core.errors import TrainingError
from dlstudio.core.project.project import ScheduleSpec, TrainingSpec

_OPTIMIZERS = {
    "adam": keras.optimizers.Adam,
    "adamw": keras.optimizers.AdamW,
    "sgd": keras.optimizers.SGD,
    "rmsprop": keras.optimizers.RMSprop,
    "adagrad": keras.optimizers.Adagrad,
    "nadam": keras.optimizers.Nadam,
}


def make_optimizer(training: TrainingSpec, steps_per_epoch: int) -> keras.optimizers.Optimizer:
    """Return the optimizer the settings describe, with its learning-rate schedule.

    Args:
        training: The training settings (optimizer, learning rate, schedule, clipping, weight
            decay, gradient accumulation).
        steps_per_epoch: Batches per epoch, which turns epochs into schedule steps.
    """
    options: dict[str, Any] = {
        "learning_rate": make_learning_rate(training.schedule, training.learning_rate,
                                            training.epochs, steps_per_epoch),
    }
    if training.optimizer in ("sgd", "rmsprop"):
        options["momentum"] = training.momentum
    if training.optimizer == "sgd":
        options["nesterov"] = training.nesterov
    if training.weight_decay > 0 or training.optimizer == "adamw":
        options["weight_decay"] = training.weight_decay
    if training.clip_mode != "none":
        options["clipnorm" if training.clip_mode == "norm" else "clipvalue"] = training.clip_value
    if training.gradient_accumulation_steps > 1:
        options["gradient_accumulation_steps"] = training.gradient_accumulation_steps
    return _OPTIMIZERS[training.optimizer](**options)


def make_learning_rate(schedule: ScheduleSpec, learning_rate: float, epochs: int,
                       steps_per_epoch: int) -> Any:
    """Return a constant learning rate or a ``LearningRateSchedule`` for ``schedule.kind``.

    ``step`` multiplies by ``factor`` every ``step_epochs`` epochs; ``exponential`` by ``factor``
    per epoch, smoothly; ``cosine`` warms up linearly from 0 for ``warmup_epochs`` and then
    decays to 0 along a cosine by the last epoch. The warm-up takes at most half the training
    (:func:`warmup_steps`), so ``train --epochs 1`` on a project with a warm-up still runs.
    ``constant`` and ``reduce_on_plateau`` give the plain rate (the plateau callback lowers it).
    """
    schedules = keras.optimizers.schedules
    if schedule.kind == "step":
        return schedules.ExponentialDecay(learning_rate, schedule.step_epochs * steps_per_epoch,
                                          schedule.factor, staircase=True)
    if schedule.kind == "exponential":
        return schedules.ExponentialDecay(learning_rate, steps_per_epoch, schedule.factor)
    if schedule.kind != "cosine":
        return learning_rate
    total = epochs * steps_per_epoch
    warmup = warmup_steps(schedule.warmup_epochs, epochs, steps_per_epoch)
    if warmup == 0:
        return schedules.CosineDecay(learning_rate, total)
    return schedules.CosineDecay(0.0, total - warmup, warmup_target=learning_rate,
                                 warmup_steps=warmup)


def warmup_steps(warmup_epochs: int, epochs: int, steps_per_epoch: int) -> int:
    """Return the cosine schedule's warm-up in steps: ``warmup_epochs`` epochs, shortened to
    half the training when the training is not at least twice that long (a warm-up as long as
    the training would never decay; a run of 1 or 2 epochs gets a short warm-up instead of an
    error)."""
    return min(warmup_epochs * steps_per_epoch, epochs * steps_per_epoch // 2)


def replan_schedule(optimizer: keras.optimizers.Optimizer, training: TrainingSpec,
                    steps_per_epoch: int, planned_epochs: int) -> str | None:
    """Re-plan a resumed run's cosine schedule for a new total number of epochs.

    A checkpoint's cosine schedule decays to 0 at the epoch total it was planned for, so a run
    resumed with more epochs would train the rest at a learning rate of 0 (and one resumed with
    fewer would stop before the rate came down). The schedule is rebuilt for
    ``training.epochs`` and continues at the optimizer's current step, as if the run had been
    planned for the new total from the start. ``step`` and ``exponential`` schedules depend on
    the step only, so they carry on unchanged; ``constant`` and ``reduce_on_plateau`` have no
    schedule.

    Args:
        optimizer: The reloaded optimizer (its ``iterations`` is where the run stands).
        training: The settings with the new total in ``epochs``.
        steps_per_epoch: Batches per epoch.
        planned_epochs: The total the checkpoint's schedule was planned for.

    Returns:
        What changed, for the user; ``None`` when the schedule was kept.
    """
    if training.schedule.kind != "cosine" or planned_epochs == training.epochs:
        return None
    before = float(keras.ops.convert_to_numpy(optimizer.learning_rate))
    optimizer.learning_rate = make_learning_rate(training.schedule, training.learning_rate,
                                                 training.epochs, steps_per_epoch)
    after = float(keras.ops.convert_to_numpy(optimizer.learning_rate))
    return (f"The cosine schedule was planned for {planned_epochs} epochs; it is re-planned "
            f"for {training.epochs}, as if the run had been planned that long from the start: "
            f"the learning rate goes on at {after:.3g} (it was {before:.3g}).")


def check_schedule_conflict(optimizer: keras.optimizers.Optimizer,
                            reduce_on_plateau: bool) -> None:
    """Refuse reduce-on-plateau on an optimizer whose learning rate is a schedule.

    Keras's ReduceLROnPlateau sets the learning rate, which a ``LearningRateSchedule`` owns;
    Keras would fail at the first plateau, deep in training. A project has one schedule kind,
    so this guards against a resumed or hand-made model that carries a schedule.

    Raises:
        TrainingError: Both were asked for.
    """
    if reduce_on_plateau and not isinstance(optimizer.learning_rate, keras.Variable):
        raise TrainingError(
            "reduce-on-plateau cannot lower a learning rate that a schedule already controls "
            "(Keras does not combine the two); choose either training.schedule.kind "
            "reduce_on_plateau with a constant rate, or a schedule without it")
