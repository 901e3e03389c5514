"""Convolution layers: small filters slid over sequences (1D), images (2D) or volumes (3D)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from dlstudio.core.model.catalog import LayerType, ParamSpec, register
from dlstudio.core.model.catalog_layers._common import (
    ACTIVATION,
    FILTERS,
    KERNEL_INITIALIZER,
    KERNEL_REGULARIZER,
    PADDING,
    USE_BIAS,
    WEIGHT_PARAMS,
    keras,
    regularizer,
    weights,
)

KERNEL_SIZE_1D = ParamSpec("kernel_size", "int", 3, "How many steps each filter looks at.",
                           minimum=1, maximum=1024)
STRIDES_1D = ParamSpec("strides", "int", 1, "How far the filter moves each time (2 halves the "
                       "length).", minimum=1, maximum=64)
KERNEL_SIZE_2D = ParamSpec("kernel_size", "shape", [3, 3],
                           "Height and width of each filter window.", length=2)
STRIDES_2D = ParamSpec("strides", "shape", [1, 1], "How far the filter moves (rows, columns); "
                       "2 halves the size.", length=2)
UP_STRIDES_2D = ParamSpec("strides", "shape", [2, 2], "How much larger the output is (rows, "
                          "columns); 2 doubles the size.", length=2)
UP_STRIDES_1D = ParamSpec("strides", "int", 2, "How much longer the output is; 2 doubles it.",
                          minimum=1, maximum=64)
DILATION_1D = ParamSpec("dilation_rate", "int", 1, "Gaps between the steps a filter looks at; 2 "
                        "widens its view (strides must then be 1).", minimum=1, maximum=64)
DILATION_2D = ParamSpec("dilation_rate", "shape", [1, 1], "Gaps between the pixels a filter "
                        "looks at (rows, columns); strides must then be 1.", length=2)
KERNEL_SIZE_3D = ParamSpec("kernel_size", "shape", [3, 3, 3],
                           "Depth, height and width of each filter window.", length=3)
STRIDES_3D = ParamSpec("strides", "shape", [1, 1, 1], "How far the filter moves (depth, rows, "
                       "columns); 2 halves the size.", length=3)
DILATION_3D = ParamSpec("dilation_rate", "shape", [1, 1, 1], "Gaps between the cells a filter "
                        "looks at (depth, rows, columns); strides must then be 1.", length=3)
DEPTH_MULTIPLIER = ParamSpec("depth_multiplier", "int", 1,
                             "How many filters per input channel.", minimum=1, maximum=64)


def _convolution(layer_name: str) -> Callable[[dict[str, Any]], Any]:
    def build(params: dict[str, Any]) -> Any:
        layer_class = getattr(keras().layers, layer_name)
        dilation = {"dilation_rate": params["dilation_rate"]} if "dilation_rate" in params else {}
        return layer_class(params["filters"], params["kernel_size"], strides=params["strides"],
                           padding=params["padding"], activation=params["activation"],
                           **dilation, **weights(params))

    return build


def _separable(params: dict[str, Any]) -> Any:
    return keras().layers.SeparableConv2D(
        params["filters"], params["kernel_size"], strides=params["strides"],
        padding=params["padding"], depth_multiplier=params["depth_multiplier"],
        dilation_rate=params["dilation_rate"],
        activation=params["activation"], use_bias=params["use_bias"],
        depthwise_initializer=params["kernel_initializer"],
        pointwise_initializer=params["kernel_initializer"],
        depthwise_regularizer=regularizer(params["kernel_regularizer"]),
        pointwise_regularizer=regularizer(params["kernel_regularizer"]))


def _depthwise(params: dict[str, Any]) -> Any:
    return keras().layers.DepthwiseConv2D(
        params["kernel_size"], strides=params["strides"], padding=params["padding"],
        depth_multiplier=params["depth_multiplier"], dilation_rate=params["dilation_rate"],
        activation=params["activation"],
        use_bias=params["use_bias"], depthwise_initializer=params["kernel_initializer"],
        depthwise_regularizer=regularizer(params["kernel_regularizer"]))


def _register_convolution(name: str, doc: str, params: tuple[ParamSpec, ...],
                          build: Callable[[dict[str, Any]], Any], rank: int) -> None:
    register(LayerType(name=name, category="Convolution", doc=doc, params=params, build=build,
                       key_params=tuple(p.name for p in params[:2]), icon="convolution",
                       input_ranks=(rank,)))


_register_convolution(
    "Conv1D", "Slides learned filters along a sequence to detect local patterns.",
    (FILTERS, KERNEL_SIZE_1D, STRIDES_1D, PADDING, DILATION_1D, ACTIVATION, *WEIGHT_PARAMS),
    _convolution("Conv1D"), 2)
_register_convolution(
    "Conv2D", "Slides learned filters over an image to detect edges, textures and shapes.",
    (FILTERS, KERNEL_SIZE_2D, STRIDES_2D, PADDING, DILATION_2D, ACTIVATION, *WEIGHT_PARAMS),
    _convolution("Conv2D"), 3)
_register_convolution(
    "Conv3D", "Slides learned filters through a volume (depth, height, width, channels): "
    "scans, video frames; Reshape an image to (height, width, channels, 1) to use it on one.",
    (FILTERS, KERNEL_SIZE_3D, STRIDES_3D, PADDING, DILATION_3D, ACTIVATION, *WEIGHT_PARAMS),
    _convolution("Conv3D"), 4)
_register_convolution(
    "SeparableConv2D", "A cheaper Conv2D: filters each channel alone, then mixes the channels.",
    (FILTERS, KERNEL_SIZE_2D, STRIDES_2D, PADDING, DILATION_2D, DEPTH_MULTIPLIER, ACTIVATION,
     *WEIGHT_PARAMS),
    _separable, 3)
_register_convolution(
    "DepthwiseConv2D", "Filters each image channel on its own, without mixing channels.",
    (KERNEL_SIZE_2D, STRIDES_2D, PADDING, DILATION_2D, DEPTH_MULTIPLIER, ACTIVATION, USE_BIAS,
     KERNEL_INITIALIZER, KERNEL_REGULARIZER),
    _depthwise, 3)
_register_convolution(
    "Conv2DTranspose", "Learned upsampling: makes an image larger (the reverse of Conv2D).",
    (FILTERS, KERNEL_SIZE_2D, UP_STRIDES_2D, PADDING, ACTIVATION, *WEIGHT_PARAMS),
    _convolution("Conv2DTranspose"), 3)
_register_convolution(
    "Conv1DTranspose", "Learned upsampling: makes a sequence longer (the reverse of Conv1D).",
    (FILTERS, KERNEL_SIZE_1D, UP_STRIDES_1D, PADDING, ACTIVATION, *WEIGHT_PARAMS),
    _convolution("Conv1DTranspose"), 2)
