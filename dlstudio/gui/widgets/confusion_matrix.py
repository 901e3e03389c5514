"""A confusion matrix as a heat map of table cells: rows are true classes, columns predicted.

Each cell shows its count on a colour whose strength is the cell's share of its row (so a
rare class reads as clearly as a common one); the diagonal is blue, mistakes are red. Clicking a
cell raises :attr:`ConfusionMatrixView.cell_chosen` with the two class names and frames the
cell until another is clicked or the matrix changes.
"""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPen
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem

from dlstudio.gui.theme import is_dark

HIT_COLOUR = (37, 99, 235)
MISS_COLOUR = (220, 38, 38)
CHOSEN_COLOUR = "#f59e0b"


class ConfusionMatrixView(QTableWidget):
    """The heat map.

    Signals:
        cell_chosen(str, str): The true and predicted class of the clicked cell.
    """

    cell_chosen = Signal(str, str)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.labels: list[str] = []
        self.chosen: tuple[int, int] | None = None
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.horizontalHeader().setMinimumSectionSize(48)
        self.verticalHeader().setMinimumSectionSize(30)
        self.setToolTip("Rows: true class. Columns: predicted class. Click a cell to list "
                        "its samples.")
        self.cellClicked.connect(self._on_click)

    def set_matrix(self, labels: list[str], matrix: list[list[int]]) -> None:
        """Show ``matrix`` (rows true, columns predicted) for classes ``labels``."""
        self.labels = list(labels)
        self.chosen = None
        self.clear()
        self.setRowCount(len(labels))
        self.setColumnCount(len(labels))
        self.setHorizontalHeaderLabels([f"→ {label}" for label in labels])
        self.setVerticalHeaderLabels(labels)
        for row, counts in enumerate(matrix):
            total = sum(counts) or 1
            for column, count in enumerate(counts):
                self.setItem(row, column, self._cell(row, column, count, count / total))

    def _cell(self, row: int, column: int, count: int, share: float) -> QTableWidgetItem:
        item = QTableWidgetItem(str(count))
        item.setTextAlignment(Qt.AlignmentFlag.AlignCenter)
        base = HIT_COLOUR if row == column else MISS_COLOUR
        strength = 0.0 if count == 0 else 0.15 + 0.85 * share
        item.setBackground(_blend(base, strength))
        if strength > 0.55:
            item.setForeground(QColor("#ffffff"))
        item.setToolTip(f"true {self.labels[row]}, predicted {self.labels[column]}: "
                        f"{count} sample(s), {share:.0%} of the true {self.labels[row]}")
        return item

    def _on_click(self, row: int, column: int) -> None:
        if row < len(self.labels) and column < len(self.labels):
            self.chosen = (row, column)
            self.viewport().update()
            self.cell_chosen.emit(self.labels[row], self.labels[column])

    def paintEvent(self, event: QPaintEvent) -> None:  # Qt override
        """Draw the cells, then a frame around the chosen one: it stays marked while its
        samples are listed, whatever has the focus (a selection would fade)."""
        super().paintEvent(event)
        if self.chosen is None or self.chosen[0] >= self.rowCount():
            return
        rect = self.visualRect(self.model().index(*self.chosen)).adjusted(1, 1, -2, -2)
        painter = QPainter(self.viewport())
        painter.setPen(QPen(QColor(CHOSEN_COLOUR), 3))
        painter.drawRect(rect)
        painter.end()

    def count(self, true: str, predicted: str) -> int:
        """The number in the cell of ``true`` and ``predicted``."""
        item = self.item(self.labels.index(true), self.labels.index(predicted))
        return int(item.text())


def _blend(colour: tuple[int, int, int], strength: float) -> QColor:
    """``colour`` at ``strength`` over the theme's background."""
    background = (17, 24, 39) if is_dark() else (255, 255, 255)
    mixed = [round(b + (c - b) * strength) for c, b in zip(colour, background, strict=True)]
    return QColor(*mixed)
