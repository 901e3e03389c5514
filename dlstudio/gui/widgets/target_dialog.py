"""Asks which column of a new CSV project to predict, with the likeliest one suggested.

The columns come ranked by :func:`dlstudio.core.data.target_choice.rank_targets`; the first
usable one is selected and marked "suggested", and each row says why it ranks where it does
(``named like a target``, ``an identifier``). Choosing none is allowed: the data view opens
and asks there. For a time series the dialog asks what to forecast and leaves the time column
out.
"""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from dlstudio.core.data.target_choice import TargetCandidate

NO_TARGET = "Decide later, on the Data tab"


class TargetDialog(QDialog):
    """A list of the file's columns to pick the target from.

    Args:
        file_name: The CSV file's name, for the title.
        candidates: The columns, likeliest first.
        parent: The Qt parent.
        time_column: The column that orders the rows in time when the file is a time series
            (the dialog then asks what to forecast, and the time column is not offered).
    """

    def __init__(self, file_name: str, candidates: list[TargetCandidate],
                 parent: QWidget | None = None, time_column: str | None = None) -> None:
        super().__init__(parent)
        self.setMinimumWidth(460)
        if time_column:
            self.setWindowTitle(f"What should the model forecast? — {file_name}")
            intro = QLabel(f"<b>{escape(file_name)}</b> looks like a <b>time series</b>: its "
                           f"rows are ordered by <b>{escape(time_column)}</b>. Choose the "
                           "column to forecast; the model learns it from its own past (and "
                           "the other columns'). The Data tab then sets how many past rows it "
                           "reads (the window) and how far ahead it forecasts (the horizon) "
                           "— or reads the file as a plain table if you change the task.")
            candidates = [c for c in candidates if c.name != time_column]
        else:
            self.setWindowTitle(f"What should the model predict? — {file_name}")
            intro = QLabel(f"Choose the column of <b>{file_name}</b> that the model learns to "
                           "predict (the target). The others become its inputs; you can change "
                           "both on the Data tab.")
        intro.setWordWrap(True)
        self.list = QListWidget()
        self.list.setAlternatingRowColors(True)
        suggested = next((c.name for c in candidates if c.usable), None)
        for candidate in candidates:
            mark = "  — suggested" if candidate.name == suggested else ""
            item = QListWidgetItem(f"{candidate.name}   ({candidate.reason}){mark}")
            item.setData(Qt.ItemDataRole.UserRole, candidate.name)
            item.setToolTip(f"{candidate.name} is read as {candidate.kind}")
            if not candidate.usable:
                item.setForeground(self.palette().placeholderText())
            self.list.addItem(item)
        later = QListWidgetItem(NO_TARGET)
        later.setData(Qt.ItemDataRole.UserRole, "")
        self.list.addItem(later)
        self.list.setCurrentRow(next((row for row, c in enumerate(candidates)
                                      if c.name == suggested), len(candidates)))
        self.list.itemDoubleClicked.connect(lambda _item: self.accept())
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Use this target")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        # As wide as the longest line ("cultivar (the only category …) — suggested"), within
        # reason: a clipped suggestion with a sideways scroll bar hides the advice.
        widest = self.list.sizeHintForColumn(0) + 2 * self.list.frameWidth() + \
            self.list.verticalScrollBar().sizeHint().width() + 8
        self.list.setMinimumWidth(min(widest, 900))
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.list, 1)
        layout.addWidget(buttons)

    def chosen(self) -> str:
        """The chosen column, ``""`` for "decide later"."""
        item = self.list.currentItem()
        return str(item.data(Qt.ItemDataRole.UserRole)) if item is not None else ""
