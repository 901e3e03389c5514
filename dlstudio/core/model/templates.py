"""Named starting stacks, each suited to one kind of data.

A template is a list of catalog layers between the preprocessed input and the output head;
the builder adds the head (softmax, sigmoid or linear) for the task, so every template serves
classification and regression alike. :func:`choose_template` picks one that fits the data when
``dlstudio init`` or the GUI is not told which.

Data kinds a template fits: ``table`` (a CSV's preprocessed feature vector), ``images`` (height,
width, channels), ``text`` (a CSV whose text is read as token sequences for an Embedding) and
``series`` (a window of a time series, ``(steps, columns)``, for forecasting; see
:mod:`dlstudio.core.data.series`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from dlstudio.core.errors import UserInputError
from dlstudio.core.model.gan_templates import dcgan_parts
from dlstudio.core.project.project import DataSpec, LayerSpec, ModelSpec

DATA_KINDS = ("table", "images", "text", "series")
DEFAULT_VOCABULARY = 5000
DEFAULT_SEQUENCE_LENGTH = 64


@dataclass(frozen=True)
class Template:
    """A named starting stack.

    Attributes:
        name: Its name on the command line and in project files (``cnn``).
        title: A short title for menus.
        doc: One line on what it is and when to use it.
        kinds: The data kinds it fits (:data:`DATA_KINDS`).
        make: ``make(vocabulary_size, sequence_length)`` returns fresh layers; the two sizes
            matter only to templates for text.
        task: The task a template with parts sets (``reconstruction``, ``vae``, ``gan``);
            ``None`` for a template of one stack, which serves the data's task.
        make_parts: For a template with parts: ``make_parts(data)`` returns fresh stacks by
            part name (``model.parts``), sized for the data (an image's size and channels).
        latent_dim: ``model.latent_dim`` of a template with parts.
        min_image_side: The smallest side ``init`` sizes images to for this template (``None``:
            the usual 32 pixels; a GAN keeps 8x8 digits 8x8).
        settings: Training settings the template starts with, as ``(path under training,
            value)`` pairs (``transfer``: its two phases), set by ``init`` and the Templates
            menu with the layers.
    """

    name: str
    title: str
    doc: str
    kinds: tuple[str, ...]
    make: Callable[[int, int], list[LayerSpec]]
    task: str | None = None
    make_parts: Callable[[DataSpec], dict[str, list[LayerSpec]]] | None = None
    latent_dim: int = 16
    min_image_side: int | None = None
    settings: tuple[tuple[str, Any], ...] = ()

    def parts_for(self, data: DataSpec) -> dict[str, list[LayerSpec]]:
        """Return the template's parts sized for a project's data (empty without parts)."""
        return self.make_parts(data) if self.make_parts is not None else {}

    def model_for(self, data: DataSpec) -> ModelSpec:
        """Return a new model of this template for a project's data: its layers, or its parts
        and latent size."""
        parts = self.parts_for(data)
        if parts:
            return ModelSpec(parts=parts, latent_dim=self.latent_dim, template=self.name)
        return ModelSpec(layers=self.layers_for(data), template=self.name)

    def layers(self, vocabulary_size: int = DEFAULT_VOCABULARY,
               sequence_length: int = DEFAULT_SEQUENCE_LENGTH) -> list[LayerSpec]:
        """Return the template's layers (new objects each call, safe to edit).

        Args:
            vocabulary_size: Token ids of text input (the project's ``data.max_tokens``);
                sets the first Embedding's ``input_dim``.
            sequence_length: Tokens per text (the project's ``data.sequence_length``); sets
                how many positions a PositionalEmbedding covers.
        """
        return self.make(vocabulary_size, sequence_length)

    def layers_for(self, data: DataSpec) -> list[LayerSpec]:
        """Return the template's layers sized for a project's data.

        The one way ``dlstudio init --template`` and the GUI's Templates menu size a template:
        the vocabulary from ``data.max_tokens`` and the positions a PositionalEmbedding covers
        from ``data.sequence_length`` (for a series: its window and horizon).

        Args:
            data: The project's data section.
        """
        if data.series is not None:
            return self.layers(data.max_tokens, data.series.window + data.series.horizon)
        return self.layers(data.max_tokens, data.sequence_length)


def _mlp(vocabulary_size: int, sequence_length: int) -> list[LayerSpec]:
    # Three wide layers with light dropout (RealMLP's and TabM's backbone: 256 wide); with
    # weight decay and a cosine schedule from `dlstudio init` (see from_data.py).
    return [
        LayerSpec.of("Dense", units=256, activation="relu", kernel_initializer="he_uniform"),
        LayerSpec.of("Dropout", rate=0.1),
        LayerSpec.of("Dense", units=256, activation="relu", kernel_initializer="he_uniform"),
        LayerSpec.of("Dropout", rate=0.1),
        LayerSpec.of("Dense", units=256, activation="relu", kernel_initializer="he_uniform"),
    ]


def _conv_block(filters: int) -> list[LayerSpec]:
    # Momentum 0.9 (not Keras's 0.99): the running statistics used at prediction time settle
    # within a few dozen steps, which small image folders (a few steps per epoch) need.
    return [
        LayerSpec.of("Conv2D", filters=filters, kernel_size=[3, 3], activation="linear",
                     use_bias=False, kernel_initializer="he_uniform"),
        LayerSpec.of("BatchNormalization", momentum=0.9),
        LayerSpec.of("Activation", activation="relu"),
        LayerSpec.of("MaxPooling2D", pool_size=[2, 2]),
    ]


def _cnn(vocabulary_size: int, sequence_length: int) -> list[LayerSpec]:
    return [
        *_conv_block(32),
        *_conv_block(64),
        *_conv_block(128),
        LayerSpec.of("GlobalAveragePooling2D"),
        LayerSpec.of("Dropout", rate=0.3),
        LayerSpec.of("Dense", units=64, activation="relu", kernel_initializer="he_uniform"),
    ]


def _residual_unit(filters: int) -> list[LayerSpec]:
    # conv-BN-relu-conv-BN with a shortcut around it (He et al. 2016), then relu; the Residual
    # adds a 1x1 projection when the filters change.
    def conv() -> LayerSpec:
        return LayerSpec.of("Conv2D", filters=filters, kernel_size=[3, 3], activation="linear",
                            use_bias=False, kernel_initializer="he_uniform")

    return [
        LayerSpec.of("Residual", stacks=[[
            conv(), LayerSpec.of("BatchNormalization", momentum=0.9),
            LayerSpec.of("Activation", activation="relu"),
            conv(), LayerSpec.of("BatchNormalization", momentum=0.9),
        ]]),
        LayerSpec.of("Activation", activation="relu"),
    ]


def _resnet(vocabulary_size: int, sequence_length: int) -> list[LayerSpec]:
    return [
        *_conv_block(32),
        *_residual_unit(32),
        LayerSpec.of("MaxPooling2D", pool_size=[2, 2]),
        *_residual_unit(64),
        LayerSpec.of("MaxPooling2D", pool_size=[2, 2]),
        *_residual_unit(128),
        LayerSpec.of("GlobalAveragePooling2D"),
        LayerSpec.of("Dropout", rate=0.3),
    ]


def _transfer(vocabulary_size: int, sequence_length: int) -> list[LayerSpec]:
    # The Keras transfer-learning recipe: an ImageNet network, frozen (its BatchNormalization in
    # inference mode), global pooling, dropout, then the head; training.fine_tune adds the
    # phase that unfreezes its top layers at a lower rate.
    return [
        LayerSpec.of("Backbone", network="MobileNetV3Small", weights="imagenet",
                     trainable="frozen", pooling="none"),
        LayerSpec.of("GlobalAveragePooling2D"),
        LayerSpec.of("Dropout", rate=0.2),
    ]


def _wide_and_deep(vocabulary_size: int, sequence_length: int) -> list[LayerSpec]:
    # Cheng et al. 2016: a linear (wide) path that memorizes direct effects of the features
    # beside a deep MLP that generalizes; their outputs side by side feed the output head.
    wide = [LayerSpec.of("Dense", units=16, activation="linear")]
    return [LayerSpec.of("Branches", merge="concatenate",
                         stacks=[wide, _mlp(vocabulary_size, sequence_length)])]


def _lstm(vocabulary_size: int, sequence_length: int) -> list[LayerSpec]:
    return [
        LayerSpec.of("Embedding", input_dim=vocabulary_size, output_dim=64, mask_zero=True),
        LayerSpec.of("Bidirectional", cell="LSTM", units=32),
        LayerSpec.of("Dropout", rate=0.3),
        LayerSpec.of("Dense", units=32, activation="relu"),
    ]


def _text_cnn(vocabulary_size: int, sequence_length: int) -> list[LayerSpec]:
    return [
        LayerSpec.of("Embedding", input_dim=vocabulary_size, output_dim=64, mask_zero=False),
        LayerSpec.of("Dropout", rate=0.2),
        LayerSpec.of("Conv1D", filters=64, kernel_size=5, activation="relu"),
        LayerSpec.of("GlobalMaxPooling1D"),
        LayerSpec.of("Dense", units=32, activation="relu"),
    ]


def _transformer(vocabulary_size: int, sequence_length: int) -> list[LayerSpec]:
    # Two post-norm encoder blocks spelled out with Residual blocks (the same computation as the
    # TransformerEncoderBlock layer): attention added back to its input and normalized, then a
    # feed-forward network added back and normalized.
    width = 64
    encoder = [
        LayerSpec.of("Residual", stacks=[[
            LayerSpec.of("MultiHeadSelfAttention", num_heads=4, key_dim=16, dropout=0.1),
            LayerSpec.of("Dropout", rate=0.1),
        ]]),
        LayerSpec.of("LayerNormalization", epsilon=1e-6),
        LayerSpec.of("Residual", stacks=[[
            LayerSpec.of("Dense", units=2 * width, activation="relu"),
            LayerSpec.of("Dense", units=width, activation="linear"),
            LayerSpec.of("Dropout", rate=0.1),
        ]]),
        LayerSpec.of("LayerNormalization", epsilon=1e-6),
    ]
    return [
        LayerSpec.of("Embedding", input_dim=vocabulary_size, output_dim=width, mask_zero=True),
        LayerSpec.of("PositionalEmbedding", max_length=sequence_length),
        LayerSpec.of("Repeat", count=2, stacks=[encoder]),
        LayerSpec.of("GlobalAveragePooling1D"),
        LayerSpec.of("Dropout", rate=0.2),
        LayerSpec.of("Dense", units=32, activation="relu"),
    ]


def _no_layers(vocabulary_size: int, sequence_length: int) -> list[LayerSpec]:
    return []  # a template with parts keeps its layers in model.parts


def _stride_steps(data: DataSpec, most: int = 2) -> int:
    """How many stride-2 steps an image of the data's size takes (each halves both sides)."""
    steps = 0
    height, width = data.image_size
    while steps < most and height % 2 == 0 and width % 2 == 0 and min(height, width) >= 8:
        height, width, steps = height // 2, width // 2, steps + 1
    return steps


def _conv_encoder(data: DataSpec, code: int | None) -> list[LayerSpec]:
    layers = [LayerSpec.of("Conv2D", filters=filters, kernel_size=[3, 3], strides=[2, 2],
                           padding="same", activation="relu")
              for filters in (32, 64)[:_stride_steps(data)]]
    layers.append(LayerSpec.of("Flatten"))
    if code is not None:
        layers.append(LayerSpec.of("Dense", units=code, activation="linear"))
    return layers


def _conv_decoder(data: DataSpec) -> list[LayerSpec]:
    steps = _stride_steps(data)
    height, width = (side // 2 ** steps for side in data.image_size)
    filters = (32, 64)[:steps][::-1] or (32,)
    layers = [LayerSpec.of("Dense", units=height * width * filters[0], activation="relu"),
              LayerSpec.of("Reshape", target_shape=[height, width, filters[0]])]
    layers += [LayerSpec.of("Conv2DTranspose", filters=count, kernel_size=[3, 3],
                            strides=[2, 2], padding="same", activation="relu")
               for count in filters[:steps]]
    return layers


def _dense_encoder(code: int | None) -> list[LayerSpec]:
    layers = [LayerSpec.of("Dense", units=64, activation="relu"),
              LayerSpec.of("Dense", units=32, activation="relu")]
    if code is not None:
        layers.append(LayerSpec.of("Dense", units=code, activation="linear"))
    return layers


def _dense_decoder() -> list[LayerSpec]:
    return [LayerSpec.of("Dense", units=32, activation="relu"),
            LayerSpec.of("Dense", units=64, activation="relu")]


AUTOENCODER_CODE = 8


def _autoencoder_parts(data: DataSpec) -> dict[str, list[LayerSpec]]:
    # The decoder's output layer (a 1x1 convolution with a sigmoid for images, a linear Dense
    # for rows) is added by the builder to fit the data's shape.
    if data.kind == "images":
        return {"encoder": _conv_encoder(data, 32), "decoder": _conv_decoder(data)}
    return {"encoder": _dense_encoder(AUTOENCODER_CODE), "decoder": _dense_decoder()}


def _vae_parts(data: DataSpec) -> dict[str, list[LayerSpec]]:
    # The encoder's mean and log-variance heads (Dense(latent_dim) each) come with the task.
    if data.kind == "images":
        return {"encoder": _conv_encoder(data, None), "decoder": _conv_decoder(data)}
    return {"encoder": _dense_encoder(None), "decoder": _dense_decoder()}


def _text_gru(vocabulary_size: int, sequence_length: int) -> list[LayerSpec]:
    return [
        LayerSpec.of("Embedding", input_dim=vocabulary_size, output_dim=64, mask_zero=True),
        LayerSpec.of("GRU", units=64),
        LayerSpec.of("Dropout", rate=0.3),
        LayerSpec.of("Dense", units=32, activation="relu"),
    ]


def _series_recurrent(cell: str) -> Callable[[int, int], list[LayerSpec]]:
    # One recurrent layer reading the window in time order, then a small Dense layer; the head
    # forecasts every step at once (direct multi-output).
    def make(vocabulary_size: int, sequence_length: int) -> list[LayerSpec]:
        return [LayerSpec.of(cell, units=64),
                LayerSpec.of("Dense", units=32, activation="relu")]

    return make


def _series_tcn(vocabulary_size: int, sequence_length: int) -> list[LayerSpec]:
    # A temporal convolutional network (Bai et al. 2018): residual blocks of causal dilated
    # convolutions (the padding is all on the left, so no step sees a later one), dilations
    # 1, 2, 4, 8 (31 steps seen), then the sequence flattened for the head.
    def causal(dilation: int) -> list[LayerSpec]:
        return [LayerSpec.of("ZeroPadding1D", padding=[2 * dilation, 0]),
                LayerSpec.of("Conv1D", filters=32, kernel_size=3, padding="valid",
                             dilation_rate=dilation, activation="relu",
                             kernel_initializer="he_uniform")]

    return [
        *(LayerSpec.of("Residual", stacks=[causal(dilation)]) for dilation in (1, 2, 4, 8)),
        LayerSpec.of("Conv1D", filters=8, kernel_size=1, activation="relu"),
        LayerSpec.of("Flatten"),
        LayerSpec.of("Dense", units=64, activation="relu"),
    ]


def _series_transformer(vocabulary_size: int, sequence_length: int) -> list[LayerSpec]:
    # Each step projected to 32 numbers, learned positions, two small post-norm encoder blocks
    # (as the text transformer), then the sequence flattened for the head.
    width = 32
    encoder = [
        LayerSpec.of("Residual", stacks=[[
            LayerSpec.of("MultiHeadSelfAttention", num_heads=4, key_dim=8, dropout=0.1),
        ]]),
        LayerSpec.of("LayerNormalization", epsilon=1e-6),
        LayerSpec.of("Residual", stacks=[[
            LayerSpec.of("Dense", units=2 * width, activation="relu"),
            LayerSpec.of("Dense", units=width, activation="linear"),
        ]]),
        LayerSpec.of("LayerNormalization", epsilon=1e-6),
    ]
    return [
        LayerSpec.of("Dense", units=width, activation="linear"),
        LayerSpec.of("PositionalEmbedding", max_length=max(SERIES_POSITIONS, sequence_length)),
        LayerSpec.of("Repeat", count=2, stacks=[encoder]),
        LayerSpec.of("Flatten"),
        LayerSpec.of("Dense", units=64, activation="relu"),
    ]


SERIES_POSITIONS = 512
"""Positions the series transformer has at least, so a longer window still fits."""


def _bottleneck(vocabulary_size: int, sequence_length: int) -> list[LayerSpec]:
    return [
        LayerSpec.of("Dense", units=64, activation="relu", kernel_initializer="he_uniform"),
        LayerSpec.of("Dense", units=16, activation="relu", kernel_initializer="he_uniform"),
        LayerSpec.of("Dense", units=64, activation="relu", kernel_initializer="he_uniform"),
    ]


TEMPLATES: dict[str, Template] = {template.name: template for template in (
    Template("mlp", "Multilayer perceptron",
             "Three wide Dense layers with light dropout: the standard start for tables.",
             ("table",), _mlp),
    Template("cnn", "Small convolutional network",
             "Three conv-batchnorm-relu-pool blocks, global pooling and a Dense layer: for "
             "images.", ("images",), _cnn),
    Template("resnet", "Small residual network (ResNet)",
             "A convolution then three residual units (two convolutions with a shortcut "
             "around them) with pooling between: deeper than the CNN, still quick to train; "
             "for images.", ("images",), _resnet),
    Template("transfer", "Transfer learning",
             "A network pretrained on ImageNet (MobileNetV3Small, frozen), global pooling and "
             "dropout: the best start for a few hundred images per class; its weights are "
             "downloaded once.", ("images",), _transfer,
             settings=(("epochs", 10), ("fine_tune.epochs", 5))),
    Template("wide_deep", "Wide and deep",
             "Two branches on the same features, joined before the head: a linear (wide) "
             "path and a three-layer MLP (deep) path; for tables.", ("table",), _wide_and_deep),
    Template("lstm", "Bidirectional LSTM",
             "An Embedding and a bidirectional LSTM that reads the text both ways: for text "
             "read as token sequences.", ("text",), _lstm),
    Template("text_cnn", "1D convolution over text",
             "An Embedding, a Conv1D and global max pooling: fast, good at spotting key "
             "phrases in text.", ("text",), _text_cnn),
    Template("transformer", "Transformer encoder",
             "An Embedding with positions and two encoder blocks (self-attention and a "
             "feed-forward network, each in a Residual block with normalization after it): "
             "for text read as token sequences.", ("text",), _transformer),
    Template("gru", "GRU over text",
             "An Embedding and a GRU that reads the text in order: lighter than the LSTM, for "
             "text read as token sequences.", ("text",), _text_gru),
    Template("series_gru", "GRU forecaster",
             "A GRU reads the window in time order; the head forecasts every step of the "
             "horizon at once: the default for time series.", ("series",),
             _series_recurrent("GRU")),
    Template("series_lstm", "LSTM forecaster",
             "An LSTM reads the window in time order; the head forecasts every step of the "
             "horizon at once.", ("series",), _series_recurrent("LSTM")),
    Template("series_tcn", "Temporal convolutional network (TCN)",
             "Residual blocks of causal dilated 1-D convolutions (dilations 1, 2, 4, 8) over "
             "the window: fast to train, sees 31 steps back.", ("series",), _series_tcn),
    Template("series_transformer", "Transformer encoder over the window",
             "Each step projected, learned positions, two small self-attention encoder "
             "blocks, then the head.", ("series",), _series_transformer),
    Template("bottleneck", "Bottleneck predictor",
             "Dense layers that squeeze the features through 16 numbers and widen them again; "
             "the output head then predicts the target from that (a predictor, not a "
             "reconstruction model: see autoencoder).", ("table",), _bottleneck),
    Template("autoencoder", "Autoencoder (reconstruction, anomaly detection)",
             "An encoder squeezes each row (Dense layers) or image (stride-2 convolutions) into "
             "a small code and a decoder rebuilds it; samples it rebuilds badly are flagged "
             "as anomalies. Needs no target; name the normal classes to detect the others.",
             ("table", "images"), _no_layers, task="reconstruction",
             make_parts=_autoencoder_parts),
    Template("vae", "Variational autoencoder (VAE)",
             "An autoencoder whose codes follow a normal distribution, so new rows or images "
             "can be drawn from it (dlstudio generate); shows its 2-D latent space.",
             ("table", "images"), _no_layers, task="vae", make_parts=_vae_parts, latent_dim=2
             ),
    Template("dcgan", "DCGAN (generates images)",
             "A GAN: a generator that turns noise into images through stride-2 transposed "
             "convolutions, against a convolutional discriminator; sized for the data's "
             "images (any size 2 divides). Trains without labels.", ("images",), _no_layers,
             task="gan", make_parts=dcgan_parts, min_image_side=8),
)}


def get_template(name: str) -> Template:
    """Return the template called ``name``.

    Raises:
        UserInputError: There is no such template; the message lists them.
    """
    if name not in TEMPLATES:
        names = ", ".join(TEMPLATES)
        raise UserInputError(f"unknown template {name!r}; choose one of {names}")
    return TEMPLATES[name]


def choose_template(kind: str, task: str, feature_shape: Sequence[int | None]) -> Template:
    """Return the template that fits the data.

    Args:
        kind: ``images``, ``text`` (a CSV whose text is read as token sequences),
            ``series`` (windows of a time series), or ``csv``/``table`` (a table of features).
        task: ``classification`` or ``regression``; every template serves both, since the
            builder adds the head the task needs.
        feature_shape: The preprocessed sample's shape; image-shaped data (rank 3) gets the
            CNN whatever ``kind`` says.

    Returns:
        ``cnn`` for images, ``lstm`` for text sequences, ``series_gru`` for series, ``mlp``
        for tables. Images never get ``transfer`` unasked: it needs ImageNet weights that an
        offline machine may lack, so it is offered (``dlstudio init`` says so), not chosen.
    """
    if kind == "series":
        return TEMPLATES["series_gru"]
    if kind == "images" or len(feature_shape) == 3:
        return TEMPLATES["cnn"]
    if kind == "text":
        return TEMPLATES["lstm"]
    return TEMPLATES["mlp"]
