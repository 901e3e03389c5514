"""The training log: the worker's messages, epoch summaries and stderr, with times.

TensorFlow's start-up chatter on stderr (C++ log lines about CUDA drivers, oneDNN, absl) is
kept but hidden unless "TensorFlow details" is ticked, so the messages a person can act on stay
readable.
"""

from __future__ import annotations

import html
import re
import time
from collections import deque
from typing import NamedTuple

from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QPlainTextEdit, QVBoxLayout, QWidget

MAX_LINES = 5000
TENSORFLOW_NOISE = re.compile(
    r"^[IWEF]\d{4} [\d:.]+\s+\d+ \S+:\d+\]"  # absl / TSL C++ log lines
    r"|oneDNN custom operations|computation orders\. To turn them off"
    r"|All log messages before absl::InitializeLog|This TensorFlow binary is optimized"
    r"|To enable the following instructions|rebuild TensorFlow with the appropriate"
)
MUTED = "#64748b"


class LogLine(NamedTuple):
    """One line of the log."""

    stamp: str
    text: str
    colour: str | None
    detail: bool


class LogPanel(QWidget):
    """A read-only log with a switch for TensorFlow's low-level messages."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.lines: deque[LogLine] = deque(maxlen=MAX_LINES)
        self.text = QPlainTextEdit(readOnly=True)
        self.text.setMaximumBlockCount(MAX_LINES)
        self.text.setPlaceholderText("The worker's messages and warnings appear here.")
        self.details = QCheckBox("TensorFlow details")
        self.details.setToolTip("Also show TensorFlow's low-level start-up messages")
        self.details.toggled.connect(self._render)
        title = QLabel("Log")
        title.setProperty("role", "heading")
        bar = QHBoxLayout()
        bar.addWidget(title)
        bar.addStretch(1)
        bar.addWidget(self.details)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.text, 1)

    def add(self, text: str, colour: str | None = None) -> None:
        """Add a message line (always shown)."""
        self._add(LogLine(time.strftime("%H:%M:%S"), text, colour, False))

    def add_output(self, text: str) -> None:
        """Add a line of the worker's stderr (hidden when it is TensorFlow noise)."""
        noise = bool(TENSORFLOW_NOISE.search(text))
        self._add(LogLine(time.strftime("%H:%M:%S"), text, MUTED, noise))

    def clear(self) -> None:
        """Forget every line (another project was opened)."""
        self.lines.clear()
        self.text.clear()

    def plain_text(self) -> str:
        """What the log shows, as plain text."""
        return self.text.toPlainText()

    def _add(self, line: LogLine) -> None:
        self.lines.append(line)
        if self.details.isChecked() or not line.detail:
            self.text.appendHtml(_html(line))

    def _render(self) -> None:
        self.text.clear()
        for line in self.lines:
            if self.details.isChecked() or not line.detail:
                self.text.appendHtml(_html(line))
        self.text.verticalScrollBar().setValue(self.text.verticalScrollBar().maximum())


def _html(line: LogLine) -> str:
    body = html.escape(line.text)
    if line.colour:
        body = f'<span style="color:{line.colour}">{body}</span>'
    return f'<span style="color:#94a3b8">{line.stamp}</span>&nbsp; {body}'
