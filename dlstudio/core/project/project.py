"""The project: everything needed to rebuild, train, evaluate and export a model.

A project is a tree of dataclasses saved as human-readable JSON with ``schema_version`` at the top
and paths relative to the file. :func:`load_project` validates every field and reports each problem
with its exact place (``model.layers[3].params.units: expected an integer >= 1, got -4``) —
the field-by-field reading lives in :mod:`dlstudio.core.project.reading`; :func:`save_project`
writes a temporary file and renames it, so a crash never leaves half a file.
"""

from __future__ import annotations

import copy
import json
import os
import re
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from dlstudio.core.errors import ProjectError
from dlstudio.core.model import catalog
from dlstudio.core.project import layer_tree
from dlstudio.core.project.fields import describe
from dlstudio.core.tasks import task_names

SCHEMA_VERSION = 2
PROJECT_SUFFIX = ".dlstudio.json"

DATA_KINDS = ("csv", "images")
TASKS = ("auto", *task_names())  # every registered task (core/tasks/), or chosen from the data
COLUMN_ROLES = ("feature", "target", "ignored")
COLUMN_KINDS = ("numeric", "categorical", "text", "identifier", "constant")
TEXT_ENCODINGS = ("tfidf", "sequence")
COLOR_MODES = ("rgb", "grayscale")
FLIP_MODES = ("none", "horizontal", "vertical", "horizontal_and_vertical")
LOSSES = (
    "auto",
    "categorical_crossentropy",
    "sparse_categorical_crossentropy",
    "binary_crossentropy",
    "mse",
    "mae",
    "huber",
)
OPTIMIZERS = ("adam", "adamw", "sgd", "rmsprop", "adagrad", "nadam")
SCHEDULES = ("constant", "step", "exponential", "cosine", "reduce_on_plateau")
CLIP_MODES = ("none", "norm", "value")
CLASS_WEIGHT_MODES = ("none", "balanced")
DEVICE_CHOICES = ("auto", "cpu", "gpu", "all_gpus")
REFIT_MODES = ("auto", "on", "off")
REFIT_AUTO_ROWS = 2000
"""``training.refit_on_all`` ``auto`` refits a table of fewer training rows than this (the
figures behind it are in ``benchmarks/README.md``, § Tabular defaults)."""
INITIALIZER_DEFAULTS = ("layer_default",) + catalog.INITIALIZERS
TUNING_DIRECTIONS = ("auto", "minimize", "maximize")
TUNING_SAMPLERS = ("tpe", "random", "grid", "cmaes")
TUNING_PRUNERS = ("median", "hyperband", "successive_halving", "none")
CALENDAR_FEATURES = ("day_of_week", "month", "day_of_year", "hour")
MISSING_RULES = ("interpolate", "forward_fill", "drop_windows")


@dataclass
class ColumnSpec:
    """How one CSV column is read.

    Attributes:
        name: The column's header in the file.
        role: ``feature`` (an input), ``target`` (what to predict) or ``ignored``.
        kind: ``numeric``, ``categorical``, ``text``, ``identifier`` or ``constant``.
    """

    name: str
    role: str = "feature"
    kind: str = "numeric"


@dataclass
class AugmentationSpec:
    """Random image changes applied in training only (all off by default).

    Attributes:
        flip: Random flips: ``none``, ``horizontal``, ``vertical`` or both.
        rotation: Largest rotation as a fraction of a full turn (0.1 = 36 degrees).
        zoom: Largest zoom in or out as a fraction of the size.
        contrast: Largest contrast change as a fraction.
        translation: Largest shift as a fraction of height and width.
    """

    flip: str = "none"
    rotation: float = 0.0
    zoom: float = 0.0
    contrast: float = 0.0
    translation: float = 0.0


@dataclass
class SeriesSpec:
    """How a CSV file is read as a time series for forecasting (``data.task = "forecasting"``).

    Each sample is a window of ``window`` consecutive rows; the model forecasts the targets'
    next ``horizon`` rows after it. Ranges and help live in
    :data:`dlstudio.core.project.settings_schema.SERIES_SETTINGS`.

    Attributes:
        time_column: The column of dates, datetimes or ordered whole numbers (a year) that
            orders the rows; empty: the rows are in time order as they are.
        targets: The series to forecast (one, or several for a multivariate output); their
            past is always an input.
        past_covariates: Other columns known only up to the forecast's start (inputs over
            the window).
        known_covariates: Columns known in advance for the forecast's steps too (a holiday
            flag, a planned price); inputs over the window and the horizon.
        window: Rows of history the model sees (the lookback).
        horizon: Steps forecast ahead, 1..horizon, all at once (direct multi-output).
        stride: Rows between the starts of two training windows.
        calendar_features: Known covariates derived from the time column, each as a sine and
            a cosine: ``day_of_week``, ``month``, ``day_of_year``, ``hour``.
        missing: How missing values are filled: ``interpolate`` (linearly in time),
            ``forward_fill`` (the last value seen) or ``drop_windows`` (windows that touch a
            missing value are left out).
        season_length: Rows per season for the seasonal-naive baseline (12 for monthly data
            with a yearly cycle); 0 detects it from the training part.
    """

    time_column: str = ""
    targets: list[str] = field(default_factory=list)
    past_covariates: list[str] = field(default_factory=list)
    known_covariates: list[str] = field(default_factory=list)
    window: int = 24
    horizon: int = 1
    stride: int = 1
    calendar_features: list[str] = field(default_factory=list)
    missing: str = "interpolate"
    season_length: int = 0

    def input_columns(self) -> list[str]:
        """The file's columns the model reads: targets, then past, then known covariates."""
        return [*self.targets, *self.past_covariates, *self.known_covariates]


@dataclass
class DataSpec:
    """Where the data is and how to read it.

    Attributes:
        kind: ``csv`` or ``images``.
        path: The CSV file or image folder, relative to the project file (or absolute).
        target: The CSV column to predict (``None`` for image folders: the class folders are it).
        task: ``auto`` (classification for a categorical target, regression for a numeric one),
            ``classification``, ``regression`` or ``forecasting`` (with ``series``), or another
            registered task.
        columns: How each CSV column is read; columns not listed are inferred on load.
        text_encoding: Text columns as a TF-IDF bag of words (``tfidf``) or as token sequences
            for an Embedding layer (``sequence``).
        max_tokens: Vocabulary size for text columns.
        sequence_length: Tokens kept per text in ``sequence`` mode.
        image_size: ``[height, width]`` that images are resized to.
        color_mode: ``rgb`` or ``grayscale``.
        augmentation: Random changes to training images.
        test_path: A separate CSV file whose rows are the test split (relative like ``path``);
            the main file then holds training and validation rows only (``split.test`` is 0).
        validation_path: A separate CSV file whose rows are the validation split
            (``split.validation`` is then 0).
        series: How the file is read as a time series (``None`` unless ``task`` is
            ``forecasting``); written to the file only when set.
        normal_classes: Anomaly detection (task ``reconstruction`` on labelled data): the
            classes that are normal; training and the threshold use only their samples, and
            evaluation scores how well the others are flagged. Empty: every sample is normal.
            Written only when set.
        drop_duplicates: Leave out CSV rows that repeat an earlier row in every feature and
            the target, before splitting (the file is not changed; data read for evaluation
            or prediction keeps every row); written to the file only when on.
    """

    kind: str = "csv"
    path: str = ""
    target: str | None = None
    task: str = "auto"
    columns: list[ColumnSpec] = field(default_factory=list)
    text_encoding: str = "tfidf"
    max_tokens: int = 5000
    sequence_length: int = 64
    image_size: list[int] = field(default_factory=lambda: [64, 64])
    color_mode: str = "rgb"
    augmentation: AugmentationSpec = field(default_factory=AugmentationSpec)
    test_path: str | None = None
    validation_path: str | None = None
    series: SeriesSpec | None = None
    normal_classes: list[str] = field(default_factory=list)
    drop_duplicates: bool = False

    def column(self, name: str) -> ColumnSpec | None:
        """Return the spec of column ``name``, or ``None`` when it is not listed."""
        return next((column for column in self.columns if column.name == name), None)


@dataclass
class SplitSpec:
    """How rows or images are divided into training, validation and test sets.

    Attributes:
        train: Fraction for training.
        validation: Fraction for validation (curves, early stopping).
        test: Fraction held out for the final evaluation.
        seed: Seed of the random split.
        stratified: Keep class proportions equal across the splits (classification only).
    """

    train: float = 0.7
    validation: float = 0.15
    test: float = 0.15
    seed: int = 42
    stratified: bool = True


def split_shares(split: SplitSpec, *, test_file: bool,
                 validation_file: bool) -> tuple[float, float, float]:
    """Return ``(train, validation, test)`` shares of the main file when the test and/or
    validation rows come from their own files (``init --test/--validation``, the GUI's split
    editor): a split given by a file takes no share, and the held-out splits that remain take
    15% of the main file together (85/15), in the proportion ``split`` gave them; with both
    files, every row of the main file trains. With neither, ``split``'s shares are kept.
    """
    test = 0.0 if test_file else split.test
    validation = 0.0 if validation_file else split.validation
    if not (test_file or validation_file):
        return split.train, split.validation, split.test
    held_out = test + validation
    if held_out == 0.0:
        return 1.0, 0.0, 0.0
    return (0.85, *(round(0.15 * share / held_out, 6) for share in (validation, test)))


_IMMUTABLE = (str, int, float, bool, type(None))


@dataclass
class LayerSpec:
    """One row of the stack: a catalog layer, or a block that holds stacks of rows.

    Attributes:
        type: A type name from :mod:`dlstudio.core.model.catalog` (``Dense``, ``Conv2D``,
            ``Residual``, …).
        params: Parameter values; missing ones take the catalog defaults.
        name: An optional label the user gave the row.
        id: Its stable id, unique in the whole project (``dense_1``, ``residual_2``); empty
            until the project assigns one (:meth:`ModelSpec.assign_ids`).
        stacks: The inner stacks of a block (one for ``Residual``, ``Skip`` and ``Repeat``, two
            or more for ``Branches``); empty for a plain layer.
    """

    type: str
    params: dict[str, Any] = field(default_factory=dict)
    name: str | None = None
    id: str = ""
    stacks: list[list[LayerSpec]] = field(default_factory=list)

    @classmethod
    def of(cls, type_name: str, name: str | None = None, *,
           stacks: list[list[LayerSpec]] | None = None, **params: Any) -> LayerSpec:
        """Return a row of catalog type ``type_name`` with every parameter filled in.

        A block gets ``stacks`` (default: as many empty stacks as it needs at least). The id
        stays empty: the model gives one when the row joins it.

        Raises:
            ProjectError: The type is unknown, a parameter value is invalid, or ``stacks``
                does not fit the type.
        """
        layer_type = catalog.find(type_name)
        if layer_type is None:
            raise ProjectError([f"unknown layer type {describe(type_name)}; "
                                f"{catalog.suggest(type_name)}"])
        values, problems = catalog.validate_params(type_name, params)
        if problems:
            raise ProjectError([f"{type_name}.{problem}" for problem in problems])
        fewest, most = layer_type.stack_count
        inner = [[] for _ in range(fewest)] if stacks is None else [list(s) for s in stacks]
        if len(inner) < fewest or (most is not None and len(inner) > most):
            raise ProjectError([f"{type_name}.stacks: {type_name} holds "
                                f"{layer_type.stack_count_text()} stacks, got {len(inner)}"])
        return cls(type=type_name, params=values, name=name, stacks=inner)

    def __deepcopy__(self, memo: dict[int, Any]) -> LayerSpec:
        """Copy the row and its stacks (plain values shared: they are immutable). Several
        times faster than the generic deep copy, which shape inference pays on every edit."""
        params = {name: value if isinstance(value, _IMMUTABLE) else copy.deepcopy(value, memo)
                  for name, value in self.params.items()}
        stacks = [[layer.__deepcopy__(memo) for layer in stack] for stack in self.stacks]
        return LayerSpec(self.type, params, self.name, self.id, stacks)

    @property
    def is_block(self) -> bool:
        """Whether the row is a block (its type holds stacks) rather than a plain layer."""
        layer_type = catalog.find(self.type)
        return bool(self.stacks) or (layer_type is not None and layer_type.is_block)

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON-ready form: ``id``, ``type``, ``name`` (when set), ``params`` and
        ``stacks`` (blocks only)."""
        body: dict[str, Any] = {"id": self.id, "type": self.type}
        if self.name is not None:
            body["name"] = self.name
        body["params"] = copy.deepcopy(self.params)
        if self.stacks or self.is_block:
            body["stacks"] = [[layer.to_dict() for layer in stack] for stack in self.stacks]
        return body


@dataclass
class ModelSpec:
    """The layer stack between the preprocessed inputs and the output head.

    Rows may be blocks holding stacks of rows (see :mod:`dlstudio.core.project.layer_tree`);
    every row has an id unique in the project.

    A table whose data has more than one kind of input (numbers and categories, a text column
    read as token ids) may give each **input group** its own stack (``inputs``); the groups'
    outputs are joined by ``merge`` and feed ``layers``. Without ``inputs`` the preprocessed
    features arrive as one tensor, as always.

    Attributes:
        layers: The user's rows, first to last.
        add_output_head: Add the output layer the task needs (unless the stack ends in one).
        template: The template the stack started from, for information only.
        initial_weights: A weights file (relative to the project file, or absolute) whose
            arrays start a fresh run instead of random ones, by row id — written by
            ``dlstudio import`` (see :mod:`dlstudio.core.training.initial_weights`); ``None``
            for random starts. Written to the file only when set.
        inputs: A stack per input group, keyed by the group's name (``table`` for the numeric
            and categorical columns as one vector, a text column's name for its token ids; see
            ``Dataset.input_shapes``); empty for one preprocessed input. A group the data has
            but ``inputs`` leaves out joins the merge unchanged.
        merge: How the input groups' outputs are joined (``concatenate``, ``add``,
            ``multiply``, ``average``, ``maximum``); used only with ``inputs``.
        parts: Named stacks for a task that trains more than one network (``Task.parts``):
            ``encoder`` and ``decoder`` (reconstruction, VAE), ``generator`` and
            ``discriminator`` (GAN); empty for a task with one stack, which uses ``layers``.
            With parts, ``layers`` and ``inputs`` are empty. Written only when set.
        latent_dim: The size of the code a part draws or makes: a VAE's latent vector, a GAN's
            noise (an autoencoder's code is its encoder's output). Written only with parts.
        issued_ids: The highest id number issued per id stem in this session, so a deleted
            row's id is never given to a new row (not saved).
    """

    layers: list[LayerSpec] = field(default_factory=list)
    add_output_head: bool = True
    template: str | None = None
    initial_weights: str | None = None
    inputs: dict[str, list[LayerSpec]] = field(default_factory=dict)
    merge: str = "concatenate"
    parts: dict[str, list[LayerSpec]] = field(default_factory=dict)
    latent_dim: int = 16
    issued_ids: dict[str, int] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self.assign_ids()

    @property
    def side_stacks(self) -> dict[str, list[LayerSpec]]:
        """The named top-level stacks besides ``layers`` that edits reach: the parts when the
        model has them, else the input stacks (a model never has both)."""
        return self.parts or self.inputs

    def stack_place(self, name: str) -> str:
        """Return the place of the side stack ``name`` in messages: ``model.parts.decoder``
        or ``model.inputs.review``."""
        if name in self.parts:
            return layer_tree.part_place(name)
        return layer_tree.input_place(name)

    def every_stack_row(self) -> list[LayerSpec]:
        """Return the top-level rows of every input stack and part, then ``layers`` (the rows
        whose ids must be unique together)."""
        return [*(row for stack in self.inputs.values() for row in stack),
                *(row for stack in self.parts.values() for row in stack), *self.layers]

    def assign_ids(self) -> None:
        """Give every row without an id (inner rows and input stacks included) a fresh one."""
        layer_tree.ensure_ids(self.every_stack_row(), self.issued_ids)

    def new_id(self, type_name: str) -> str:
        """Return an id for a new row of ``type_name`` that no row has had in this project."""
        return layer_tree.new_id(type_name, layer_tree.all_ids(self.every_stack_row()),
                                 self.issued_ids)

    def prepared(self, layers: list[LayerSpec]) -> list[LayerSpec]:
        """Return copies of ``layers`` with fresh ids wherever an id is missing or taken,
        ready to be inserted into this model (duplicates, templates, pasted rows)."""
        return layer_tree.with_fresh_ids(layers, self.every_stack_row(), self.issued_ids)

    def find(self, layer_id: str) -> LayerSpec | None:
        """Return the row (at any depth, input stacks included) with id ``layer_id``."""
        found = layer_tree.find(self.every_stack_row(), layer_id)
        return found.layer if found else None

    def walk(self) -> list[layer_tree.Located]:
        """Return every row depth-first with its enclosing blocks and position."""
        return list(layer_tree.walk(self.layers))

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON-ready form (ids are assigned first where missing)."""
        self.assign_ids()
        body: dict[str, Any] = {"layers": [layer.to_dict() for layer in self.layers],
                                "add_output_head": self.add_output_head,
                                "template": self.template}
        if self.initial_weights:
            body["initial_weights"] = self.initial_weights
        if self.inputs:
            body["inputs"] = {group: [layer.to_dict() for layer in stack]
                              for group, stack in self.inputs.items()}
            body["merge"] = self.merge
        if self.parts:
            body["parts"] = {part: [layer.to_dict() for layer in stack]
                             for part, stack in self.parts.items()}
            body["latent_dim"] = self.latent_dim
        return body


@dataclass
class ScheduleSpec:
    """How the learning rate changes during training.

    Attributes:
        kind: ``constant``, ``step`` (times ``factor`` every ``step_epochs``), ``exponential``
            (times ``factor`` per epoch, smoothly), ``cosine`` (linear warm-up for
            ``warmup_epochs`` then cosine decay to zero), ``reduce_on_plateau`` (times ``factor``
            when validation loss stalls for ``patience`` epochs).
        factor: Multiplier applied at each decay.
        step_epochs: Epochs between two steps of ``step`` decay.
        warmup_epochs: Warm-up length of ``cosine``.
        patience: Epochs without improvement before ``reduce_on_plateau`` lowers the rate.
        min_learning_rate: Floor for ``reduce_on_plateau``.
    """

    kind: str = "constant"
    factor: float = 0.5
    step_epochs: int = 10
    warmup_epochs: int = 0
    patience: int = 3
    min_learning_rate: float = 1e-6


@dataclass
class EarlyStoppingSpec:
    """Stop when the validation loss stops improving, and keep the best weights.

    Attributes:
        enabled: Whether to stop early.
        monitor: The logged value to watch (``val_loss``, ``val_accuracy``, …).
        patience: Epochs without improvement before stopping.
        min_delta: Smallest change that counts as an improvement.
    """

    enabled: bool = False
    monitor: str = "val_loss"
    patience: int = 5
    min_delta: float = 0.0


@dataclass
class GanSpec:
    """How a GAN's two networks train against each other (task ``gan`` only).

    Attributes:
        generator_learning_rate: The generator's optimizer's learning rate.
        discriminator_learning_rate: The discriminator's optimizer's learning rate.
        label_smoothing: One-sided label smoothing: the discriminator learns real images as
            ``1 - label_smoothing`` instead of 1 (0 = off).
        critic_steps: Discriminator updates per generator update.
        grid_seed: Seeds the fixed noise of the live sample grid.
        ema_decay: Images are drawn from a moving average of the generator's weights with
            this decay (smoother than the last step's generator; 0 = off, draw from the
            generator itself).
    """

    generator_learning_rate: float = 2e-4
    discriminator_learning_rate: float = 2e-4
    label_smoothing: float = 0.1
    critic_steps: int = 1
    grid_seed: int = 0
    ema_decay: float = 0.999


@dataclass
class AutoencoderSpec:
    """An autoencoder's and a VAE's own settings (tasks ``reconstruction`` and ``vae``).

    Attributes:
        anomaly_percentile: An autoencoder flags a sample as an anomaly when its
            reconstruction error is above this percentile of the validation split's errors.
        beta: A VAE's weight of the KL term against the reconstruction error.
        kl_warmup_epochs: A VAE's KL weight rises linearly from 0 to ``beta`` over these
            epochs (0 = off).
    """

    anomaly_percentile: float = 95.0
    beta: float = 1.0
    kl_warmup_epochs: int = 0


@dataclass
class FineTuneSpec:
    """The second phase of transfer learning: fine-tuning a frozen Backbone's top layers.

    Attributes:
        epochs: Epochs of the second phase, after ``training.epochs`` with the Backbone frozen
            (0 = no second phase). Applies only to a model with a frozen Backbone row.
        layers: How many of the Backbone's last layers are unfrozen (BatchNormalization
            stays frozen and in inference mode).
        learning_rate_factor: The second phase's learning rate is the first one's times this.
    """

    epochs: int = 0
    layers: int = 20
    learning_rate_factor: float = 0.1


@dataclass
class TrainingSpec:
    """Training settings.

    Attributes:
        epochs: Passes over the training set.
        batch_size: Samples per step.
        loss: ``auto`` (from the task) or a loss name.
        label_smoothing: Classification targets are mixed with the uniform distribution by
            this fraction (0 = off); ``auto`` then trains with categorical cross-entropy.
        optimizer: ``adam``, ``adamw``, ``sgd``, ``rmsprop``, ``adagrad`` or ``nadam``.
        learning_rate: Initial learning rate.
        momentum: Momentum of SGD (and RMSprop).
        nesterov: Nesterov momentum for SGD.
        weight_decay: Decoupled weight decay on the optimizer (0 = off).
        schedule: Learning-rate schedule.
        early_stopping: Early stopping.
        clip_mode: Gradient clipping: ``none``, ``norm`` or ``value``.
        clip_value: The clipping threshold.
        class_weights: ``none`` or ``balanced`` (weights inverse to class frequency).
        gradient_accumulation_steps: Batches whose gradients are summed before one update.
        mixed_precision: Compute in float16 (GPUs only; ignored with a message on the CPU).
        initializer: Default weight initializer for layers left at ``layer_default``.
        seed: Fixes shuffling and initial weights (the split has its own seed).
        device: ``auto`` (all GPUs, else the CPU), ``cpu``, ``gpu`` (the first) or ``all_gpus``.
        steps_per_execution: Steps run per call into the backend; 0 chooses automatically.
        adversarial_epsilon: Adversarial training: FGSM perturbation size ε in the input's
            units (pixel values; a numeric column's standard deviation); 0 = off.
        adversarial_share: The fraction of each batch replaced by its perturbed copy.
        refit_on_all: After early stopping found the best epoch count, train a fresh model on
            the training and validation rows together for that many epochs: ``on``, ``off``
            or ``auto`` (on for a small table; see :mod:`dlstudio.core.training.refit`).
        gan: A GAN's own settings (written to the file only when they differ from the
            defaults).
        autoencoder: An autoencoder's and a VAE's own settings (written to the file only when
            they differ from the defaults).
        fine_tune: The fine-tuning phase of a model with a frozen Backbone (written only when
            it differs from the defaults).
    """

    epochs: int = 20
    batch_size: int = 32
    loss: str = "auto"
    label_smoothing: float = 0.0
    optimizer: str = "adam"
    learning_rate: float = 1e-3
    momentum: float = 0.9
    nesterov: bool = False
    weight_decay: float = 0.0
    schedule: ScheduleSpec = field(default_factory=ScheduleSpec)
    early_stopping: EarlyStoppingSpec = field(default_factory=EarlyStoppingSpec)
    clip_mode: str = "none"
    clip_value: float = 1.0
    class_weights: str = "none"
    gradient_accumulation_steps: int = 1
    mixed_precision: bool = False
    initializer: str = "layer_default"
    seed: int = 42
    device: str = "auto"
    steps_per_execution: int = 0
    adversarial_epsilon: float = 0.0
    adversarial_share: float = 0.5
    refit_on_all: str = "auto"
    gan: GanSpec = field(default_factory=GanSpec)
    autoencoder: AutoencoderSpec = field(default_factory=AutoencoderSpec)
    fine_tune: FineTuneSpec = field(default_factory=FineTuneSpec)


@dataclass
class SearchParameter:
    """One setting that a study searches, by its path in the project.

    Either a range (``low`` to ``high``; ``log`` spaces it logarithmically, ``step`` makes it
    a grid of steps) or ``choices`` (a list of values to pick from).

    Attributes:
        path: The setting (``training.learning_rate``,
            ``model.layers[id=dense_1].params.units``).
        low: The smallest value of a range.
        high: The largest value of a range.
        log: Sample the range on a log scale (learning rates, weight decay).
        step: Only values ``low + k * step`` (whole numbers: a step of 1 by default).
        choices: The values to choose from (instead of a range).
    """

    path: str
    low: float | None = None
    high: float | None = None
    log: bool = False
    step: float | None = None
    choices: list[Any] = field(default_factory=list)

    @property
    def is_choice(self) -> bool:
        """Whether the setting is chosen from a list rather than a range."""
        return bool(self.choices)

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON-ready form (only what is set)."""
        if self.choices:
            return {"path": self.path, "choices": list(self.choices)}
        body: dict[str, Any] = {"path": self.path, "low": self.low, "high": self.high}
        if self.log:
            body["log"] = True
        if self.step is not None:
            body["step"] = self.step
        return body


@dataclass
class TuningSpec:
    """A hyperparameter search over the project's settings (``dlstudio tune``, the Tune tab).

    Attributes:
        search: The settings searched and their ranges or choices.
        objective: The logged value to optimise (``val_loss``, ``val_accuracy``, …); a trial's
            value is its best epoch's.
        direction: ``minimize``, ``maximize`` or ``auto`` (minimize losses and errors,
            maximize the rest).
        trials: Trials in the study, all machines together.
        timeout_minutes: No trial starts after this many minutes (0: no limit).
        epochs: Epochs per trial (0: the training settings' number).
        sampler: ``tpe`` (Bayesian, the default), ``random``, ``grid`` or ``cmaes``.
        pruner: Stops bad trials early from their per-epoch values: ``median``,
            ``hyperband``, ``successive_halving`` or ``none``.
        pruner_startup_trials: Trials that finish before the median pruner stops any.
        pruner_warmup_epochs: Epochs a trial always trains before it may be stopped.
        workers: Trials at once on this machine (0: one per GPU, else a few CPU workers).
    """

    search: list[SearchParameter] = field(default_factory=list)
    objective: str = "val_loss"
    direction: str = "auto"
    trials: int = 20
    timeout_minutes: float = 0.0
    epochs: int = 0
    sampler: str = "tpe"
    pruner: str = "median"
    pruner_startup_trials: int = 3
    pruner_warmup_epochs: int = 1
    workers: int = 0

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON-ready form."""
        body = asdict(self)
        body["search"] = [parameter.to_dict() for parameter in self.search]
        return body


@dataclass
class Project:
    """A whole project.

    Attributes:
        name: A display name.
        data: The data source.
        split: The train/validation/test split.
        model: The layer stack.
        training: Training settings.
        tuning: The hyperparameter search (written to the file only when it differs from the
            defaults).
        path: Where the project was loaded from or saved to (not stored in the file).
    """

    name: str = "Untitled"
    data: DataSpec = field(default_factory=DataSpec)
    split: SplitSpec = field(default_factory=SplitSpec)
    model: ModelSpec = field(default_factory=ModelSpec)
    training: TrainingSpec = field(default_factory=TrainingSpec)
    tuning: TuningSpec = field(default_factory=TuningSpec)
    path: Path | None = field(default=None, compare=False)

    @property
    def base_dir(self) -> Path:
        """The folder that relative paths in the project are resolved against."""
        return self.path.parent if self.path else Path.cwd()

    def data_path(self) -> Path:
        """Return the data source's path, resolved against the project file's folder."""
        return (self.base_dir / self.data.path).resolve()

    def initial_weights_path(self) -> Path | None:
        """Return the model's initial-weights file resolved against the project file's folder,
        or ``None`` when the model starts from random weights."""
        weights = self.model.initial_weights
        return (self.base_dir / weights).resolve() if weights else None

    def split_file_paths(self) -> dict[str, Path]:
        """Return the separate files that give a split (``test``, ``validation``), resolved
        against the project file's folder; empty when every split comes from ``data.path``."""
        files = {"test": self.data.test_path, "validation": self.data.validation_path}
        return {split: (self.base_dir / path).resolve() for split, path in files.items() if path}

    def data_path_warning(self) -> str | None:
        """Return a warning when the data path leads out of the project file's folder.

        A project file from someone else can point anywhere (``/etc/passwd``); reading it is
        allowed, but said. ``None`` for data inside the folder, or a project never saved.
        """
        if not self.data.path or self.path is None:
            return None
        folder = Path(os.path.realpath(self.base_dir))
        data = Path(os.path.realpath(self.data_path()))
        if data == folder or folder in data.parents:
            return None
        return (f"the project's data path leads out of its folder: it reads {data}, outside "
                f"{folder}; check that this is the data you mean")

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON-ready form, with ``schema_version`` first."""
        body = asdict(self)
        body.pop("path")
        body["model"] = self.model.to_dict()
        if body["data"]["series"] is None:
            body["data"].pop("series")
        if not body["data"]["drop_duplicates"]:
            body["data"].pop("drop_duplicates")
        if self.training.gan == GanSpec():
            body["training"].pop("gan")
        if not self.data.normal_classes:
            body["data"].pop("normal_classes")
        if self.training.autoencoder == AutoencoderSpec():
            body["training"].pop("autoencoder")
        if self.training.fine_tune == FineTuneSpec():
            body["training"].pop("fine_tune")
        if self.training.refit_on_all == "auto":
            body["training"].pop("refit_on_all")  # files from before the setting stay as-is
        if self.tuning == TuningSpec():
            body.pop("tuning")
        else:
            body["tuning"] = self.tuning.to_dict()
        return {"schema_version": SCHEMA_VERSION, **body}

    def copy(self) -> Project:
        """Return a deep copy (same path)."""
        return copy.deepcopy(self)


_SCALAR = r"(?:-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?|true|false|null)"
_SCALAR_LIST = re.compile(rf"\[\s*({_SCALAR}(?:,\s*{_SCALAR})*)\s*\]")


def project_to_json(project: Project) -> str:
    """Return the project as indented JSON text, short lists of numbers kept on one line."""
    text = json.dumps(project.to_dict(), indent=2, ensure_ascii=False)
    text = _SCALAR_LIST.sub(lambda match: "[" + re.sub(r",\s+", ", ", match.group(1)) + "]",
                            text)
    return text + "\n"


def save_project(project: Project, path: str | os.PathLike[str]) -> Path:
    """Write ``project`` to ``path`` atomically and make the data path relative to it.

    Args:
        project: The project; its ``path`` is set to ``path``.
        path: The file to write.

    Returns:
        The absolute path written.
    """
    target = Path(path).resolve()
    split_files = project.split_file_paths()
    weights = project.initial_weights_path()
    if project.data.path:
        data_path = project.data_path()
        project.data.path = _relative_path(data_path, target.parent)
    for split, split_path in split_files.items():
        setattr(project.data, f"{split}_path", _relative_path(split_path, target.parent))
    if weights is not None:
        project.model.initial_weights = _relative_path(weights, target.parent)
    project.path = target
    atomic_write_text(target, project_to_json(project))
    return target


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file and a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, _file_mode(path))
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _file_mode(path: Path) -> int:
    """Return the mode a rewritten file keeps: its own, or the default for a new file."""
    try:
        return path.stat().st_mode & 0o777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def load_project(path: str | os.PathLike[str]) -> Project:
    """Read and validate a project file.

    Raises:
        ProjectError: The file is missing, not JSON, or has invalid settings; the error lists
            every problem with its place.
    """
    source = Path(path)
    try:
        text = source.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ProjectError(["file not found; check the path"], str(source)) from None
    except (OSError, UnicodeDecodeError) as error:
        raise ProjectError([f"cannot be read ({error})"], str(source)) from None
    project = project_from_json(text, source=str(source))
    project.path = source.resolve()
    return project


def project_from_json(text: str, source: str | None = None) -> Project:
    """Parse and validate project JSON text (see :func:`load_project`)."""
    from dlstudio.core.project.reading import project_from_dict  # it builds this module's classes

    too_deep = ProjectError(
        ["is nested too deeply to be a project file (brackets inside brackets, hundreds of "
         "levels down); restore it from a backup or recreate it with `dlstudio init`"], source)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise ProjectError(
            [f"is not valid JSON (line {error.lineno}, column {error.colno}: {error.msg}); "
             "the file may be truncated — restore it from a backup or recreate it with "
             "`dlstudio init`"],
            source,
        ) from None
    except RecursionError:
        raise too_deep from None
    try:
        return project_from_dict(data, source)
    except RecursionError:
        raise too_deep from None


def _relative_path(path: Path, base: Path) -> str:
    try:
        return os.path.relpath(path, base)
    except ValueError:  # a different drive on Windows
        return str(path)


def suggested_project_path(project: Project) -> Path:
    """Where to save a project that has no file yet: beside its data, named after it.

    ``data/iris.csv`` gives ``data/iris.dlstudio.json``; the image folder ``data/flowers``
    gives ``data/flowers.dlstudio.json`` (beside the folder, not inside it). A name already
    taken gets a number (``iris-2.dlstudio.json``). Without data: the project's name in the
    home folder.
    """
    if project.data.path:
        data = project.data_path()
        folder, stem = data.parent, data.name if data.is_dir() else data.stem
    else:
        folder, stem = Path.home(), ""
    stem = stem or re.sub(r"[^\w-]+", "_", project.name).strip("_") or "project"
    path, number = folder / f"{stem}{PROJECT_SUFFIX}", 1
    while path.exists():
        number += 1
        path = folder / f"{stem}-{number}{PROJECT_SUFFIX}"
    return path
