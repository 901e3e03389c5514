"""Pieces shared by the catalog's entries: lazy Keras access and common parameters."""

from __future__ import annotations

from typing import Any

from dlstudio.core.model.catalog import ParamSpec


def keras() -> Any:
    """Return the ``keras`` module, imported on first use (the catalog itself stays light)."""
    import keras as keras_module

    return keras_module


def regularizer(value: Any) -> Any:
    """Turn a catalog regularizer value into a Keras regularizer (or ``None``)."""
    if value in (None, "none"):
        return None
    regularizers = keras().regularizers
    if value["kind"] == "l1":
        return regularizers.L1(value["l1"])
    if value["kind"] == "l2":
        return regularizers.L2(value["l2"])
    return regularizers.L1L2(l1=value["l1"], l2=value["l2"])


def weights(params: dict[str, Any]) -> dict[str, Any]:
    """Return the Keras keyword arguments of the weight parameters every trainable layer has."""
    return {
        "use_bias": params["use_bias"],
        "kernel_initializer": params["kernel_initializer"],
        "kernel_regularizer": regularizer(params["kernel_regularizer"]),
    }


def rate(default: float, doc: str, maximum: float = 0.95) -> ParamSpec:
    """Return a ``rate`` parameter (a fraction) with its own default and explanation."""
    return ParamSpec("rate", "float", default, doc, minimum=0.0, maximum=maximum)


ACTIVATION = ParamSpec("activation", "activation", "relu",
                       "The function applied to each output; relu is a good default.")
KERNEL_INITIALIZER = ParamSpec("kernel_initializer", "initializer", "glorot_uniform",
                               "How the weights start: Glorot for tanh/sigmoid, He for relu.")
KERNEL_REGULARIZER = ParamSpec("kernel_regularizer", "regularizer", "none",
                               "Penalty on large weights (L1, L2 or both) to reduce overfitting.")
USE_BIAS = ParamSpec("use_bias", "bool", True, "Add a learned offset to each output.")
WEIGHT_PARAMS = (USE_BIAS, KERNEL_INITIALIZER, KERNEL_REGULARIZER)

FILTERS = ParamSpec("filters", "int", 32,
                    "How many patterns (output channels) the layer learns to detect.",
                    minimum=1, maximum=4096)
PADDING = ParamSpec("padding", "choice", "same",
                    "same keeps the size by padding the edges; valid shrinks it a little.",
                    choices=("same", "valid"))
POOL_PADDING = ParamSpec("padding", "choice", "valid",
                         "valid drops leftover edge cells; same pads so none are dropped.",
                         choices=("valid", "same"))
EPSILON = ParamSpec("epsilon", "float", 0.001,
                    "A tiny number added to avoid dividing by zero; rarely changed.",
                    minimum=0.0, maximum=1.0, exclusive_minimum=True)
CENTER = ParamSpec("center", "bool", True, "Learn an offset added after normalizing.")
SCALE = ParamSpec("scale", "bool", True, "Learn a factor applied after normalizing.")
