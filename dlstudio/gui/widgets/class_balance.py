"""A bar chart of how many samples each class has (pyqtgraph)."""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QWidget

_MAX_LABEL = 12


class ClassBalanceChart(pg.PlotWidget):
    """Bars of samples per class, labelled with the class names."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setMenuEnabled(False)
        self.setMouseEnabled(x=False, y=False)
        self.hideButtons()
        self.setFixedHeight(190)
        self.getPlotItem().setLabel("left", "samples")
        self.bars: pg.BarGraphItem | None = None
        self.counts: list[tuple[str, int]] = []

    def set_counts(self, counts: list[tuple[str, int]]) -> None:
        """Show ``(class, samples)`` pairs in the given order."""
        self.counts = list(counts)
        plot = self.getPlotItem()
        if self.bars is not None:
            plot.removeItem(self.bars)
            self.bars = None
        self._apply_palette()
        if not counts:
            return
        heights = [count for _label, count in counts]
        self.bars = pg.BarGraphItem(x=list(range(len(counts))), height=heights, width=0.65,
                                    brush=pg.mkBrush("#3b82f6"), pen=pg.mkPen(None))
        plot.addItem(self.bars)
        ticks = [(i, _short(label)) for i, (label, _count) in enumerate(counts)]
        plot.getAxis("bottom").setTicks([ticks])
        plot.setXRange(-0.6, len(counts) - 0.4, padding=0)
        plot.setYRange(0, max(heights) * 1.1, padding=0)

    def _apply_palette(self) -> None:
        palette = self.palette()
        self.setBackground(palette.color(QPalette.ColorRole.Base))
        text = palette.color(QPalette.ColorRole.Text)
        for name in ("left", "bottom"):
            axis = self.getPlotItem().getAxis(name)
            axis.setTextPen(text)
            axis.setPen(palette.color(QPalette.ColorRole.Mid))


def _short(label: str) -> str:
    return label if len(label) <= _MAX_LABEL else label[: _MAX_LABEL - 1] + "…"
