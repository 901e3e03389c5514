"""The training settings: every :class:`~dlstudio.core.project.project.TrainingSpec` field,
explained, as the core's settings schema (``core/project/settings_schema.py``) describes it."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from dlstudio.core.model.catalog import ParamSpec
from dlstudio.core.project import paths as project_paths
from dlstudio.core.project.settings_schema import TRAINING_GROUPS, TRAINING_SETTINGS
from dlstudio.gui.document import Document
from dlstudio.gui.search_menu import offer_search
from dlstudio.gui.widgets.lr_finder_dialog import LrFinderDialog, open_lr_finder
from dlstudio.gui.widgets.value_editors import ParamField

GROUPS: tuple[tuple[str, tuple[tuple[str, ParamSpec], ...]], ...] = tuple(
    (title, tuple((setting.label, setting.param_spec()) for setting in settings))
    for title, settings in TRAINING_GROUPS)
"""The form's groups of (label, parameter), from the core's settings schema."""


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
        self._boxes: dict[str, QGroupBox] = {}
        self.finder_program: list[str] | None = None  # tests pass a fake range test
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
        self.find_rate_button = self._add_finder(self.fields["learning_rate"])
        document.changed.connect(self._on_changed)
        self._show_values()

    def _add_finder(self, field: ParamField) -> QPushButton:
        """Put "Find…" beside the learning rate: the range test, in its own process."""
        button = QPushButton("Find…")
        button.setToolTip("Run the learning-rate range test (as `dlstudio lr-find`): a short "
                          "run whose rate grows each step, plotted, with a suggested rate to "
                          "use in one click")
        button.clicked.connect(self.find_learning_rate)
        row = QHBoxLayout()
        field.layout().removeWidget(field.editor)
        row.addWidget(field.editor, 1)
        row.addWidget(button)
        field.layout().insertLayout(0, row)
        return button

    def find_learning_rate(self) -> LrFinderDialog:
        """Open the learning-rate finder and start its range test."""
        return open_lr_finder(self.document, self.finder_program, self)

    def _group(self, title: str, entries: tuple[tuple[str, ParamSpec], ...]) -> QGroupBox:
        box = QGroupBox(title)
        self._boxes[title] = box
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
            offer_search(field, self.document, lambda name=spec.name: f"training.{name}", spec)
        return box

    def _on_changed(self, path: str) -> None:
        if project_paths.affects(path, "training") or project_paths.affects(path, "data.task"):
            self._show_values()

    def _show_values(self) -> None:
        training = self.document.project.training
        task = self.document.project.data.task
        for path, field in self.fields.items():
            field.editor.set_value(project_paths.get_value(training, path))
            visible = TRAINING_SETTINGS[path].is_active(training, task)
            field.setVisible(visible)
            self._labels[path].setVisible(visible)
        for title, settings in TRAINING_GROUPS:  # a group with nothing for this task hides
            self._boxes[title].setVisible(any(setting.for_task(task) for setting in settings))
