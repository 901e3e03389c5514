"""The training settings: every :class:`~dlstudio.core.project.project.TrainingSpec` field,
explained."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from dlstudio.core.model.catalog import ParamSpec
from dlstudio.core.project import paths as project_paths
from dlstudio.core.project import project as project_module
from dlstudio.core.project.project import TrainingSpec
from dlstudio.gui.document import Document
from dlstudio.gui.widgets.value_editors import ParamField

_DEFAULTS = TrainingSpec()
_MONITORS = ("val_loss", "val_accuracy", "loss", "accuracy")


def _spec(path: str, kind: str, doc: str, **limits: Any) -> ParamSpec:
    default = project_paths.get_value(_DEFAULTS, path)
    return ParamSpec(path, kind, default, doc, **limits)


GROUPS: tuple[tuple[str, tuple[tuple[str, ParamSpec], ...]], ...] = (
    ("Basics", (
        ("Epochs", _spec("epochs", "int", "Passes over the whole training set.", minimum=1,
                         maximum=100_000)),
        ("Batch size", _spec("batch_size", "int", "Samples per step; 32 suits most problems, "
                             "larger is faster on a GPU.", minimum=1, maximum=1_000_000)),
        ("Loss", _spec("loss", "choice", "What training minimizes. auto: cross-entropy for "
                       "classes, mean squared error for values.",
                       choices=project_module.LOSSES)),
        ("Optimizer", _spec("optimizer", "choice", "How weights are updated; adam is a safe "
                            "default.", choices=project_module.OPTIMIZERS)),
        ("Learning rate", _spec("learning_rate", "float", "Step size of each update: too large "
                                "diverges, too small learns slowly.", minimum=0.0,
                                maximum=10.0, exclusive_minimum=True)),
        ("Momentum", _spec("momentum", "float", "How much of the previous update carries over "
                           "(SGD and RMSprop).", minimum=0.0, maximum=1.0)),
        ("Nesterov", _spec("nesterov", "bool", "Look-ahead momentum for SGD.")),
        ("Weight decay", _spec("weight_decay", "float", "Shrinks all weights a little each step "
                               "to fight overfitting (0 = off).", minimum=0.0, maximum=1.0)),
    )),
    ("Learning-rate schedule", (
        ("Schedule", _spec("schedule.kind", "choice", "How the learning rate changes during "
                           "training.", choices=project_module.SCHEDULES)),
        ("Factor", _spec("schedule.factor", "float", "Multiplier applied at each decay.",
                         minimum=0.0, maximum=1.0, exclusive_minimum=True)),
        ("Step every", _spec("schedule.step_epochs", "int", "Epochs between two decays of the "
                             "step schedule.", minimum=1, maximum=100_000)),
        ("Warm-up epochs", _spec("schedule.warmup_epochs", "int", "Epochs of linear warm-up "
                                 "before the cosine decay (at most half the training).",
                                 minimum=0, maximum=100_000)),
        ("Plateau patience", _spec("schedule.patience", "int", "Epochs without improvement "
                                   "before the rate is lowered.", minimum=1, maximum=100_000)),
        ("Minimum rate", _spec("schedule.min_learning_rate", "float", "The rate never goes "
                               "below this.", minimum=0.0)),
    )),
    ("Early stopping", (
        ("Stop early", _spec("early_stopping.enabled", "bool", "Stop when the monitored value "
                             "stops improving, and keep the best weights.")),
        ("Monitor", _spec("early_stopping.monitor", "choice", "The logged value watched.",
                          choices=_MONITORS)),
        ("Patience", _spec("early_stopping.patience", "int", "Epochs without improvement before "
                           "stopping.", minimum=1, maximum=100_000)),
        ("Minimum change", _spec("early_stopping.min_delta", "float", "Smallest change that "
                                 "counts as an improvement.", minimum=0.0)),
    )),
    ("Stability and balance", (
        ("Gradient clipping", _spec("clip_mode", "choice", "Limit each update's size: by its "
                                    "norm or by each value.", choices=project_module.CLIP_MODES)),
        ("Clip at", _spec("clip_value", "float", "The clipping threshold.", minimum=0.0,
                          exclusive_minimum=True)),
        ("Class weights", _spec("class_weights", "choice", "balanced: rare classes count more, "
                                "for unbalanced data.",
                                choices=project_module.CLASS_WEIGHT_MODES)),
        ("Accumulate gradients", _spec("gradient_accumulation_steps", "int", "Batches summed "
                                       "before one update (a larger batch in less memory).",
                                       minimum=1, maximum=1024)),
        ("Initializer", _spec("initializer", "choice", "Starting weights of layers left at "
                              "their default.", choices=project_module.INITIALIZER_DEFAULTS)),
    )),
    ("Hardware and reproducibility", (
        ("Seed", _spec("seed", "int", "Fixes shuffling and initial weights: the same seed gives "
                       "the same run.", minimum=0)),
        ("Device", _spec("device", "choice", "auto: every GPU if there is one, else the CPU.",
                         choices=project_module.DEVICE_CHOICES)),
        ("Mixed precision", _spec("mixed_precision", "bool", "Compute in float16: faster on "
                                  "recent GPUs, ignored on the CPU.")),
        ("Steps per call", _spec("steps_per_execution", "int", "Steps run per call into "
                                 "TensorFlow; 0 chooses automatically.", minimum=0,
                                 maximum=10_000)),
    )),
)

_VISIBLE_WHEN: dict[str, Callable[[TrainingSpec], bool]] = {
    "momentum": lambda t: t.optimizer in ("sgd", "rmsprop"),
    "nesterov": lambda t: t.optimizer == "sgd",
    "schedule.factor": lambda t: t.schedule.kind in ("step", "exponential", "reduce_on_plateau"),
    "schedule.step_epochs": lambda t: t.schedule.kind == "step",
    "schedule.warmup_epochs": lambda t: t.schedule.kind == "cosine",
    "schedule.patience": lambda t: t.schedule.kind == "reduce_on_plateau",
    "schedule.min_learning_rate": lambda t: t.schedule.kind == "reduce_on_plateau",
    "early_stopping.monitor": lambda t: t.early_stopping.enabled,
    "early_stopping.patience": lambda t: t.early_stopping.enabled,
    "early_stopping.min_delta": lambda t: t.early_stopping.enabled,
    "clip_value": lambda t: t.clip_mode != "none",
}


class TrainingSettingsView(QWidget):
    """Every training setting with its default and a short explanation, in groups.

    Settings that do not apply (momentum for Adam, the schedule's factor for a constant rate)
    are hidden until they do.
    """

    def __init__(self, document: Document, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.fields: dict[str, ParamField] = {}
        self._labels: dict[str, QLabel] = {}
        body = QWidget()
        columns = QHBoxLayout(body)
        columns.setSpacing(16)
        for groups in (GROUPS[:2], GROUPS[2:]):
            column = QVBoxLayout()
            for title, entries in groups:
                column.addWidget(self._group(title, entries))
            column.addStretch(1)
            columns.addLayout(column, 1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(body)
        heading = QLabel("Training settings")
        heading.setProperty("role", "heading")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(heading)
        layout.addWidget(scroll, 1)
        document.changed.connect(self._on_changed)
        self._show_values()

    def _group(self, title: str, entries: tuple[tuple[str, ParamSpec], ...]) -> QGroupBox:
        box = QGroupBox(title)
        form = QFormLayout(box)
        form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        for label_text, spec in entries:
            field = ParamField(spec)
            field.editor.committed.connect(
                lambda value, path=spec.name, text=label_text: self.document.set_value(
                    f"training.{path}", value, f"Set {text.lower()}"))
            label = QLabel(label_text)
            label.setToolTip(spec.doc)
            form.addRow(label, field)
            self.fields[spec.name] = field
            self._labels[spec.name] = label
        return box

    def _on_changed(self, path: str) -> None:
        if project_paths.affects(path, "training"):
            self._show_values()

    def _show_values(self) -> None:
        training = self.document.project.training
        for path, field in self.fields.items():
            field.editor.set_value(project_paths.get_value(training, path))
            visible = _VISIBLE_WHEN.get(path, lambda _t: True)(training)
            field.setVisible(visible)
            self._labels[path].setVisible(visible)
