"""Transfer learning's second phase: fine-tune a frozen Backbone's top layers at a lower rate.

A model whose Backbone rows are frozen first trains its head for ``training.epochs``; with
``training.fine_tune.epochs`` set, the last ``fine_tune.layers`` layers of each Backbone are
then unfrozen (BatchNormalization stays frozen, and every Backbone runs in inference mode
anyway) and training goes on, with a fresh optimizer at ``learning_rate_factor`` times the
rate, for ``fine_tune.epochs`` more epochs on the same curves. The checkpoint's state records
where the phase began (``fine_tune_from``), so a run resumes in either phase.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

from dlstudio.core.model.backbone_layer import find_backbones
from dlstudio.core.project.project import TrainingSpec


def frozen_backbones(model: Any) -> list[Any]:
    """Return ``model``'s Backbone layers that are frozen."""
    return [layer for layer in find_backbones(model) if layer.trainable_mode == "frozen"]


def has_second_phase(model: Any, training: TrainingSpec, fine_tune_from: int | None) -> bool:
    """Whether the run fine-tunes after training the head: it asks for fine-tuning epochs
    and has a frozen Backbone (or is already in that phase)."""
    if training.fine_tune.epochs <= 0:
        return False
    return fine_tune_from is not None or bool(frozen_backbones(model))


def phase_training(training: TrainingSpec) -> TrainingSpec:
    """Return the settings the fine-tuning phase's optimizer is made from: the rate times
    ``learning_rate_factor``, its schedule planned over the phase's epochs, no warm-up."""
    fine = training.fine_tune
    schedule = dataclasses.replace(training.schedule, warmup_epochs=0)
    return dataclasses.replace(training, learning_rate=training.learning_rate
                               * fine.learning_rate_factor, epochs=fine.epochs,
                               schedule=schedule)


def unfreeze(model: Any, training: TrainingSpec) -> str:
    """Unfreeze the top ``fine_tune.layers`` layers of each frozen Backbone; return what
    changed, in words. Recompile the model afterwards."""
    layers = training.fine_tune.layers
    names = []
    for backbone in frozen_backbones(model):
        backbone.set_trainable_mode("top", layers)
        names.append(backbone.network_name)
    rate = training.learning_rate * training.fine_tune.learning_rate_factor
    return (f"Fine-tuning: the last {layers} layers of {', '.join(names)} now train too "
            f"(BatchNormalization stays frozen), at learning rate {rate:.3g}; "
            f"{trainable_count(model):,} weights train.")


def trainable_count(model: Any) -> int:
    """Return how many weights of ``model`` train."""
    return sum(math.prod(weight.shape) for weight in model.trainable_weights)
