"""Does the window stall while a real training run streams its events?

Opens the Train tab on a small synthetic CSV project, trains it through the real worker (the
same code path as ``dlstudio train``) and records the longest gap between the ticks of a 2 ms
timer on the GUI thread — the longest time the window could not respond. The baseline, measured
in the same run, is the same probe on the idle window. Goal: the longest stall during training
stays under 50 ms.

Run: ``python benchmarks/bench_gui_stall.py`` (headless: set QT_QPA_PLATFORM=offscreen).
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
if not os.environ.get("DISPLAY"):
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
from PySide6.QtCore import QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402
from stall_probe import STALL_GOAL_MS, StallProbe  # noqa: E402

from dlstudio.core.project.from_data import new_project  # noqa: E402
from dlstudio.core.project.project import save_project  # noqa: E402
from dlstudio.gui.document import Document  # noqa: E402
from dlstudio.gui.widgets.training_view import TrainingView  # noqa: E402

ROWS = 4000
EPOCHS = 12
BATCH = 16
IDLE_SECONDS = 2.0


def make_project(folder: Path) -> Path:
    """A CSV of ROWS rows with eight numeric features and a two-class target."""
    rng = np.random.default_rng(0)
    features = rng.normal(size=(ROWS, 8))
    target = np.where(features[:, 0] + features[:, 1] > 0, "yes", "no")
    lines = [",".join([f"f{i}" for i in range(8)] + ["label"])]
    lines += [",".join(f"{value:.4f}" for value in row) + f",{label}"
              for row, label in zip(features, target, strict=True)]
    (folder / "data.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    project = new_project(folder / "data.csv", target="label")
    project.training.epochs = EPOCHS
    project.training.batch_size = BATCH
    return save_project(project, folder / "bench.dlstudio.json")


def main() -> None:
    """Print the longest stalls while idle and while training."""
    app = QApplication.instance() or QApplication(sys.argv)
    with tempfile.TemporaryDirectory(prefix="dlstudio-bench-") as folder:
        document = Document()
        document.open(make_project(Path(folder)))
        view = TrainingView(document)
        view.resize(1280, 800)
        view.show()
        for _ in range(20):
            app.processEvents()
        probe = StallProbe()
        probe.start()
        QTimer.singleShot(int(IDLE_SECONDS * 1000), app.quit)
        app.exec()
        idle = probe.stop()
        batches = []
        view.client.batch.connect(batches.append)
        view.client.started.connect(lambda _event: probe.start())
        view.client.state_changed.connect(lambda state: app.quit() if state == "idle" else None)
        began = time.perf_counter()
        view.train()
        app.exec()
        training = probe.stop()
        seconds = time.perf_counter() - began
    longest = float(training.max())
    print(f"training: {EPOCHS} epochs of {ROWS} rows, {len(batches)} batch events, "
          f"{seconds:.1f} s (worker start included)")
    print(f"idle window: longest stall {idle.max():.1f} ms")
    print(f"during training: longest stall {longest:.1f} ms, 99th percentile "
          f"{np.percentile(training, 99):.1f} ms, {int((training > STALL_GOAL_MS).sum())} "
          f"stalls over {STALL_GOAL_MS:.0f} ms (ratio to idle "
          f"{longest / max(float(idle.max()), 0.1):.1f}; goal < {STALL_GOAL_MS:.0f} ms: "
          f"{'met' if longest < STALL_GOAL_MS else 'NOT met'})")


if __name__ == "__main__":
    main()
