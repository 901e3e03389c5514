"""The catalog's entries: every layer type of the palette, one module per category.

Importing this package registers every entry with :mod:`dlstudio.core.model.catalog` (which does it
on
first lookup). Each entry's ``build`` turns a complete parameter dict into a fresh Keras layer;
Keras is imported inside it, never at import time.
"""

from dlstudio.core.model.catalog_layers import (  # noqa: F401  (each module registers its entries)
    attention,
    blocks,
    convolution,
    core,
    embedding,
    ensemble,
    normalization,
    pooling,
    pretrained,
    recurrent,
    regularization,
    reshaping,
)
