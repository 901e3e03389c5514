"""The Tune tab's four plots, drawn with pyqtgraph from the trials as plain dicts
(:func:`dlstudio.core.tuning.summary.trial_row`'s shape):

- :class:`HistoryPlot` every trial's value by trial number, and the best so far as a step line;
- :class:`ParallelCoordinatesPlot` one line per finished trial across one axis per searched
  setting (scaled 0-1 within the values tried; log settings on a log scale) and the value,
  best trials darkest;
- :class:`ImportancePlot` Optuna's parameter importances as horizontal bars;
- :class:`TrialCurvesPlot` the objective per epoch of the selected trials.
"""

from __future__ import annotations

import math
from typing import Any

import pyqtgraph as pg
from PySide6.QtGui import QColor

PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2")
STATE_COLOURS = {"COMPLETE": "#1f77b4", "PRUNED": "#bbbbbb", "FAIL": "#d62728"}


class HistoryPlot(pg.PlotWidget):
    """Optimisation history: a dot per trial (grey pruned, red failed) and the best so far."""

    def __init__(self) -> None:
        super().__init__(background="w")
        self.setTitle("Optimisation history", color="#333", size="10pt")
        self.showGrid(x=True, y=True, alpha=0.2)
        self.setLabel("bottom", "trial")
        self.setMinimumHeight(160)
        self.dots = pg.ScatterPlotItem(size=8)
        self.best = pg.PlotDataItem(pen=pg.mkPen("#2ca02c", width=2), stepMode=None)
        self.addItem(self.dots)
        self.addItem(self.best)

    def show_trials(self, rows: list[dict[str, Any]], maximize: bool) -> None:
        """Draw ``rows`` (trials with a value)."""
        shown = [row for row in rows if row.get("value") is not None]
        self.dots.setData([{"pos": (row["number"], row["value"]),
                            "brush": pg.mkBrush(STATE_COLOURS.get(row["state"], "#888")),
                            "pen": None} for row in shown])
        complete = sorted((row for row in shown if row["state"] == "COMPLETE"),
                          key=lambda row: row["number"])
        xs, ys, best = [], [], None
        for row in complete:
            value = row["value"]
            best = value if best is None else (max(best, value) if maximize else min(best, value))
            xs.append(row["number"])
            ys.append(best)
        self.best.setData(xs, ys)


class ParallelCoordinatesPlot(pg.PlotWidget):
    """One line per finished trial through an axis per setting and one for the value."""

    def __init__(self) -> None:
        super().__init__(background="w")
        self.setTitle("Parallel coordinates", color="#333", size="10pt")
        self.setMinimumHeight(180)
        self.getAxis("left").setTicks([[(0, "low"), (1, "high")]])
        self.lines: list[pg.PlotDataItem] = []
        self.paths: list[str] = []

    def show_trials(self, rows: list[dict[str, Any]], paths: list[str],
                    log_paths: set[str], maximize: bool) -> None:
        """Draw the complete trials of ``rows`` over the axes ``paths`` + value."""
        for line in self.lines:
            self.removeItem(line)
        self.lines = []
        complete = [row for row in rows if row["state"] == "COMPLETE" and row["value"] is not None
                    and all(path in row["params"] for path in paths)]
        axes = [*paths, "value"]
        self.paths = axes
        self.getAxis("bottom").setTicks([[(index, _short(path)) for index, path in
                                          enumerate(axes)]])
        if not complete:
            return
        columns = [_column([row["value"] if path == "value" else row["params"][path]
                            for row in complete], path in log_paths) for path in axes]
        scaled = [_scale(column) for column in columns]
        order = sorted(range(len(complete)), key=lambda i: complete[i]["value"],
                       reverse=not maximize)  # the best drawn last, on top
        for rank, index in enumerate(order):
            shade = 0.25 + 0.75 * (rank + 1) / len(order)
            colour = QColor(PALETTE[0])
            colour.setAlphaF(shade)
            line = pg.PlotDataItem(list(range(len(axes))), [column[index] for column in scaled],
                                   pen=pg.mkPen(colour, width=1.5 + shade))
            self.addItem(line)
            self.lines.append(line)
        self.setXRange(-0.2, len(axes) - 0.8)
        self.setYRange(-0.05, 1.05)


class ImportancePlot(pg.PlotWidget):
    """Optuna's parameter importances, largest on top."""

    def __init__(self) -> None:
        super().__init__(background="w")
        self.setTitle("Parameter importances", color="#333", size="10pt")
        self.setMinimumHeight(120)
        self.bars: pg.BarGraphItem | None = None

    def show_importances(self, values: dict[str, float]) -> None:
        """Draw ``values`` (path → importance)."""
        if self.bars is not None:
            self.removeItem(self.bars)
            self.bars = None
        ordered = sorted(values.items(), key=lambda item: item[1])
        if not ordered:
            return
        self.bars = pg.BarGraphItem(x0=0, y=list(range(len(ordered))), height=0.6,
                                    width=[value for _path, value in ordered],
                                    brush=PALETTE[0])
        self.addItem(self.bars)
        self.getAxis("left").setTicks([[(index, _short(path)) for index, (path, _v) in
                                        enumerate(ordered)]])
        self.setXRange(0, max(value for _path, value in ordered) * 1.05)


class TrialCurvesPlot(pg.PlotWidget):
    """The objective per epoch of the selected trials, one colour each."""

    def __init__(self) -> None:
        super().__init__(background="w")
        self.setTitle("Selected trials by epoch", color="#333", size="10pt")
        self.showGrid(x=True, y=True, alpha=0.2)
        self.setLabel("bottom", "epoch")
        self.setMinimumHeight(160)
        self.legend = self.addLegend(offset=(-10, 10))
        self.items: dict[int, pg.PlotDataItem] = {}

    def show_curves(self, curves: dict[int, dict[int, float]]) -> None:
        """Draw ``curves`` (trial number → epoch → value)."""
        self.clear()
        self.legend.clear()
        self.items = {}
        for index, (number, points) in enumerate(sorted(curves.items())):
            epochs = sorted(points)
            item = self.plot(epochs, [points[epoch] for epoch in epochs],
                             pen=pg.mkPen(PALETTE[index % len(PALETTE)], width=2),
                             symbol="o", symbolSize=5, name=f"trial {number}")
            self.items[number] = item


def _column(values: list[Any], log: bool) -> list[float]:
    """Numbers as they are (log10 on a log axis); choices by their place in sorted order."""
    if all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
        return [math.log10(v) if log and v > 0 else float(v) for v in values]
    order = sorted({str(value) for value in values})
    return [float(order.index(str(value))) for value in values]


def _scale(column: list[float]) -> list[float]:
    low, high = min(column), max(column)
    if high == low:
        return [0.5] * len(column)
    return [(value - low) / (high - low) for value in column]


def _short(path: str) -> str:
    if "[id=" in path:
        return path.rsplit("[id=", 1)[1].replace("].params.", ".").replace("]", "")
    return path.rsplit(".", 1)[-1]
