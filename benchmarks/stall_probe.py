"""A fast timer on the GUI thread that measures event-loop stalls (shared by the GUI benchmarks).

The probe ticks every ``PROBE_MS``; any gap beyond that is time the event loop could not run:
the window would not have repainted or answered input for that long.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QElapsedTimer, QTimer

PROBE_MS = 2
STALL_GOAL_MS = 50.0


class StallProbe:
    """Records the gaps between ticks of a ``PROBE_MS`` timer, in milliseconds."""

    def __init__(self) -> None:
        self.clock = QElapsedTimer()
        self.timer = QTimer(interval=PROBE_MS)
        self.timer.timeout.connect(self._tick)
        self.gaps: list[float] = []
        self._last = 0.0

    def start(self) -> None:
        """Start recording (clears earlier gaps)."""
        self.gaps.clear()
        self.clock.start()
        self._last = 0.0
        self.timer.start()

    def _tick(self) -> None:
        now = self.clock.nsecsElapsed() / 1e6
        self.gaps.append(max(0.0, now - self._last - PROBE_MS))
        self._last = now

    def stop(self) -> np.ndarray:
        """Stop and return every gap recorded."""
        self.timer.stop()
        return np.array(self.gaps or [0.0])
