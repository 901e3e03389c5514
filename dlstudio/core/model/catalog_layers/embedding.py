"""The Embedding layer: turns token ids (words of a text) into learned vectors."""

from __future__ import annotations

from dlstudio.core.model.catalog import LayerType, ParamSpec, register
from dlstudio.core.model.catalog_layers._common import keras, regularizer

register(LayerType(
    name="Embedding",
    category="Embedding",
    doc="Turns each token id of a text into a learned vector; put it first, on text read as "
        "token sequences.",
    params=(
        ParamSpec("input_dim", "int", 5000,
                  "Vocabulary size: at least the data's max tokens (largest id + 1).",
                  minimum=1, maximum=10_000_000),
        ParamSpec("output_dim", "int", 64, "Length of the vector learned for each token.",
                  minimum=1, maximum=8192),
        ParamSpec("mask_zero", "bool", True,
                  "Treat id 0 as padding that later layers skip."),
        ParamSpec("embeddings_initializer", "initializer", "random_uniform",
                  "How the vectors start; small random values are usual."),
        ParamSpec("embeddings_regularizer", "regularizer", "none",
                  "Penalty on large vectors (L1, L2 or both) to reduce overfitting."),
    ),
    build=lambda p: keras().layers.Embedding(
        p["input_dim"], p["output_dim"], mask_zero=p["mask_zero"],
        embeddings_initializer=p["embeddings_initializer"],
        embeddings_regularizer=regularizer(p["embeddings_regularizer"])),
    key_params=("input_dim", "output_dim"),
    icon="embedding",
    input_ranks=(1,),
))
