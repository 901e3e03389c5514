"""The training and time-series settings, described once: label, kind, range, default, help and
when each applies.

The project reader (:func:`read_training`, :func:`read_series`), the GUI's forms
(``gui/widgets/training_settings.py``) and ``dlstudio info`` (:func:`training_lines`) all walk
:data:`TRAINING_GROUPS` and :data:`SERIES_SETTINGS`, so a range, a choice or a help text is
written here and nowhere else. Defaults are the dataclass defaults
(:class:`~dlstudio.core.project.project.TrainingSpec`,
:class:`~dlstudio.core.project.project.SeriesSpec`; one place for them); a test checks that every
dataclass field has exactly one setting here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from dlstudio.core.model.catalog import ParamSpec
from dlstudio.core.project import project as project_module
from dlstudio.core.project.fields import FieldReader, describe
from dlstudio.core.project.project import (
    AutoencoderSpec,
    EarlyStoppingSpec,
    FineTuneSpec,
    GanSpec,
    ScheduleSpec,
    SeriesSpec,
    TrainingSpec,
)

MONITORS = ("val_loss", "val_accuracy", "val_mae", "loss", "accuracy", "mae")
"""What training logs and early stopping can watch (accuracy for classes, MAE for values)."""
MOST_EPOCHS = 100_000
MOST_STEPS = 100_000
"""The longest window, horizon, stride or season a series setting takes."""


@dataclass(frozen=True)
class Setting:
    """One setting of a section (``training``, ``data.series``).

    Attributes:
        path: Its place under the section (``schedule.factor``).
        label: What forms call it.
        kind: ``int``, ``float``, ``bool``, ``choice``, ``column`` (one column's name, empty
            for none), ``columns`` (a list of column names) or ``choices`` (a list of values
            from ``choices``, each at most once).
        help: One line a beginner understands.
        minimum: Smallest allowed number.
        maximum: Largest allowed number.
        exclusive_minimum: ``minimum`` itself is not allowed.
        choices: The allowed values of a ``choice``.
        applies: Whether the setting has an effect with these settings (forms hide it, and
            ``info`` leaves it out, when it has none); ``None``: always.
        owner: The dataclass of the section, whose defaults are the settings' defaults.
        tasks: The tasks (``data.task``) it applies to; empty: every task.
        replaces: Settings it stands in for, for its tasks (a GAN's two rates replace the
            learning rate, which the task then ignores).
    """

    path: str
    label: str
    kind: str
    help: str
    minimum: float | None = None
    maximum: float | None = None
    exclusive_minimum: bool = False
    choices: tuple[str, ...] = ()
    applies: Callable[[Any], bool] | None = None
    owner: type = TrainingSpec
    tasks: tuple[str, ...] = ()
    replaces: tuple[str, ...] = ()

    @property
    def default(self) -> Any:
        """The value used when a project leaves the setting out."""
        return self.value_in(self.owner())

    def value_in(self, section: Any) -> Any:
        """The setting's value in ``section`` (a ``TrainingSpec``, a ``SeriesSpec``)."""
        value: Any = section
        for part in self.path.split("."):
            value = getattr(value, part)
        return value

    def is_active(self, section: Any, task: str | None = None) -> bool:
        """Whether the setting has an effect with ``section``'s other settings and, when
        ``task`` is given, for that task."""
        if not self.for_task(task):
            return False
        return self.applies is None or self.applies(section)

    def for_task(self, task: str | None) -> bool:
        """Whether the setting can matter for ``task`` (``None``: any task): it is one of the
        task's, and the task does not ignore it (see :func:`task_ignores`)."""
        if task is None:
            return True
        if self.tasks and task not in self.tasks:
            return False
        return not task_ignores(task, self.path)

    def param_spec(self) -> ParamSpec:
        """The setting as a catalog parameter (what the GUI's value editors take)."""
        return ParamSpec(self.path, self.kind, self.default, self.help, minimum=self.minimum,
                         maximum=self.maximum, choices=self.choices,
                         exclusive_minimum=self.exclusive_minimum)

    def read(self, reader: FieldReader, key: str) -> Any:
        """Read the setting from ``reader`` at ``key``, reporting problems at their place."""
        if self.kind == "int":
            return reader.integer(key, self.default, minimum=_whole(self.minimum),
                                  maximum=_whole(self.maximum))
        if self.kind == "float":
            return reader.number(key, self.default, minimum=self.minimum, maximum=self.maximum,
                                 exclusive_minimum=self.exclusive_minimum)
        if self.kind == "bool":
            return reader.boolean(key, self.default)
        if self.kind == "column":
            return reader.string(key, self.default)
        if self.kind in ("columns", "choices"):
            return _read_names(reader, key, self.choices if self.kind == "choices" else None)
        return reader.choice(key, self.choices, self.default)


def _read_names(reader: FieldReader, key: str, choices: tuple[str, ...] | None) -> list[str]:
    """Read a list of distinct non-empty names (each one of ``choices`` when given)."""
    names: list[str] = []
    for item, place in reader.items(key):
        if not isinstance(item, str) or not item:
            reader.problem(place, f"expected a name, got {describe(item)}")
        elif choices is not None and item not in choices:
            reader.problem(place, f"expected one of {', '.join(choices)}, got {describe(item)}")
        elif item in names:
            reader.problem(place, f"{describe(item)} is listed twice; list it once")
        else:
            names.append(item)
    return names


def task_ignores(task: str, path: str) -> bool:
    """Whether ``task`` ignores the general setting at ``path``, by what the task is: early
    stopping when its loss does not fall (a GAN), class weights and label smoothing when it
    learns from the inputs alone, a setting that one of its own settings replaces."""
    from dlstudio.core.tasks import get_task, task_names

    if task not in task_names():
        return False
    rules = get_task(task)
    if path.startswith("early_stopping.") and not rules.loss_falls:
        return True
    if path in ("class_weights", "label_smoothing") and not rules.needs_targets:
        return True
    return any(path in setting.replaces for setting in TRAINING_SETTINGS.values()
               if task in setting.tasks)


def _whole(value: float | None) -> int | None:
    return None if value is None else int(value)


def _schedule(*kinds: str) -> Callable[[TrainingSpec], bool]:
    return lambda training: training.schedule.kind in kinds


def _early(training: TrainingSpec) -> bool:
    return training.early_stopping.enabled


def _fine_tune(training: TrainingSpec) -> bool:
    return training.fine_tune.epochs > 0


TRAINING_GROUPS: tuple[tuple[str, tuple[Setting, ...]], ...] = (
    ("Basics", (
        Setting("epochs", "Epochs", "int", "Passes over the whole training set.", minimum=1,
                maximum=MOST_EPOCHS),
        Setting("batch_size", "Batch size", "int", "Samples per step; 32 suits most problems, "
                "larger is faster on a GPU.", minimum=1, maximum=1_000_000),
        Setting("loss", "Loss", "choice", "What training minimizes. auto: cross-entropy for "
                "classes, mean squared error for values.", choices=project_module.LOSSES),
        Setting("label_smoothing", "Label smoothing", "float", "Classification only: mixes "
                "each target with the other classes by this fraction, so the model is less "
                "over-confident (0 = off).", minimum=0.0, maximum=0.5),
        Setting("optimizer", "Optimizer", "choice", "How weights are updated; adam is a safe "
                "default.", choices=project_module.OPTIMIZERS),
        Setting("learning_rate", "Learning rate", "float", "Step size of each update: too "
                "large diverges, too small learns slowly.", minimum=0.0, maximum=10.0,
                exclusive_minimum=True),
        Setting("momentum", "Momentum", "float", "How much of the previous update carries "
                "over (SGD and RMSprop).", minimum=0.0, maximum=1.0,
                applies=lambda t: t.optimizer in ("sgd", "rmsprop")),
        Setting("nesterov", "Nesterov", "bool", "Look-ahead momentum for SGD.",
                applies=lambda t: t.optimizer == "sgd"),
        Setting("weight_decay", "Weight decay", "float", "Shrinks all weights a little each "
                "step to fight overfitting (0 = off).", minimum=0.0, maximum=1.0),
    )),
    ("Learning-rate schedule", (
        Setting("schedule.kind", "Schedule", "choice", "How the learning rate changes during "
                "training.", choices=project_module.SCHEDULES),
        Setting("schedule.factor", "Factor", "float", "Multiplier applied at each decay.",
                minimum=0.0, maximum=1.0, exclusive_minimum=True,
                applies=_schedule("step", "exponential", "reduce_on_plateau")),
        Setting("schedule.step_epochs", "Step every", "int", "Epochs between two decays of "
                "the step schedule.", minimum=1, maximum=MOST_EPOCHS, applies=_schedule("step")),
        Setting("schedule.warmup_epochs", "Warm-up epochs", "int", "Epochs of linear warm-up "
                "before the cosine decay (at most half the training).", minimum=0,
                maximum=MOST_EPOCHS, applies=_schedule("cosine")),
        Setting("schedule.patience", "Plateau patience", "int", "Epochs without improvement "
                "before the rate is lowered.", minimum=1, maximum=MOST_EPOCHS,
                applies=_schedule("reduce_on_plateau")),
        Setting("schedule.min_learning_rate", "Minimum rate", "float", "The rate never goes "
                "below this.", minimum=0.0, applies=_schedule("reduce_on_plateau")),
    )),
    ("Early stopping", (
        Setting("early_stopping.enabled", "Stop early", "bool", "Stop when the monitored "
                "value stops improving, and keep the best weights."),
        Setting("early_stopping.monitor", "Monitor", "choice", "The logged value watched "
                "(accuracy for classes, mae for values; val_ on the validation split).",
                choices=MONITORS, applies=_early),
        Setting("early_stopping.patience", "Patience", "int", "Epochs without improvement "
                "before stopping.", minimum=1, maximum=MOST_EPOCHS, applies=_early),
        Setting("early_stopping.min_delta", "Minimum change", "float", "Smallest change that "
                "counts as an improvement.", minimum=0.0, applies=_early),
        Setting("refit_on_all", "Refit on all rows", "choice", "Early stopping holds the "
                "validation rows back to find the best number of epochs. Refit then trains a "
                "fresh model on the training and validation rows together for that many "
                "epochs, so every row teaches the final model: it trains about twice as long, "
                "and its validation curves stop where the refit starts (nothing is left to "
                f"validate on). auto: on for tables of fewer than "
                f"{project_module.REFIT_AUTO_ROWS:,} training rows, where the held-back rows "
                "matter most.", choices=project_module.REFIT_MODES,
                applies=_early, tasks=("auto", "classification", "regression")),
    )),
    ("Stability and balance", (
        Setting("clip_mode", "Gradient clipping", "choice", "Limit each update's size: by its "
                "norm or by each value.", choices=project_module.CLIP_MODES),
        Setting("clip_value", "Clip at", "float", "The clipping threshold.", minimum=0.0,
                exclusive_minimum=True, applies=lambda t: t.clip_mode != "none"),
        Setting("class_weights", "Class weights", "choice", "balanced: rare classes count "
                "more, for unbalanced data.", choices=project_module.CLASS_WEIGHT_MODES),
        Setting("gradient_accumulation_steps", "Accumulate gradients", "int", "Batches summed "
                "before one update (a larger batch in less memory).", minimum=1, maximum=1024),
        Setting("initializer", "Initializer", "choice", "Starting weights of layers left at "
                "their default.", choices=project_module.INITIALIZER_DEFAULTS),
    )),
    ("Adversarial training", (
        Setting("adversarial_epsilon", "Attack size ε", "float", "Trains on inputs an "
                "attacker nudged by ε (FGSM) so small deliberate changes fool the model less; "
                "ε is in pixel values (0-255) for images, in standard deviations of each "
                "numeric column for tables. Each step then costs about twice as much. Compare "
                "runs on Evaluate ▸ Robustness. 0 = off.",
                minimum=0.0, maximum=255.0),
        Setting("adversarial_share", "Share attacked", "float", "The fraction of each batch "
                "replaced by its attacked copy (0.5: half clean, half attacked).",
                minimum=0.0, maximum=1.0, exclusive_minimum=True,
                applies=lambda t: t.adversarial_epsilon > 0),
    )),
    ("Hardware and reproducibility", (
        Setting("seed", "Seed", "int", "Fixes shuffling and initial weights: the same seed "
                "gives the same run.", minimum=0),
        Setting("device", "Device", "choice", "auto: every GPU if there is one, else the CPU.",
                choices=project_module.DEVICE_CHOICES),
        Setting("mixed_precision", "Mixed precision", "bool", "Compute in float16: faster on "
                "recent GPUs, ignored on the CPU."),
        Setting("steps_per_execution", "Steps per call", "int", "Steps run per call into "
                "TensorFlow; 0 chooses automatically.", minimum=0, maximum=10_000),
    )),
    ("Fine-tuning (pretrained backbone)", (
        Setting("fine_tune.epochs", "Fine-tune epochs", "int", "With a frozen Backbone: "
                "epochs of a second phase that also trains the Backbone's top layers, after "
                "the head has trained (0 = off).", minimum=0, maximum=MOST_EPOCHS),
        Setting("fine_tune.layers", "Unfrozen layers", "int", "How many of the Backbone's "
                "last layers the second phase trains (BatchNormalization stays frozen).",
                minimum=1, maximum=1000, applies=_fine_tune),
        Setting("fine_tune.learning_rate_factor", "Rate factor", "float", "The second "
                "phase's learning rate is the first one's times this (0.1: ten times lower, "
                "so the pretrained weights change gently).", minimum=0.0, maximum=1.0,
                exclusive_minimum=True, applies=_fine_tune),
    )),
    ("GAN", (
        Setting("gan.generator_learning_rate", "Generator rate", "float", "The generator's "
                "learning rate (its optimizer is the one chosen above).", minimum=0.0,
                maximum=10.0, exclusive_minimum=True, tasks=("gan",),
                replaces=("learning_rate",)),
        Setting("gan.discriminator_learning_rate", "Discriminator rate", "float", "The "
                "discriminator's learning rate; lower it when the discriminator wins too "
                "easily.", minimum=0.0, maximum=10.0, exclusive_minimum=True, tasks=("gan",),
                replaces=("learning_rate",)),
        Setting("gan.label_smoothing", "Real label", "float", "One-sided label smoothing: "
                "real images count as 1 minus this for the discriminator, so it is never "
                "fully sure (0 = off, 0.1 is usual).", minimum=0.0, maximum=0.5,
                tasks=("gan",)),
        Setting("gan.critic_steps", "Critic steps", "int", "Discriminator updates per "
                "generator update.", minimum=1, maximum=20, tasks=("gan",)),
        Setting("gan.grid_seed", "Grid seed", "int", "Fixes the noise behind the live grid "
                "of samples, so each epoch shows the same cells.", minimum=0, tasks=("gan",)),
        Setting("gan.ema_decay", "Average decay", "float", "Samples, the live grid and the "
                "export come from a moving average of the generator's weights, which is "
                "steadier than the generator of any one step (0.999: about the last 1000 "
                "steps; 0 = off).", minimum=0.0, maximum=0.9999, tasks=("gan",)),
    )),
    ("Autoencoder and VAE", (
        Setting("autoencoder.anomaly_percentile", "Anomaly percentile", "float", "A sample "
                "is flagged as an anomaly when its reconstruction error is above this "
                "percentile of the validation errors.", minimum=50.0, maximum=100.0,
                tasks=("reconstruction",)),
        Setting("autoencoder.beta", "KL weight (beta)", "float", "How strongly the VAE's "
                "codes are pulled towards the prior: higher gives smoother samples, lower "
                "sharper reconstructions.", minimum=0.0, maximum=100.0, tasks=("vae",)),
        Setting("autoencoder.kl_warmup_epochs", "KL ramp epochs", "int", "Epochs over "
                "which the KL weight rises from 0 to beta (0 = off); helps the decoder learn "
                "first.", minimum=0, maximum=MOST_EPOCHS, tasks=("vae",)),
    )),
)

TRAINING_SETTINGS: dict[str, Setting] = {
    setting.path: setting for _title, settings in TRAINING_GROUPS for setting in settings}
"""Every training setting by its path under ``training``."""


def _series(label: str, path: str, kind: str, help_text: str, **extra: Any) -> Setting:
    return Setting(path, label, kind, help_text, owner=SeriesSpec, **extra)


SERIES_GROUPS: tuple[tuple[str, tuple[Setting, ...]], ...] = (
    ("Columns", (
        _series("Time column", "time_column", "column", "The column of dates, datetimes or "
                "ordered whole numbers (a year) that orders the rows; empty: the rows are in "
                "time order as they are."),
        _series("Forecast", "targets", "columns", "The series to forecast; their past is "
                "always an input."),
        _series("Past inputs", "past_covariates", "columns", "Other columns the model sees "
                "over the window, known only up to the forecast's start."),
        _series("Known inputs", "known_covariates", "columns", "Columns known in advance for "
                "the forecast's steps too (a holiday flag, a planned price)."),
        _series("Calendar inputs", "calendar_features", "choices", "Known inputs made from "
                "the time column, each as a sine and a cosine.",
                choices=project_module.CALENDAR_FEATURES),
    )),
    ("Windows", (
        _series("Window", "window", "int", "Rows of history the model sees before each "
                "forecast (the lookback).", minimum=1, maximum=MOST_STEPS),
        _series("Horizon", "horizon", "int", "Steps forecast ahead, all at once (1 = the next "
                "row only).", minimum=1, maximum=MOST_STEPS),
        _series("Stride", "stride", "int", "Rows between the starts of two training windows "
                "(1 = every window).", minimum=1, maximum=MOST_STEPS),
        _series("Missing values", "missing", "choice", "interpolate: linearly in time; "
                "forward_fill: the last value seen; drop_windows: leave out windows that "
                "touch one.", choices=project_module.MISSING_RULES),
        _series("Season length", "season_length", "int", "Rows per season for the seasonal "
                "naive baseline (12 for monthly data); 0 detects it.", minimum=0,
                maximum=MOST_STEPS),
    )),
)

SERIES_SETTINGS: dict[str, Setting] = {
    setting.path: setting for _title, settings in SERIES_GROUPS for setting in settings}
"""Every time-series setting by its path under ``data.series``."""


def read_series(reader: FieldReader) -> SeriesSpec:
    """Read the ``data.series`` section through the schema; problems go to ``reader``.

    Besides each setting's own range it checks that there is a target and that no column has
    two roles (the time column, a target, a past or a known input).
    """
    reader.check_known(SeriesSpec.__dataclass_fields__)
    series = SeriesSpec(**{path: setting.read(reader, path)
                           for path, setting in SERIES_SETTINGS.items()})
    if not series.targets:
        reader.problem(reader.place("targets"), "lists no column to forecast; name at least "
                                                "one numeric column")
    roles: dict[str, str] = {}
    if series.time_column:
        roles[series.time_column] = "time_column"
    for role in ("targets", "past_covariates", "known_covariates"):
        for name in getattr(series, role):
            if name in roles:
                reader.problem(reader.place(role), f"{describe(name)} is already in "
                                                   f"{roles[name]}; give each column one role")
            roles.setdefault(name, role)
    if series.calendar_features and not series.time_column:
        reader.problem(reader.place("calendar_features"),
                       "needs a time column of dates to derive them from; set time_column, "
                       "or remove the calendar inputs")
    return series


_SECTIONS = {"schedule": ScheduleSpec, "early_stopping": EarlyStoppingSpec, "gan": GanSpec,
             "autoencoder": AutoencoderSpec, "fine_tune": FineTuneSpec}


def read_training(reader: FieldReader) -> TrainingSpec:
    """Read the ``training`` section through the schema; problems go to ``reader``."""
    reader.check_known(TrainingSpec.__dataclass_fields__)
    children = {name: reader.child(name) for name in _SECTIONS}
    for name, child in children.items():
        child.check_known(_SECTIONS[name].__dataclass_fields__)
    top: dict[str, Any] = {}
    nested: dict[str, dict[str, Any]] = {name: {} for name in _SECTIONS}
    for setting in TRAINING_SETTINGS.values():
        section, _, key = setting.path.rpartition(".")
        if section:
            nested[section][key] = setting.read(children[section], key)
        else:
            top[key] = setting.read(reader, key)
    sections = {name: spec(**nested[name]) for name, spec in _SECTIONS.items()}
    return TrainingSpec(**top, **sections)


def training_lines(training: TrainingSpec, task: str | None = None) -> list[str]:
    """The settings that have an effect (for ``task``, when given), one line per group, for
    ``dlstudio info``.

    A value that differs from the default is marked with ``*``.
    """
    lines = []
    for title, settings in TRAINING_GROUPS:
        shown = []
        for setting in settings:
            if not setting.is_active(training, task):
                continue
            value = setting.value_in(training)
            mark = "" if value == setting.default else "*"
            shown.append(f"{setting.label.lower()} {_text(value)}{mark}")
        if shown:
            lines.append(f"  {title}: {', '.join(shown)}")
    return ["Training (* = changed from the default):", *lines]


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)
