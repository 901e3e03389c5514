"""The small window shown while a run stops because the app is closing.

The worker finishes its batch, saves its checkpoint and exits; that takes from a moment to
several seconds. :class:`StoppingDialog` says so, counts the seconds on a progress bar up to
the point where the worker is ended by force, and offers to end it at once (the run then keeps
its last completed epoch). The window behind it keeps painting: nothing here blocks.
"""

from __future__ import annotations

import time

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QDialog, QLabel, QProgressBar, QPushButton, QVBoxLayout, QWidget

STOP_TIMEOUT_S = 30.0


class StoppingDialog(QDialog):
    """"Stopping…" with the time waited so far, and a button to end the worker now.

    Args:
        timeout_s: When :attr:`kill_requested` is raised by itself.
        parent: The Qt parent (the main window).

    Signals:
        kill_requested(): The person pressed "End it now", or the time ran out.
    """

    kill_requested = Signal()

    def __init__(self, timeout_s: float = STOP_TIMEOUT_S, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Stopping…")
        self.setModal(True)
        self.setWindowFlag(Qt.WindowType.WindowCloseButtonHint, False)
        self.timeout_s = timeout_s
        self._start = time.monotonic()
        self.text = QLabel("Stopping the training run: the worker finishes its batch and saves "
                           "its checkpoint, then dlstudio closes. The run can be resumed later.")
        self.text.setWordWrap(True)
        self.bar = QProgressBar()
        self.bar.setRange(0, round(timeout_s * 10))
        self.bar.setFormat("Stopping… %vs")
        self.end_button = QPushButton("End it now")
        self.end_button.setToolTip("End the worker at once; the run keeps its last completed "
                                   "epoch")
        self.end_button.clicked.connect(self._end_now)
        layout = QVBoxLayout(self)
        layout.addWidget(self.text)
        layout.addWidget(self.bar)
        layout.addWidget(self.end_button, 0, Qt.AlignmentFlag.AlignRight)
        self._ticker = QTimer(self, interval=100)
        self._ticker.timeout.connect(self._tick)
        self._ticker.start()
        self.setMinimumWidth(420)

    def elapsed(self) -> float:
        """Seconds since the stop was asked for."""
        return time.monotonic() - self._start

    def _tick(self) -> None:
        elapsed = self.elapsed()
        self.bar.setValue(min(self.bar.maximum(), round(elapsed * 10)))
        self.bar.setFormat(f"Stopping… {elapsed:.0f} s")
        if elapsed >= self.timeout_s:
            self._end_now()

    def _end_now(self) -> None:
        self._ticker.stop()
        self.text.setText("Ending the worker…")
        self.end_button.setEnabled(False)
        self.kill_requested.emit()

    def reject(self) -> None:  # Qt override: Escape does not hide it while the worker stops
        return
