"""Train to first batch: a fresh worker (cold) against the warm worker the GUI keeps, in one run.

The GUI's own client (:class:`dlstudio.gui.run_client.RunClient`, the real ``python -m
dlstudio.worker``) trains the bundled churn example (``examples/``, copied to a temporary
folder) for one epoch. Timed: from ``start`` — what the Train command calls — to the first
``batch`` event. Cold: no worker is waiting, so the process starts, imports TensorFlow and
Keras, reads the data, builds the model. Warm: a worker started earlier with ``--wait`` has
imported TensorFlow and Keras already (the time it took to get ready is not counted: the GUI
starts it when a project opens). Rounds alternate cold and warm so that other work on the
machine disturbs both alike; the median of each counts. Also printed: the CPU time the worker
spent in that span (Linux), which other work on a shared machine disturbs much less than the
wall-clock time.

Goal: warm ≤ 2 s on a 2-core CPU; cold unchanged (it is the same one-shot worker as before).
The script exits 0 whether or not the goal is met (1 only when a run fails).

Run: ``python benchmarks/bench_train_start.py [--rounds R] [--smoke]`` (``--smoke``: 1 round).
"""

from __future__ import annotations

import argparse
import math
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from PySide6.QtCore import QCoreApplication, QEventLoop, QTimer  # noqa: E402

from dlstudio.gui.run_client import RunClient  # noqa: E402

GOAL_WARM_SECONDS = 2.0
TIMEOUT_SECONDS = 240


def wait_until(condition: Callable[[], bool], what: str) -> None:
    """Run the event loop until ``condition()`` holds; fail after :data:`TIMEOUT_SECONDS`."""
    loop = QEventLoop()
    timer = QTimer(interval=2)
    timer.timeout.connect(lambda: condition() and loop.quit())
    timer.start()
    deadline = time.monotonic() + TIMEOUT_SECONDS
    QTimer.singleShot(TIMEOUT_SECONDS * 1000, loop.quit)
    if not condition():
        loop.exec()
    timer.stop()
    if not condition():
        raise SystemExit(f"bench_train_start: timed out after {TIMEOUT_SECONDS} s waiting for "
                         f"{what} (deadline {deadline:.0f})")


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of process ``pid`` so far (NaN where /proc is missing)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return math.nan
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Trainer:
    """A client and what it reported during the current run."""

    def __init__(self, project: Path, runs: Path) -> None:
        self.client = RunClient()
        self.project, self.runs = project, runs
        self.first_batch: float | None = None
        self.cpu_at_first_batch = math.nan
        self.failure = ""
        self.client.batch.connect(self._on_batch)
        self.client.error.connect(lambda error: self._fail(error.message))
        self.client.crashed.connect(lambda text, _run: self._fail(text))

    def _on_batch(self, _event: object) -> None:
        if self.first_batch is None:
            self.first_batch = time.perf_counter()
            self.cpu_at_first_batch = cpu_seconds(self.client.worker_pid())

    def _fail(self, text: str) -> None:
        self.failure = text

    def time_to_first_batch(self) -> tuple[float, float]:
        """Start a one-epoch run; wait for its end. Return the seconds to its first batch
        event, and the worker's CPU seconds in that span."""
        self.first_batch, self.failure = None, ""
        spare = self.client.spare_pid()
        cpu_before = cpu_seconds(spare) if spare else 0.0
        began = time.perf_counter()
        self.client.start(self.project, runs_dir=self.runs, epochs=1)
        wait_until(lambda: self.first_batch is not None or bool(self.failure), "a batch")
        wait_until(lambda: not self.client.is_active(), "the run's end")
        if self.failure:
            raise SystemExit(f"bench_train_start: the run failed: {self.failure}")
        return self.first_batch - began, self.cpu_at_first_batch - cpu_before

    def cold(self) -> tuple[float, float]:
        self.client.keep_warm(False)
        return self.time_to_first_batch()

    def warm(self) -> tuple[float, float]:
        self.client.keep_warm(True)
        wait_until(self.client.is_warm, "the warm worker")
        seconds = self.time_to_first_batch()
        self.client.keep_warm(False)
        return seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--smoke", action="store_true", help="one round (the test suite's)")
    args = parser.parse_args()
    rounds = 1 if args.smoke else max(1, args.rounds)
    application = QCoreApplication([])
    with tempfile.TemporaryDirectory(prefix="bench-train-start-") as folder:
        root = Path(folder)
        shutil.copy(ROOT / "examples" / "churn.dlstudio.json", root)
        shutil.copytree(ROOT / "examples" / "churn", root / "churn")
        trainer = Trainer(root / "churn.dlstudio.json", root / "runs")
        cold, warm, cold_cpu, warm_cpu = [], [], [], []
        for number in range(1, rounds + 1):
            for seconds, cpu, (wall, spent) in ((cold, cold_cpu, trainer.cold()),
                                                (warm, warm_cpu, trainer.warm())):
                seconds.append(wall)
                cpu.append(spent)
            print(f"round {number}: cold {cold[-1]:.2f} s ({cold_cpu[-1]:.2f} s CPU), "
                  f"warm {warm[-1]:.2f} s ({warm_cpu[-1]:.2f} s CPU)", flush=True)
        trainer.client.end_spare()
    del application
    cold_median, warm_median = statistics.median(cold), statistics.median(warm)
    print(f"train → first batch on the churn example, median of {rounds} round(s), "
          f"{os.cpu_count()} CPU(s), load average {os.getloadavg()[0]:.1f}:")
    print(f"  cold (fresh worker):   {cold_median:6.2f} s, "
          f"{statistics.median(cold_cpu):6.2f} s of the worker's CPU time")
    print(f"  warm (waiting worker): {warm_median:6.2f} s, "
          f"{statistics.median(warm_cpu):6.2f} s of the worker's CPU time")
    print(f"  cold / warm: {cold_median / warm_median:.1f}x; warm saves "
          f"{cold_median - warm_median:.2f} s")
    met = "met" if warm_median <= GOAL_WARM_SECONDS else "missed"
    print(f"verdict: warm start {warm_median:.2f} s against the goal of "
          f"≤ {GOAL_WARM_SECONDS:.0f} s on a 2-core CPU: {met} (cold is the unchanged one-shot "
          f"worker: {cold_median:.2f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
