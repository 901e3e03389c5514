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
    """Map a standardized regression output back to the target's units: ``x * scale + offset``.

    The network then learns numbers near zero with unit spread whatever the target's units
    (prices in thousands, fractions near zero), so regression trains well without tuning.

    Args:
        offset: The training targets' mean.
        scale: The training targets' standard deviation (1.0 when they are constant).
        **kwargs: Base layer arguments (``name``, ``dtype``…).
    """

    def __init__(self, offset: float = 0.0, scale: float = 1.0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.offset = float(offset)
        self.scale = float(scale)

    def call(self, inputs: Any) -> Any:
        return inputs * self.scale + self.offset

    def compute_output_shape(self, input_shape: tuple[int | None, ...]) -> tuple[int | None, ...]:
        return tuple(input_shape)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "offset": self.offset, "scale": self.scale}


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
