"""Grad-CAM and gradient saliency on tiny models, and the heat-map overlay."""

import numpy as np
import pytest

from dlstudio.core.evaluation.explain_images import (
    explain_image,
    heat_colours,
    last_conv_layer,
    overlay,
)


@pytest.fixture(scope="module")
def left_half_model():
    """A conv model that only sees the left half of an 8x8 grey image (two classes)."""
    import keras

    image = keras.Input((8, 8, 1), name="image")
    left = keras.layers.Cropping2D(((0, 0), (0, 4)))(image)
    features = keras.layers.Conv2D(3, 3, padding="same", activation="relu", name="conv2d_1",
                                   kernel_initializer=keras.initializers.RandomNormal(seed=1),
                                   bias_initializer="ones")(left)
    pooled = keras.layers.GlobalAveragePooling2D()(features)
    output = keras.layers.Dense(2, activation="softmax", name="output",
                                kernel_initializer=keras.initializers.RandomNormal(seed=2))(pooled)
    return keras.Model({"image": image}, output)


def test_saliency_is_zero_where_the_model_does_not_look(left_half_model):
    pixels = np.random.default_rng(0).uniform(0, 255, (1, 8, 8, 1)).astype(np.float32)

    explanation = explain_image(left_half_model, {"image": pixels})

    assert explanation.saliency.shape == (8, 8)
    assert np.all(explanation.saliency[:, 4:] == 0) and explanation.saliency[:, :4].max() == 1
    assert explanation.layer == "conv2d_1"
    assert explanation.grad_cam.shape == (8, 8)
    assert 0.0 <= explanation.grad_cam.min() and explanation.grad_cam.max() <= 1.0
    probabilities = np.asarray(left_half_model({"image": pixels}))[0]
    assert explanation.class_index == int(probabilities.argmax())


@pytest.mark.slow
def test_a_model_without_convolutions_gets_saliency_only(image_run):
    from dlstudio.core.data import load_dataset
    from dlstudio.core.evaluation.evaluate import open_run

    run = open_run(image_run.run)
    inputs = next(iter(load_dataset(run.project).tf_dataset("train", 1)))[0]

    explanation = explain_image(run.model, inputs, class_index=1)

    assert last_conv_layer(run.model) is None and explanation.grad_cam is None
    assert explanation.saliency.shape == (16, 16) and explanation.class_index == 1
    assert explanation.pixels.shape == (16, 16, 3)


def test_overlay_keeps_the_image_where_the_heat_is_zero():
    pixels = np.full((2, 2, 1), 100.0)
    heat = np.array([[0.0, 1.0], [0.0, 0.5]])

    blended = overlay(pixels, heat)

    assert blended.shape == (2, 2, 3) and blended.dtype == np.uint8
    assert blended[0, 0].tolist() == [100, 100, 100]
    assert blended[0, 1].tolist() != [100, 100, 100]
    assert heat_colours(np.array([0.0, 1.0])).tolist() == [[37, 99, 235], [220, 38, 38]]
