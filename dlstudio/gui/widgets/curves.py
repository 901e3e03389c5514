"""Live training curves with pyqtgraph: one plot per metric family, plus the learning rate.

Values that belong together share a plot (a GAN's discriminator and generator losses; see
:mod:`~dlstudio.core.runs.curve_plots`), each in its own colour named in the plot's title, with
a tip that says what healthy curves look like; a plot made before its first value arrived (the
``loss`` a run usually logs) is dropped once the run's values show it will stay empty.

Each plot shows, for every run it is given, the training value per batch (faint, with a
smoothed line over it), per epoch, and the validation value per epoch; a vertical line marks
the best epoch. Several runs overlay in distinct colours. Events only mark the view as changed;
a ~50 ms timer redraws one plot per tick, calling ``setData`` on one ``PlotDataItem`` per
series that changed. Per-batch series are drawn through
:func:`~dlstudio.core.runs.history.display_points`: clipped to the visible epochs and
peak-decimated to a few thousand points, so a run of 100k batches redraws as fast as a short
one and still shows every spike. While a run goes on, the x axis spans its planned epochs;
once it has ended it fits the epochs that exist.
"""

from __future__ import annotations

import math

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, Qt, QTimer
from PySide6.QtWidgets import (
    QCheckBox,
    QGraphicsItem,
    QHBoxLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from dlstudio.core.runs.curve_plots import PlotPlan, plan_plots
from dlstudio.core.runs.history import (
    VALIDATION_PREFIX,
    GrowingSeries,
    RunHistory,
    display_points,
)

REDRAW_MS = 50
LEARNING_RATE_PLOT = "learning rate"
COLUMNS = 2
AXIS_WIDTH = 56  # the same for every plot, so x-linked plots line up
RUN_COLOURS = ("#2563eb", "#f97316", "#16a34a", "#9333ea", "#dc2626", "#0891b2", "#ca8a04",
               "#db2777")
TRAIN_COLOUR, VALIDATION_COLOUR, BEST_COLOUR = "#2563eb", "#f97316", "#16a34a"
PHASE_COLOUR = "#9333ea"
PHASE_LABELS = {"fine_tune": "fine-tune", "refit": "refit on all rows"}
DECIMATED_ROLES = ("batch", "smoothed")
CURVE_COLOURS = ("#dc2626", "#2563eb", "#16a34a", "#9333ea")  # the values of a shared plot


class CurvesView(QWidget):
    """Plots of one or several runs' loss, metrics and learning rate.

    Feed it :class:`RunHistory` objects with :meth:`show_runs`; after changing one (adding
    events), call :meth:`mark_changed` — the redraw happens on the next timer tick.

    Args:
        parent: The Qt parent.
        redraw_ms: The redraw interval.
    """

    def __init__(self, parent: QWidget | None = None, redraw_ms: int = REDRAW_MS) -> None:
        super().__init__(parent)
        self._runs: list[RunHistory] = []
        self._plots: dict[str, pg.PlotItem] = {}
        self._plans: list[PlotPlan] = []
        self._plot_of: dict[str, str] = {}  # logged value -> the plot drawing it
        self._items: dict[tuple[int, str, str], pg.PlotDataItem] = {}
        self._drawn: dict[tuple[int, str, str], tuple[int, tuple[float, float]]] = {}
        self._best_lines: dict[tuple[int, str], pg.InfiniteLine] = {}
        self._phase_lines: dict[tuple[int, str, int], pg.InfiniteLine] = {}
        self._cursors: list[pg.InfiniteLine] = []
        self._pending: list[str] = []
        self._x_extent = 0.0
        self.redraw_count = 0
        self._build(redraw_ms)

    def _build(self, redraw_ms: int) -> None:
        self.log_scale = QCheckBox("Log scale")
        self.log_scale.setToolTip("Show the values on a logarithmic axis (on by itself once "
                                  "the loss has fallen a hundredfold, as an autoencoder's does)")
        self.log_scale.toggled.connect(self._apply_log_scale)
        self.log_scale.clicked.connect(self._log_scale_chosen)
        self._log_scale_chosen_by_user = False
        self.show_batches = QCheckBox("Per batch")
        self.show_batches.setChecked(True)
        self.show_batches.setToolTip("Show the training value after every batch (faint) and "
                                     "its smoothed trend")
        self.show_batches.toggled.connect(self._on_show_batches)
        self.readout = QLabel("Point at a curve to read its values.")
        self.readout.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.readout.setWordWrap(True)
        self.legend = QLabel()
        self.legend.setTextFormat(Qt.TextFormat.RichText)
        bar = QHBoxLayout()
        bar.addWidget(self.legend, 1)
        bar.addWidget(self.show_batches)
        bar.addWidget(self.log_scale)
        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.setBackground(None)
        self.graphics.scene().sigMouseMoved.connect(self._on_mouse_moved)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.readout)
        layout.addWidget(self.graphics, 1)
        self._timer = QTimer(self, interval=redraw_ms)
        self._timer.timeout.connect(self._on_tick)
        self._timer.start()

    @property
    def runs(self) -> list[RunHistory]:
        """The runs shown, in legend order."""
        return list(self._runs)

    def plot_names(self) -> list[str]:
        """The plots shown, in reading order: loss, shared plots, other metrics, then the
        learning rate."""
        order = [plan.name for plan in self._plans]
        return sorted(self._plots, key=lambda name: (
            name == LEARNING_RATE_PLOT, name != "loss",
            order.index(name) if name in order else len(order), name))

    def plot(self, name: str) -> pg.PlotItem:
        """The plot named ``name``: a metric family, a shared plot (``gan_losses``) or
        :data:`LEARNING_RATE_PLOT`."""
        return self._plots[name]

    def plot_plan(self, name: str) -> PlotPlan | None:
        """What plot ``name`` draws (``None`` for the learning rate or a plot not planned)."""
        return next((plan for plan in self._plans if plan.name == name), None)

    def series_item(self, run_index: int, family: str, role: str) -> pg.PlotDataItem | None:
        """The item drawing ``role`` (``batch``, ``smoothed``, ``train``, ``validation``,
        ``rate``) of a run in a plot, or ``None``."""
        return self._items.get((run_index, family, role))

    def show_runs(self, runs: list[RunHistory], expected: tuple[str, ...] = ()) -> None:
        """Replace the runs shown (an empty list clears the plots).

        Args:
            runs: The runs.
            expected: Plots to make now rather than when their first value arrives (for a
                run about to start, so their first paint does not happen mid-training).
        """
        self._runs = list(runs)
        self.graphics.clear()
        self._plots.clear()
        self._plans, self._plot_of = [], {}
        self._items.clear()
        self._drawn.clear()
        self._best_lines.clear()
        self._phase_lines.clear()
        self._cursors.clear()
        self._pending.clear()
        self._x_extent = 0.0
        self.show_batches.setChecked(len(self._runs) <= 1)
        if not self._log_scale_chosen_by_user:
            self.log_scale.setChecked(False)
        self.legend.setText(self._legend_html())
        for name in expected:
            self._plot_for(name)
        self.mark_changed()

    def _legend_html(self) -> str:
        if len(self._runs) > 1:
            chips = [_chip(RUN_COLOURS[index % len(RUN_COLOURS)], run.label)
                     for index, run in enumerate(self._runs)]
            return " ".join(chips) + " &nbsp;(solid: train, dashed: validation)"
        if not self._runs:
            return ""
        shown = [_chip(TRAIN_COLOUR, "train"), _chip(VALIDATION_COLOUR, "validation")]
        if not self._plans or any(plan.name == "loss" for plan in self._plans):
            shown.append(_chip(BEST_COLOUR, "best epoch", "┆"))  # a GAN has no best epoch
        chips = " ".join(shown)
        if any(plan.grouped for plan in self._plans):
            chips += " &nbsp;(plots of two values: each its colour, validation dashed)"
        return chips

    def mark_changed(self) -> None:
        """Note that the runs' data changed; the timer makes and redraws the plots, one per
        tick, so a burst of events costs no drawing at all. A loss that has fallen a
        hundredfold turns the log scale on (unless the person chose the scale): on a linear
        axis it would lie flat on zero after the first epochs."""
        if not self._log_scale_chosen_by_user and not self.log_scale.isChecked() and any(
                _spans_decades(run.epochs.get("loss")) for run in self._runs):
            self.log_scale.setChecked(True)
        families = list(dict.fromkeys(name for run in self._runs for name in run.families()))
        self._plans = plan_plots(families, group=len(self._runs) <= 1)
        self._plot_of = {curve.key: plan.name for plan in self._plans for curve in plan.curves}
        names = [plan.name for plan in self._plans]
        if families:
            self._drop_empty_plots(names)
        legend = self._legend_html()
        if legend != self.legend.text():
            self.legend.setText(legend)
        if any(len(run.learning_rate) for run in self._runs):
            names.append(LEARNING_RATE_PLOT)
        for name in names:
            self._queue(name)

    def _drop_empty_plots(self, planned: list[str]) -> None:
        """Remove plots made before any value came (``expected``) that no value will fill:
        a GAN logs no ``loss``."""
        for name in [name for name in self._plots
                     if name not in planned and name != LEARNING_RATE_PLOT]:
            plot = self._plots.pop(name)
            self._cursors = [cursor for cursor in self._cursors
                             if cursor.getViewBox() is not plot.vb]
            self.graphics.removeItem(plot)
            if name in self._pending:
                self._pending.remove(name)
        self._place_plots()

    def _queue(self, name: str) -> None:
        if name not in self._pending:
            self._pending.append(name)

    def redraw(self) -> None:
        """Draw every plot whose data changed, now."""
        while self._pending:
            self._redraw_plot(self._pending.pop(0))

    def _on_tick(self) -> None:
        """Draw the plot that has waited longest: one per tick keeps each repaint small."""
        if self._pending:
            self._redraw_plot(self._pending.pop(0))

    def _redraw_plot(self, name: str) -> None:
        self._plot_for(name)
        self.redraw_count += 1
        plan = self.plot_plan(name)
        for index, run in enumerate(self._runs):
            if name == LEARNING_RATE_PLOT:
                self._draw(index, name, "rate", run.learning_rate)
            else:
                for curve in plan.curves if plan else ():
                    self._draw_family(index, run, curve.key)
            self._draw_best(index, run, name)
            self._draw_phases(index, run, name)
        self._fix_x_range()

    def _on_show_batches(self, on: bool) -> None:
        for (_, _, role), item in self._items.items():
            if role in ("batch", "smoothed"):
                item.setVisible(on)
        self.mark_changed()
        self.redraw()

    def _draw_family(self, index: int, run: RunHistory, family: str) -> None:
        empty = GrowingSeries(1)
        if self.show_batches.isChecked():
            self._draw(index, family, "batch", run.batches.get(family, empty))
            self._draw(index, family, "smoothed", run.smoothed.get(family, empty))
        self._draw(index, family, "train", run.epochs.get(family, empty))
        self._draw(index, family, "validation",
                   run.epochs.get(VALIDATION_PREFIX + family, empty))

    def _draw(self, index: int, family: str, role: str, series: GrowingSeries) -> None:
        key = (index, family, role)
        if key not in self._items and not len(series):
            return
        plot_name = self._plot_of.get(family, family)
        shown = self._visible_x(plot_name) if role in DECIMATED_ROLES else (-math.inf, math.inf)
        if self._drawn.get(key) == (len(series), shown) and key in self._items:
            return
        if key not in self._items:
            self._items[key] = self._new_item(index, family, role)
        if role in DECIMATED_ROLES:
            self._items[key].setData(*display_points(series, *shown))
        else:
            self._items[key].setData(series.x, series.y)
        self._drawn[key] = (len(series), shown)

    def _visible_x(self, plot_name: str) -> tuple[float, float]:
        low, high = self._plot_for(plot_name).vb.viewRange()[0]
        return float(low), float(high)

    def _new_item(self, index: int, family: str, role: str) -> pg.PlotDataItem:
        plot = self._plot_for(self._plot_of.get(family, family))
        pen, symbol = self._style(index, role, self._curve_colour(family))
        item = pg.PlotDataItem(pen=pen, symbol=symbol, symbolSize=5,
                               symbolPen=None, symbolBrush=pen.color() if symbol else None)
        item.setZValue({"batch": 0, "smoothed": 1}.get(role, 2))
        if role == "rate" and index == 0:  # filled to zero: a constant rate reads as one
            item.setBrush(_with_alpha(pen.color(), 40))
            item.setFillLevel(None if self.log_scale.isChecked() else 0.0)
        plot.addItem(item)
        return item

    def _curve_colour(self, family: str) -> str | None:
        """The colour of a value on a shared plot (``None`` on a plot of its own)."""
        plan = self.plot_plan(self._plot_of.get(family, ""))
        if plan is None or not plan.grouped:
            return None
        keys = [curve.key for curve in plan.curves]
        return CURVE_COLOURS[keys.index(family) % len(CURVE_COLOURS)]

    def _style(self, index: int, role: str,
               curve_colour: str | None = None) -> tuple[pg.QtGui.QPen, str | None]:
        """Pen and symbol of a series. Dense per-batch lines are one pixel wide: wider
        semi-transparent strokes of long zig-zag paths cost Qt seconds per repaint. On a
        shared plot each value has its ``curve_colour`` and validation is dashed."""
        overlay = len(self._runs) > 1
        colour = RUN_COLOURS[index % len(RUN_COLOURS)] if overlay else curve_colour or (
            VALIDATION_COLOUR if role == "validation" else TRAIN_COLOUR)
        if role == "batch":
            return pg.mkPen(_with_alpha(pg.mkColor(colour), 70), width=1), None
        if role == "smoothed":
            return pg.mkPen(colour, width=1), None
        pen = pg.mkPen(colour, width=2)
        if role == "validation" and (overlay or curve_colour):
            pen.setStyle(Qt.PenStyle.DashLine)
        return pen, "o" if role in ("train", "validation") else None

    def _plot_for(self, name: str) -> pg.PlotItem:
        if name in self._plots:
            return self._plots[name]
        plot = pg.PlotItem()
        self._set_title(plot, name)
        plot.setLabel("bottom", "epoch")
        plot.showGrid(x=True, y=True, alpha=0.15)
        plot.setDownsampling(auto=True, mode="peak")
        plot.setClipToView(True)
        plot.getAxis("left").setWidth(AXIS_WIDTH)
        for side in ("left", "bottom"):  # text is the dearest part of a repaint: keep a pixmap
            plot.getAxis(side).setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        plot.setLogMode(False, self.log_scale.isChecked())
        _limit_rate_range(plot, name, self.log_scale.isChecked())
        plot.vb.sigRangeChangedManually.connect(lambda _mask, box=plot.vb: self._follow_zoom(box))
        plot.vb.sigXRangeChanged.connect(lambda *_args, plot_name=name: self._queue(plot_name))
        cursor = pg.InfiniteLine(angle=90, movable=False,
                                 pen=pg.mkPen((128, 128, 128, 120), width=1))
        cursor.setVisible(False)
        plot.addItem(cursor, ignoreBounds=True)
        self._cursors.append(cursor)
        self._plots[name] = plot
        self._place_plots()
        self._fix_x_range()
        return plot

    def _set_title(self, plot: pg.PlotItem, name: str) -> None:
        """Title the plot in words; a shared plot names its values in their colours, and a
        plot with a tip shows it when pointed at."""
        plan = self.plot_plan(name)
        if plan is None:
            plot.setTitle(name.replace("_", " "))
            return
        title = plan.title
        if plan.grouped:
            chips = [_chip(CURVE_COLOURS[number % len(CURVE_COLOURS)], curve.words)
                     for number, curve in enumerate(plan.curves)]
            title += " &nbsp; " + " &nbsp; ".join(chips)
        plot.setTitle(title)
        if plan.tip:
            plot.setToolTip(plan.tip)
            plot.titleLabel.setToolTip(plan.tip)

    def _place_plots(self) -> None:
        """Lay the plots out in reading order: loss, other metrics, then the learning rate."""
        for plot in self._plots.values():
            if plot.scene() is not None:
                self.graphics.removeItem(plot)
        for position, name in enumerate(self.plot_names()):
            self.graphics.addItem(self._plots[name], row=position // COLUMNS,
                                  col=position % COLUMNS)
        grid = self.graphics.ci.layout
        for column in range(COLUMNS):
            grid.setColumnStretchFactor(column, 1)

    def _draw_best(self, index: int, run: RunHistory, name: str) -> None:
        if not run.best_epoch:
            return
        line = self._best_lines.get((index, name))
        if line is None:
            overlay = len(self._runs) > 1
            colour = RUN_COLOURS[index % len(RUN_COLOURS)] if overlay else BEST_COLOUR
            line = pg.InfiniteLine(angle=90, movable=False, label="best",
                                   pen=pg.mkPen(colour, width=1, style=Qt.PenStyle.DotLine),
                                   labelOpts={"position": 0.95, "color": colour,
                                              "fill": _label_fill()})
            self._plots[name].addItem(line, ignoreBounds=True)
            self._best_lines[(index, name)] = line
        line.setPos(run.best_epoch)

    def _draw_phases(self, index: int, run: RunHistory, name: str) -> None:
        """Mark where a phase began (fine-tuning after the head trained, a refit on all
        rows): a dashed line after the phase's first epoch's predecessor, labelled with the
        phase."""
        for epoch, phase in run.phases.items():
            if (index, name, epoch) in self._phase_lines:
                continue
            line = pg.InfiniteLine(pos=epoch, angle=90, movable=False,
                                   label=PHASE_LABELS.get(phase, phase),
                                   pen=pg.mkPen(PHASE_COLOUR, width=1,
                                                style=Qt.PenStyle.DashLine),
                                   labelOpts={"position": 0.8, "color": PHASE_COLOUR,
                                              "fill": _label_fill()})
            self._plots[name].addItem(line, ignoreBounds=True)
            self._phase_lines[(index, name, epoch)] = line

    def phase_marks(self, name: str) -> list[float]:
        """The x positions of the phase lines drawn on plot ``name``."""
        return sorted(line.value() for (_, plot, _), line in self._phase_lines.items()
                      if plot == name)

    def _fix_x_range(self) -> None:
        """Show every plot from epoch 0 to the end of the longest run — its planned end while
        it goes on, so the x axis does not move with every batch; the epochs it reached once
        it has ended — so all plots line up."""
        extent = max((max(run.planned_epochs if run.live else 0, _last_epoch(run))
                      for run in self._runs), default=0)
        if not extent:
            return
        changed = extent != self._x_extent
        self._x_extent = extent
        for plot in self._plots.values():
            if changed or plot.vb.autoRangeEnabled()[0]:
                plot.setXRange(0, extent, padding=0.02)

    def _follow_zoom(self, source: pg.ViewBox) -> None:
        """Give every plot the x range the user just chose in one of them."""
        low, high = source.viewRange()[0]
        for plot in self._plots.values():
            if plot.vb is not source:
                plot.vb.blockSignals(True)
                plot.setXRange(low, high, padding=0)
                plot.vb.blockSignals(False)

    def _log_scale_chosen(self) -> None:
        self._log_scale_chosen_by_user = True

    def _apply_log_scale(self, on: bool) -> None:
        for name, plot in self._plots.items():
            plot.setLogMode(False, on)
            _limit_rate_range(plot, name, on)
        for (index, _, role), item in self._items.items():
            if role == "rate" and index == 0:
                item.setFillLevel(None if on else 0.0)

    def _on_mouse_moved(self, position: QPointF) -> None:
        for name, plot in self._plots.items():
            if plot.sceneBoundingRect().contains(position):
                x = plot.vb.mapSceneToView(position).x()
                for cursor in self._cursors:
                    cursor.setPos(x)
                    cursor.setVisible(True)
                self.readout.setText(self.readout_text(name, x))
                return

    def readout_text(self, plot_name: str, x: float) -> str:
        """The values of plot ``plot_name`` at the epoch nearest to ``x``, for every run."""
        epoch = max(1, round(x))
        parts = []
        for run in self._runs:
            plan = self.plot_plan(plot_name)
            if plot_name == LEARNING_RATE_PLOT:
                values = {"learning rate": _value_near(run.learning_rate, epoch)}
            elif plan is not None and plan.grouped:
                values = {}
                for curve in plan.curves:
                    values[curve.words] = run.value_at_epoch(curve.key, epoch)
                    values[f"{curve.words} (validation)"] = run.value_at_epoch(
                        VALIDATION_PREFIX + curve.key, epoch)
            else:
                values = {"train": run.value_at_epoch(plot_name, epoch),
                          "validation": run.value_at_epoch(VALIDATION_PREFIX + plot_name, epoch)}
            shown = ", ".join(f"{key} {_number(value)}" for key, value in values.items()
                              if value is not None)
            if shown:
                prefix = f"{run.label}: " if len(self._runs) > 1 else ""
                parts.append(prefix + shown)
        best = [run.best_epoch for run in self._runs if run.best_epoch == epoch]
        plan = self.plot_plan(plot_name)
        title = plan.title if plan is not None else plot_name.replace("_", " ")
        text = f"{title} at epoch {epoch}: " + (
            "; ".join(parts) if parts else "no values")
        return text + (" (best epoch)" if best else "")


def _last_epoch(run: RunHistory) -> float:
    """The largest x of a run's curves (epochs, or fractional epochs of batches)."""
    ends = [series.x[-1] for series in (*run.epochs.values(), *run.batches.values())
            if len(series)]
    return max(ends, default=0.0)


def _limit_rate_range(plot: pg.PlotItem, name: str, log: bool) -> None:
    """On a log axis the learning rate's plot shows at least a decade: hugging a cosine
    schedule's first epochs (0.001 to 0.00098), it made a gentle decay look like a plunge."""
    if name == LEARNING_RATE_PLOT:
        plot.vb.setLimits(minYRange=1.0 if log else None)


def _spans_decades(series: GrowingSeries | None, ratio: float = 100.0) -> bool:
    """Whether a positive series' largest value is ``ratio`` times its smallest."""
    if series is None or len(series) < 2:
        return False
    values = series.y[np.isfinite(series.y)]
    return bool(values.size) and float(values.min()) > 0 and \
        float(values.max()) >= ratio * float(values.min())


def _value_near(series: GrowingSeries, epoch: int) -> float | None:
    hits = [y for x, y in zip(series.x, series.y, strict=True) if x == epoch]
    return hits[-1] if hits else None


def _number(value: float) -> str:
    if not math.isfinite(value):
        return str(value)
    return f"{value:.4g}"


def _label_fill() -> pg.QtGui.QColor:
    colour = pg.QtGui.QColor(pg.QtGui.QGuiApplication.palette().base().color())
    colour.setAlpha(220)
    return colour


def _chip(colour: str, text: str, mark: str = "━━") -> str:
    return f'<span style="color:{colour}; font-weight:bold">{mark}</span>&nbsp;{text}'


def _with_alpha(colour: pg.QtGui.QColor, alpha: int) -> pg.QtGui.QColor:
    colour = pg.QtGui.QColor(colour)
    colour.setAlpha(alpha)
    return colour
