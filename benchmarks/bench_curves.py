"""Live curves with 100k batch points: does the window stay responsive?

Streams 100,000 per-batch points (plus epoch points) into a shown CurvesView in chunks, as a
very fast worker would, and measures the longest event-loop stall against a baseline measured
in the same run: the same stream fed into the data alone, with no plot. Then it times one full
repaint of the 100k-point plots against a naive plot of the same arrays (no downsampling, no
clipping to the view).

Run: ``python benchmarks/bench_curves.py`` (headless: set QT_QPA_PLATFORM=offscreen).
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
if not os.environ.get("DISPLAY"):
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
import pyqtgraph as pg  # noqa: E402
from PySide6.QtCore import QElapsedTimer, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from dlstudio.core import events  # noqa: E402
from dlstudio.gui.run_history import RunHistory  # noqa: E402
from dlstudio.gui.widgets.curves import CurvesView  # noqa: E402

POINTS = 100_000
STEPS_PER_EPOCH = 1000
CHUNK = 400
TICK_MS = 4
PROBE_MS = 2
STALL_GOAL_MS = 50.0


class StallProbe:
    """A fast timer that records the longest gap between its ticks."""

    def __init__(self) -> None:
        self.clock = QElapsedTimer()
        self.timer = QTimer(interval=PROBE_MS)
        self.timer.timeout.connect(self._tick)
        self.longest = 0.0
        self._last = 0.0

    def start(self) -> None:
        self.clock.start()
        self._last = 0.0
        self.timer.start()

    def _tick(self) -> None:
        now = self.clock.nsecsElapsed() / 1e6
        self.longest = max(self.longest, now - self._last - PROBE_MS)
        self._last = now

    def stop(self) -> float:
        self.timer.stop()
        return self.longest


def stream(app: QApplication, history: RunHistory, view: CurvesView | None) -> tuple[float, float]:
    """Feed the points on a timer; return (longest stall in ms, seconds taken)."""
    rng = np.random.default_rng(0)
    noise = rng.normal(0, 0.05, POINTS)
    state = {"next": 0}
    probe = StallProbe()

    def feed() -> None:
        start = state["next"]
        for index in range(start, min(start + CHUNK, POINTS)):
            epoch, step = divmod(index, STEPS_PER_EPOCH)
            loss = 1.0 / (1 + index / 5000) + noise[index]
            history.add_batch(epoch + (step + 1) / STEPS_PER_EPOCH,
                              {"loss": loss, "accuracy": 1 - loss / 2})
            if step + 1 == STEPS_PER_EPOCH:
                history.add_epoch(epoch + 1, {"loss": loss, "val_loss": loss * 1.1,
                                              "accuracy": 1 - loss / 2,
                                              "val_accuracy": 1 - loss / 1.8},
                                  0.001, epoch + 1)
        state["next"] = start + CHUNK
        if view is not None:
            view.mark_changed()
        if state["next"] >= POINTS:
            feeder.stop()
            app.quit()

    feeder = QTimer(interval=TICK_MS)
    feeder.timeout.connect(feed)
    began = time.perf_counter()
    probe.start()
    feeder.start()
    app.exec()
    return probe.stop(), time.perf_counter() - began


def repaint_ms(widget: pg.QtWidgets.QWidget, repeats: int = 5) -> float:
    """Median time of a full repaint of ``widget`` (rendered into a pixmap)."""
    times = []
    for _ in range(repeats):
        began = time.perf_counter()
        widget.grab()
        times.append((time.perf_counter() - began) * 1000)
    return float(np.median(times))


def naive_plot(history: RunHistory) -> pg.PlotWidget:
    """A plot of the same loss series with pyqtgraph's defaults (no downsampling, no clip)."""
    widget = pg.PlotWidget()
    for series in (history.batches["loss"], history.smoothed["loss"], history.epochs["loss"]):
        widget.plot(series.x, series.y)
    return widget


def main() -> None:
    """Print the stall and repaint numbers and their ratios."""
    app = QApplication.instance() or QApplication(sys.argv)
    baseline_stall, baseline_seconds = stream(app, RunHistory("baseline"), None)
    view = CurvesView()
    view.resize(1200, 700)
    view.show()
    history = RunHistory("bench")
    history.add_event(events.Started("bench", ["CPU"], "default", POINTS // STEPS_PER_EPOCH,
                                     STEPS_PER_EPOCH, 32))
    view.show_runs([history])
    stall, seconds = stream(app, history, view)
    view.redraw()
    view.plot("loss").vb.autoRange()
    ours = repaint_ms(view.graphics)
    naive = naive_plot(history)
    naive.resize(view.plot("loss").size().toSize())
    naive.show()
    theirs = repaint_ms(naive)
    print(f"points streamed: {POINTS} batch points in {seconds:.2f} s "
          f"(data alone: {baseline_seconds:.2f} s), {view.redraw_count} redraws")
    print(f"longest event-loop stall: {stall:.1f} ms with the plots, "
          f"{baseline_stall:.1f} ms feeding data alone "
          f"(ratio {stall / max(baseline_stall, 0.1):.2f}; goal < {STALL_GOAL_MS:.0f} ms: "
          f"{'met' if stall < STALL_GOAL_MS else 'NOT met'})")
    print(f"full repaint with 100k points: {ours:.1f} ms for all {len(view.plot_names())} "
          f"plots (peak downsampling, clip to view) vs {theirs:.1f} ms for one naive plot "
          f"(ratio {theirs / max(ours, 0.01):.1f}x)")


if __name__ == "__main__":
    main()
