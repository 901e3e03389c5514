"""Small read-only tables with a heading, as the data and evaluation views show them."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)


def read_only_table(headers: Sequence[str], stretch_column: int | None = None) -> QTableWidget:
    """Return a table of ``headers`` that the user can select rows in but not edit.

    Args:
        headers: The column titles.
        stretch_column: The column that takes the spare width (default: the last); the
            others fit their contents.
    """
    table = QTableWidget(0, len(headers))
    table.setHorizontalHeaderLabels(list(headers))
    table.verticalHeader().hide()
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    if stretch_column is None:
        header.setStretchLastSection(True)
    else:
        header.setSectionResizeMode(stretch_column, QHeaderView.ResizeMode.Stretch)
    return table


def fill_table(table: QTableWidget, rows: Sequence[Sequence[str]],
               numeric_columns: Sequence[int] = ()) -> None:
    """Replace the table's rows; numbers are right-aligned, every cell shows its text as a
    tooltip (long reasons and paths get cut off in narrow columns)."""
    table.setRowCount(len(rows))
    for row, values in enumerate(rows):
        for column, value in enumerate(values):
            item = QTableWidgetItem(value)
            item.setToolTip(value)
            if column in numeric_columns:
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            table.setItem(row, column, item)


def titled(title: str, widget: QWidget) -> QWidget:
    """Return ``widget`` under a heading, the widget taking the height."""
    box = QWidget()
    layout = QVBoxLayout(box)
    layout.setContentsMargins(0, 4, 0, 0)
    label = QLabel(title)
    label.setProperty("role", "heading")
    layout.addWidget(label)
    layout.addWidget(widget, 1)
    return box
