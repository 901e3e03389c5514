"""The Tune tab's live trials table: number, state, value, duration and settings of every
trial, one row each, updated in place as the study reports."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableWidget, QTableWidgetItem

from dlstudio.gui.widgets.tune_space import setting_name

COLUMNS = ("Trial", "State", "Value", "Time", "Settings")
STATE_TEXT = {"COMPLETE": "complete", "PRUNED": "pruned", "FAIL": "failed",
              "RUNNING": "running", "WAITING": "queued"}
STATE_COLOURS = {"FAIL": "#d62728", "PRUNED": "#888888", "RUNNING": "#1f77b4"}


class TrialsTable(QTableWidget):
    """Trials by number; :meth:`selected_numbers` gives the selected trials."""

    def __init__(self) -> None:
        super().__init__(0, len(COLUMNS))
        self.setHorizontalHeaderLabels(COLUMNS)
        self.horizontalHeader().setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        self.verticalHeader().setVisible(False)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSortingEnabled(False)
        self.rows: dict[int, int] = {}

    def show_trial(self, trial: dict[str, Any]) -> None:
        """Add or update the row of ``trial`` (a dict with ``number``, ``state``, ``value``,
        ``seconds``, ``params``, ``reason``)."""
        number = trial["number"]
        if number not in self.rows:
            self.rows[number] = self.rowCount()
            self.insertRow(self.rowCount())
        row = self.rows[number]
        state = trial.get("state", "RUNNING")
        value = trial.get("value")
        seconds = trial.get("seconds")
        texts = (str(number), STATE_TEXT.get(state, state.lower()),
                 "" if value is None else f"{value:.4g}",
                 "" if seconds is None else f"{seconds:.0f} s",
                 ", ".join(f"{setting_name(path)} = {_value(v)}"
                           for path, v in trial.get("params", {}).items()))
        for column, text in enumerate(texts):
            item = QTableWidgetItem(text)
            if column < 4:
                item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            if state in STATE_COLOURS:
                item.setForeground(QColor(STATE_COLOURS[state]))
            if trial.get("reason"):
                item.setToolTip(trial["reason"])
            self.setItem(row, column, item)

    def clear_trials(self) -> None:
        """Remove every row."""
        self.setRowCount(0)
        self.rows = {}

    def selected_numbers(self) -> list[int]:
        """The trial numbers of the selected rows."""
        by_row = {row: number for number, row in self.rows.items()}
        return sorted(by_row[index.row()] for index in self.selectionModel().selectedRows()
                      if index.row() in by_row)


def _value(value: Any) -> str:
    return f"{value:.3g}" if isinstance(value, float) else str(value)
