"""Regularization layers: random noise or dropping in training, to reduce overfitting."""

from __future__ import annotations

from dlstudio.core.model.catalog import LayerType, ParamSpec, register
from dlstudio.core.model.catalog_layers._common import keras, rate

register(LayerType(
    name="Dropout",
    category="Regularization",
    doc="Randomly zeroes a fraction of its inputs during training to reduce overfitting.",
    params=(rate(0.5, "Fraction of inputs set to zero at random in training."),),
    build=lambda p: keras().layers.Dropout(p["rate"]),
    key_params=("rate",),
    icon="dropout",
))

register(LayerType(
    name="SpatialDropout1D",
    category="Regularization",
    doc="Dropout for sequences: drops whole features across all steps in training.",
    params=(rate(0.2, "Fraction of features dropped at random in training."),),
    build=lambda p: keras().layers.SpatialDropout1D(p["rate"]),
    key_params=("rate",),
    icon="dropout",
    input_ranks=(2,),
))

register(LayerType(
    name="SpatialDropout2D",
    category="Regularization",
    doc="Dropout for images: drops whole channels (feature maps) in training.",
    params=(rate(0.2, "Fraction of channels dropped at random in training."),),
    build=lambda p: keras().layers.SpatialDropout2D(p["rate"]),
    key_params=("rate",),
    icon="dropout",
    input_ranks=(3,),
))

register(LayerType(
    name="GaussianNoise",
    category="Regularization",
    doc="Adds random noise to its inputs in training so the model learns to ignore small "
        "changes.",
    params=(ParamSpec("stddev", "float", 0.1, "How strong the noise is (its standard "
                      "deviation).", minimum=0.0, maximum=10.0),),
    build=lambda p: keras().layers.GaussianNoise(p["stddev"]),
    key_params=("stddev",),
    icon="dropout",
))

register(LayerType(
    name="GaussianDropout",
    category="Regularization",
    doc="Multiplies inputs by random noise around 1 in training (a smooth kind of dropout).",
    params=(rate(0.1, "How strong the noise is, like a dropout rate.", maximum=0.9),),
    build=lambda p: keras().layers.GaussianDropout(p["rate"]),
    key_params=("rate",),
    icon="dropout",
))

register(LayerType(
    name="AlphaDropout",
    category="Regularization",
    doc="Dropout that keeps the mean and spread of its inputs; pair it with selu layers.",
    params=(rate(0.1, "Fraction of inputs dropped at random in training.", maximum=0.9),),
    build=lambda p: keras().layers.AlphaDropout(p["rate"]),
    key_params=("rate",),
    icon="dropout",
))

register(LayerType(
    name="ActivityRegularization",
    category="Regularization",
    doc="Adds a penalty on large outputs to the loss, pushing the layer before it to stay "
        "small.",
    params=(
        ParamSpec("l1", "float", 0.0, "Penalty on the sum of absolute outputs.",
                  minimum=0.0, maximum=10.0),
        ParamSpec("l2", "float", 0.01, "Penalty on the sum of squared outputs.",
                  minimum=0.0, maximum=10.0),
    ),
    build=lambda p: keras().layers.ActivityRegularization(l1=p["l1"], l2=p["l2"]),
    key_params=("l1", "l2"),
    icon="dropout",
))
