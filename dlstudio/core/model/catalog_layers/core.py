"""Core layers: Dense and the activation layers."""

from __future__ import annotations

from typing import Any

from dlstudio.core.model.catalog import LayerType, ParamSpec, register
from dlstudio.core.model.catalog_layers._common import ACTIVATION, WEIGHT_PARAMS, keras, weights

UNITS = ParamSpec("units", "int", 64, "How many neurons (outputs) the layer has.", minimum=1,
                  maximum=65536)


def _dense(params: dict[str, Any]) -> Any:
    return keras().layers.Dense(params["units"], activation=params["activation"],
                                **weights(params))


register(LayerType(
    name="Dense",
    category="Core",
    doc="A fully connected layer: every output is a weighted sum of all inputs.",
    params=(UNITS, ACTIVATION, *WEIGHT_PARAMS),
    build=_dense,
    key_params=("units", "activation"),
    icon="dense",
    input_ranks=(1, 2),
))

register(LayerType(
    name="Activation",
    category="Core",
    doc="Applies a function such as relu or sigmoid to every value; it learns nothing.",
    params=(ParamSpec("activation", "activation", "relu",
                      "The function applied to every value."),),
    build=lambda p: keras().layers.Activation(p["activation"]),
    key_params=("activation",),
    icon="activation",
))

register(LayerType(
    name="LeakyReLU",
    category="Core",
    doc="Like relu, but lets a small part of negative values through so neurons never die.",
    params=(ParamSpec("negative_slope", "float", 0.3,
                      "How much of a negative value passes (0 = plain relu).",
                      minimum=0.0, maximum=1.0),),
    build=lambda p: keras().layers.LeakyReLU(negative_slope=p["negative_slope"]),
    key_params=("negative_slope",),
    icon="activation",
))

register(LayerType(
    name="ELU",
    category="Core",
    doc="Exponential linear unit: relu with a smooth curve for negative values.",
    params=(ParamSpec("alpha", "float", 1.0, "How low negative values can go (down to -alpha).",
                      minimum=0.0, maximum=10.0),),
    build=lambda p: keras().layers.ELU(alpha=p["alpha"]),
    key_params=("alpha",),
    icon="activation",
))

register(LayerType(
    name="ReLU",
    category="Core",
    doc="Keeps positive values and zeroes negative ones, optionally capped at a maximum.",
    params=(
        ParamSpec("max_value", "float", None, "Cap on the output (6 gives relu6); empty for none.",
                  minimum=0.0, optional=True),
        ParamSpec("negative_slope", "float", 0.0, "How much of a negative value passes.",
                  minimum=0.0, maximum=1.0),
    ),
    build=lambda p: keras().layers.ReLU(max_value=p["max_value"],
                                        negative_slope=p["negative_slope"]),
    key_params=("max_value",),
    icon="activation",
))

register(LayerType(
    name="PReLU",
    category="Core",
    doc="Like LeakyReLU, but learns how much of each negative value passes.",
    params=(ParamSpec("alpha_initializer", "initializer", "zeros",
                      "How the learned slopes start; zeros starts as plain relu."),),
    build=lambda p: keras().layers.PReLU(alpha_initializer=p["alpha_initializer"]),
    key_params=("alpha_initializer",),
    icon="activation",
))

register(LayerType(
    name="Softmax",
    category="Core",
    doc="Turns the last axis into probabilities that add up to 1.",
    params=(),
    build=lambda p: keras().layers.Softmax(),
    icon="activation",
))
