"""dlstudio's own attention layers: config round trip, masks, and safe .keras save/load."""

import keras
import numpy as np
import pytest

from dlstudio.core.model.layers import (
    MultiHeadSelfAttention,
    PositionalEmbedding,
    TransformerEncoderBlock,
)

CUSTOM_LAYERS = [
    MultiHeadSelfAttention(num_heads=2, key_dim=4, dropout=0.1, causal=True),
    TransformerEncoderBlock(num_heads=2, key_dim=4, ff_dim=16, dropout=0.0, activation="gelu"),
    PositionalEmbedding(max_length=12),
]


@pytest.mark.parametrize("layer", CUSTOM_LAYERS, ids=lambda layer: type(layer).__name__)
def test_config_round_trips_and_the_layer_is_registered(layer):
    config = layer.get_config()
    assert type(layer).from_config(config).get_config() == config
    serialized = keras.saving.serialize_keras_object(layer)
    assert serialized["registered_name"] == f"dlstudio>{type(layer).__name__}"
    assert layer(keras.KerasTensor((None, 6, 8))).shape == (None, 6, 8)


def text_model():
    tokens = keras.Input((None,), dtype="int32")
    x = keras.layers.Embedding(50, 8, mask_zero=True)(tokens)
    x = PositionalEmbedding(max_length=16)(x)
    x = TransformerEncoderBlock(num_heads=2, key_dim=4, ff_dim=16, dropout=0.0)(x)
    x = MultiHeadSelfAttention(num_heads=2, key_dim=4)(x)
    x = keras.layers.GlobalAveragePooling1D()(x)
    return keras.Model(tokens, keras.layers.Dense(2, activation="softmax")(x))


def test_a_model_with_them_saves_and_loads_in_safe_mode(tmp_path):
    keras.utils.set_random_seed(1)
    model = text_model()
    tokens = np.array([[3, 7, 9, 0], [5, 2, 0, 0]], "int32")
    expected = model.predict(tokens, verbose=0)
    path = tmp_path / "model.keras"
    model.save(path)
    loaded = keras.saving.load_model(path, safe_mode=True)
    np.testing.assert_allclose(loaded.predict(tokens, verbose=0), expected, rtol=1e-5, atol=1e-6)


def test_padding_is_ignored_through_the_mask():
    keras.utils.set_random_seed(2)
    model = text_model()
    short = model.predict(np.array([[4, 8, 0]], "int32"), verbose=0)
    padded = model.predict(np.array([[4, 8, 0, 0, 0, 0]], "int32"), verbose=0)
    np.testing.assert_allclose(short, padded, rtol=1e-5, atol=1e-6)


def test_causal_attention_does_not_look_ahead():
    keras.utils.set_random_seed(3)
    attention = MultiHeadSelfAttention(num_heads=1, key_dim=4, causal=True)
    sequence = np.random.default_rng(0).normal(size=(1, 5, 8)).astype("float32")
    changed = sequence.copy()
    changed[0, 4] += 1.0
    first, second = attention(sequence), attention(changed)
    np.testing.assert_allclose(first[0, :4], second[0, :4], rtol=1e-5, atol=1e-6)
    assert not np.allclose(first[0, 4], second[0, 4])


def test_positional_embedding_refuses_sequences_longer_than_its_positions():
    with pytest.raises(ValueError, match="raise max_length to at least 20"):
        PositionalEmbedding(max_length=10)(keras.KerasTensor((None, 20, 4)))


def zero(layer):
    """Set every weight of ``layer`` (and the layers it holds) to zero."""
    for weight in layer.weights:
        weight.assign(np.zeros(weight.shape, weight.dtype))


def layer_norm(values):
    centred = values - values.mean(axis=-1, keepdims=True)
    return centred / np.sqrt(values.var(axis=-1, keepdims=True) + 1e-6)


def test_the_encoder_block_adds_attention_and_feed_forward_back_to_their_input():
    # With the attention and the feed-forward network silenced, only the two shortcuts carry
    # the input: the block outputs LayerNorm(LayerNorm(x)) ≈ LayerNorm(x). Without residual
    # connections it would output LayerNorm(0) = 0.
    block = TransformerEncoderBlock(num_heads=2, key_dim=4, ff_dim=16, dropout=0.0)
    values = np.random.default_rng(4).normal(size=(2, 5, 8)).astype("float32")
    block(values)
    zero(block.attention)
    zero(block.projection)

    output = keras.ops.convert_to_numpy(block(values))

    np.testing.assert_allclose(output, layer_norm(layer_norm(values)), atol=1e-4)
    assert np.abs(output).mean() > 0.5
