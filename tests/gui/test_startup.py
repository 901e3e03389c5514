"""The window opens without TensorFlow: Keras is imported later, off the GUI thread."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PROGRAM = """
import sys
from PySide6.QtWidgets import QApplication
app = QApplication([])
import dlstudio.gui.main_window as main_window
window = main_window.MainWindow()
window.show()
app.processEvents()
heavy = sorted(name for name in ("tensorflow", "keras") if name in sys.modules)
print("imported:", ",".join(heavy) or "none")
"""


@pytest.mark.slow
def test_opening_the_main_window_imports_no_tensorflow(tmp_path):
    environment = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT),
                   "XDG_CONFIG_HOME": str(tmp_path)}
    result = subprocess.run([sys.executable, "-c", PROGRAM], capture_output=True, text=True,
                            env=environment, timeout=120, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "imported: none" in result.stdout
