"""The start view, shown while no project is open: open, recent, start from data, examples."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtWidgets import (
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from dlstudio import __version__
from dlstudio.gui.theme import icon


def _card(icon_name: str, title: str, detail: str) -> QPushButton:
    button = QPushButton(icon(icon_name), f"  {title}\n  {detail}")
    button.setProperty("role", "card")
    button.setIconSize(QSize(30, 30))
    button.setMinimumHeight(64)
    button.setCursor(Qt.CursorShape.PointingHandCursor)
    return button


class StartView(QWidget):
    """Ways to begin.

    Signals:
        openRequested(): Open a project file chosen in a dialog.
        newRequested(): Start an empty project.
        startFromDataRequested(str): Start a project from a ``csv`` file or ``images`` folder
            chosen in a dialog.
        pathChosen(str): Open this project file (a recent file or an example).
    """

    openRequested = Signal()
    newRequested = Signal()
    startFromDataRequested = Signal(str)
    pathChosen = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.recent_box = QVBoxLayout()
        self.examples_box = QVBoxLayout()
        title = QLabel("dlstudio")
        title.setProperty("role", "title")
        subtitle = QLabel("Build, train and understand neural networks — by pointing and "
                          "clicking.")
        subtitle.setProperty("role", "hint")
        logo = QLabel()
        logo.setPixmap(icon("app").pixmap(56, 56))
        header = QHBoxLayout()
        header.addWidget(logo)
        titles = QVBoxLayout()
        titles.addWidget(title)
        titles.addWidget(subtitle)
        header.addLayout(titles, 1)
        grid = QGridLayout()
        grid.setHorizontalSpacing(28)
        grid.setVerticalSpacing(10)
        grid.addLayout(self._start_column(), 0, 0)
        grid.addLayout(self._side_column(), 0, 1)
        grid.setColumnStretch(0, 1)
        grid.setColumnStretch(1, 1)
        drop = QLabel("Tip: drop a CSV file or an image folder anywhere on this window to start.")
        drop.setProperty("role", "hint")
        body = QVBoxLayout()
        body.addLayout(header)
        body.addSpacing(18)
        body.addLayout(grid)
        body.addSpacing(12)
        body.addWidget(drop)
        body.addStretch(1)
        version = QLabel(f"version {__version__}")
        version.setProperty("role", "hint")
        body.addWidget(version)
        frame = QWidget()
        frame.setMaximumWidth(980)
        frame.setLayout(body)
        outer = QHBoxLayout(self)
        outer.setContentsMargins(40, 36, 40, 24)
        outer.addWidget(frame)
        self.set_recent([])
        self.set_examples([])

    def _start_column(self) -> QVBoxLayout:
        column = QVBoxLayout()
        column.addWidget(_heading("Start"))
        cards = (
            ("table", "New project from a CSV file…",
             "A table with one column to predict", lambda: self.startFromDataRequested.emit("csv")),
            ("images", "New project from an image folder…",
             "One subfolder of images per class",
             lambda: self.startFromDataRequested.emit("images")),
            ("open", "Open a project…", "A .dlstudio.json file  (Ctrl+O)", self.openRequested.emit),
            ("new", "Empty project", "Choose the data later  (Ctrl+N)", self.newRequested.emit),
        )
        for icon_name, text, detail, slot in cards:
            card = _card(icon_name, text, detail)
            card.clicked.connect(lambda _checked=False, s=slot: s())
            column.addWidget(card)
        column.addStretch(1)
        return column

    def _side_column(self) -> QVBoxLayout:
        column = QVBoxLayout()
        column.addWidget(_heading("Recent"))
        column.addLayout(self.recent_box)
        column.addSpacing(14)
        column.addWidget(_heading("Examples"))
        column.addLayout(self.examples_box)
        column.addStretch(1)
        return column

    def set_recent(self, paths: list[str]) -> None:
        """List the recent project files (most recent first)."""
        _clear(self.recent_box)
        for path in paths:
            link = QPushButton(Path(path).name.removesuffix(".dlstudio.json"))
            link.setProperty("role", "link")
            link.setToolTip(path)
            link.setCursor(Qt.CursorShape.PointingHandCursor)
            link.clicked.connect(lambda _checked=False, p=path: self.pathChosen.emit(p))
            self.recent_box.addWidget(link)
        if not paths:
            self.recent_box.addWidget(_hint("Projects you open or save appear here."))

    def set_examples(self, examples: list[tuple[str, str, str]]) -> None:
        """List the bundled examples as ``(title, description, project path)``."""
        _clear(self.examples_box)
        for title, description, path in examples:
            card = _card("example", title, description)
            card.setToolTip(path)
            card.clicked.connect(lambda _checked=False, p=path: self.pathChosen.emit(p))
            self.examples_box.addWidget(card)
        if not examples:
            self.examples_box.addWidget(_hint("No examples found (run `make examples`)."))


def _heading(text: str) -> QLabel:
    label = QLabel(text)
    label.setProperty("role", "heading")
    return label


def _hint(text: str) -> QLabel:
    label = QLabel(text)
    label.setProperty("role", "hint")
    label.setWordWrap(True)
    return label


def _clear(layout: QVBoxLayout) -> None:
    while layout.count():
        widget = layout.takeAt(0).widget()
        if widget is not None:
            widget.hide()
            widget.deleteLater()
