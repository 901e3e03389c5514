"""Pretrained networks: a ``Backbone`` row is an ImageNet-trained network without its classifier.

Its shapes and weight counts come from the table in :mod:`dlstudio.core.model.backbones`, so
editing never builds the network; ``build`` looks the weights up (never downloads: training
fetches missing ImageNet weights first, see :mod:`dlstudio.core.model.backbone_weights`) and
returns the layer of :mod:`dlstudio.core.model.backbone_layer`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dlstudio.core.model import backbones
from dlstudio.core.model.catalog import LayerType, ParamSpec, register

BASE_DIR = "base_dir"
"""The key the builder adds to a Backbone's parameters: the folder of the project file, which a
relative weights path starts from."""


def _build(params: dict[str, Any]) -> Any:
    from dlstudio.core.model.backbone_layer import Backbone
    from dlstudio.core.model.backbone_weights import resolve

    base = params.get(BASE_DIR)
    path = resolve(params["weights"], params["network"], Path(base) if base else None)
    return Backbone(params["network"], params["input_size"], params["pooling"],
                    params["trainable"], params["top_layers"],
                    str(path) if path is not None else None)


def _infer(params: dict[str, Any], shape: tuple[Any, ...]) -> tuple[tuple[Any, ...], int, int]:
    if shape[-1] not in (1, 3):
        raise ValueError(f"Backbone takes images with 1 or 3 colour channels but gets "
                         f"{shape[-1]} channels.",
                         "Put the Backbone first in the stack, right after the image input.")
    network = params["network"]
    output = backbones.output_shape(network, params["input_size"], params["pooling"])
    trainable = backbones.trainable_count(network, params["trainable"], params["top_layers"])
    return output, backbones.get_network(network).param_count, trainable


register(LayerType(
    name="Backbone",
    category="Pretrained",
    doc="A network pretrained on ImageNet (without its classifier) that turns images into "
        "features; train a small head on them (transfer learning).",
    params=(
        ParamSpec("network", "choice", "MobileNetV3Small",
                  "Which network: MobileNetV3Small is fastest on a CPU; larger ones are "
                  "more accurate.", choices=tuple(backbones.NETWORKS)),
        ParamSpec("input_size", "int", None,
                  "Images are resized to this inside the model; not set: the network's own "
                  "(224 for most).",
                  minimum=backbones.MINIMUM_SIZE, maximum=1024, optional=True),
        ParamSpec("weights", "text", "imagenet",
                  "imagenet (Keras cache, downloaded once), none (random start) or a "
                  "weights file's path.", choices=("imagenet", "none")),
        ParamSpec("trainable", "choice", "frozen",
                  "frozen keeps the pretrained weights; top trains the last layers; all "
                  "trains all but BatchNorm.",
                  choices=backbones.TRAINABLE),
        ParamSpec("top_layers", "int", 20,
                  "With trainable = top: how many of the network's last layers train.",
                  minimum=1, maximum=1000),
        ParamSpec("pooling", "choice", "none",
                  "none outputs the feature map (add pooling after it); avg or max: one "
                  "vector per image.", choices=backbones.POOLINGS),
    ),
    build=_build,
    key_params=("network", "trainable"),
    icon="category-pretrained",
    input_ranks=(3,),
    infer=_infer,
))
