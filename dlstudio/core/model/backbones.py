"""The pretrained networks a ``Backbone`` row may use, described without Keras.

Each :class:`Network` says what Keras application it is, its native input size, what it outputs
(channels, how the input size shrinks), how many weights it has and which ImageNet weights file
Keras publishes for it (name, address and hash, as ``keras.applications`` gives them). Shape
inference reads these numbers, so editing a model with a backbone never builds the network
(``tests/core/model/test_backbones.py`` builds each one and checks the table).
:func:`make_network` builds the real thing (imports Keras).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

_KERAS_APPS = "https://storage.googleapis.com/tensorflow/keras-applications/"


@dataclass(frozen=True)
class Network:
    """One pretrained network.

    Attributes:
        name: The name in project files and the Keras function's name (``MobileNetV3Small``).
        native_size: The input size it was trained at (square images).
        channels: Channels of its last feature map.
        floor_division: Whether the feature map is ``floor(size / 32)`` across (ConvNeXt's
            unpadded stem) rather than ``ceil(size / 32)``.
        param_count: Every weight of the network without its ImageNet classifier.
        trainable_count: The weights that train when the whole network is unfrozen
            (BatchNormalization stays frozen).
        layer_count: How many Keras layers it has (``top N layers`` counts these).
        weights_file: The file name of its ImageNet weights (without the classifier) in the
            Keras cache (``~/.keras/models``).
        weights_hash: That file's published hash (MD5, or SHA-256 for ConvNeXt).
        weights_folder: The folder of Keras's weights store the file is downloaded from.
        preprocessing: ``built_in`` (the network rescales 0..255 pixels itself) or ``tf``
            (pixels scaled to -1..1 before the network, as ``resnet_v2.preprocess_input``).
        doc: One line for the palette.
    """

    name: str
    native_size: int
    channels: int
    floor_division: bool
    param_count: int
    trainable_count: int
    layer_count: int
    weights_file: str
    weights_hash: str
    weights_folder: str
    preprocessing: str
    doc: str

    @property
    def weights_url(self) -> str:
        """Where Keras publishes the ImageNet weights file."""
        return f"{_KERAS_APPS}{self.weights_folder}/{self.weights_file}"

    def feature_size(self, size: int) -> int:
        """Return the feature map's height and width for a ``size`` x ``size`` input."""
        return size // 32 if self.floor_division else math.ceil(size / 32)


NETWORKS: dict[str, Network] = {network.name: network for network in (
    Network("MobileNetV3Small", 224, 576, False, 939_120, 914_896, 157,
            "weights_mobilenet_v3_small_224_1.0_float_no_top_v2.h5",
            "d3e8ec802a04aa4fc771ee12a9a9b836", "mobilenet_v3", "built_in",
            "The smallest and fastest (0.9 M weights); a good first try on a CPU."),
    Network("MobileNetV3Large", 224, 960, False, 2_996_352, 2_947_552, 187,
            "weights_mobilenet_v3_large_224_1.0_float_no_top_v2.h5",
            "07fb09a5933dd0c8eaafa16978110389", "mobilenet_v3", "built_in",
            "Fast and more accurate than the small one (3 M weights)."),
    Network("EfficientNetV2B0", 224, 1280, False, 5_919_312, 5_798_096, 270,
            "efficientnetv2-b0_notop.h5", "893217f2bb855e2983157299931e43ff",
            "efficientnet_v2", "built_in",
            "Accurate for its size (5.9 M weights)."),
    Network("EfficientNetV2B1", 240, 1280, False, 6_931_124, 6_788_980, 334,
            "efficientnetv2-b1_notop.h5", "0e80663031ca32d657f9caa404b6ec37",
            "efficientnet_v2", "built_in",
            "A little larger and more accurate than B0 (6.9 M weights, 240 pixels)."),
    Network("EfficientNetV2B2", 260, 1408, False, 8_769_374, 8_604_798, 349,
            "efficientnetv2-b2_notop.h5", "1dfe2e7a5d45b6632553a8961ea609eb",
            "efficientnet_v2", "built_in",
            "Larger again (8.8 M weights, 260 pixels)."),
    Network("ResNet50V2", 224, 2048, False, 23_564_800, 23_473_920, 190,
            "resnet50v2_weights_tf_dim_ordering_tf_kernels_notop.h5",
            "fac2f116257151a9d068a22e544a4917", "resnet", "tf",
            "The classic residual network (23.6 M weights); slow on a CPU."),
    Network("ConvNeXtTiny", 224, 768, True, 27_820_128, 27_820_128, 133,
            "convnext_tiny_notop.h5",
            "d547c096cabd03329d7be5562c5e14798aa39ed24b474157cef5e85ab9e49ef1", "convnext",
            "built_in", "A modern convolutional network (27.8 M weights); slow on a CPU."),
)}
"""Every network a Backbone row may use, by name."""

POOLINGS = ("none", "avg", "max")
TRAINABLE = ("frozen", "top", "all")
MINIMUM_SIZE = 32


def get_network(name: str) -> Network:
    """Return the network called ``name``.

    Raises:
        KeyError: ``name`` is not one of :data:`NETWORKS`, with the names that are.
    """
    try:
        return NETWORKS[name]
    except KeyError:
        raise KeyError(f"unknown network {name!r}; choose one of {', '.join(NETWORKS)}") from None


def output_shape(network: str, size: int | None, pooling: str) -> tuple[int, ...]:
    """Return the Backbone's output shape (without the batch axis).

    Args:
        network: The network's name.
        size: The input size it runs at (``None``: its native size).
        pooling: ``none`` (a feature map), ``avg`` or ``max`` (one vector).
    """
    info = get_network(network)
    if pooling != "none":
        return (info.channels,)
    side = info.feature_size(size or info.native_size)
    return (side, side, info.channels)


def trainable_count(network: str, trainable: str, top_layers: int) -> int:
    """Return how many weights train with the Backbone's ``trainable`` setting.

    ``frozen`` and ``all`` come from the table; ``top`` builds the network once per process
    (without initializing its weights) to count the weights of its last ``top_layers``.
    """
    info = get_network(network)
    if trainable == "frozen":
        return 0
    if trainable == "all":
        return info.trainable_count
    counts = _layer_counts(network)
    return sum(counts[-top_layers:]) if top_layers else 0


_LAYER_COUNTS: dict[str, list[int]] = {}


def _layer_counts(network: str) -> list[int]:
    """Return the trainable weights of each layer (0 for BatchNormalization), cached."""
    if network not in _LAYER_COUNTS:
        model = network_outline(network, MINIMUM_SIZE, "none")
        _LAYER_COUNTS[network] = [
            0 if is_batch_normalization(layer)
            else sum(math.prod(weight.shape) for weight in layer.trainable_weights)
            for layer in model.layers]
    return _LAYER_COUNTS[network]


def is_batch_normalization(layer: Any) -> bool:
    """Whether ``layer`` is a BatchNormalization layer (kept frozen when fine-tuning)."""
    import keras

    return isinstance(layer, keras.layers.BatchNormalization)


def network_outline(network: str, size: int, pooling: str) -> Any:
    """Build ``network`` with weights that are never initialized (for counting and shapes:
    much faster), leaving nothing for Keras to initialize later."""
    import keras
    from keras.src.backend.common import global_state

    pending = global_state.get_global_attribute("uninitialized_variables", [],
                                                set_to_default=True)
    start = len(pending)
    try:
        with keras.StatelessScope(initialize_variables=False):
            return make_network(network, size, pooling)
    finally:
        del pending[start:]


def make_network(network: str, size: int, pooling: str) -> Any:
    """Build the Keras application ``network`` without weights and without its classifier.

    The networks that rescale pixels themselves are built with that preprocessing
    (``include_preprocessing``); they take 0..255 pixels.
    """
    import keras

    info = get_network(network)
    make = getattr(keras.applications, info.name)
    options: dict[str, Any] = {"include_preprocessing": True} \
        if info.preprocessing == "built_in" else {}
    return make(include_top=False, weights=None, input_shape=(size, size, 3),
                pooling=None if pooling == "none" else pooling, **options)
