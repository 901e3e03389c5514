"""The Tune tab end to end, and its screenshot: a person's study, killed and resumed.

Phase ``start``: open the churn example, tick learning rate, units and dropout ("Search
this"), set 8 trials, 2 workers and 4 epochs, start the study from the Tune tab; once two trials
have finished, the app kills itself (SIGKILL, as a crash would). Phase ``resume``: open the
project again, wait for the study's trials to show, Resume, wait for the study to finish,
select two trials (their curves overlay), save ``docs/screenshots/tune.png``, then "Use best
settings" and save the project.

Run under ``xvfb-run -s "-screen 0 1600x1000x24"`` (or ``QT_QPA_PLATFORM=offscreen``):
``python scripts/screenshot_tune.py --scratch DIR start`` then ``… --scratch DIR resume``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("DLSTUDIO_WARM_WORKER", "0")

from PySide6.QtCore import QSettings  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

SIZE = (1500, 900)
UNITS = "model.layers[id=dense_1].params.units"
DROPOUT = "model.layers[id=dropout_1].params.rate"


def wait_until(app: QApplication, condition: Callable[[], object], timeout: float) -> bool:
    """Process events until ``condition()`` holds or ``timeout`` seconds pass."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        app.processEvents()
        if condition():
            return True
        time.sleep(0.05)
    return False


def open_window(scratch: Path) -> tuple[QApplication, object, object]:
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(scratch))
    from dlstudio.gui.app import create_application
    from dlstudio.gui.main_window import MainWindow

    app = create_application()
    window = MainWindow()
    window.resize(*SIZE)
    window.show()
    window.open_path(str(scratch / "churn.dlstudio.json"))
    window.show_workbench("Tune")
    view = window.training_tabs.pages["Tune"].ensure()
    return app, window, view


def start(scratch: Path) -> None:
    shutil.copytree(ROOT / "examples" / "churn", scratch / "churn", dirs_exist_ok=True)
    shutil.copy(ROOT / "examples" / "churn.dlstudio.json", scratch)
    app, window, view = open_window(scratch)
    from dlstudio.gui.search_menu import SearchThis, layer_param_path

    window.show_workbench("Training settings")
    document = window.document
    rate = next(hook for hook in window.findChildren(SearchThis)
                if hook.path() == "training.learning_rate")
    rate.toggle()  # what the context menu's "Search this" does
    for layer_id, name in (("dense_1", "units"), ("dropout_1", "rate")):
        document.set_selection([layer_id])
        app.processEvents()
        hook = next(h for h in window.findChildren(SearchThis)
                    if h.path() == layer_param_path(document, layer_id, name))
        hook.toggle()
    assert [p.path for p in document.project.tuning.search] == [
        "training.learning_rate", UNITS, DROPOUT], document.project.tuning.search
    document.set_values({"tuning.trials": 8, "tuning.workers": 2, "tuning.epochs": 4},
                        "Set the budget")
    window.show_workbench("Tune")
    view.start(resume=False)
    finished = wait_until(app, lambda: sum(1 for t in view.trials.values()
                                           if t.get("state") == "COMPLETE") >= 2, 600)
    print(f"phase start: {len(view.trials)} trials shown, two finished: {finished}; "
          "killing the app", flush=True)
    os.kill(os.getpid(), signal.SIGKILL)


def resume(scratch: Path, out: Path) -> None:
    app, window, view = open_window(scratch)
    shown = wait_until(app, lambda: view.resume_button.isEnabled(), 60)
    print(f"phase resume: reopened with {len(view.trials)} trials, Resume enabled: {shown}",
          flush=True)
    view.start(resume=True)
    done = wait_until(app, lambda: "Study finished" in view.status.text(), 900)
    wait_until(app, lambda: not view.client.running, 30)
    states = sorted(str(t.get("state")) for t in view.trials.values())
    print(f"phase resume: finished {done}; states {states}", flush=True)
    grab(app, window, view, out)
    view.use_best_settings()
    window.document.save()
    print(f"phase resume: {view.status.text()}", flush=True)


def shot(scratch: Path, out: Path) -> None:
    """Only the screenshot, of the finished study as the reopened app shows it."""
    app, window, view = open_window(scratch)
    wait_until(app, lambda: view.resume_button.isEnabled(), 60)
    grab(app, window, view, out)


def grab(app: QApplication, window: object, view: object, out: Path) -> None:
    """Select the first and the best trial (their curves overlay) and save the window."""
    numbers = sorted(view.trials)
    best = view.best()
    if best is not None:
        numbers[-1] = best["number"]
    view.table.selectRow(view.table.rows[numbers[0]])
    view.table.selectionModel().select(
        view.table.model().index(view.table.rows[numbers[-1]], 0),
        view.table.selectionModel().SelectionFlag.Select
        | view.table.selectionModel().SelectionFlag.Rows)
    wait_until(app, lambda: False, 1)
    out.mkdir(parents=True, exist_ok=True)
    window.grab().save(str(out / "tune.png"))
    print(f"wrote {out / 'tune.png'}", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scratch", type=Path, required=True)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("phase", choices=("start", "resume", "shot"))
    arguments = parser.parse_args()
    arguments.scratch.mkdir(parents=True, exist_ok=True)
    if arguments.phase == "start":
        start(arguments.scratch)
    elif arguments.phase == "shot":
        shot(arguments.scratch, arguments.out)
    else:
        resume(arguments.scratch, arguments.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
