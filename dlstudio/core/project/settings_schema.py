"""The training settings, described once: label, kind, range, default, help and when each applies.

The project reader (:func:`read_training`), the GUI's training form
(``gui/widgets/training_settings.py``) and ``dlstudio info`` (:func:`training_lines`) all walk
:data:`TRAINING_GROUPS`, so a range, a choice or a help text is written here and nowhere else.
Defaults are the :class:`~dlstudio.core.project.project.TrainingSpec` dataclass defaults (one
place for them); a test checks that every dataclass field has exactly one setting here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from dlstudio.core.model.catalog import ParamSpec
from dlstudio.core.project import project as project_module
from dlstudio.core.project.fields import FieldReader
from dlstudio.core.project.project import EarlyStoppingSpec, ScheduleSpec, TrainingSpec

MONITORS = ("val_loss", "val_accuracy", "val_mae", "loss", "accuracy", "mae")
"""What training logs and early stopping can watch (accuracy for classes, MAE for values)."""
MOST_EPOCHS = 100_000

_DEFAULTS = TrainingSpec()


@dataclass(frozen=True)
class Setting:
    """One training setting.

    Attributes:
        path: Its place under ``training`` (``schedule.factor``).
        label: What forms call it.
        kind: ``int``, ``float``, ``bool`` or ``choice``.
        help: One line a beginner understands.
        minimum: Smallest allowed number.
        maximum: Largest allowed number.
        exclusive_minimum: ``minimum`` itself is not allowed.
        choices: The allowed values of a ``choice``.
        applies: Whether the setting has an effect with these settings (forms hide it, and
            ``info`` leaves it out, when it has none); ``None``: always.
    """

    path: str
    label: str
    kind: str
    help: str
    minimum: float | None = None
    maximum: float | None = None
    exclusive_minimum: bool = False
    choices: tuple[str, ...] = ()
    applies: Callable[[TrainingSpec], bool] | None = None

    @property
    def default(self) -> Any:
        """The value used when a project leaves the setting out."""
        value: Any = _DEFAULTS
        for part in self.path.split("."):
            value = getattr(value, part)
        return value

    def value_in(self, training: TrainingSpec) -> Any:
        """The setting's value in ``training``."""
        value: Any = training
        for part in self.path.split("."):
            value = getattr(value, part)
        return value

    def is_active(self, training: TrainingSpec) -> bool:
        """Whether the setting has an effect with ``training``'s other settings."""
        return self.applies is None or self.applies(training)

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
        return reader.choice(key, self.choices, self.default)


def _whole(value: float | None) -> int | None:
    return None if value is None else int(value)


def _schedule(*kinds: str) -> Callable[[TrainingSpec], bool]:
    return lambda training: training.schedule.kind in kinds


def _early(training: TrainingSpec) -> bool:
    return training.early_stopping.enabled


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
)

TRAINING_SETTINGS: dict[str, Setting] = {
    setting.path: setting for _title, settings in TRAINING_GROUPS for setting in settings}
"""Every training setting by its path under ``training``."""

_SECTIONS = {"schedule": ScheduleSpec, "early_stopping": EarlyStoppingSpec}


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


def training_lines(training: TrainingSpec) -> list[str]:
    """The settings that have an effect, one line per group, for ``dlstudio info``.

    A value that differs from the default is marked with ``*``.
    """
    lines = []
    for title, settings in TRAINING_GROUPS:
        shown = []
        for setting in settings:
            if not setting.is_active(training):
                continue
            value = setting.value_in(training)
            mark = "" if value == setting.default else "*"
            shown.append(f"{setting.label.lower()} {_text(value)}{mark}")
        lines.append(f"  {title}: {', '.join(shown)}")
    return ["Training (* = changed from the default):", *lines]


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)
