"""Start-up: how long until the main window's first frame is painted, in a fresh process?

Each sample starts a new Python process and measures the wall time from just before the launch
to the first paint of the window: interpreter start, imports, building the window, showing it.
The baseline, measured in the same run the same way, is a bare ``QMainWindow`` (PySide6 alone),
so the ratio says what dlstudio's window adds to what any Qt app pays. The issue's goal: the
window appears in about a second on a 2-core machine (TensorFlow is loaded later, off the GUI
thread, and must not be imported here — the benchmark checks that too).

Run: ``python benchmarks/bench_startup.py`` (offscreen unless a display is set).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = 5

CHILD = """
import sys, time
from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication(sys.argv[:1])
if sys.argv[1] == "dlstudio":
    from dlstudio.gui.app import create_application
    from dlstudio.gui.main_window import MainWindow
    create_application()
    window = MainWindow()
else:
    window = QMainWindow()
    window.resize(1360, 860)


class FirstPaint(QObject):
    def eventFilter(self, watched, event):
        if event.type() == QEvent.Type.Paint:
            heavy = [name for name in ("tensorflow", "keras") if name in sys.modules]
            print(f"{time.time():.6f} {','.join(heavy) or '-'}", flush=True)
            app.exit(0)
        return False


spy = FirstPaint()
window.installEventFilter(spy)
window.show()
sys.exit(app.exec())
"""


def first_frame_seconds(kind: str, settings_dir: str) -> tuple[float, str]:
    """Return the seconds from launch to first paint, and the heavy modules imported."""
    environment = {**os.environ, "PYTHONPATH": str(ROOT), "XDG_CONFIG_HOME": settings_dir}
    if not environment.get("DISPLAY"):
        environment.setdefault("QT_QPA_PLATFORM", "offscreen")
    started = time.time()
    result = subprocess.run([sys.executable, "-c", CHILD, kind], capture_output=True,
                            text=True, env=environment, timeout=120, check=True)
    painted, heavy = result.stdout.split()[-2:]
    return float(painted) - started, heavy


def main() -> int:
    """Print the median time to first frame of both windows and their ratio."""
    with tempfile.TemporaryDirectory() as settings_dir:
        first_frame_seconds("baseline", settings_dir)  # warm the file cache
        baseline = [first_frame_seconds("baseline", settings_dir)[0] for _ in range(SAMPLES)]
        runs = [first_frame_seconds("dlstudio", settings_dir) for _ in range(SAMPLES)]
    window = [seconds for seconds, _heavy in runs]
    heavy = {modules for _seconds, modules in runs} - {"-"}
    base, ours = statistics.median(baseline), statistics.median(window)
    print(f"bare QMainWindow first frame:  {base * 1000:7.0f} ms (median of {SAMPLES})")
    print(f"dlstudio main window:          {ours * 1000:7.0f} ms (median of {SAMPLES})")
    print(f"ratio dlstudio / bare Qt:      {ours / base:7.2f}x")
    print(f"TensorFlow or Keras imported before the first frame: {', '.join(heavy) or 'no'}")
    return 1 if heavy else 0


if __name__ == "__main__":
    sys.exit(main())
