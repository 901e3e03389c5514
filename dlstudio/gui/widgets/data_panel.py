"""The Data tab: the CSV view or the image-folder view, whichever the project's data is.

Each view is built the first time a project needs it, so the window opens without paying for
views (and their chart library) that the start view does not show.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QStackedWidget, QVBoxLayout, QWidget

from dlstudio.core.project import paths as project_paths
from dlstudio.gui.data_session import DataSession
from dlstudio.gui.theme import icon

if TYPE_CHECKING:
    from dlstudio.gui.widgets.data_view import CsvDataView
    from dlstudio.gui.widgets.image_data_view import ImageDataView


class DataPanel(QStackedWidget):
    """Shows the view that fits ``project.data.kind``, or a prompt when there is no data.

    Signals:
        dataSourceRequested(str): The user asked to pick a ``csv`` file or ``images`` folder.
    """

    dataSourceRequested = Signal(str)

    def __init__(self, session: DataSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.empty = self._empty_page()
        self.addWidget(self.empty)
        self._csv_view: CsvDataView | None = None
        self._image_view: ImageDataView | None = None
        session.document.changed.connect(self._on_changed)
        self._on_changed("")

    @property
    def csv_view(self) -> CsvDataView:
        """The CSV view (built on first use)."""
        if self._csv_view is None:
            from dlstudio.gui.widgets.data_view import CsvDataView

            self._csv_view = CsvDataView(self.session)
            self.addWidget(self._csv_view)
        return self._csv_view

    @property
    def image_view(self) -> ImageDataView:
        """The image-folder view (built on first use)."""
        if self._image_view is None:
            from dlstudio.gui.widgets.image_data_view import ImageDataView

            self._image_view = ImageDataView(self.session)
            self.addWidget(self._image_view)
        return self._image_view

    def _empty_page(self) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        layout.addStretch(1)
        title = QLabel("This project has no data yet")
        title.setProperty("role", "heading")
        hint = QLabel("Choose a CSV file (one row per sample, one column to predict) or an image "
                      "folder (one subfolder per class). You can also drop one on the window.")
        hint.setProperty("role", "hint")
        hint.setWordWrap(True)
        hint.setFixedWidth(520)
        hint.setAlignment(Qt.AlignmentFlag.AlignHCenter)
        layout.addWidget(title, 0, Qt.AlignmentFlag.AlignHCenter)
        # Centred by stretches, not by an alignment flag: an aligned item gets its size hint,
        # which cuts a wrapped label to one line.
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(hint)
        row.addStretch(1)
        layout.addLayout(row)
        for kind, text, icon_name in (("csv", "Use a CSV file…", "table"),
                                      ("images", "Use an image folder…", "images")):
            button = QPushButton(icon(icon_name), text)
            button.setMinimumWidth(240)
            button.clicked.connect(lambda _checked=False, k=kind: self.dataSourceRequested.emit(k))
            layout.addWidget(button, 0, Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(2)
        return page

    def _on_changed(self, path: str) -> None:
        if not project_paths.affects(path, "data.kind") and not project_paths.affects(
                path, "data.path"):
            return
        data = self.session.document.project.data
        if not data.path:
            self.setCurrentWidget(self.empty)
        else:
            self.setCurrentWidget(self.csv_view if data.kind == "csv" else self.image_view)
