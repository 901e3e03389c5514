"""The learning-rate finder: ``dlstudio lr-find`` in its own process, its curve, one click.

The training form's "Find…" button beside the learning rate opens :class:`LrFinderDialog`. It
writes the project as it is now (unsaved edits included) to a temporary file, runs
``python -m dlstudio lr-find FILE --json`` with QProcess — training never runs in the GUI
process — and draws the smoothed loss against the learning rate (logarithmic axis) with the
suggested rate marked. "Use …" sets the project's learning rate in one undo step.
"""

from __future__ import annotations

import json
import math
import sys
import tempfile
from pathlib import Path
from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import QProcess, Qt
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from dlstudio.core.project.project import save_project
from dlstudio.gui.document import Document

STEPS = 100


class LrFinderDialog(QDialog):
    """Runs the learning-rate range test for the document's project and offers its rate.

    Args:
        document: The open project; "Use" sets its learning rate.
        program: The command to run, before the project file (tests pass a fake); default
            ``python -m dlstudio lr-find``.
        parent: The Qt parent.
    """

    def __init__(self, document: Document, program: list[str] | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Find a learning rate")
        self.resize(640, 460)
        self.document = document
        self.program = program or [sys.executable, "-m", "dlstudio", "lr-find"]
        self.result: dict[str, Any] | None = None
        self.process: QProcess | None = None
        self._folder: tempfile.TemporaryDirectory[str] | None = None
        self._output = b""
        self.status = QLabel(wordWrap=True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.plot = pg.PlotWidget()
        self.plot.setBackground(None)
        self.plot.setMouseEnabled(False, False)
        self.plot.setLogMode(x=True, y=False)
        self.plot.getAxis("bottom").enableAutoSIPrefix(False)
        self.plot.setLabel("bottom", "learning rate")
        self.plot.setLabel("left", "loss (smoothed)")
        self.plot.showGrid(x=True, y=True, alpha=0.2)
        self.use_button = QPushButton("Use the suggested rate")
        self.use_button.setProperty("role", "primary")
        self.use_button.setEnabled(False)
        self.use_button.clicked.connect(self.use_suggestion)
        self.again_button = QPushButton("Run again")
        self.again_button.clicked.connect(self.start)
        close = QPushButton("Close")
        close.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(self.again_button)
        buttons.addStretch(1)
        buttons.addWidget(self.use_button)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.status)
        layout.addWidget(self.plot, 1)
        layout.addLayout(buttons)

    def start(self) -> None:
        """Run the range test on the project as it is now."""
        if self.process is not None:
            return
        self._folder = tempfile.TemporaryDirectory(prefix="dlstudio-lr-find-")
        project = self.document.project.copy()
        path = save_project(project, Path(self._folder.name) / "project.dlstudio.json")
        self._output = b""
        self.use_button.setEnabled(False)
        self.again_button.setEnabled(False)
        self.status.setText(f"Training a copy of the model for up to {STEPS} batches while "
                            "the learning rate grows from 1e-6 to 1 (in a separate process; "
                            "nothing is saved)…")
        self.process = QProcess(self)
        self.process.setProcessChannelMode(QProcess.ProcessChannelMode.SeparateChannels)
        self.process.readyReadStandardOutput.connect(self._read)
        self.process.finished.connect(self._finished)
        self.process.start(self.program[0], [*self.program[1:], str(path), "--json",
                                             "--steps", str(STEPS)])

    def use_suggestion(self) -> None:
        """Set the project's learning rate to the suggestion (one undo step) and close."""
        if self.result is not None:
            rate = self.result["suggestion"]
            self.document.set_value("training.learning_rate", rate,
                                    f"Set learning rate to {rate:g} (range test)",
                                    mergeable=False)
            self.accept()

    def show_result(self, result: dict[str, Any]) -> None:
        """Draw a range test's result (what ``dlstudio lr-find --json`` prints)."""
        self.result = result
        self.plot.clear()
        self.plot.plot(result["learning_rates"], result["losses"],
                       pen=pg.mkPen("#2563eb", width=2))
        suggestion = result["suggestion"]
        marker = pg.InfiniteLine(pos=math.log10(suggestion), angle=90,
                                 pen=pg.mkPen("#15803d", width=2, style=Qt.PenStyle.DashLine),
                                 label=f"suggested {suggestion:g}",
                                 labelOpts={"position": 0.9, "color": "#15803d"})
        self.plot.addItem(marker)
        self.status.setText(result["summary"])
        self.use_button.setText(f"Use {suggestion:g}")
        self.use_button.setEnabled(True)

    def _read(self) -> None:
        self._output += bytes(self.process.readAllStandardOutput())

    def _finished(self, code: int, _status: Any) -> None:
        errors = bytes(self.process.readAllStandardError()).decode("utf-8", "replace")
        self._read()
        self.process.deleteLater()
        self.process = None
        self.again_button.setEnabled(True)
        if self._folder is not None:
            self._folder.cleanup()
            self._folder = None
        try:
            result = json.loads(self._output.decode("utf-8")) if code == 0 else None
        except ValueError:
            result = None
        if result is None:
            reason = [line for line in errors.splitlines() if line.strip()]
            self.status.setText("The range test failed: " + (reason[-1] if reason else
                                                             f"exit status {code}"))
            return
        self.show_result(result)

    def done(self, result: int) -> None:
        """Stop a test still running when the dialog closes."""
        if self.process is not None:
            self.process.kill()
            self.process.waitForFinished(3000)
        super().done(result)


def open_lr_finder(document: Document, program: list[str] | None,
                   parent: QWidget) -> LrFinderDialog:
    """Show the learning-rate finder on ``document``'s project and start its range test.

    Args:
        document: The open project; the suggestion is applied to it.
        program: The command that runs the range test (``None``: ``dlstudio lr-find``; tests
            pass a fake one).
        parent: The widget the dialog belongs to (it deletes itself when closed).
    """
    dialog = LrFinderDialog(document, program, parent=parent)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.show()
    dialog.start()
    return dialog
