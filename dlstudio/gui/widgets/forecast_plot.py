"""The forecast plot of a forecasting run: history, truth, forecasts and baselines over time.

:class:`ForecastPlot` draws a :class:`~dlstudio.gui.widgets.forecast_data.ForecastData`: the
series' history, the true values of the test period, and — for the chosen number of steps
ahead — the model's forecast of every test window, with each baseline behind a check box. The
slider walks through the test windows: the chosen window's whole forecast (every step of its
horizon) is drawn with markers and the view zooms onto it. A residuals plot below (truth minus
forecast, at the same steps ahead) shares the time axis.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSlider,
    QSpinBox,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from dlstudio.gui.widgets.forecast_data import BASELINE_TIPS, BASELINE_TITLES, ForecastData
from dlstudio.gui.widgets.time_axis import plot_times, time_text, use_time_axis

HISTORY_PEN = ("#94a3b8", 1.5)
TRUTH_PEN = ("#0f172a", 2)
MODEL_PEN = ("#2563eb", 2.5)
BASELINE_COLOURS = {"persistence": "#f97316", "seasonal_naive": "#059669",
                    "linear_ar": "#a855f7"}
OTHER_COLOURS = ("#db2777", "#0891b2", "#65a30d")
CONTEXT_WINDOWS = 4  # how many horizons of history the zoom shows before a window


class ForecastPlot(QWidget):
    """Forecast and residual plots with the steps-ahead choice, baselines and a window slider."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.data: ForecastData | None = None
        self.x = np.zeros((0, 0))
        self.dates = False
        self.step = QSpinBox()
        self.step.setRange(1, 1)
        self.step.setPrefix("forecast ")
        self.step.setSuffix(" step(s) ahead")
        self.step.setToolTip("Which step of the horizon to draw for every test window: 1 is "
                             "the next value after the window, H the last one forecast. "
                             "Errors usually grow with the steps ahead.")
        self.step.valueChanged.connect(lambda _value: self._redraw())
        self.baseline_boxes: dict[str, QCheckBox] = {}
        self.baseline_row = QHBoxLayout()
        self.baseline_row.setContentsMargins(0, 0, 0, 0)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setToolTip("Walk through the test period: each position is one test window; "
                               "its whole forecast is drawn with dots and the plot zooms onto "
                               "it")
        self.slider.valueChanged.connect(lambda _value: self._show_window(zoom=True))
        self.window_label = QLabel()
        self.window_label.setMinimumWidth(260)
        self.whole_button = QPushButton("Whole test period")
        self.whole_button.setToolTip("Zoom out to every test window (the wheel zooms, dragging "
                                     "pans)")
        self.whole_button.clicked.connect(self.show_whole)
        self.forecast = self._plot("value")
        self.residuals = self._plot("truth − forecast")
        self.residuals.setXLink(self.forecast)
        self.residuals.addLine(y=0, pen=pg.mkPen("#94a3b8", style=Qt.PenStyle.DashLine))
        self.key = QLabel()
        self.key.setTextFormat(Qt.TextFormat.RichText)
        self.key.setToolTip("The dots are the whole forecast of the test window the slider "
                            "chose; the lines join one forecast per window, at the chosen "
                            "steps ahead")
        self.forecast.getViewBox().sigXRangeChanged.connect(lambda *_args: self._follow_x())
        self.items: dict[str, pg.PlotDataItem] = {}
        self.fans: dict[str, pg.PlotDataItem] = {}
        self.origin = pg.InfiniteLine(angle=90, movable=False,
                                      pen=pg.mkPen("#64748b", style=Qt.PenStyle.DotLine))
        self.forecast.addItem(self.origin, ignoreBounds=True)
        self._layout()

    @staticmethod
    def _plot(left: str) -> pg.PlotWidget:
        plot = pg.PlotWidget()
        plot.setBackground(None)
        plot.showGrid(x=True, y=True, alpha=0.15)
        plot.setLabel("left", left)
        plot.getPlotItem().setMouseEnabled(x=True, y=False)
        return plot

    def _layout(self) -> None:
        controls = QHBoxLayout()
        controls.addWidget(self.step)
        controls.addSpacing(12)
        controls.addWidget(self.key)
        controls.addSpacing(12)
        controls.addWidget(QLabel("Baselines:"))
        controls.addLayout(self.baseline_row)
        controls.addStretch(1)
        walk = QHBoxLayout()
        walk.addWidget(QLabel("Test window"))
        walk.addWidget(self.slider, 1)
        walk.addWidget(self.window_label)
        walk.addWidget(self.whole_button)
        plots = QSplitter(Qt.Orientation.Vertical)
        plots.addWidget(self._titled("Forecast against the truth", self.forecast))
        plots.addWidget(self._titled("Residuals over time (truth − forecast; near 0 is good, a "
                                     "pattern means something is left to learn)",
                                     self.residuals))
        plots.setSizes([480, 200])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(controls)
        layout.addWidget(plots, 1)
        layout.addLayout(walk)

    @staticmethod
    def _titled(title: str, plot: pg.PlotWidget) -> QWidget:
        box = QWidget()
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        label = QLabel(title)
        label.setProperty("role", "heading")
        label.setWordWrap(True)
        layout.addWidget(label)
        layout.addWidget(plot, 1)
        return box

    # Data ---------------------------------------------------------------------------------

    def set_data(self, data: ForecastData | None) -> None:
        """Draw ``data`` (``None`` clears the plots)."""
        self.data = data
        self._clear()
        if data is None or data.windows == 0:
            self.window_label.setText("")
            return
        self.x, self.dates = plot_times(data.times)
        for plot in (self.forecast, self.residuals):
            use_time_axis(plot, self.dates)
        self.residuals.setLabel("bottom", "time")
        self.forecast.setLabel("left", data.target)
        self.step.blockSignals(True)
        self.step.setRange(1, data.horizon)
        self.step.setValue(1)
        self.step.blockSignals(False)
        self.step.setEnabled(data.horizon > 1)
        self._add_items(data)
        self.slider.blockSignals(True)
        self.slider.setRange(0, data.windows - 1)
        self.slider.setValue(0)
        self.slider.blockSignals(False)
        self._redraw()
        self.show_whole()

    def _clear(self) -> None:
        for item in (*self.items.values(), *self.fans.values()):
            self.forecast.removeItem(item)
            self.residuals.removeItem(item)
        self.items, self.fans = {}, {}
        for box in self.baseline_boxes.values():
            self.baseline_row.removeWidget(box)
            box.hide()  # deleted when control returns to the event loop
            box.deleteLater()
        self.baseline_boxes = {}

    def _add_items(self, data: ForecastData) -> None:
        key = [("truth", TRUTH_PEN[0]), ("model", MODEL_PEN[0])]
        if data.history is not None:
            key.append(("history", HISTORY_PEN[0]))
        self.key.setText("&nbsp;&nbsp;".join(f"<span style='color:{colour}'>━ {name}</span>"
                                             for name, colour in key))
        if data.history is not None and data.history_times is not None:
            hx, _dates = plot_times(data.history_times)
            self._line("history", hx, np.asarray(data.history, dtype=float), HISTORY_PEN,
                       "history")
        self._line("truth", None, None, TRUTH_PEN, "truth", symbol="o")
        self._line("model", None, None, MODEL_PEN, "model forecast")
        self.fans["model"] = self._fan(MODEL_PEN[0])
        self.items["residuals"] = self.residuals.plot(
            [], [], pen=pg.mkPen(MODEL_PEN[0], width=1.5), symbol="o", symbolSize=5,
            symbolBrush=MODEL_PEN[0], symbolPen=None, connect="finite")
        for number, name in enumerate(data.baselines):
            colour = BASELINE_COLOURS.get(name, OTHER_COLOURS[number % len(OTHER_COLOURS)])
            title = BASELINE_TITLES.get(name, name.replace("_", " "))
            self._line(name, None, None, (colour, 1.5), title, dashed=True)
            self.fans[name] = self._fan(colour)
            box = QCheckBox(title)
            box.setStyleSheet(f"QCheckBox {{ color: {colour}; }}")
            box.setToolTip(BASELINE_TIPS.get(name, "A simple forecast to compare with"))
            box.setChecked(name == "persistence")
            box.toggled.connect(lambda shown, n=name: self.show_baseline(n, shown))
            self.baseline_boxes[name] = box
            self.baseline_row.addWidget(box)
            self.show_baseline(name, box.isChecked())

    def _line(self, name: str, x: np.ndarray | None, y: np.ndarray | None,
              pen: tuple[str, float], title: str, dashed: bool = False,
              symbol: str | None = None) -> None:
        style = Qt.PenStyle.DashLine if dashed else Qt.PenStyle.SolidLine
        item = self.forecast.plot([] if x is None else x, [] if y is None else y,
                                  pen=pg.mkPen(pen[0], width=pen[1], style=style), name=title,
                                  connect="finite", symbol=symbol, symbolSize=4,
                                  symbolBrush=pen[0], symbolPen=None)
        self.items[name] = item

    def _fan(self, colour: str) -> pg.PlotDataItem:
        fan = self.forecast.plot([], [], pen=pg.mkPen(colour, width=2.5), symbol="o",
                                 symbolSize=8, symbolBrush=colour, symbolPen="w")
        fan.setZValue(10)
        return fan

    def show_baseline(self, name: str, shown: bool) -> None:
        """Show or hide one baseline's forecasts (its check box follows)."""
        for items in (self.items, self.fans):
            if name in items:
                items[name].setVisible(shown)
        box = self.baseline_boxes.get(name)
        if box is not None and box.isChecked() != shown:
            box.setChecked(shown)
        self._follow_x()

    # Drawing ------------------------------------------------------------------------------

    def steps_ahead(self) -> int:
        """The chosen number of steps ahead (1 … horizon)."""
        return self.step.value()

    def _redraw(self) -> None:
        data = self.data
        if data is None:
            return
        column = self.steps_ahead() - 1
        x = self.x[:, column]
        self.items["truth"].setData(x, data.truth[:, column])
        self.items["model"].setData(x, data.forecast[:, column])
        for name, values in data.baselines.items():
            self.items[name].setData(x, values[:, column])
        self.items["residuals"].setData(x, data.truth[:, column] - data.forecast[:, column])
        self._show_window(zoom=False)
        self._follow_x()

    def _show_window(self, zoom: bool) -> None:
        data = self.data
        if data is None:
            return
        window = self.slider.value()
        x = self.x[window]
        self.fans["model"].setData(x, data.forecast[window])
        for name, values in data.baselines.items():
            self.fans[name].setData(x, values[window])
        origin = self._origin(window)
        self.origin.setValue(origin)
        self.window_label.setText(
            f"{window + 1} of {data.windows}: from {time_text(float(x[0]), self.dates)}"
            + (f" to {time_text(float(x[-1]), self.dates)}" if data.horizon > 1 else ""))
        if zoom:
            step = self._step_width()
            left = origin - CONTEXT_WINDOWS * max(data.horizon, 3) * step
            self.forecast.setXRange(left, float(x[-1]) + step, padding=0.02)

    def _origin(self, window: int) -> float:
        """Where the window's forecast starts: half a step before its first forecast."""
        return float(self.x[window, 0]) - self._step_width() / 2

    def _step_width(self) -> float:
        first = self.x[:, 0]
        steps = np.diff(first[np.isfinite(first)])
        if steps.size:
            return float(np.median(np.abs(steps))) or 1.0
        row = self.x[0]
        return float(np.median(np.abs(np.diff(row)))) if row.size > 1 else 1.0

    def _follow_x(self) -> None:
        """Fit the value axis to what the time axis now shows (wheel zoom, drag, slider)."""
        left, right = self.forecast.getViewBox().viewRange()[0]
        self._fit_y(left, right)

    def _fit_y(self, left: float, right: float) -> None:
        """Fit the value axis to what is drawn between ``left`` and ``right``."""
        values = []
        for item in (*self.items.values(), *self.fans.values()):
            if not item.isVisible() or item.getViewBox() is not self.forecast.getViewBox():
                continue
            x, y = item.getData()
            if x is None or not len(x):
                continue
            inside = (x >= left) & (x <= right) & np.isfinite(y)
            values.append(y[inside])
        joined = np.concatenate(values) if values else np.zeros(0)
        if joined.size:
            low, high = float(joined.min()), float(joined.max())
            pad = (high - low) * 0.08 or 1.0
            self.forecast.setYRange(low - pad, high + pad, padding=0)

    def show_whole(self) -> None:
        """Zoom out to the whole test period (with some history before it)."""
        if self.data is None:
            return
        finite = self.x[np.isfinite(self.x)]
        if not finite.size:
            return
        left, right = float(finite.min()), float(finite.max())
        span = right - left or self._step_width()
        left -= 0.25 * span
        self.forecast.setXRange(left, right, padding=0.02)
        self._follow_x()
        self.residuals.enableAutoRange(axis="y")
