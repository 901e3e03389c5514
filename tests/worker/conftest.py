"""A toy project to train in worker processes, and a driver for a worker subprocess."""

import os
import queue
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import dlstudio
from dlstudio.core.project.project import (
    DataSpec,
    LayerSpec,
    ModelSpec,
    Project,
    TrainingSpec,
    save_project,
)
from dlstudio.core.training.events import decode

REPOSITORY = Path(dlstudio.__file__).resolve().parents[1]
# A worker's first event comes after it has imported TensorFlow and Keras: seconds on an idle
# machine, over a minute on a loaded one. Later events keep each test's own (short) timeout.
STARTUP_TIMEOUT_S = 180.0


@pytest.fixture
def slow_project(tmp_path) -> Path:
    """A project whose epochs take long enough to be interrupted: 2000 rows, batch size 8."""
    generator = np.random.default_rng(0)
    x1, x2 = generator.normal(size=2000), generator.normal(size=2000)
    label = np.where(x1 + x2 > 0, "yes", "no")
    pd.DataFrame({"x1": x1, "x2": x2, "label": label}).to_csv(tmp_path / "toy.csv", index=False)
    project = Project(
        name="toy",
        data=DataSpec(kind="csv", path=str(tmp_path / "toy.csv"), target="label"),
        model=ModelSpec(layers=[LayerSpec.of("Dense", units=8, activation="relu")]),
        training=TrainingSpec(epochs=50, batch_size=8, steps_per_execution=1),
    )
    return save_project(project, tmp_path / "toy.dlstudio.json")


class WorkerProcess:
    """``python -m dlstudio.worker`` with every stdout line decoded as an event (or failing)."""

    def __init__(self, arguments: list[str], log: Path) -> None:
        environment = {**os.environ, "PYTHONPATH": str(REPOSITORY)}
        self.log = log.open("w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "dlstudio.worker", *arguments], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=self.log, text=True, env=environment)
        self.events: list = []
        self._lines: queue.Queue = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.process.stdout:
            self._lines.put(line)
        self._lines.put(None)

    def next_event(self, timeout: float = 30.0):
        """Return the next event, ``None`` at the end of output; fail on a non-event line.

        The first event may take up to ``STARTUP_TIMEOUT_S`` whatever ``timeout`` says.
        """
        if not self.events:
            timeout = max(timeout, STARTUP_TIMEOUT_S)
        line = self._lines.get(timeout=timeout)
        if line is None:
            return None
        event = decode(line)  # raises on anything that is not a protocol line
        self.events.append(event)
        return event

    def wait_for(self, kind: type, timeout: float = 30.0):
        """Return the next event of ``kind``, skipping others."""
        while True:
            event = self.next_event(timeout)
            assert event is not None, f"the worker ended before a {kind.__name__} event"
            if isinstance(event, kind):
                return event

    def rest(self, timeout: float = 30.0) -> list:
        """Return the remaining events until the worker closes its output."""
        remaining = []
        while (event := self.next_event(timeout)) is not None:
            remaining.append(event)
        return remaining

    def send(self, word: str) -> None:
        self.process.stdin.write(word + "\n")
        self.process.stdin.flush()

    def close(self) -> int:
        try:
            return self.process.wait(timeout=30)
        finally:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait()
            self.log.close()


@pytest.fixture
def start_worker(tmp_path):
    """Start workers for a test and make sure none outlives it."""
    started: list[WorkerProcess] = []

    def start(*arguments: str) -> WorkerProcess:
        worker = WorkerProcess([str(item) for item in arguments],
                               tmp_path / f"worker-{len(started)}.log")
        started.append(worker)
        return worker

    yield start
    for worker in started:
        if worker.process.poll() is None:
            worker.process.kill()
        worker.close()
