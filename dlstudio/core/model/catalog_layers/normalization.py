"""Normalization layers: keep values in a steady range so deep networks train well."""

from __future__ import annotations

from dlstudio.core.model.catalog import LayerType, ParamSpec, register
from dlstudio.core.model.catalog_layers._common import CENTER, EPSILON, SCALE, keras

register(LayerType(
    name="BatchNormalization",
    category="Normalization",
    doc="Rescales each channel to mean 0 and spread 1 over the batch; speeds up training.",
    params=(
        ParamSpec("momentum", "float", 0.99,
                  "How slowly the running averages used at prediction time change.",
                  minimum=0.0, maximum=1.0),
        EPSILON, CENTER, SCALE,
    ),
    build=lambda p: keras().layers.BatchNormalization(
        momentum=p["momentum"], epsilon=p["epsilon"], center=p["center"], scale=p["scale"]),
    key_params=("momentum",),
    icon="normalization",
))

register(LayerType(
    name="LayerNormalization",
    category="Normalization",
    doc="Rescales each sample's features to mean 0 and spread 1; common in Transformers.",
    params=(EPSILON, CENTER, SCALE),
    build=lambda p: keras().layers.LayerNormalization(
        epsilon=p["epsilon"], center=p["center"], scale=p["scale"]),
    icon="normalization",
))

register(LayerType(
    name="GroupNormalization",
    category="Normalization",
    doc="Normalizes groups of channels per sample; works with small batches.",
    params=(
        ParamSpec("groups", "int", 4,
                  "How many groups the channels are split into; must divide the channels.",
                  minimum=1, maximum=1024),
        EPSILON, CENTER, SCALE,
    ),
    build=lambda p: keras().layers.GroupNormalization(
        groups=p["groups"], epsilon=p["epsilon"], center=p["center"], scale=p["scale"]),
    key_params=("groups",),
    icon="normalization",
))

register(LayerType(
    name="UnitNormalization",
    category="Normalization",
    doc="Scales each sample's features to length 1 (useful before comparing vectors).",
    params=(),
    build=lambda p: keras().layers.UnitNormalization(),
    icon="normalization",
))
