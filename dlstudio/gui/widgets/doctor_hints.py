"""The Train view's "Training doctor" box: the run's hints, each with its fix button.

The training doctor (:mod:`dlstudio.core.training.doctor`) sends its hints as ``message``
events; a hint whose fix is a setting carries it (``Message.fix``, a data health
:class:`~dlstudio.core.data.health.findings.Fix`). Here each hint is a row with the text and,
for such a fix, a button that changes the project in one undo step, for the next run (the run
in progress keeps its settings). A fix the project already has shows as applied. A hint that
points to the learning-rate finder gets a button that opens it.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from dlstudio.core.data.health.findings import Fix, fix_applied, fix_edits
from dlstudio.core.project import paths as project_paths
from dlstudio.core.training.doctor import FINDER, HINT_PREFIX
from dlstudio.core.training.events import Message
from dlstudio.gui.document import Document
from dlstudio.gui.widgets.health_panel import severity_colour
from dlstudio.gui.widgets.lr_finder_dialog import LrFinderDialog, open_lr_finder

MINIMUM_HEIGHT = 180
"""About two hints with their buttons; more scroll."""


def is_doctor_hint(event: Message) -> bool:
    """Whether a message comes from the training doctor."""
    return event.text.startswith(HINT_PREFIX)


class HintRow(QFrame):
    """One hint: its text and, when it carries a setting, the button that applies it."""

    def __init__(self, text: str, fix: Fix | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.fix = fix
        self.finder_button: QPushButton | None = None
        bar = QFrame()
        bar.setFixedWidth(3)
        bar.setStyleSheet(f"background: {severity_colour('warning')}; border: none;")
        outer = QHBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(bar)
        layout = QVBoxLayout()
        layout.setContentsMargins(0, 2, 2, 4)
        outer.addLayout(layout, 1)
        self.text = QLabel(text)
        self.text.setTextFormat(Qt.TextFormat.PlainText)
        self.text.setWordWrap(True)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.text)
        self.fix_button: QPushButton | None = None
        self.applied = QLabel("✓ Applied to the project: the next run uses it (Ctrl+Z undoes)")
        self.applied.setProperty("role", "ok")
        self.applied.hide()
        row = QHBoxLayout()
        if fix is not None:
            self.fix_button = QPushButton(fix.label)
            self.fix_button.setProperty("role", "fix")
            self.fix_button.setToolTip(f"Changes the project for the next run: "
                                       f"{fix.describe()} (one undo step)")
            row.addWidget(self.fix_button)
            row.addWidget(self.applied)
        if FINDER in text:
            self.finder_button = QPushButton("Find a learning rate…")
            self.finder_button.setProperty("role", "fix")
            self.finder_button.setToolTip("Run the learning-rate range test (as `dlstudio "
                                          "lr-find`) and use its suggestion in one click")
            row.addWidget(self.finder_button)
        if fix is not None or self.finder_button is not None:
            row.addStretch(1)
            layout.addLayout(row)

    def show_applied(self, applied: bool) -> None:
        """Show whether the project already has the fix."""
        if self.fix_button is not None:
            self.fix_button.setVisible(not applied)
            self.applied.setVisible(applied)


class DoctorHints(QWidget):
    """The doctor's hints of the current run, hidden while there are none.

    Args:
        document: The open project; fixes change it through its undo stack.
    """

    def __init__(self, document: Document, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.rows: list[HintRow] = []
        self.finder_program: list[str] | None = None  # tests pass a fake range test
        title = QLabel("Training doctor")
        title.setProperty("role", "heading")
        body = QWidget()
        self.rows_layout = QVBoxLayout(body)
        self.rows_layout.setContentsMargins(0, 0, 8, 0)
        self.rows_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(body)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 4, 0, 0)
        layout.addWidget(title)
        layout.addWidget(scroll, 1)
        self.setMinimumHeight(MINIMUM_HEIGHT)
        self.document.changed.connect(self._on_document_changed)
        self.hide()

    def add(self, event: Message) -> None:
        """Show a doctor's hint (other messages are ignored)."""
        if not is_doctor_hint(event):
            return
        fix = Fix.from_json(event.fix) if event.fix is not None else None
        text = event.text.removeprefix(HINT_PREFIX)
        row = HintRow(text[:1].upper() + text[1:], fix)
        if row.fix_button is not None:
            row.fix_button.clicked.connect(lambda _checked=False, found=fix: self.apply(found))
            row.show_applied(fix_applied(self.document.project, fix))
        if row.finder_button is not None:
            row.finder_button.clicked.connect(self.find_learning_rate)
        self.rows.append(row)
        self.rows_layout.insertWidget(self.rows_layout.count() - 1, row)
        self.show()

    def apply(self, fix: Fix) -> None:
        """Change the project as ``fix`` says, in one undo step."""
        self.document.set_values(fix_edits(self.document.project, fix), fix.label)

    def find_learning_rate(self) -> LrFinderDialog:
        """Open the learning-rate finder on the project (the stalled-loss hint's button)."""
        return open_lr_finder(self.document, self.finder_program, self)

    def clear(self) -> None:
        """Forget the hints (a new run starts, or another project was opened)."""
        for row in self.rows:
            row.deleteLater()
        self.rows.clear()
        self.hide()

    def _on_document_changed(self, path: str) -> None:
        if project_paths.affects(path, "training") or project_paths.affects(path, "data"):
            for row in self.rows:
                if row.fix is not None:
                    row.show_applied(fix_applied(self.document.project, row.fix))
