"""The catalog's entries: every layer type of the palette, grouped by category.

Each entry's ``build`` turns a complete parameter dict into a Keras layer; Keras is imported
inside it, never at module import.
"""

from __future__ import annotations

from typing import Any

from dlstudio.core.catalog import LayerType, ParamSpec, register


def _keras() -> Any:
    import keras

    return keras


def _regularizer(value: Any) -> Any:
    """Turn a catalog regularizer value into a Keras regularizer (or ``None``)."""
    if value in (None, "none"):
        return None
    regularizers = _keras().regularizers
    if value["kind"] == "l1":
        return regularizers.L1(value["l1"])
    if value["kind"] == "l2":
        return regularizers.L2(value["l2"])
    return regularizers.L1L2(l1=value["l1"], l2=value["l2"])


UNITS = ParamSpec("units", "int", 64, "How many neurons (outputs) the layer has.", minimum=1,
                  maximum=65536)
ACTIVATION = ParamSpec("activation", "activation", "relu",
                       "The function applied to each output; relu is a good default.")
KERNEL_INITIALIZER = ParamSpec("kernel_initializer", "initializer", "glorot_uniform",
                               "How the weights start: Glorot for tanh/sigmoid, He for relu.")
KERNEL_REGULARIZER = ParamSpec("kernel_regularizer", "regularizer", "none",
                               "Penalty on large weights (L1, L2 or both) to reduce overfitting.")
USE_BIAS = ParamSpec("use_bias", "bool", True, "Add a learned offset to each output.")
RATE = ParamSpec("rate", "float", 0.5, "Fraction of inputs set to zero at random in training.",
                 minimum=0.0, maximum=0.95)

register(LayerType(
    name="Dense",
    category="Core",
    doc="A fully connected layer: every output is a weighted sum of all inputs.",
    params=(UNITS, ACTIVATION, USE_BIAS, KERNEL_INITIALIZER, KERNEL_REGULARIZER),
    build=lambda p: _keras().layers.Dense(
        p["units"], activation=p["activation"], use_bias=p["use_bias"],
        kernel_initializer=p["kernel_initializer"],
        kernel_regularizer=_regularizer(p["kernel_regularizer"])),
    key_params=("units", "activation"),
    icon="dense",
))

register(LayerType(
    name="Dropout",
    category="Regularization",
    doc="Randomly zeroes a fraction of its inputs during training to reduce overfitting.",
    params=(RATE,),
    build=lambda p: _keras().layers.Dropout(p["rate"]),
    key_params=("rate",),
    icon="dropout",
))

register(LayerType(
    name="Flatten",
    category="Reshaping",
    doc="Turns a multi-dimensional input (an image, a sequence) into one flat vector.",
    params=(),
    build=lambda p: _keras().layers.Flatten(),
    icon="flatten",
))
