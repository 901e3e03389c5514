"""Adversarial training: part of every batch replaced by its FGSM-perturbed copy.

With ``training.adversarial_epsilon`` above 0, each training step first moves the chosen share
(``training.adversarial_share``) of the batch's samples by ε in the direction that increases the
loss most (the fast gradient sign method, at the current weights), then takes Keras's ordinary
step on the mixed batch — so the loss, class weights, clipping and metrics stay exactly as
without it. ε is in the units :mod:`dlstudio.core.evaluation.robustness` attacks with: pixel
values (0-255) for images, kept within 0-255; for tables, each numeric column moves by ε times
its training standard deviation, and categories and text are left alone. A model trained so
holds up better under the Robustness page's FGSM and PGD attacks, usually at the price of a
little clean accuracy.

:func:`enable_adversarial` wraps the model's own ``train_step`` (nothing is saved with the
model: a resumed run wraps it again).
"""

from __future__ import annotations

from typing import Any

import keras
import tensorflow as tf


def enable_adversarial(model: keras.Model, epsilon: float, share: float,
                       scales: dict[str, float] | None, images: bool) -> None:
    """Make ``model.fit`` train on FGSM-perturbed inputs for ``share`` of each batch.

    Args:
        model: A compiled model whose inputs are the dataset's raw inputs.
        epsilon: The perturbation size (see the module docstring for its units).
        share: The fraction of each batch's samples that is perturbed (the first ones; the
            pipeline shuffles).
        scales: Per table input, its training standard deviation (``None`` for images).
        images: Keep perturbed inputs within 0-255.
    """
    plain_step = model.train_step

    def train_step(data: Any) -> Any:
        inputs, targets, sample_weight = keras.utils.unpack_x_y_sample_weight(data)
        moved = perturb(model, inputs, targets, epsilon, share, scales, images)
        return plain_step(keras.utils.pack_x_y_sample_weight(moved, targets, sample_weight))

    model.train_step = train_step


def perturb(model: keras.Model, inputs: Any, targets: Any, epsilon: float, share: float,
            scales: dict[str, float] | None, images: bool) -> Any:
    """Return ``inputs`` with the first ``share`` of the samples moved by FGSM.

    Only floating-point inputs move (an image, a table's numeric columns); a missing value
    (NaN) stays missing. Works eagerly and inside ``tf.function``.
    """
    numeric = _numeric(inputs)
    with tf.GradientTape() as tape:
        tape.watch(list(numeric.values()))
        outputs = model(_merged(inputs, numeric), training=False)
        loss = model.compute_loss(y=targets, y_pred=outputs, training=False)
    gradients = tape.gradient(loss, numeric)
    moved = {}
    for key, value in numeric.items():
        gradient = gradients[key]
        if gradient is None:
            moved[key] = value
            continue
        step = epsilon * (scales or {}).get(key, 1.0)
        changed = value + step * tf.sign(tf.where(tf.math.is_nan(gradient), 0.0, gradient))
        if images:
            changed = tf.clip_by_value(changed, 0.0, 255.0)
        moved[key] = tf.where(_chosen(value, share), tf.stop_gradient(changed), value)
    return _merged(inputs, moved)


def _numeric(inputs: Any) -> dict[str, tf.Tensor]:
    """The inputs that may move: the image (key ``""``) or the float columns of a table."""
    if not isinstance(inputs, dict):
        return {"": tf.cast(inputs, tf.float32)}
    return {key: tf.convert_to_tensor(value) for key, value in inputs.items()
            if _is_float(value)}


def _is_float(value: Any) -> bool:
    try:
        return tf.as_dtype(value.dtype).is_floating
    except TypeError:  # a NumPy string array
        return False


def _merged(inputs: Any, moved: dict[str, tf.Tensor]) -> Any:
    if not isinstance(inputs, dict):
        return moved[""]
    return {**inputs, **moved}


def _chosen(value: tf.Tensor, share: float) -> tf.Tensor:
    """True for the first ``share`` of the batch's samples, shaped to broadcast over
    ``value``."""
    count = tf.shape(value)[0]
    chosen = tf.range(count) < tf.cast(tf.round(share * tf.cast(count, tf.float32)), tf.int32)
    shape = tf.concat([[count], tf.ones([tf.rank(value) - 1], tf.int32)], axis=0)
    return tf.reshape(chosen, shape)
