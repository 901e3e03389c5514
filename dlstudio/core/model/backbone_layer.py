"""The Keras layer behind a ``Backbone`` row: a pretrained network with its own preprocessing.

The layer takes what the model's image input gives after its ``Rescaling`` (pixels in 0..1, any
size, 1 or 3 channels), brings the pixels back to 0..255, makes grayscale images RGB, resizes to
the network's input size and applies the network's own preprocessing (built into MobileNetV3,
EfficientNetV2 and ConvNeXt; ``x / 127.5 - 1`` for ResNet50V2), so an exported model takes raw
images. The network is always called with ``training=False``: its BatchNormalization layers
stay in inference mode, also while fine-tuning, as the Keras transfer-learning guide advises.

Saved models rebuild the network from the config (``network``, ``input_size``, …) without
downloading anything, and get the weights from the saved file; nothing in the config is run as
code, so ``safe_mode`` loading works.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import keras
from keras import ops

from dlstudio.core.errors import UserInputError
from dlstudio.core.model.backbones import get_network, is_batch_normalization, make_network


@keras.saving.register_keras_serializable(package="dlstudio")
class Backbone(keras.layers.Layer):
    """A pretrained image network without its classifier.

    Args:
        network: The network's name (one of :data:`dlstudio.core.model.backbones.NETWORKS`).
        input_size: The square size images are resized to (``None``: its native size).
        pooling: ``none`` (a feature map), ``avg`` or ``max`` (one vector per image).
        trainable_mode: ``frozen``, ``top`` (the last ``top_layers`` layers train) or ``all``;
            BatchNormalization layers stay frozen in every mode.
        top_layers: How many of the network's last layers train in ``top`` mode.
        weights_file: A weights file to load (only when the model is first built; a saved
            model has its weights in its own file).
        **kwargs: Base layer arguments (``name``, ``dtype``…).
    """

    def __init__(self, network: str, input_size: int | None = None, pooling: str = "none",
                 trainable_mode: str = "frozen", top_layers: int = 20,
                 weights_file: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.info = get_network(network)
        self.network_name = network
        self.input_size = int(input_size or self.info.native_size)
        self.pooling = pooling
        self.network = make_network(network, self.input_size, pooling)
        if weights_file:
            load_network_weights(self.network, Path(weights_file), network)
        self.trainable_mode, self.top_layers = "frozen", int(top_layers)
        self.set_trainable_mode(trainable_mode, top_layers)

    def set_trainable_mode(self, mode: str, top_layers: int | None = None) -> None:
        """Freeze the network, or let its last ``top_layers`` layers (or all) train.

        BatchNormalization layers stay frozen. Recompile the model afterwards.
        """
        if top_layers is not None:
            self.top_layers = int(top_layers)
        self.trainable_mode = mode
        layers = self.network.layers
        chosen = {"frozen": 0, "top": min(self.top_layers, len(layers)),
                  "all": len(layers)}[mode]
        for index, layer in enumerate(layers):
            layer.trainable = (index >= len(layers) - chosen
                               and not is_batch_normalization(layer))

    def call(self, inputs: Any) -> Any:
        pixels = ops.multiply(ops.cast(inputs, self.compute_dtype), 255.0)
        if inputs.shape[-1] == 1:
            pixels = ops.repeat(pixels, 3, axis=-1)
        if tuple(inputs.shape[1:3]) != (self.input_size, self.input_size):
            pixels = ops.image.resize(pixels, (self.input_size, self.input_size))
        if self.info.preprocessing == "tf":
            pixels = ops.subtract(ops.divide(pixels, 127.5), 1.0)
        return self.network(pixels, training=False)

    def compute_output_shape(self, input_shape: tuple[int | None, ...]) -> tuple[Any, ...]:
        if self.pooling != "none":
            return (input_shape[0], self.info.channels)
        side = self.info.feature_size(self.input_size)
        return (input_shape[0], side, side, self.info.channels)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "network": self.network_name,
                "input_size": self.input_size, "pooling": self.pooling,
                "trainable_mode": self.trainable_mode, "top_layers": self.top_layers}


def load_network_weights(network: Any, path: Path, name: str) -> None:
    """Load a weights file into ``network`` (Keras's ``.h5`` files or ``.weights.h5``).

    Raises:
        UserInputError: The file does not hold weights of this network.
    """
    try:
        network.load_weights(str(path))
    except (ValueError, OSError, KeyError, TypeError) as error:
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise UserInputError(
            f"{path} does not hold weights of {name} without its classifier ({first[:200]}); "
            f"use the file Keras publishes ({get_network(name).weights_file}) or one saved "
            "from the same network") from None


def find_backbones(model: Any) -> list[Backbone]:
    """Return the Backbone layers of ``model`` (at any depth of nested models)."""
    return [layer for layer in model._flatten_layers(include_self=False)
            if isinstance(layer, Backbone)]
