"""Live curves with 100k batch points: does the window stay responsive?

Streams 100,000 per-batch points (plus epoch points) into a shown CurvesView in chunks, as a
very fast worker would — the view shown and its loss and learning-rate plots made first, as
the Train tab does when a run starts — and measures the longest event-loop stall against a
baseline measured in the same run: the same stream fed into the data alone, with no plot.
Then it times one full repaint of the 100k-point plots against a naive plot of the same arrays
(no downsampling, no clipping to the view).

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
from PySide6.QtCore import QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402
from stall_probe import STALL_GOAL_MS, StallProbe  # noqa: E402

from dlstudio.core.runs.history import RunHistory  # noqa: E402
from dlstudio.core.training import events  # noqa: E402
from dlstudio.gui.widgets.curves import LEARNING_RATE_PLOT, CurvesView  # noqa: E402

POINTS = 100_000
STEPS_PER_EPOCH = 1000
CHUNK = 400
TICK_MS = 4


def stream(app: QApplication, history: RunHistory,
           view: CurvesView | None) -> tuple[np.ndarray, float]:
    """Feed the points on a timer; return (the event-loop gaps in ms, seconds taken)."""
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


def settle(app: QApplication, ms: int = 300) -> None:
    """Let a just-shown window lay out and paint once, as the Train tab has before a run."""
    QTimer.singleShot(ms, app.quit)
    app.exec()


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
    baseline, baseline_seconds = stream(app, RunHistory("baseline"), None)
    view = CurvesView()
    view.resize(1200, 700)
    view.show()
    history = RunHistory("bench")
    history.add_event(events.Started("bench", ["CPU"], "default", POINTS // STEPS_PER_EPOCH,
                                     STEPS_PER_EPOCH, 32))
    view.show_runs([history], expected=("loss", LEARNING_RATE_PLOT))  # as the Train tab does
    settle(app)
    gaps, seconds = stream(app, history, view)
    view.redraw()
    full = repaint_ms(view.graphics)
    naive = naive_plot(history)
    naive.resize(view.plot("loss").size().toSize())
    naive.show()
    theirs = repaint_ms(naive)
    small = RunHistory("small")
    small.add_event(events.Started("bench", ["CPU"], "default", 1, 1000, 32))
    for index in range(1000):
        small.add_batch((index + 1) / 1000, {"loss": 1.0 / (1 + index), "accuracy": 0.5})
    small.add_epoch(1, {"loss": 0.5, "val_loss": 0.6, "accuracy": 0.5, "val_accuracy": 0.4},
                    0.001, 1)
    view.show_runs([small])
    view.redraw()
    light = repaint_ms(view.graphics)
    longest = float(gaps.max())
    print(f"streamed {POINTS} batch points in {seconds:.2f} s ({POINTS / seconds:,.0f} points/s; "
          f"data alone {baseline_seconds:.2f} s), {view.redraw_count} plot redraws")
    print(f"event-loop stalls: longest {longest:.1f} ms, 99th percentile "
          f"{np.percentile(gaps, 99):.1f} ms, {int((gaps > STALL_GOAL_MS).sum())} over "
          f"{STALL_GOAL_MS:.0f} ms; feeding the data alone: longest {baseline.max():.1f} ms "
          f"(goal < {STALL_GOAL_MS:.0f} ms: {'met' if longest < STALL_GOAL_MS else 'NOT met'})")
    print(f"full repaint of all plots: {full:.1f} ms with 100k points vs {light:.1f} ms with 1k "
          f"(ratio {full / max(light, 0.01):.2f}); one naive 100k-point plot (no downsampling, "
          f"no clipping): {theirs:.1f} ms")
    close_windows(app, view, naive)


def close_windows(app: QApplication, *windows: object) -> None:
    """Close and delete the windows while Qt is alive; left to interpreter shutdown, Qt and
    pyqtgraph destroy them in an order that can crash."""
    for window in windows:
        window.close()
        window.deleteLater()
    app.processEvents()
    app.sendPostedEvents(None, 0)


if __name__ == "__main__":
    main()
