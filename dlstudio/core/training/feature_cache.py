"""Feature caching: a frozen Backbone's features computed once per image, the head trained on them.

While a Backbone is frozen and nothing random comes before it (no augmentation), every epoch
would compute the same features for the same images. :func:`plan_cache` finds where the model
can be cut: after the Backbone and any weightless, deterministic layers that follow it (global
pooling, flatten), so the cache holds a vector per image rather than a feature map. The part up
to the cut runs once over each split (inference mode, as the frozen Backbone always runs); the
head model (from the cut to the output) shares the full model's layers and optimizer, so
training it trains the full model, and checkpoints save the full model as usual. Teachable
Machine trains its heads this way.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import keras
import numpy as np

from dlstudio.core.model.backbone_layer import Backbone

_PASS_THROUGH = ("GlobalAveragePooling2D", "GlobalMaxPooling2D", "GlobalAveragePooling1D",
                 "GlobalMaxPooling1D", "Flatten", "Reshape", "Permute")
"""Weightless, deterministic layers a cut may move past (the cache gets smaller)."""

_RANDOM = ("Dropout", "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D",
           "GaussianNoise", "GaussianDropout", "AlphaDropout", "ActivityRegularization")


@dataclass
class CachePlan:
    """Where the model is cut.

    Attributes:
        features: The model from the raw inputs to the cut (runs once per image).
        head: The model from the cut to the output (trains on the cached features).
        network: The Backbone's network name, for messages.
    """

    features: Any
    head: Any
    network: str


def plan_cache(model: Any, project: Any) -> CachePlan | None:
    """Return where ``model`` can be cut for feature caching, or ``None`` when it cannot.

    It can when: the project has no augmentation; the model is a functional model with one
    Backbone, frozen, on the path of every output; nothing before the cut trains or is random;
    and every trainable weight is after it.
    """
    if project.training.adversarial_epsilon > 0:
        return None
    if not isinstance(model, keras.Model) or not hasattr(model, "_nodes_by_depth") \
            or len(model.outputs) != 1:
        return None
    backbones = [layer for layer in model.layers if isinstance(layer, Backbone)]
    if len(backbones) != 1 or backbones[0].trainable_mode != "frozen":
        return None
    cut = _cut_after(model, backbones[0])
    try:
        features = keras.Model(model.inputs, cut)
        head = keras.Model(cut, model.outputs)
    except (ValueError, TypeError):  # the cut is not on every path to the output
        return None
    if any(type(layer).__name__ in _RANDOM or "Random" in type(layer).__name__
           for layer in features.layers):
        return None
    if {id(v) for v in head.trainable_variables} != {id(v) for v in model.trainable_variables}:
        return None
    return CachePlan(features, head, backbones[0].network_name)


def _cut_after(model: Any, backbone: Any) -> Any:
    cut = backbone.output
    for layer in model.layers[model.layers.index(backbone) + 1:]:
        if type(layer).__name__ not in _PASS_THROUGH or layer.input is not cut:
            break
        cut = layer.output
    return cut


@dataclass
class CachedSplit:
    """A split's features and targets, in memory."""

    features: np.ndarray
    targets: Any

    @property
    def nbytes(self) -> int:
        """Memory the features and targets take."""
        targets = self.targets if isinstance(self.targets, np.ndarray) else np.asarray(0)
        return int(self.features.nbytes + targets.nbytes)


def compute_features(plan: CachePlan, batches: Any) -> CachedSplit:
    """Run the features model once over ``batches`` (``(inputs, targets)`` pairs, unshuffled)."""
    features, targets = [], []
    for inputs, target in batches:
        features.append(np.asarray(plan.features.predict_on_batch(inputs)))  # compiled once
        targets.append(keras.ops.convert_to_numpy(target))
    return CachedSplit(np.concatenate(features), np.concatenate(targets))


def cached_dataset(split: CachedSplit, batch_size: int, *, shuffle: bool = False,
                   seed: int = 0) -> Any:
    """Return a batched ``tf.data.Dataset`` of a cached split (reshuffled every epoch)."""
    import tensorflow as tf

    dataset = tf.data.Dataset.from_tensor_slices((split.features, split.targets))
    if shuffle:
        dataset = dataset.shuffle(len(split.features), seed=seed, reshuffle_each_iteration=True)
    return dataset.batch(batch_size).prefetch(tf.data.AUTOTUNE)


@contextmanager
def callbacks_on(callbacks: list[Any], model: Any, trained: Any) -> Iterator[list[Any]]:
    """Keep ``callbacks`` pointed at the full ``model`` while ``fit`` runs on the ``trained``
    head (checkpoints, best weights and the learning rate are the full model's); a stop one of
    them asks of the full model is passed on to the head. Yields the callbacks to fit with."""
    for callback in callbacks:
        callback.set_model = _pinned(callback, model)
    try:
        yield [*callbacks, _StopRelay(model, trained)]
    finally:
        for callback in callbacks:
            del callback.set_model
            keras.callbacks.Callback.set_model(callback, model)


def _pinned(callback: Any, model: Any) -> Any:
    method = type(callback).set_model
    return lambda _given: method(callback, model)


class _StopRelay(keras.callbacks.Callback):
    """Copies the full model's ``stop_training`` (early stopping) onto the head being fit."""

    def __init__(self, model: Any, trained: Any) -> None:
        super().__init__()
        self.full, self.trained = model, trained

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        if self.full.stop_training:
            self.trained.stop_training = True
