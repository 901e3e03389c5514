"""Blocks: rows of the stack that hold stacks of rows, for residual and branching models.

A block's ``build`` returns the layer that joins its paths (``Add``, ``Concatenate``, …), or
``None`` for ``Repeat``; the builder (:mod:`dlstudio.core.model.builder`) wires the inner stacks
around it, with any projection a ``Residual`` needs (:mod:`dlstudio.core.model.blocks`).
"""

from __future__ import annotations

from typing import Any

from dlstudio.core.model.catalog import LayerType, ParamSpec, register
from dlstudio.core.model.catalog_layers._common import keras

MERGES = ("concatenate", "add", "multiply", "average", "maximum")
"""How a block joins its paths; each is the Keras merge layer of the same name."""

_MERGE_LAYERS = {"concatenate": "Concatenate", "add": "Add", "multiply": "Multiply",
                 "average": "Average", "maximum": "Maximum"}


def merge_layer(merge: str, name: str | None = None) -> Any:
    """Return a fresh Keras merge layer for ``merge`` (one of :data:`MERGES`)."""
    return getattr(keras().layers, _MERGE_LAYERS[merge])(name=name)


register(LayerType(
    name="Residual",
    category="Blocks",
    doc="Adds the block's input to the output of its inner stack (a shortcut), as in ResNets.",
    params=(ParamSpec("projection", "choice", "auto",
                      "auto adds a 1x1 projection when the inner stack changes the size; "
                      "none refuses.", choices=("auto", "none")),),
    build=lambda p: merge_layer("add"),
    key_params=("projection",),
    icon="block",
    stack_count=(1, 1),
))

register(LayerType(
    name="Branches",
    category="Blocks",
    doc="Runs two or more inner stacks on the same input and joins their outputs.",
    params=(ParamSpec("merge", "choice", "concatenate",
                      "How the outputs are joined: side by side (concatenate) or value by value.",
                      choices=MERGES),),
    build=lambda p: merge_layer(p["merge"]),
    key_params=("merge",),
    icon="block",
    stack_count=(2, None),
))

register(LayerType(
    name="Skip",
    category="Blocks",
    doc="Joins the block's input to its inner stack's output, as U-Net's long skips do.",
    params=(ParamSpec("merge", "choice", "concatenate",
                      "Join input and output side by side (concatenate) or add them.",
                      choices=("concatenate", "add")),),
    build=lambda p: merge_layer(p["merge"]),
    key_params=("merge",),
    icon="block",
    stack_count=(1, 1),
))

register(LayerType(
    name="Repeat",
    category="Blocks",
    doc="Runs its inner stack several times in a row, each copy with its own weights.",
    params=(ParamSpec("count", "int", 2, "How many copies of the inner stack, one after another.",
                      minimum=1, maximum=64),),
    build=lambda p: None,
    key_params=("count",),
    icon="block",
    stack_count=(1, 1),
))
