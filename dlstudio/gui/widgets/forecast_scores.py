"""A forecasting run's scores beside its baselines' scores, with a verdict in plain words.

:class:`ForecastScores` has a table of every metric over all steps (one column for the model,
one per baseline; the best value of each row in bold), a table of the MAE per step ahead, and a
line that says whether the model beats persistence — the first thing to know about a forecast.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QLabel,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from dlstudio.gui.widgets.forecast_data import (
    BASELINE_TIPS,
    BASELINE_TITLES,
    METRIC_TIPS,
    METRIC_TITLES,
    METRICS,
    MODEL,
    ForecastData,
    verdict,
)
from dlstudio.gui.widgets.tables import fill_table, read_only_table, titled


class ForecastScores(QWidget):
    """The metrics table, the per-step table and the verdict of one forecasting result."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.verdict = QLabel()
        self.verdict.setWordWrap(True)
        self.verdict.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.overall = read_only_table(["forecast", "MAE"])
        self.per_step = read_only_table(["steps ahead", "model"])
        self.per_step_title = "MAE per step ahead"
        tables = QSplitter(Qt.Orientation.Vertical)
        tables.addWidget(titled("Scores on the test windows (lower is better)", self.overall))
        tables.addWidget(titled(self.per_step_title, self.per_step))
        tables.setSizes([200, 300])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.verdict)
        layout.addWidget(tables, 1)

    def set_data(self, data: ForecastData | None) -> None:
        """Fill the tables and the verdict from ``data`` (``None`` empties them)."""
        if data is None:
            for table in (self.overall, self.per_step):
                table.setRowCount(0)
            self.verdict.setText("")
            return
        names = [MODEL] + [name for name in data.baselines if name in data.scores] + \
            [name for name in data.scores if name != MODEL and name not in data.baselines]
        metrics = [metric for metric in METRICS
                   if any(metric in data.scores.get(name, {}) for name in names)]
        self.overall.setColumnCount(len(metrics) + 1)
        self.overall.setHorizontalHeaderLabels(["forecast"] +
                                               [METRIC_TITLES[metric] for metric in metrics])
        for column, metric in enumerate(metrics, start=1):
            self.overall.horizontalHeaderItem(column).setToolTip(METRIC_TIPS[metric])
        fill_table(self.overall, [[_title(name)] + [_number(data.scores.get(name, {}).get(m))
                                                    for m in metrics] for name in names],
                   numeric_columns=range(1, len(metrics) + 1))
        for row, name in enumerate(names):
            self.overall.item(row, 0).setToolTip(_tip(name))
        for column, metric in enumerate(metrics, start=1):
            _bold_best(self.overall, [data.scores.get(name, {}).get(metric) for name in names],
                       lambda row, c=column: self.overall.item(row, c))
        self._fill_steps(data, names)
        text, warning = verdict(data)
        self.verdict.setText(text)
        self.verdict.setProperty("role", "error" if warning else "heading")
        self.verdict.style().unpolish(self.verdict)
        self.verdict.style().polish(self.verdict)

    def _fill_steps(self, data: ForecastData, names: list[str]) -> None:
        steps = [name for name in names if data.step_scores.get(name, {}).get("mae")]
        self._headers(self.per_step, ["steps ahead", *(_short(name) for name in steps)], steps)
        count = max((len(data.step_scores[name]["mae"]) for name in steps), default=0)
        rows, numbers = [], []
        for step in range(count):
            values = [_at(data.step_scores[name]["mae"], step) for name in steps]
            numbers.append(values)
            rows.append([str(step + 1)] + [_number(value) for value in values])
        fill_table(self.per_step, rows, numeric_columns=range(1, len(steps) + 1))
        for row, values in enumerate(numbers):
            _bold_best(self.per_step, values,
                       lambda column, r=row: self.per_step.item(r, column + 1))

    @staticmethod
    def _headers(table: QTableWidget, headers: list[str], names: list[str]) -> None:
        table.setColumnCount(len(headers))
        table.setHorizontalHeaderLabels(headers)
        for column, name in enumerate(names, start=1):
            table.horizontalHeaderItem(column).setToolTip(_tip(name))


def _title(name: str) -> str:
    return "Model" if name == MODEL else BASELINE_TITLES.get(name, name.replace("_", " "))


def _short(name: str) -> str:
    """A column title that leaves room for four forecasters side by side."""
    return {MODEL: "Model", "persistence": "Persist.", "seasonal_naive": "Season.",
            "linear_ar": "Lin. AR"}.get(name, name.replace("_", " "))


def _tip(name: str) -> str:
    return f"{_title(name)}: " + BASELINE_TIPS.get(name, "the trained model" if name == MODEL
                                                  else "a simple forecast to compare with")


def _number(value: float | None) -> str:
    return "—" if value is None else f"{value:.4g}"


def _at(values: list[float], step: int) -> float | None:
    return values[step] if step < len(values) else None


def _bold_best(table: QTableWidget, values: list[float | None],
               item_at: Callable[[int], QTableWidgetItem | None]) -> None:
    """Make the lowest of ``values`` bold (every metric here is better when lower);
    ``item_at(i)`` is the cell of ``values[i]``."""
    known = [(value, index) for index, value in enumerate(values) if value is not None]
    if not known:
        return
    best = min(known)[0]
    for value, index in known:
        item = item_at(index)
        if value == best and item is not None:
            font = QFont(item.font())
            font.setBold(True)
            item.setFont(font)
