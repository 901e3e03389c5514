"""The cost sheet's epoch-time probe: a few real training steps, timed."""

from __future__ import annotations

import math
import time
from typing import Any

from dlstudio.core.errors import DataError, UserInputError
from dlstudio.core.training.lr_finder import prepared_model

PROBE_STEPS = 5


def probe_epoch_seconds(project: Any, train_rows: int, steps: int = PROBE_STEPS) -> float | None:
    """Time ``steps`` training steps of the project's model on its data and scale them to an
    epoch of ``train_rows`` rows.

    The first step traces the training function and is not counted. A run batches several
    steps per call into TensorFlow, so for small models the real epoch is often faster.

    Returns:
        The estimated seconds of one epoch, or ``None`` when the task trains its own way
        (a GAN) or the training split is empty.
    """
    try:
        model, batches = prepared_model(project)
    except (UserInputError, DataError):
        return None
    model.train_on_batch(*next(batches))  # traces the step
    start = time.perf_counter()
    for _ in range(steps):
        model.train_on_batch(*next(batches))
    per_step = (time.perf_counter() - start) / steps
    return per_step * math.ceil(train_rows / max(project.training.batch_size, 1))
