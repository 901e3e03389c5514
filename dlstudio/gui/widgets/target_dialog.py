"""Asks which column of a new CSV project to predict, with the likeliest one suggested.

The columns come ranked by :func:`dlstudio.core.data.target_choice.rank_targets`; the first
usable one is selected and marked "suggested", and each row says why it ranks where it does
(``named like a target``, ``an identifier``). Choosing none is allowed: the data view opens
and asks there.
"""

from __future__ import annotations

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
    """

    def __init__(self, file_name: str, candidates: list[TargetCandidate],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"What should the model predict? — {file_name}")
        self.setMinimumWidth(460)
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
