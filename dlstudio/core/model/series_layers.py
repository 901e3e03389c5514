"""Keras layers of forecasting models: the targets' change within the window, the window joined
to the known future, and the forecast in the targets' units.

Registered like :mod:`dlstudio.core.model.layers` (imported by it), so saved forecasting models
load with ``safe_mode=True``.
"""

from __future__ import annotations

from typing import Any

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="dlstudio")
class WindowChange(keras.layers.Layer):
    """Each target's values in the window relative to its last value, in training spreads.

    ``output[:, t, k] = (window[:, t, k] - window[:, -1, k]) / spreads[k]`` for the first
    ``len(spreads)`` columns (the targets). Beside the window normalized by the training rows'
    mean, it lets a sequence layer read the recent shape of a series whose level has moved past
    every training value (a trend), where the mean-normalized inputs saturate it.

    Args:
        spreads: The standard deviation of each target over the training rows.
        **kwargs: Base layer arguments.
    """

    def __init__(self, spreads: Any = (1.0,), **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.spreads = [float(value) for value in spreads]

    def call(self, window: Any) -> Any:
        targets = window[:, :, : len(self.spreads)]
        spreads = ops.convert_to_tensor(self.spreads, dtype=window.dtype)
        return (targets - targets[:, -1:, :]) / spreads

    def compute_output_shape(self, input_shape: Any) -> tuple[int | None, ...]:
        return (input_shape[0], input_shape[1], len(self.spreads))

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "spreads": self.spreads}


@keras.saving.register_keras_serializable(package="dlstudio")
class JoinFuture(keras.layers.Layer):
    """Append the forecast's steps to the window: ``(batch, window + horizon, features + 1)``.

    The window's rows keep every input column and a 0 flag; the future rows have zeros for the
    columns only known in the past (the first ``past_columns``), the known inputs' values, and a
    1 flag, so a sequence layer reads what is known about the steps it forecasts.

    Args:
        past_columns: Columns of the window known only in the past (targets, past inputs).
        **kwargs: Base layer arguments.
    """

    def __init__(self, past_columns: int = 1, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.past_columns = int(past_columns)

    def call(self, inputs: Any) -> Any:
        window, future = inputs
        batch, window_steps = ops.shape(window)[0], ops.shape(window)[1]
        steps = ops.shape(future)[1]
        unknown = ops.zeros((batch, steps, self.past_columns), dtype=window.dtype)
        past = ops.concatenate([window, ops.zeros((batch, window_steps, 1), window.dtype)], -1)
        ahead = ops.concatenate([unknown, future, ops.ones((batch, steps, 1), window.dtype)], -1)
        return ops.concatenate([past, ahead], axis=1)

    def compute_output_shape(self, input_shapes: Any) -> tuple[int | None, ...]:
        window, future = input_shapes
        steps = None if window[1] is None or future[1] is None else window[1] + future[1]
        return (window[0], steps, window[2] + 1)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "past_columns": self.past_columns}


@keras.saving.register_keras_serializable(package="dlstudio")
class ForecastScale(keras.layers.Layer):
    """The forecast in the targets' units: the window's last values plus a learned change.

    ``output[:, k] = last[k mod targets] + offsets[k] + scales[k] * head[:, k]`` for the
    step-major outputs (``t+1`` of every target, then ``t+2`` …). ``offsets`` and ``scales``
    are the mean and spread of the ``h``-step changes in the training rows, so the head learns
    numbers near zero with unit spread, and an untrained head forecasts persistence plus drift.

    Args:
        targets: How many target series the window starts with (its first columns).
        offsets: The mean change per output.
        scales: The spread of the change per output.
        **kwargs: Base layer arguments.
    """

    def __init__(self, targets: int = 1, offsets: Any = (0.0,), scales: Any = (1.0,),
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.targets = int(targets)
        self.offsets = [float(value) for value in offsets]
        self.scales = [float(value) for value in scales]

    def call(self, inputs: Any) -> Any:
        head, window = inputs
        last = ops.cast(window[:, -1, : self.targets], head.dtype)
        repeats = len(self.offsets) // self.targets
        base = ops.tile(last, (1, repeats))
        offsets = ops.convert_to_tensor(self.offsets, dtype=head.dtype)
        scales = ops.convert_to_tensor(self.scales, dtype=head.dtype)
        return base + offsets + scales * head

    def compute_output_shape(self, input_shapes: Any) -> tuple[int | None, ...]:
        return tuple(input_shapes[0])

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "targets": self.targets, "offsets": self.offsets,
                "scales": self.scales}
