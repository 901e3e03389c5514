"""Pooling layers: shrink sequences or images by keeping the largest or the average value."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dlstudio.core.model.catalog import LayerType, ParamSpec, register
from dlstudio.core.model.catalog_layers._common import POOL_PADDING, keras

POOL_SIZE_1D = ParamSpec("pool_size", "int", 2,
                         "How many steps are pooled into one (2 halves the length).",
                         minimum=1, maximum=1024)
POOL_SIZE_2D = ParamSpec("pool_size", "shape", [2, 2],
                         "Window height and width pooled into one value (2×2 halves the size).",
                         length=2)


def _pooling(layer_name: str) -> Callable[[dict[str, Any]], Any]:
    def build(params: dict[str, Any]) -> Any:
        layer_class = getattr(keras().layers, layer_name)
        return layer_class(pool_size=params["pool_size"], padding=params["padding"])

    return build


def _global_pooling(layer_name: str) -> Callable[[dict[str, Any]], Any]:
    return lambda params: getattr(keras().layers, layer_name)()


_WINDOWED = (
    ("MaxPooling1D", "Keeps the largest value of each window of steps; halves a sequence.", 1),
    ("AveragePooling1D", "Averages each window of steps; halves a sequence.", 1),
    ("MaxPooling2D", "Keeps the largest value of each window; halves an image's size.", 2),
    ("AveragePooling2D", "Averages each window; halves an image's size.", 2),
)
_GLOBAL = (
    ("GlobalMaxPooling1D", "Keeps each feature's largest value over all steps: a flat vector.", 1),
    ("GlobalAveragePooling1D", "Averages each feature over all steps into a flat vector.", 1),
    ("GlobalMaxPooling2D", "Keeps each channel's largest value over the image: a flat vector.",
     2),
    ("GlobalAveragePooling2D", "Averages each channel over the whole image into a flat vector.",
     2),
)

for _name, _doc, _dimensions in _WINDOWED:
    register(LayerType(
        name=_name, category="Pooling", doc=_doc,
        params=(POOL_SIZE_1D if _dimensions == 1 else POOL_SIZE_2D, POOL_PADDING),
        build=_pooling(_name), key_params=("pool_size",), icon="pooling",
        input_ranks=(_dimensions + 1,),
    ))

for _name, _doc, _dimensions in _GLOBAL:
    register(LayerType(
        name=_name, category="Pooling", doc=_doc, params=(), build=_global_pooling(_name),
        icon="pooling", input_ranks=(_dimensions + 1,),
    ))
