"""Time per edit in the layer stack: does a 200-layer model stay responsive?

One edit is what a person waits for after changing one parameter: the document edit, shape
inference of the whole model (:func:`~dlstudio.core.model.builder.inspect_stack`, its per-layer
cache warm) and the stack view updating its rows and repainting. It is timed on a 200-layer model
(dense layers with residual blocks, so the tree has inner rows) against a 30-layer model of the
same kind in the same run; the goal is under 50 ms per edit at 200 layers. The graph view is
reported beside it (it redraws only while shown): relabelled after a parameter edit (the boxes
stay, the shapes on the arrows change) and drawn from scratch after a structural edit. The
script always exits 0: its verdict line (``OK`` or ``SLOW``) is information, not a test.

Run: ``python benchmarks/bench_layer_stack.py``.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "-1")
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtWidgets import QApplication  # noqa: E402

from dlstudio.core.model.builder import inspect_stack  # noqa: E402
from dlstudio.core.project.project import LayerSpec, Project  # noqa: E402
from dlstudio.gui.data_session import DataSession  # noqa: E402
from dlstudio.gui.document import Document  # noqa: E402
from dlstudio.gui.shape_inference import ShapeInference  # noqa: E402
from dlstudio.gui.widgets.layer_stack import LayerStackView  # noqa: E402
from dlstudio.gui.widgets.model_graph import ModelGraphView  # noqa: E402

FEATURE_SHAPE = (32,)
REPEATS = 9
GOAL_MS = 50.0


def model_rows(count: int) -> list[LayerSpec]:
    """Return about ``count`` rows: Dense, Dropout and Residual(Dense, Dense) blocks."""
    rows: list[LayerSpec] = [LayerSpec.of("Dense", units=64)]
    total = 1
    while total < count:
        rows.append(LayerSpec.of("Residual", stacks=[[LayerSpec.of("Dense", units=64),
                                                      LayerSpec.of("Dense", units=64)]]))
        rows += [LayerSpec.of("Dense", units=64), LayerSpec.of("Dropout", rate=0.1)]
        total += 5
    return rows


class Bench:
    """A document, the stack view and the graph view on one model, inference run inline."""

    def __init__(self, count: int) -> None:
        self.document = Document()
        project = Project(name=f"{count} rows")
        project.model.layers = model_rows(count)
        self.document.replace(project)
        self.rows = len(self.document.project.model.walk())
        never = 10**8  # the views' own inference never starts: the benchmark runs it inline
        self.inference = ShapeInference(self.document, DataSession(self.document),
                                        delay_ms=never)
        self.stack = LayerStackView(self.document, self.inference)
        self.stack.resize(900, 700)
        self.stack.show()
        self.graph = ModelGraphView(self.document, self.inference)
        self.graph.resize(700, 700)
        dense = [found.layer.id for found in self.document.project.model.walk()
                 if found.layer.type == "Dense"]
        self.target = dense[len(dense) // 2]  # in the middle: half the model follows it
        self.units = 64
        self.infer()

    def infer(self) -> None:
        report = inspect_stack(self.document.project.copy(), FEATURE_SHAPE, "classification", 3)
        assert report.ok, report.first_error().message()
        self.inference.show_report(report)

    def edit(self) -> None:
        """One parameter change, inference, and the stack repainted."""
        self.units = 65 if self.units == 64 else 64
        self.document.set_layer_param(self.target, "units", self.units)
        self.infer()
        self.stack.tree.viewport().repaint()
        QApplication.processEvents()

    def redraw_graph(self) -> None:
        """The graph after a report whose boxes stay put (a parameter edit): texts only."""
        self.graph.rebuild()
        self.graph.viewport().repaint()

    def draw_graph(self) -> None:
        """The graph drawn from scratch (after a structural edit: a row added or moved)."""
        self.graph._layout_key = None
        self.graph.rebuild()
        self.graph.viewport().repaint()


def median_ms(action: Callable[[], None]) -> float:
    action()  # warm: the changed layer's new shape enters the cache
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> int:
    app = QApplication.instance() or QApplication([])
    small, large = Bench(30), Bench(200)
    results = {}
    for bench in (small, large):
        results[bench] = (median_ms(bench.edit), median_ms(bench.redraw_graph),
                          median_ms(bench.draw_graph))
    print(f"time per edit (one parameter: inference + stack redraw), median of {REPEATS}")
    for bench in (small, large):
        edit, graph, full = results[bench]
        print(f"  {bench.rows:4d} rows   edit {edit:7.1f} ms   graph relabel {graph:6.1f} ms   "
              f"graph from scratch {full:7.1f} ms")
    ratio = results[large][0] / max(results[small][0], 1e-6)
    print(f"  ratio {large.rows} rows / {small.rows} rows: {ratio:.2f}")
    worst = results[large][0]
    verdict = "OK" if worst < GOAL_MS else "SLOW"
    print(f"  goal: an edit on {large.rows} rows under {GOAL_MS:.0f} ms: {verdict} "
          f"({worst:.1f} ms)")
    app.processEvents()
    return 0  # a missed goal is information for the reader, never a failure of the script


if __name__ == "__main__":
    sys.exit(main())
