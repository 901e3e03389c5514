"""What the training doctor measures besides the logs, cheaply, at the end of an epoch.

:class:`DoctorProbe` is a Keras callback that, at the end of an epoch, measures on one fixed
batch (validation when there is a split, else training; at most :data:`PROBE_SAMPLES`
samples):

- ``gradient_norm``: the global norm of the loss's gradients with respect to the trainable
  weights (one forward and backward pass, in inference mode);
- ``dead_relu_share``: the share of ReLU units (a Dense unit, a convolution's channel) that are
  zero for every sample and position of the batch — units that no longer learn;
- ``input_scale`` (first epoch only): the root mean square of the numbers entering the first
  layer of the stack (about 1 when inputs are normalised, in the hundreds for raw pixels).

Its measurements are traced as graphs when training begins, so the first epoch's measurement
tells what one costs; it measures after the first epoch, then whenever the training time since
its last measurement makes that cost at most :data:`PROBE_BUDGET` of it: after every epoch of a
run whose epochs take several seconds, every few epochs of one whose epochs take a second or
two (there a measurement costs as much as a few training steps). Epochs it skips carry no
measurements.

:func:`trivial_baselines` is what a model that ignores its inputs scores. Nothing here may fail
a run: a measurement that cannot be made is left out.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import keras
import numpy as np

PROBE_SAMPLES = 64
PROBE_BUDGET = 0.02
"""The share of training time the probe's measurements may take."""


class DoctorProbe(keras.callbacks.Callback):
    """Measures the doctor's numbers on one batch after each epoch (see the module docstring).

    Args:
        first_row: The id of the stack's first row (where ``input_scale`` is measured), or
            ``None``.
        clock: Returns the time in seconds (the tests pass their own).
    """

    def __init__(self, first_row: str | None = None,
                 clock: Callable[[], float] = time.perf_counter) -> None:
        super().__init__()
        self.first_row = first_row
        self.clock = clock
        self.batch: tuple[Any, Any] | None = None
        self.values: dict[str, float] = {}
        self._norm_function: Any = None
        self._relu_function: Any = None
        self._measured_input = False
        self._cost: float | None = None  # seconds one measurement of traced graphs takes
        self._last = clock()  # when the last measurement ended (or training began)

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        if self.batch is not None and self._norm_function is None:
            self._measure(("gradient_norm", "dead_relu_share"))  # traces; values discarded
        self._last = self.clock()

    def set_batch(self, batched: Any) -> None:
        """Take the probe batch from a ``tf.data`` dataset of ``(inputs, targets)`` batches."""
        try:
            element = next(iter(batched.unbatch().batch(PROBE_SAMPLES).take(1)))
        except Exception:  # an empty split, an odd dataset: measure nothing
            element = None
        # inputs alone (a GAN, an autoencoder's own targets) leave nothing to measure here
        self.batch = tuple(element[:2]) if isinstance(element, tuple) else None

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self.values = {}
        started = self.clock()
        if self.batch is None or not self._due(started):
            return
        self.values = self._measure(("gradient_norm", "dead_relu_share"))
        self._last = self.clock()
        self._cost = self._last - started
        self.values.update(self._measure(("input_scale",)))  # once, eagerly: not in the cost

    def _due(self, now: float) -> bool:
        """Whether to measure now: the first time, or when the training time since the last
        measurement makes its cost at most :data:`PROBE_BUDGET` of it."""
        return self._cost is None or (now - self._last) * PROBE_BUDGET >= self._cost

    def _measure(self, names: tuple[str, ...]) -> dict[str, float]:
        """Return the measurements ``names`` that could be made."""
        values = {}
        for name in names:
            try:
                value = getattr(self, f"_{name}")()
            except Exception:  # a diagnostic must never fail a run
                value = None
            if value is not None and not np.isnan(value):
                values[name] = float(value)
        return values

    def _gradient_norm(self) -> float | None:
        if self._norm_function is None:
            self._norm_function = _traced(self._norm_of_gradients)
        norm = self._norm_function(*self.batch)
        return float(norm) if norm is not None else None

    def _norm_of_gradients(self, inputs: Any, targets: Any) -> Any:
        import tensorflow as tf

        with tf.GradientTape() as tape:
            outputs = self.model(inputs, training=False)
            loss = self.model.compute_loss(y=targets, y_pred=outputs, training=False)
        gradients = [g for g in tape.gradient(loss, self.model.trainable_variables)
                     if g is not None]
        return tf.linalg.global_norm(gradients) if gradients else None

    def _dead_relu_share(self) -> float | None:
        if self._relu_function is None:
            layers = [layer for layer in self.model.layers if _is_relu(layer)]
            if not layers:
                return None
            relu_model = keras.Model(self.model.inputs, [layer.output for layer in layers])
            self._relu_function = _traced(lambda inputs: _unit_maxima(relu_model(
                inputs, training=False)))
        maxima = [np.asarray(values) for values in self._relu_function(self.batch[0])]
        total = sum(len(values) for values in maxima)
        dead = sum(int((values <= 0).sum()) for values in maxima)
        return dead / total if total else None

    def _input_scale(self) -> float | None:
        if self._measured_input or self.first_row is None:
            return None
        self._measured_input = True
        layer = self.model.get_layer(self.first_row)
        entering = keras.Model(self.model.inputs, layer.input)(self.batch[0], training=False)
        values = np.asarray(entering, dtype=np.float64)
        return float(np.sqrt(np.nanmean(values ** 2)))


def _traced(function: Any) -> Any:
    """``function`` as one TensorFlow graph (traced once: the probe batch never changes), so a
    measurement costs milliseconds, not an eager pass op by op."""
    import tensorflow as tf

    return tf.function(function, reduce_retracing=True)


def _unit_maxima(outputs: Any) -> list[Any]:
    """Per ReLU layer, each unit's (channel's) largest output over the batch and positions."""
    import tensorflow as tf

    outputs = outputs if isinstance(outputs, list | tuple) else [outputs]
    return [tf.reduce_max(tf.reshape(output, (-1, tf.shape(output)[-1])), axis=0)
            for output in outputs]


def _is_relu(layer: keras.layers.Layer) -> bool:
    if isinstance(layer, keras.layers.ReLU):
        return layer.negative_slope == 0 and layer.threshold == 0
    activation = getattr(layer, "activation", None)
    return getattr(activation, "__name__", "") == "relu"


def trivial_baselines(train_targets: Any, check_targets: Any, classes: bool,
                      prefix: str) -> dict[str, float]:
    """What a model that ignores its inputs scores on ``check_targets``.

    Args:
        train_targets: The training split's targets (class indices, or values).
        check_targets: The targets it is scored on (validation, else training).
        classes: The targets are class indices: always predict the most common training class
            (``accuracy``); else always predict the training mean (``mae``).
        prefix: ``val_`` when scored on validation, else empty: the keys match the logs.
    """
    train, check = np.asarray(train_targets), np.asarray(check_targets)
    if not len(train) or not len(check) or (not classes and train.ndim != 1):
        return {}
    if classes:
        values, counts = np.unique(train.reshape(-1), return_counts=True)
        majority = values[np.argmax(counts)]
        return {f"{prefix}accuracy": float(np.mean(check.reshape(-1) == majority))}
    train, check = train.astype(np.float64), check.astype(np.float64)
    return {f"{prefix}mae": float(np.nanmean(np.abs(check - np.nanmean(train))))}
