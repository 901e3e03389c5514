"""The GUI's side of a study: a QProcess around ``python -m dlstudio tune PROJECT --events``.

The study never runs in the GUI process: this client starts it, turns its JSON lines
(:mod:`dlstudio.core.tuning.events`) into :attr:`TuneClient.event` signals, and stops it by
writing ``stop`` (the study stops its trials and queues them again for a resume). When the app
dies, the study's stdin closes and it stops the same way. ``dlstudio tune status --json`` is
read the same way, for a study that is not running (:meth:`TuneClient.load_status`).
"""

from __future__ import annotations

import json
import sys
from typing import Any

from PySide6.QtCore import QObject, QProcess, Signal

from dlstudio.core.tuning.events import decode

STOP_GRACE_MS = 60_000


class TuneClient(QObject):
    """Starts, watches and stops one study process at a time.

    Signals:
        event: A study event (a dict with ``type``).
        status: The ``tune status --json`` report asked for with :meth:`load_status`.
        ended: The study process ended: its exit status and the last lines of its stderr.
    """

    event = Signal(dict)
    status = Signal(dict)
    ended = Signal(int, str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.process: QProcess | None = None
        self._buffer = b""
        self._errors = b""

    @property
    def running(self) -> bool:
        """Whether a study process is running."""
        return self.process is not None and self.process.state() != QProcess.ProcessState.NotRunning

    def start(self, project: str, *, resume: bool = False, workers: int = 0) -> None:
        """Start ``dlstudio tune PROJECT --events`` (the project's tuning section says the
        rest); ``resume`` continues its study."""
        arguments = ["-m", "dlstudio", "tune", project, "--events"]
        if resume:
            arguments.append("--resume")
        if workers:
            arguments += ["--workers", str(workers)]
        self._buffer, self._errors = b"", b""
        self.process = QProcess(self)
        self.process.readyReadStandardOutput.connect(self._read)
        self.process.readyReadStandardError.connect(self._read_errors)
        self.process.finished.connect(self._finished)
        self.process.start(sys.executable, arguments)

    def stop(self) -> None:
        """Ask the study to stop (its running trials stop and are queued again)."""
        if self.running:
            self.process.write(b"stop\n")
            self.process.closeWriteChannel()

    def kill(self) -> None:
        """End the study process at once (the app is quitting)."""
        if self.running:
            self.process.closeWriteChannel()
            if not self.process.waitForFinished(STOP_GRACE_MS // 10):
                self.process.kill()

    def load_status(self, project: str) -> None:
        """Read the project's study with ``dlstudio tune status PROJECT --json`` in the
        background; :attr:`status` carries the report (nothing when there is no study)."""
        reader = QProcess(self)

        def done(code: int, _status: Any) -> None:
            if code == 0:
                try:
                    self.status.emit(json.loads(bytes(reader.readAllStandardOutput()).decode()))
                except ValueError:
                    pass
            reader.deleteLater()

        reader.finished.connect(done)
        reader.start(sys.executable, ["-m", "dlstudio", "tune", "status", project, "--json"])

    def _read(self) -> None:
        self._buffer += bytes(self.process.readAllStandardOutput())
        *lines, self._buffer = self._buffer.split(b"\n")
        for line in lines:
            body = decode(line.decode("utf-8", "replace"))
            if body is not None:
                self.event.emit(body)

    def _read_errors(self) -> None:
        self._errors = (self._errors + bytes(self.process.readAllStandardError()))[-4000:]

    def _finished(self, code: int, _status: Any) -> None:
        self._read()
        lines = self._errors.decode("utf-8", "replace").strip().splitlines()
        self.ended.emit(code, "\n".join(lines[-3:]))
