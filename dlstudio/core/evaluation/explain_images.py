"""Where an image model looks: Grad-CAM and gradient saliency, and heat maps over the image.

- **Gradient saliency**: how much the predicted class's probability changes with each pixel
  (the absolute gradient, the largest over the colour channels), for any image model.
- **Grad-CAM** (Selvaraju et al., 2017): the last convolutional layer's feature maps weighted
  by the mean gradient of the class's probability over each map, kept where positive, scaled
  up to the image — coarse but steady; only for models with a convolutional layer.

Both maps are scaled to 0..1. :func:`overlay` blends a map over the image as a heat map (NumPy
only), for Try it and the worst-errors list. A few lines of ``tf.GradientTape`` do this for
every model dlstudio builds (preprocessing included), so no explanation library is needed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

CONV_TYPES = ("Conv2D", "SeparableConv2D", "DepthwiseConv2D")


@dataclass
class ImageExplanation:
    """The maps of one image, at the size the model reads.

    Attributes:
        pixels: The image as the model reads it, ``(height, width, channels)``, 0..255.
        class_index: The class explained (the predicted one unless asked otherwise).
        saliency: ``(height, width)`` gradient saliency, 0..1.
        grad_cam: ``(height, width)`` Grad-CAM, 0..1, or ``None`` without a conv layer.
        layer: The convolutional layer Grad-CAM used, or ``None``.
    """

    pixels: np.ndarray
    class_index: int
    saliency: np.ndarray
    grad_cam: np.ndarray | None
    layer: str | None

    def overlaid(self) -> np.ndarray:
        """The image with Grad-CAM over it (saliency without a conv layer), ``uint8`` RGB."""
        return overlay(self.pixels, self.saliency if self.grad_cam is None else self.grad_cam)


def last_conv_layer(model: Any) -> str | None:
    """The name of the model's last 2-D convolution (``None`` when it has none)."""
    names = [layer.name for layer in model.layers if type(layer).__name__ in CONV_TYPES]
    return names[-1] if names else None


def explain_image(model: Any, image: Any, class_index: int | None = None) -> ImageExplanation:
    """Explain one image (a batch of one, as the run's data pipeline gives it).

    Args:
        model: The run's Keras model (image input; preprocessing inside).
        image: A ``(1, height, width, channels)`` float array or tensor, or a dict of one.
        class_index: The class to explain (``None``: the most probable).

    Returns:
        The maps (see :class:`ImageExplanation`).
    """
    import keras
    import tensorflow as tf

    name = next(iter(model.input)) if isinstance(model.input, dict) else None
    pixels = tf.convert_to_tensor(image[name] if isinstance(image, dict) else image,
                                  dtype=tf.float32)
    layer = last_conv_layer(model)
    outputs = [model.get_layer(layer).output, model.output] if layer else [model.output]
    probe = keras.Model(model.inputs, outputs)
    with tf.GradientTape(persistent=True) as tape:
        tape.watch(pixels)
        results = probe({name: pixels} if name else pixels, training=False)
        features, output = (results[0], results[1]) if layer else (None, results)
        output = tf.reshape(output, (1, -1))
        if class_index is None:
            class_index = _predicted(output)
        score = _class_score(output, class_index)
    saliency = tf.reduce_max(tf.abs(tape.gradient(score, pixels)), axis=-1)[0].numpy()
    grad_cam = None
    if layer is not None:
        gradients = tape.gradient(score, features)
        weights = tf.reduce_mean(gradients, axis=(1, 2), keepdims=True)
        cam = tf.nn.relu(tf.reduce_sum(weights * features, axis=-1))[..., tf.newaxis]
        grad_cam = tf.image.resize(cam, pixels.shape[1:3])[0, ..., 0].numpy()
    del tape
    return ImageExplanation(pixels[0].numpy(), int(class_index), _unit(saliency),
                            None if grad_cam is None else _unit(grad_cam), layer)


def _predicted(output: Any) -> int:
    values = output.numpy()[0]
    return int(values[0] >= 0.5) if values.size == 1 else int(values.argmax())


def _class_score(output: Any, class_index: int) -> Any:
    """The class's probability (a single sigmoid unit is class 1; class 0 is 1 − p)."""
    if output.shape[-1] == 1:
        return output[0, 0] if class_index == 1 else 1.0 - output[0, 0]
    return output[0, class_index]


def _unit(values: np.ndarray) -> np.ndarray:
    values = np.nan_to_num(np.asarray(values, dtype=np.float32))
    low, high = float(values.min()), float(values.max())
    return (values - low) / (high - low) if high > low else np.zeros_like(values)


def heat_colours(heat: np.ndarray) -> np.ndarray:
    """Map 0..1 values to RGB (blue → green → yellow → red), ``uint8`` of shape ``(..., 3)``."""
    heat = np.clip(np.asarray(heat, dtype=np.float32), 0.0, 1.0)
    stops = np.array([[37, 99, 235], [22, 163, 74], [250, 204, 21], [220, 38, 38]], np.float32)
    position = heat * (len(stops) - 1)
    low = np.minimum(position.astype(int), len(stops) - 2)
    blend = (position - low)[..., None]
    return (stops[low] * (1 - blend) + stops[low + 1] * blend).round().astype(np.uint8)


def overlay(pixels: np.ndarray, heat: np.ndarray, strength: float = 0.55) -> np.ndarray:
    """Blend ``heat`` (0..1, same height and width) over ``pixels`` (0..255, 1 or 3 channels).

    The heat map shows where it is strong; weak places keep the image. Returns ``uint8`` RGB.
    """
    image = np.asarray(pixels, dtype=np.float32)
    if image.ndim == 2:
        image = image[..., None]
    if image.shape[-1] == 1:
        image = np.repeat(image, 3, axis=-1)
    alpha = (strength * np.clip(heat, 0.0, 1.0))[..., None]
    blended = image[..., :3] * (1 - alpha) + heat_colours(heat).astype(np.float32) * alpha
    return np.clip(blended, 0, 255).round().astype(np.uint8)
