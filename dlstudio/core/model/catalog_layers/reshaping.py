"""Reshaping layers: change the shape of the data without learning anything."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dlstudio.core.model.catalog import LayerType, ParamSpec, register
from dlstudio.core.model.catalog_layers._common import keras


def _reshaping(name: str, doc: str, params: tuple[ParamSpec, ...],
               build: Callable[[dict[str, Any]], Any], ranks: tuple[int, ...] = ()) -> None:
    register(LayerType(name=name, category="Reshaping", doc=doc, params=params, build=build,
                       key_params=tuple(p.name for p in params), icon="reshape",
                       input_ranks=ranks))


_reshaping("Flatten", "Turns a multi-dimensional input (an image, a sequence) into one flat "
           "vector.", (), lambda p: keras().layers.Flatten())
_reshaping(
    "Reshape", "Rearranges the values into a new shape with the same number of values.",
    (ParamSpec("target_shape", "shape", [-1, 1],
               "The new shape without the batch; -1 once means 'whatever is left'.",
               minimum=-1),),
    lambda p: keras().layers.Reshape(tuple(p["target_shape"])))
_reshaping(
    "Permute", "Swaps the axes of its input, such as (steps, features) to (features, steps).",
    (ParamSpec("dims", "shape", [2, 1],
               "The new order of the axes, counted from 1 (batch not included)."),),
    lambda p: keras().layers.Permute(tuple(p["dims"])))
_reshaping(
    "RepeatVector", "Repeats a flat vector n times, making a sequence of n steps.",
    (ParamSpec("n", "int", 4, "How many times (steps) the vector is repeated.",
               minimum=1, maximum=100_000),),
    lambda p: keras().layers.RepeatVector(p["n"]), (1,))
_reshaping(
    "UpSampling1D", "Makes a sequence longer by repeating each step.",
    (ParamSpec("size", "int", 2, "How many times each step is repeated.", minimum=1,
               maximum=64),),
    lambda p: keras().layers.UpSampling1D(p["size"]), (2,))
_reshaping(
    "UpSampling2D", "Makes an image larger by repeating (or interpolating) its pixels.",
    (ParamSpec("size", "shape", [2, 2], "How many times larger (rows, columns).", length=2),
     ParamSpec("interpolation", "choice", "nearest",
               "nearest repeats pixels; bilinear blends neighbours smoothly.",
               choices=("nearest", "bilinear"))),
    lambda p: keras().layers.UpSampling2D(tuple(p["size"]), interpolation=p["interpolation"]),
    (3,))
_reshaping(
    "ZeroPadding1D", "Adds zero steps at the start and end of a sequence.",
    (ParamSpec("padding", "shape", [1, 1], "Zero steps added at the start and at the end.",
               minimum=0, length=2),),
    lambda p: keras().layers.ZeroPadding1D(tuple(p["padding"])), (2,))
_reshaping(
    "ZeroPadding2D", "Adds a border of zeros around an image.",
    (ParamSpec("padding", "shape", [1, 1],
               "Zero rows added at top and bottom, zero columns at left and right.",
               minimum=0, length=2),),
    lambda p: keras().layers.ZeroPadding2D(tuple(p["padding"])), (3,))
_reshaping(
    "Cropping1D", "Cuts steps off the start and end of a sequence.",
    (ParamSpec("cropping", "shape", [1, 1], "Steps removed at the start and at the end.",
               minimum=0, length=2),),
    lambda p: keras().layers.Cropping1D(tuple(p["cropping"])), (2,))
_reshaping(
    "Cropping2D", "Cuts a border off an image.",
    (ParamSpec("cropping", "shape", [1, 1],
               "Rows removed at top and bottom, columns removed at left and right.",
               minimum=0, length=2),),
    lambda p: keras().layers.Cropping2D(tuple(p["cropping"])), (3,))
