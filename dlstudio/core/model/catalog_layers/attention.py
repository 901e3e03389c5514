"""Attention layers: every step of a sequence looks at every other step (Transformers).

These build dlstudio's own registered layers (:mod:`dlstudio.core.model.layers`), so saved models
that contain them load with ``safe_mode=True``.
"""

from __future__ import annotations

from typing import Any

from dlstudio.core.model.catalog import LayerType, ParamSpec, register

NUM_HEADS = ParamSpec("num_heads", "int", 4,
                      "How many attention heads look at the sequence side by side.",
                      minimum=1, maximum=64)
KEY_DIM = ParamSpec("key_dim", "int", 32, "Size of each head's query and key vectors.",
                    minimum=1, maximum=1024)


def _custom_layers() -> Any:
    from dlstudio.core.model import layers

    return layers


def _self_attention(params: dict[str, Any]) -> Any:
    return _custom_layers().MultiHeadSelfAttention(
        num_heads=params["num_heads"], key_dim=params["key_dim"], dropout=params["dropout"],
        causal=params["causal"])


def _encoder_block(params: dict[str, Any]) -> Any:
    return _custom_layers().TransformerEncoderBlock(
        num_heads=params["num_heads"], key_dim=params["key_dim"], ff_dim=params["ff_dim"],
        dropout=params["dropout"], activation=params["activation"])


register(LayerType(
    name="MultiHeadSelfAttention",
    category="Attention",
    doc="Lets every step of a sequence gather information from every other step.",
    params=(
        NUM_HEADS, KEY_DIM,
        ParamSpec("dropout", "float", 0.0, "Fraction of attention weights dropped in training.",
                  minimum=0.0, maximum=0.9),
        ParamSpec("causal", "bool", False,
                  "Let each step see only earlier steps (for predicting what comes next)."),
    ),
    build=_self_attention,
    key_params=("num_heads", "key_dim"),
    icon="attention",
    input_ranks=(2,),
))

register(LayerType(
    name="TransformerEncoderBlock",
    category="Attention",
    doc="A Transformer encoder block: self-attention then a small feed-forward network, each "
        "with a shortcut and normalization.",
    params=(
        NUM_HEADS, KEY_DIM,
        ParamSpec("ff_dim", "int", 128, "Hidden size of the feed-forward network.",
                  minimum=1, maximum=65536),
        ParamSpec("dropout", "float", 0.1, "Fraction dropped in training after each part.",
                  minimum=0.0, maximum=0.9),
        ParamSpec("activation", "activation", "relu",
                  "The feed-forward network's activation; relu or gelu are usual."),
    ),
    build=_encoder_block,
    key_params=("num_heads", "ff_dim"),
    icon="attention",
    input_ranks=(2,),
))

register(LayerType(
    name="PositionalEmbedding",
    category="Attention",
    doc="Adds a learned vector per position so attention layers know the order of the steps.",
    params=(ParamSpec("max_length", "int", 512,
                      "The longest sequence it covers; at least the sequence length.",
                      minimum=1, maximum=100_000),),
    build=lambda p: _custom_layers().PositionalEmbedding(max_length=p["max_length"]),
    key_params=("max_length",),
    icon="attention",
    input_ranks=(2,),
))
