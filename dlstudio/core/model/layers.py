"""Custom Keras layers that dlstudio models may contain.

Every layer here is registered with ``keras.saving.register_keras_serializable`` under the
``dlstudio`` package, so a saved model that uses one loads with ``safe_mode=True`` once this
module is imported. Import :mod:`dlstudio.core.model.layers` before loading any saved model.
"""

from __future__ import annotations

from typing import Any

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="dlstudio")
class ImputeMissing(keras.layers.Layer):
    """Replace missing values (NaN) with a fixed value per feature.

    Args:
        fill_values: One value per feature (last axis), such as the training split's medians.
        **kwargs: Base layer arguments (``name``, ``dtype``…).
    """

    def __init__(self, fill_values: list[float], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.fill_values = [float(value) for value in fill_values]

    def call(self, inputs: Any) -> Any:
        fill = ops.cast(ops.convert_to_tensor(self.fill_values), inputs.dtype)
        return ops.where(ops.isnan(inputs), fill, inputs)

    def compute_output_shape(self, input_shape: tuple[int | None, ...]) -> tuple[int | None, ...]:
        return tuple(input_shape)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "fill_values": list(self.fill_values)}


@keras.saving.register_keras_serializable(package="dlstudio")
class MissingIndicator(keras.layers.Layer):
    """Output 1.0 where a chosen feature is missing (NaN) and 0.0 where it is present.

    Args:
        indices: The features (positions on the last axis) to report, in output order.
        **kwargs: Base layer arguments (``name``, ``dtype``…).
    """

    def __init__(self, indices: list[int], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.indices = [int(index) for index in indices]

    def call(self, inputs: Any) -> Any:
        chosen = ops.take(inputs, self.indices, axis=-1)
        return ops.cast(ops.isnan(chosen), self.compute_dtype)

    def compute_output_shape(self, input_shape: tuple[int | None, ...]) -> tuple[int | None, ...]:
        return (*tuple(input_shape)[:-1], len(self.indices))

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "indices": list(self.indices)}


@keras.saving.register_keras_serializable(package="dlstudio")
class TargetScale(keras.layers.Layer):
    """Map a standardized regression output back to the target's units: ``x * scale + offset``,
    then ``expm1`` when the target was learned as ``log1p(target)``.

    The network then learns numbers near zero with unit spread whatever the target's units
    (prices in thousands, fractions near zero), so regression trains well without tuning; a
    heavy-tailed, non-negative target (prices, counts) is learned on the log scale and the
    model still outputs its units.

    Args:
        offset: The training targets' mean (of ``log1p(target)`` with ``transform="log1p"``).
        scale: Their standard deviation (1.0 when they are constant).
        transform: ``none``, or ``log1p`` (the output is ``expm1`` of the scaled value).
        **kwargs: Base layer arguments (``name``, ``dtype``…).
    """

    def __init__(self, offset: float = 0.0, scale: float = 1.0, transform: str = "none",
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.offset = float(offset)
        self.scale = float(scale)
        self.transform = str(transform)

    def call(self, inputs: Any) -> Any:
        scaled = inputs * self.scale + self.offset
        if self.transform == "log1p":
            return ops.expm1(ops.minimum(scaled, LOG1P_LIMIT))
        return scaled

    def compute_output_shape(self, input_shape: tuple[int | None, ...]) -> tuple[int | None, ...]:
        return tuple(input_shape)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "offset": self.offset, "scale": self.scale,
                "transform": self.transform}


LOG1P_LIMIT = 80.0
"""Largest log-scale value :class:`TargetScale` exponentiates (``expm1(88)`` overflows float32)."""


@keras.saving.register_keras_serializable(package="dlstudio")
class LogScaleMSE(keras.losses.Loss):
    """Mean squared error of standardized ``log1p`` values: the loss of a regression whose
    :class:`TargetScale` learns ``log1p(target)``. The model outputs target units; the loss
    compares them on the scale the network learns, so large targets do not dominate.

    Args:
        scale: The standard deviation of ``log1p(target)`` on the training split.
        **kwargs: Base loss arguments (``name``, ``reduction``).
    """

    def __init__(self, scale: float = 1.0, name: str = "log_scale_mse", **kwargs: Any) -> None:
        super().__init__(name=name, **kwargs)
        self.scale = float(scale)

    def call(self, y_true: Any, y_pred: Any) -> Any:
        y_true = ops.cast(ops.reshape(y_true, ops.shape(y_pred)), y_pred.dtype)
        difference = ops.log1p(ops.maximum(y_true, 0.0)) - ops.log1p(ops.maximum(y_pred, -0.999))
        return ops.mean(ops.square(difference / self.scale), axis=-1)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "scale": self.scale}


@keras.saving.register_keras_serializable(package="dlstudio")
class SmoothClip(keras.layers.Layer):
    """Squash standardized numbers smoothly into ``(-limit, limit)``:
    ``x / sqrt(1 + (x / limit)^2)``.

    Values within a few units pass almost unchanged; outliers (a salary of 10 million among
    thousands) are pulled in instead of dominating the first layer (RealMLP's robust scaling,
    Holzmüller et al. 2024).

    Args:
        limit: The bound approached by large values.
        **kwargs: Base layer arguments (``name``, ``dtype``…).
    """

    def __init__(self, limit: float = 3.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.limit = float(limit)

    def call(self, inputs: Any) -> Any:
        return inputs / ops.sqrt(1.0 + ops.square(inputs / self.limit))

    def compute_output_shape(self, input_shape: tuple[int | None, ...]) -> tuple[int | None, ...]:
        return tuple(input_shape)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "limit": self.limit}


@keras.saving.register_keras_serializable(package="dlstudio")
class MultiHeadSelfAttention(keras.layers.Layer):
    """Multi-head attention of a sequence over itself: each step looks at every other step.

    Input and output are ``(batch, steps, features)``. A padding mask from an ``Embedding``
    with ``mask_zero`` is honoured and passed on.

    Args:
        num_heads: Attention heads working side by side.
        key_dim: Size of each head's query and key vectors.
        dropout: Fraction of attention weights dropped in training.
        causal: Let each step see only itself and the steps before it.
        **kwargs: Base layer arguments (``name``, ``dtype``…).
    """

    def __init__(self, num_heads: int = 4, key_dim: int = 32, dropout: float = 0.0,
                 causal: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.num_heads = int(num_heads)
        self.key_dim = int(key_dim)
        self.dropout = float(dropout)
        self.causal = bool(causal)
        self.supports_masking = True
        self.attention = keras.layers.MultiHeadAttention(
            num_heads=self.num_heads, key_dim=self.key_dim, dropout=self.dropout,
            dtype=self.dtype_policy)

    def build(self, input_shape: tuple[int | None, ...]) -> None:
        self.attention.build(input_shape, input_shape)

    def call(self, inputs: Any, mask: Any = None, training: bool | None = None) -> Any:
        return self.attention(inputs, inputs, query_mask=mask, value_mask=mask,
                              use_causal_mask=self.causal, training=training)

    def compute_output_shape(self, input_shape: tuple[int | None, ...]) -> tuple[int | None, ...]:
        return tuple(input_shape)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "num_heads": self.num_heads, "key_dim": self.key_dim,
                "dropout": self.dropout, "causal": self.causal}


@keras.saving.register_keras_serializable(package="dlstudio")
class TransformerEncoderBlock(keras.layers.Layer):
    """One Transformer encoder block: self-attention and a feed-forward network, each added
    back to its input (residual) and normalized.

    It is post-norm, as in "Attention is all you need": ``m = LayerNorm(x + Attention(x))``,
    then ``LayerNorm(m + FeedForward(m))``; silencing both parts leaves ``LayerNorm(x)`` (a test
    checks it). The ``transformer`` template spells out the same structure with ``Residual``
    blocks, so it can be seen and edited row by row.

    Input and output are ``(batch, steps, features)``; the features keep their size.

    Args:
        num_heads: Attention heads working side by side.
        key_dim: Size of each head's query and key vectors.
        ff_dim: Hidden size of the feed-forward network.
        dropout: Fraction dropped after attention and after the feed-forward network.
        activation: Activation of the feed-forward network's hidden layer.
        **kwargs: Base layer arguments (``name``, ``dtype``…).
    """

    def __init__(self, num_heads: int = 4, key_dim: int = 32, ff_dim: int = 128,
                 dropout: float = 0.1, activation: str = "relu", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.num_heads = int(num_heads)
        self.key_dim = int(key_dim)
        self.ff_dim = int(ff_dim)
        self.dropout = float(dropout)
        self.activation = activation
        self.supports_masking = True

    def build(self, input_shape: tuple[int | None, ...]) -> None:
        features = input_shape[-1]
        if features is None:
            raise ValueError("TransformerEncoderBlock needs a known feature size (last axis)")
        policy = self.dtype_policy
        self.attention = keras.layers.MultiHeadAttention(
            num_heads=self.num_heads, key_dim=self.key_dim, dropout=self.dropout, dtype=policy)
        self.attention.build(input_shape, input_shape)
        self.hidden = keras.layers.Dense(self.ff_dim, activation=self.activation, dtype=policy)
        self.hidden.build(input_shape)
        self.projection = keras.layers.Dense(features, dtype=policy)
        self.projection.build((*input_shape[:-1], self.ff_dim))
        self.attention_norm = keras.layers.LayerNormalization(epsilon=1e-6, dtype=policy)
        self.attention_norm.build(input_shape)
        self.output_norm = keras.layers.LayerNormalization(epsilon=1e-6, dtype=policy)
        self.output_norm.build(input_shape)
        self.drop = keras.layers.Dropout(self.dropout)

    def call(self, inputs: Any, mask: Any = None, training: bool | None = None) -> Any:
        attended = self.attention(inputs, inputs, query_mask=mask, value_mask=mask,
                                  training=training)
        middle = self.attention_norm(inputs + self.drop(attended, training=training))
        fed = self.projection(self.hidden(middle))
        return self.output_norm(middle + self.drop(fed, training=training))

    def compute_output_shape(self, input_shape: tuple[int | None, ...]) -> tuple[int | None, ...]:
        return tuple(input_shape)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "num_heads": self.num_heads, "key_dim": self.key_dim,
                "ff_dim": self.ff_dim, "dropout": self.dropout, "activation": self.activation}


@keras.saving.register_keras_serializable(package="dlstudio")
class PositionalEmbedding(keras.layers.Layer):
    """Add a learned vector per position to a sequence, so attention can tell the order.

    Input and output are ``(batch, steps, features)`` with ``steps <= max_length``.

    Args:
        max_length: The longest sequence the layer has positions for.
        **kwargs: Base layer arguments (``name``, ``dtype``…).
    """

    def __init__(self, max_length: int = 512, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.max_length = int(max_length)
        self.supports_masking = True

    def build(self, input_shape: tuple[int | None, ...]) -> None:
        steps = input_shape[1]
        if steps is not None and steps > self.max_length:
            raise ValueError(f"the sequence has {steps} steps but max_length is "
                             f"{self.max_length}; raise max_length to at least {steps}")
        self.positions = self.add_weight(
            name="positions", shape=(self.max_length, input_shape[-1]),
            initializer=keras.initializers.RandomNormal(stddev=0.02))

    def call(self, inputs: Any) -> Any:
        steps = ops.shape(inputs)[1]
        positions = ops.take(self.positions, ops.arange(steps), axis=0)
        return inputs + ops.cast(positions, inputs.dtype)

    def compute_output_shape(self, input_shape: tuple[int | None, ...]) -> tuple[int | None, ...]:
        return tuple(input_shape)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "max_length": self.max_length}


@keras.saving.register_keras_serializable(package="dlstudio")
class ReconstructionError(keras.layers.Layer):
    """Each sample's reconstruction error, which is also the loss an autoencoder trains on.

    Called on ``[original, reconstruction]``; returns one error per sample (the mean over
    every non-batch axis) and adds their batch mean as the model's loss (``add_loss``), so the
    model trains with ``fit`` on inputs alone and reports ``val_loss`` like any other.

    Args:
        loss: ``mse`` (squared error) or ``binary_crossentropy`` (for values in [0, 1], such
            as pixels).
        track: Also log the error as ``reconstruction`` (a VAE, whose loss adds the KL term,
            shows its two parts).
        **kwargs: Base layer arguments (``name``, ``dtype``…).
    """

    def __init__(self, loss: str = "mse", track: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.loss = loss
        self.track = bool(track)
        self.tracker = keras.metrics.Mean(name="reconstruction") if self.track else None

    def call(self, inputs: Any) -> Any:
        original, reconstruction = (ops.cast(tensor, "float32") for tensor in inputs)
        if self.loss == "binary_crossentropy":
            clipped = ops.clip(reconstruction, 1e-7, 1.0 - 1e-7)
            error = -(original * ops.log(clipped) + (1.0 - original) * ops.log(1.0 - clipped))
        else:
            error = ops.square(original - reconstruction)
        per_sample = ops.mean(error, axis=list(range(1, len(error.shape))))
        self.add_loss(ops.mean(per_sample))
        if self.tracker is not None:
            self.tracker.update_state(ops.mean(per_sample))
        return per_sample

    def compute_output_shape(self, input_shape: Any) -> tuple[int | None, ...]:
        return (input_shape[0][0],)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "loss": self.loss, "track": self.track}


@keras.saving.register_keras_serializable(package="dlstudio")
class LatentSample(keras.layers.Layer):
    """A VAE's sampling step: ``mean + exp(log_variance / 2) * noise`` in training, the mean
    otherwise; adds ``beta * KL(q(z|x) || N(0, 1))`` (summed over the latent dimensions, mean
    over the batch, divided by ``scale``) as a loss.

    ``beta`` is a variable, so a KL warm-up (:class:`KLWarmUp`) raises it epoch by epoch and
    a resumed run keeps where it was. The term added is logged as ``kl`` (a metric of the
    layer, which Keras reports beside the loss), so the curves show the loss's two parts.

    Args:
        beta: The KL term's weight.
        scale: What the KL sum is divided by — the number of values per sample, so it is on
            the per-value scale of the reconstruction error the autoencoder averages.
        seed: Seed of the noise.
        **kwargs: Base layer arguments (``name``, ``dtype``…).
    """

    def __init__(self, beta: float = 1.0, scale: float = 1.0, seed: int | None = None,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.beta_value = float(beta)
        self.scale = float(scale)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.beta = self.add_weight(name="beta", shape=(), trainable=False,
                                    initializer=keras.initializers.Constant(self.beta_value))
        self.tracker = keras.metrics.Mean(name="kl")

    def call(self, inputs: Any, training: bool | None = None) -> Any:
        mean, log_variance = (ops.cast(tensor, "float32") for tensor in inputs)
        log_variance = ops.clip(log_variance, -20.0, 20.0)
        kl = -0.5 * ops.sum(1.0 + log_variance - ops.square(mean) - ops.exp(log_variance),
                            axis=-1)
        term = self.beta * ops.mean(kl) / self.scale
        self.add_loss(term)
        self.tracker.update_state(term)
        if not training:
            return mean
        noise = keras.random.normal(ops.shape(mean), seed=self.seed_generator)
        return mean + ops.exp(0.5 * log_variance) * noise

    def compute_output_shape(self, input_shape: Any) -> tuple[int | None, ...]:
        return tuple(input_shape[0])

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "beta": self.beta_value, "scale": self.scale,
                "seed": self.seed}


@keras.saving.register_keras_serializable(package="dlstudio")
class EnsembleSplit(keras.layers.Layer):
    """Give each of ``members`` ensemble members its own view of the features.

    ``(batch, features)`` becomes ``(batch, members, features)``: member ``i`` sees the
    features times its own learned scale per feature, which starts at random signs (+1 or -1)
    so the members differ from the first step (TabM-mini, Gorishniy et al. 2025). The layers
    after it act on the last axis, so the members share their weights; an
    :class:`EnsembleMean` averages them.

    Args:
        members: How many members.
        seed: The seed of the random signs; ``None`` draws one from Python's random state
            (which training seeds).
        **kwargs: Base layer arguments (``name``, ``dtype``…).
    """

    def __init__(self, members: int = 8, seed: int | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.members = int(members)
        self.seed = seed

    def build(self, input_shape: tuple[int | None, ...]) -> None:
        import random

        import numpy as np

        seed = self.seed if self.seed is not None else random.randrange(2**31)
        signs = np.random.default_rng(seed).choice([-1.0, 1.0], (self.members, input_shape[-1]))
        self.scale = self.add_weight(shape=(self.members, input_shape[-1]), name="scale",
                                     initializer=keras.initializers.Constant(signs))

    def call(self, inputs: Any) -> Any:
        return ops.expand_dims(inputs, 1) * ops.cast(self.scale, inputs.dtype)

    def compute_output_shape(self, input_shape: tuple[int | None, ...]) -> tuple[int | None, ...]:
        return (input_shape[0], self.members, *input_shape[1:])

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "members": self.members, "seed": self.seed}


@keras.saving.register_keras_serializable(package="dlstudio")
class EnsembleMean(keras.layers.Layer):
    """Join the members of an :class:`EnsembleSplit`: ``(batch, members, features)``.

    For predictions it returns the members' mean, ``(batch, features)``. In training it lays
    the members out as rows, ``(batch × members, features)``, so the output layer scores every
    member on its own and each learns from its own loss (the training targets are repeated
    once per member: :func:`ensemble_members`, :func:`repeat_targets`); trained on the mean
    alone, the members would act as one wider network instead of an ensemble.
    """

    def call(self, inputs: Any, training: bool | None = None) -> Any:
        if training:
            return ops.reshape(inputs, (-1, *inputs.shape[2:]))
        return ops.mean(inputs, axis=1)

    def compute_output_shape(self, input_shape: tuple[int | None, ...]) -> tuple[int | None, ...]:
        return (input_shape[0], *input_shape[2:])


def ensemble_members(model: keras.Model) -> int:
    """Return how many rows a training batch of ``model`` has per sample: the member count of
    its :class:`EnsembleMean` (1 when it has none)."""
    for layer in model.layers:
        if isinstance(layer, EnsembleMean):
            return int(layer.input.shape[1])
    return 1


def repeat_targets(dataset: Any, members: int) -> Any:
    """Return a ``tf.data`` dataset of ``(features, targets[, weights])`` batches with each
    sample's target (and weight) repeated ``members`` times, in the row order of
    :class:`EnsembleMean` in training (sample 0's members first)."""
    if members <= 1:
        return dataset
    import tensorflow as tf

    def repeat(features: Any, *rest: Any) -> Any:
        return (features, *(tf.repeat(item, members, axis=0) for item in rest))

    return dataset.map(repeat)


from dlstudio.core.model.backbone_layer import Backbone  # noqa: E402, F401  (registered there)
