"""The GUI's side of the worker protocol: a QProcess around ``python -m dlstudio.worker``.

:class:`RunClient` starts the worker (the same code path as ``dlstudio train``), turns each line
it prints on stdout into a Qt signal carrying the decoded event (see
:mod:`dlstudio.core.training.events`),
forwards its stderr line by line to :attr:`RunClient.log`, and writes ``stop``, ``pause`` and
``resume`` to its stdin. A worker that ends without a ``finished`` or ``error`` event — a crash,
the system's out-of-memory killer, a kill by hand — raises :attr:`RunClient.crashed` with an
explanation in plain words and the run folder, so the view can offer to resume it.

A warm worker: after :meth:`RunClient.keep_warm`, a spare worker (``--wait``) imports
TensorFlow and Keras in the background — touching no device, so it holds no GPU memory — and
waits; :meth:`RunClient.start` hands it the run as one ``run`` line on its stdin, which saves
the seconds of a fresh process's imports. A spare is used for one run only; the next spare is
started once that run's process has exited (its memory returned). The spare is killed when the
app quits or the client is destroyed, and it quits by itself when its stdin closes, so it never
outlives the app, even one that crashed.
"""

from __future__ import annotations

import os
import shutil
import signal
import sys
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import (
    QByteArray,
    QCoreApplication,
    QDeadlineTimer,
    QObject,
    QProcess,
    QProcessEnvironment,
    Qt,
    Signal,
)

import dlstudio
from dlstudio.core.training import events
from dlstudio.gui.background import worker_environment

WORKER_NICENESS = 10
WARM_WORKER_VARIABLE = "DLSTUDIO_WARM_WORKER"  # "0": no warm worker (the test suite's default)
SPARE_LOG_LINES = 50  # what a spare wrote on stderr, shown in the log when it takes a run


def worker_program() -> list[str]:
    """The command that starts the worker: this Python's ``-m dlstudio.worker``, at a lower
    CPU priority where ``nice`` exists, so the window stays responsive while it trains."""
    command = [sys.executable, "-m", "dlstudio.worker"]
    nice = shutil.which("nice") if os.name == "posix" else None
    return [nice, "-n", str(WORKER_NICENESS), *command] if nice else command


def warm_worker_wanted() -> bool:
    """Whether the app keeps a warm worker (``DLSTUDIO_WARM_WORKER=0`` turns it off)."""
    return os.environ.get(WARM_WORKER_VARIABLE, "1").strip() != "0"


STATES = ("idle", "running", "paused", "stopping")

_SIGNAL_WORDS = {
    signal.SIGKILL: "was killed (SIGKILL) — most often the system ran out of memory and ended "
                    "it, or someone killed it by hand",
    signal.SIGSEGV: "crashed (segmentation fault) inside TensorFlow or a device driver",
    signal.SIGABRT: "aborted (SIGABRT), usually a fatal error inside TensorFlow",
    signal.SIGTERM: "was asked to terminate (SIGTERM) by someone outside dlstudio",
    signal.SIGINT: "was interrupted (SIGINT)",
}


class RunClient(QObject):
    """Start, steer and listen to one training worker at a time.

    Args:
        parent: The Qt parent.
        program: The command that starts the worker, before its arguments; tests pass a fake
            worker here. Defaults to :func:`worker_program`.

    Attributes:
        program: The command that starts the worker (used by the next :meth:`start`, and with
            ``--wait`` for the spare).

    Signals:
        started, batch, epoch, message, samples, phase, finished, error: The decoded protocol
            events (:class:`dlstudio.core.training.events.Started` and so on).
        log: One line of the worker's stderr, or a line of stdout that is not an event.
        crashed: ``(explanation, run_dir)`` when the worker ended without a ``finished`` or
            ``error`` event; ``run_dir`` is ``""`` when no run folder was made yet.
        state_changed: The new state, one of :data:`STATES`.
        spare_ready: A warm worker is ready for the next run.
    """

    started = Signal(object)
    batch = Signal(object)
    epoch = Signal(object)
    message = Signal(object)
    samples = Signal(object)
    phase = Signal(object)
    finished = Signal(object)
    error = Signal(object)
    log = Signal(str)
    crashed = Signal(str, str)
    state_changed = Signal(str)
    spare_ready = Signal()

    def __init__(self, parent: QObject | None = None,
                 program: Sequence[str] | None = None) -> None:
        super().__init__(parent)
        self.program = list(program or worker_program())
        self._process: QProcess | None = None
        self._state = "idle"
        self._run_dir = ""
        self._ended = False
        self._stderr_rest = b""
        self._keep_warm = False
        self._spare: QProcess | None = None
        self._spare_is_ready = False
        self._spare_log: list[str] = []
        self._signals = {
            events.Started: self.started, events.Batch: self.batch, events.Epoch: self.epoch,
            events.Message: self.message, events.Samples: self.samples,
            events.Phase: self.phase, events.Finished: self.finished,
            events.Error: self.error,
        }

    @property
    def state(self) -> str:
        """``idle``, ``running``, ``paused`` or ``stopping``."""
        return self._state

    @property
    def run_dir(self) -> str:
        """The current (or last) run's folder, ``""`` until the worker names it."""
        return self._run_dir

    def is_active(self) -> bool:
        """Whether a worker process is running a run (a waiting spare does not count)."""
        return self._process is not None

    def run_in_progress(self) -> bool:
        """Whether a run is going on: its worker is alive and has not yet reported its end.

        Unlike :meth:`is_active` this is False as soon as the worker has reported
        ``finished`` or ``error``, while its process may take a few more seconds to exit.
        """
        return self._process is not None and not self._ended

    def worker_pid(self) -> int:
        """The process id of the worker running the current run, 0 when there is none."""
        return self._process.processId() if self._process is not None else 0

    def spare_pid(self) -> int:
        """The process id of the waiting warm worker, 0 when there is none."""
        return self._spare.processId() if self._spare is not None else 0

    def is_warm(self) -> bool:
        """Whether a warm worker has imported everything and waits for a run."""
        return self._spare is not None and self._spare_is_ready

    def keep_warm(self, enabled: bool = True) -> None:
        """Keep (or stop keeping) a warm worker waiting for the next run.

        Call it once a project is open. The spare starts now when no run is in progress, and
        again after each run; ``False`` ends the one waiting.
        """
        self._keep_warm = enabled
        if not enabled:
            self.end_spare()
            return
        application = QCoreApplication.instance()
        if application is not None:
            application.aboutToQuit.connect(self.end_spare, Qt.ConnectionType.UniqueConnection)
        self._start_spare()

    def end_spare(self) -> None:
        """Kill the waiting warm worker, if any (it holds nothing a run needs)."""
        spare, self._spare = self._spare, None
        self._spare_is_ready = False
        if spare is None:
            return
        self._detach_spare(spare)
        spare.kill()
        spare.waitForFinished(2000)
        spare.deleteLater()

    def start(self, project_path: str | Path | None, runs_dir: str | Path | None = None,
              resume_from: str | Path | None = None, epochs: int | None = None) -> None:
        """Start training ``project_path``, or resume the run folder ``resume_from``.

        A warm worker takes the run when one is waiting (ready or still importing); otherwise
        a fresh worker starts.

        Args:
            project_path: The saved project file (``None`` when resuming).
            runs_dir: Where the run folder goes (default: ``runs/`` beside the project).
            resume_from: A run folder to continue from its last checkpoint.
            epochs: Train to this many epochs instead of the project's number.

        Raises:
            RuntimeError: A worker is already running.
        """
        if self._process is not None:
            raise RuntimeError("a training run is already in progress; stop it first")
        self._run_dir = str(resume_from or "")
        self._ended = False
        self._stderr_rest = b""
        spare = self._take_spare()
        process = spare or QProcess(self)
        process.readyReadStandardOutput.connect(self._read_stdout)
        process.readyReadStandardError.connect(self._read_stderr)
        process.finished.connect(self._on_exit)
        process.errorOccurred.connect(self._on_process_error)
        self._process = process
        self._set_state("running")
        if spare is not None:
            command = events.encode_run_command(
                _text(project_path), epochs=epochs, runs_dir=_text(runs_dir),
                resume=_text(resume_from))
            process.write(QByteArray((command + "\n").encode()))
            self._read_stdout()  # lines it wrote before it was handed the run
            self._read_stderr()
            return
        arguments = [str(project_path)] if project_path is not None else []
        if runs_dir is not None:
            arguments += ["--runs-dir", str(runs_dir)]
        if resume_from is not None:
            arguments += ["--resume", str(resume_from)]
        if epochs is not None:
            arguments += ["--epochs", str(epochs)]
        process.setProcessEnvironment(worker_process_environment())
        process.start(self.program[0], self.program[1:] + arguments)

    def _start_spare(self) -> None:
        if not self._keep_warm or self._spare is not None or self._process is not None:
            return
        spare = QProcess(self)
        spare.readyReadStandardOutput.connect(self._read_spare_stdout)
        spare.readyReadStandardError.connect(self._read_spare_stderr)
        spare.finished.connect(self._on_spare_exit)
        spare.setProcessEnvironment(worker_process_environment())
        self._spare, self._spare_is_ready, self._spare_log = spare, False, []
        spare.start(self.program[0], [*self.program[1:], "--wait"])

    def _take_spare(self) -> QProcess | None:
        """The spare, disconnected from the spare's slots, when it is alive; else ``None``."""
        spare, self._spare = self._spare, None
        self._spare_is_ready = False
        if spare is None:
            return None
        self._detach_spare(spare)
        if spare.state() == QProcess.ProcessState.NotRunning:
            spare.deleteLater()
            return None
        for line in self._spare_log:
            self.log.emit(line)
        self._spare_log = []
        return spare

    def _detach_spare(self, spare: QProcess) -> None:
        spare.readyReadStandardOutput.disconnect(self._read_spare_stdout)
        spare.readyReadStandardError.disconnect(self._read_spare_stderr)
        spare.finished.disconnect(self._on_spare_exit)

    def _read_spare_stdout(self) -> None:
        spare = self._spare
        while spare is not None and spare.canReadLine():
            line = bytes(spare.readLine().data()).decode("utf-8", "replace").strip()
            try:
                event = events.decode(line) if line else None
            except events.ProtocolError as problem:
                self._spare_log.append(f"(not a worker event: {problem})")
                continue
            if isinstance(event, events.Ready) and not self._spare_is_ready:
                self._spare_is_ready = True
                self.spare_ready.emit()

    def _read_spare_stderr(self) -> None:
        if self._spare is None:
            return
        text = bytes(self._spare.readAllStandardError().data()).decode("utf-8", "replace")
        lines = [line.rstrip() for line in text.splitlines() if line.strip()]
        self._spare_log = (self._spare_log + lines)[-SPARE_LOG_LINES:]

    def _on_spare_exit(self, exit_code: int, exit_status: QProcess.ExitStatus) -> None:
        spare, was_ready = self._spare, self._spare_is_ready
        self._spare, self._spare_is_ready = None, False
        if spare is not None:
            spare.deleteLater()
        self.log.emit(f"(the waiting training process ended: "
                      f"{explain_exit(exit_code, exit_status == QProcess.ExitStatus.CrashExit)}"
                      " Train starts a fresh one.)")
        for line in self._spare_log[-5:]:
            self.log.emit(line)
        if was_ready:  # it worked once: a fresh spare; one that never got ready is not retried
            self._start_spare()

    def pause(self) -> None:
        """Ask the worker to pause after the current batch."""
        if self._state == "running" and self._send("pause"):
            self._set_state("paused")

    def resume(self) -> None:
        """Ask a paused worker to go on."""
        if self._state == "paused" and self._send("resume"):
            self._set_state("running")

    def stop(self) -> None:
        """Ask the worker to stop after the current batch; it saves and reports ``finished``."""
        if self._state in ("running", "paused") and self._send("stop"):
            self._set_state("stopping")

    def kill(self) -> None:
        """End the worker at once (the run keeps its last checkpoint)."""
        if self._process is not None:
            self._process.kill()

    def wait_for_exit(self, timeout_ms: int) -> bool:
        """Block until the worker has exited (at most ``timeout_ms``); whether it has."""
        process = self._process
        return process is None or process.waitForFinished(timeout_ms)

    def stop_and_wait(self, timeout_ms: int = 15000) -> bool:
        """Stop the worker and block until it exits, killing it after ``timeout_ms``.

        Returns:
            Whether it exited by itself within the time.
        """
        process = self._process
        if process is None:
            return True
        self.stop()
        process.waitForBytesWritten(1000)
        deadline = QDeadlineTimer(timeout_ms)
        while self._process is process and not deadline.hasExpired():
            process.waitForFinished(min(200, max(1, deadline.remainingTime())))
        if self._process is process:
            process.kill()
            process.waitForFinished(5000)
            return False
        return True

    def _send(self, word: str) -> bool:
        if self._process is None or self._process.state() != QProcess.ProcessState.Running:
            return False
        self._process.write(QByteArray((word + "\n").encode()))
        return True

    def _set_state(self, state: str) -> None:
        if state != self._state:
            self._state = state
            self.state_changed.emit(state)

    def _read_stdout(self) -> None:
        process = self._process
        while process is not None and process.canReadLine():
            line = bytes(process.readLine().data()).decode("utf-8", "replace").strip()
            if line:
                self._handle_line(line)

    def _handle_line(self, line: str) -> None:
        try:
            event = events.decode(line)
        except events.ProtocolError as problem:
            self.log.emit(f"(not a worker event: {problem})")
            return
        if isinstance(event, events.Ready):
            return  # a warm worker that got its run before it said so
        if isinstance(event, events.Started | events.Finished | events.Error):
            self._run_dir = event.run_dir or self._run_dir
        if isinstance(event, events.Finished | events.Error):
            self._ended = True
        self._signals[type(event)].emit(event)

    def _read_stderr(self) -> None:
        if self._process is None:
            return
        text = self._stderr_rest + bytes(self._process.readAllStandardError().data())
        *lines, self._stderr_rest = text.split(b"\n")
        for line in lines:
            self._emit_log(line)

    def _emit_log(self, line: bytes) -> None:
        text = line.decode("utf-8", "replace").rstrip()
        if text:
            self.log.emit(text)

    def _on_process_error(self, error: QProcess.ProcessError) -> None:
        if error == QProcess.ProcessError.FailedToStart and self._process is not None:
            command = " ".join(self.program)
            self._process = None
            self._set_state("idle")
            self.crashed.emit(f"The training process could not start ({command}): "
                              f"{self.sender().errorString()}. Check that dlstudio is installed "
                              "in this Python environment.", self._run_dir)

    def _on_exit(self, exit_code: int, exit_status: QProcess.ExitStatus) -> None:
        self._read_stdout()
        self._read_stderr()
        self._emit_log(self._stderr_rest)
        self._stderr_rest = b""
        if self._process is not None:
            self._process.deleteLater()
        self._process = None
        self._set_state("idle")
        if not self._ended:
            crashed = exit_status == QProcess.ExitStatus.CrashExit
            self.crashed.emit(explain_exit(exit_code, crashed), self._run_dir)
        self._start_spare()  # the run's process has exited: its memory is back


def _text(value: str | Path | None) -> str | None:
    return None if value is None else str(value)


def worker_process_environment() -> QProcessEnvironment:
    """Return the worker's environment: GPUs visible again, dlstudio first on ``PYTHONPATH``.

    The worker then imports the same dlstudio as the GUI, installed or run from a checkout.
    """
    environment = QProcessEnvironment()
    for name, value in worker_environment().items():
        environment.insert(name, value)
    root = str(Path(dlstudio.__file__).resolve().parent.parent)
    rest = environment.value("PYTHONPATH", "")
    environment.insert("PYTHONPATH", root + (os.pathsep + rest if rest else ""))
    return environment


def explain_exit(exit_code: int, crashed: bool) -> str:
    """Say in plain words why a worker ended without reporting ``finished`` or ``error``.

    Args:
        exit_code: The process's exit code, or the signal number when ``crashed``.
        crashed: Whether a signal ended it.
    """
    if crashed:
        words = _SIGNAL_WORDS.get(exit_code, f"was ended by signal {exit_code}")
        what = f"The training process {words}."
    elif exit_code == 0:
        what = "The training process ended without saying that training finished."
    else:
        what = (f"The training process stopped unexpectedly (exit code {exit_code}); "
                "its last lines in the log say why.")
    return what + " The app is fine; the run keeps its last completed epoch."
