"""One trial's training process: ``python -m dlstudio.worker`` on the trial's project file.

Each trial trains in its own process, so the memory it used (GPU memory included) is returned
when it ends. Its events arrive on a shared queue as ``(trial number, event)``; ``None`` in place
of the event says the process closed its output. On Linux the process is told to stop (SIGTERM,
which stops a run like ``stop``) when the study process dies, so a killed study leaves no
training behind.
"""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

from dlstudio.core.training.events import Event, ProtocolError, decode

PR_SET_PDEATHSIG = 1
WORKER_COMMAND = [sys.executable, "-m", "dlstudio.worker"]


class TrialProcess:
    """A running worker for one trial.

    Args:
        number: The trial's number in the study.
        project_file: The trial's project file.
        runs_dir: Where its run folder goes.
        epochs: Epochs to train.
        environment: Extra environment variables (the slot's device).
        log_path: Where the worker's stderr goes.
        events: The queue that receives ``(number, event or None)``.
        worker: The worker's command line before its arguments (tests give a fake).
    """

    def __init__(self, number: int, project_file: Path, runs_dir: Path, epochs: int | None,
                 environment: dict[str, str], log_path: Path,
                 events: queue.Queue[tuple[int, Event | None]],
                 worker: list[str] | None = None) -> None:
        self.number = number
        self.log_path = log_path
        command = [*(worker or WORKER_COMMAND), str(project_file), "--runs-dir", str(runs_dir)]
        if epochs:
            command += ["--epochs", str(epochs)]
        env = {**os.environ, **environment, "PYTHONUNBUFFERED": "1"}
        with open(log_path, "ab") as log:
            self.process = subprocess.Popen(
                command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, env=env,
                preexec_fn=_stop_with_parent if sys.platform.startswith("linux") else None)
        threading.Thread(target=self._read, args=(events,), daemon=True,
                         name=f"trial-{number}").start()

    def _read(self, events: queue.Queue[tuple[int, Event | None]]) -> None:
        assert self.process.stdout is not None
        for raw in self.process.stdout:
            line = raw.decode("utf-8", "replace").strip()
            if not line:
                continue
            try:
                events.put((self.number, decode(line)))
            except ProtocolError:
                continue  # not a protocol line; the worker keeps its channel clean
        events.put((self.number, None))

    def stop(self) -> None:
        """Ask the run to stop after its current batch (it saves and reports ``finished``)."""
        try:
            assert self.process.stdin is not None
            self.process.stdin.write(b"stop\n")
            self.process.stdin.flush()
        except (BrokenPipeError, OSError, ValueError):
            pass

    def wait(self, timeout: float | None = None) -> int | None:
        """Wait for the process to end; return its exit status (``None`` on timeout)."""
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def terminate(self) -> None:
        """End the process now (SIGTERM: the run stops and keeps its last checkpoint)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)

    def log_tail(self, lines: int = 5) -> str:
        """The last lines the worker wrote to its log."""
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return "\n".join(text.strip().splitlines()[-lines:])


def _stop_with_parent() -> Any:
    """In the child before exec: ask Linux for SIGTERM when the study process dies."""
    import ctypes

    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):
        pass
