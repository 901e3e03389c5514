"""The app's process ends promptly after its window closes during a run, even while slow
background work (as importing TensorFlow for shape inference can be) is still going (issue 16,
GUI item 7)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from dlstudio.core.project.project import Project, save_project

FAKE_WORKER = str(Path(__file__).with_name("fake_worker.py"))
DRIVER = """
import sys, time
from PySide6.QtCore import QTimer
from dlstudio.gui import run_client
from dlstudio.gui.app import run_app
from dlstudio.gui.background import run_in_background
from dlstudio.gui.main_window import MainWindow
from dlstudio.gui.widgets.training_view import TrainingView

run_client.worker_program = lambda: [sys.executable, FAKE, "--epochs", "50", "--steps", "20",
                                     "--delay", "0.05"]
TrainingView.ask = lambda self, question: True
shown = []
original_show = MainWindow.show

def show(window):
    original_show(window)
    shown.append(window)
    tabs = window.training_tabs
    tabs.training.client.batch.connect(lambda _event: close(window))
    QTimer.singleShot(0, tabs.train)

def close(window):
    if getattr(window, "_closing_asked", False):
        return
    window._closing_asked = True
    run_in_background(lambda: time.sleep(30), lambda _r: None, lambda _e: None,
                      receiver=window)
    print("closing", time.monotonic(), flush=True)
    window.close()

MainWindow.show = show
run_app(PROJECT)
"""


@pytest.mark.slow
def test_the_process_exits_promptly_once_the_worker_has_stopped(tmp_path, isolated_settings):
    project = save_project(Project(name="Exit"), tmp_path / "exit.dlstudio.json")
    script = DRIVER.replace("FAKE", repr(FAKE_WORKER)).replace("PROJECT", repr(str(project)))
    environment = {**os.environ, "QT_QPA_PLATFORM": "offscreen",
                   "XDG_CONFIG_HOME": str(isolated_settings),
                   "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    process = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, env=environment)
    output, errors = process.communicate(timeout=90)
    ended = time.monotonic()

    closing = [line for line in output.splitlines() if line.startswith("closing")]
    assert process.returncode == 0, errors[-2000:]
    assert closing, output + errors[-2000:]
    assert ended - float(closing[0].split()[1]) < 10  # not the 30 s of the background task
    (run,) = (tmp_path / "runs").iterdir()
    assert '"state": "stopped"' in (run / "run.json").read_text()
