"""A time series drawn over time: the targets on the left axis, covariates on the right.

:class:`SeriesPlot` takes plain arrays (the time stamps and one array of values per column), so
the data view can feed it the CSV table and tests can feed it anything. Each column has a check
box; the targets start shown and the covariates hidden (they are often on another scale, so
they get their own axis on the right). Missing values break the line, and gaps in the time
stamps are shaded.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from dlstudio.gui.widgets.time_axis import plot_times, use_time_axis

TARGET_COLOURS = ("#2563eb", "#dc2626", "#059669", "#7c3aed")
COVARIATE_COLOURS = ("#f59e0b", "#64748b", "#db2777", "#0891b2", "#65a30d")
GAP_BRUSH = (239, 68, 68, 40)


class SeriesPlot(QWidget):
    """The series of a CSV table over time, each column toggled by a check box."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot = pg.PlotWidget()
        self.plot.setBackground(None)
        self.plot.showGrid(x=True, y=True, alpha=0.15)
        item = self.plot.getPlotItem()
        item.setDownsampling(auto=True, mode="peak")
        item.setClipToView(True)
        self.covariate_box = pg.ViewBox()
        item.scene().addItem(self.covariate_box)
        item.getAxis("right").linkToView(self.covariate_box)
        self.covariate_box.setXLink(item)
        item.vb.sigResized.connect(self._align_boxes)
        self.boxes: dict[str, QCheckBox] = {}
        self.curves: dict[str, pg.PlotDataItem] = {}
        self.targets: list[str] = []
        self.gap_regions: list[pg.LinearRegionItem] = []
        self.dates = False
        self.toggles = QHBoxLayout()
        self.toggles.setContentsMargins(0, 0, 0, 0)
        self.hint = QLabel()
        self.hint.setProperty("role", "hint")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(self.toggles)
        layout.addWidget(self.plot, 1)
        layout.addWidget(self.hint)

    def _align_boxes(self) -> None:
        item = self.plot.getPlotItem()
        self.covariate_box.setGeometry(item.vb.sceneBoundingRect())
        self.covariate_box.linkedViewChanged(item.vb, self.covariate_box.XAxis)

    def set_series(self, times: Sequence[object] | np.ndarray,
                   columns: Mapping[str, Sequence[float] | np.ndarray],
                   targets: Sequence[str], time_name: str = "time",
                   gaps: Sequence[tuple[object, object]] = ()) -> None:
        """Draw ``columns`` against ``times``.

        Args:
            times: One time stamp per row (numbers, dates or ISO text).
            columns: The values of each series, as long as ``times`` (NaN where missing).
            targets: The names in ``columns`` that are predicted (shown on the left axis);
                the others are covariates (hidden until ticked, on the right axis).
            time_name: The time column's name, for the axis label.
            gaps: ``(start, end)`` time stamps of gaps to shade.
        """
        self.clear()
        x, self.dates = plot_times(times)
        use_time_axis(self.plot, self.dates)
        item = self.plot.getPlotItem()
        item.setLabel("bottom", time_name)
        self.targets = [name for name in targets if name in columns]
        covariates = [name for name in columns if name not in self.targets]
        item.setLabel("left", ", ".join(self.targets) or "value")
        for number, name in enumerate(self.targets + covariates):
            target = name in self.targets
            colours = TARGET_COLOURS if target else COVARIATE_COLOURS
            colour = colours[(number if target else number - len(self.targets)) % len(colours)]
            values = np.asarray(columns[name], dtype=float)
            pen = pg.mkPen(colour, width=2 if target else 1.5,
                           style=Qt.PenStyle.SolidLine if target else Qt.PenStyle.DashLine)
            curve = pg.PlotDataItem(x, values, pen=pen, name=name, connect="finite")
            if target:
                item.addItem(curve)
            else:
                self.covariate_box.addItem(curve)
            self.curves[name] = curve
            box = QCheckBox(name if target else f"{name} (right axis)")
            box.setStyleSheet(f"QCheckBox {{ color: {colour}; }}")
            box.setToolTip("Predicted (target): drawn on the left axis" if target else
                           "An input series (covariate): drawn on the right axis, on its own "
                           "scale")
            box.setChecked(target)
            curve.setVisible(target)
            box.toggled.connect(lambda shown, n=name: self.show_column(n, shown))
            self.boxes[name] = box
            self.toggles.addWidget(box)
        self.toggles.addStretch(1)
        self._shade_gaps(gaps)
        self._show_right_axis()
        item.getAxis("right").setLabel("covariates" if covariates else "")
        item.enableAutoRange()
        self.covariate_box.enableAutoRange()
        self.hint.setText("Drag to pan, wheel to zoom, right-click ▸ View All to see it all."
                          if len(x) else "")

    def _shade_gaps(self, gaps: Sequence[tuple[object, object]]) -> None:
        if not gaps:
            return
        edges, _dates = plot_times([value for gap in gaps for value in gap])
        for start, end in edges.reshape(-1, 2):
            if not (np.isfinite(start) and np.isfinite(end)):
                continue
            region = pg.LinearRegionItem((start, end), movable=False, brush=GAP_BRUSH,
                                         pen=pg.mkPen(None))
            region.setToolTip("A gap: time stamps are missing here")
            self.plot.addItem(region)
            self.gap_regions.append(region)

    def show_column(self, name: str, shown: bool) -> None:
        """Show or hide one column's curve (its check box follows)."""
        if name not in self.curves:
            return
        self.curves[name].setVisible(shown)
        self._show_right_axis()
        box = self.boxes[name]
        if box.isChecked() != shown:
            box.setChecked(shown)
        self.covariate_box.enableAutoRange()

    def _show_right_axis(self) -> None:
        """The right axis is the covariates': shown while one of them is."""
        shown = any(curve.isVisible() for name, curve in self.curves.items()
                    if name not in self.targets)
        self.plot.getPlotItem().showAxis("right", shown)

    def clear(self) -> None:
        """Remove every curve, check box and shaded gap."""
        item = self.plot.getPlotItem()
        for name, curve in self.curves.items():
            if name in self.targets:
                item.removeItem(curve)
            else:
                self.covariate_box.removeItem(curve)
        for region in self.gap_regions:
            item.removeItem(region)
        self.curves, self.gap_regions = {}, []
        while self.toggles.count():
            child = self.toggles.takeAt(0)
            if child.widget() is not None:
                child.widget().hide()  # deleted when control returns to the event loop
                child.widget().deleteLater()
        self.boxes = {}
