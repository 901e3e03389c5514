"""Regenerate the README screenshots of the training doctor, the learning-rate finder and the
Robustness page, walking the image Evaluate flow on the way.

Run under a virtual display, from the repository root::

    xvfb-run -s "-screen 0 1600x1000x24" .venv/bin/python scripts/screenshots_doctor.py
    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/screenshots_doctor.py --out /tmp/shots

It copies the bundled examples' projects into a temporary folder, trains the churn example at a
learning rate of 1.0 (the doctor's hint and its fix button), runs the learning-rate finder from
the training form, then trains the shapes example, opens Evaluate as a person would (the run
evaluates itself when it ends), lists the worst mistakes with Grad-CAM, clicks through every
page and runs the robustness check. It prints what each step shows (the visible Evaluate pages,
how long the heat maps took) and saves one PNG per step at 1280x800. A few minutes on 2 cores.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from PySide6.QtCore import QSettings  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402
from screenshots import SIZE, example_projects, take, wait_until  # noqa: E402
from screenshots_training import copy_project, train  # noqa: E402

from dlstudio.gui.widgets.sample_list import HEAT_MAP_BATCH  # noqa: E402

TIMEOUT = 300


def visible_pages(view: object) -> list[str]:
    """The Evaluate tab's pages that are offered now."""
    sections = view.sections
    return [sections.tabText(i) for i in range(sections.count()) if sections.isTabVisible(i)]


def doctor_hint(app: QApplication, window: object, out: Path) -> None:
    """Train churn at a learning rate of 1.0 and picture the doctor's hint with its fix."""
    window.document.set_value("training.learning_rate", 1.0)
    window.document.save()
    train(app, window)
    hints = window.training_tabs.training.hints
    print("doctor hints:", [row.text.text()[:70] for row in hints.rows])
    take(app, window, out, "doctor-hint")
    fixable = [row for row in hints.rows if row.fix_button is not None]
    if fixable:
        fixable[0].fix_button.click()
        print("applied:", fixable[0].fix.label, "-> learning rate",
              window.document.project.training.learning_rate)
        take(app, window, out, "doctor-hint-applied")


def learning_rate_finder(app: QApplication, window: object, out: Path) -> None:
    """Run the range test from the training form and picture its curve."""
    window.show_workbench("Training settings")
    from dlstudio.gui.widgets.training_settings import TrainingSettingsView

    settings = window.findChild(TrainingSettingsView)
    dialog = settings.find_learning_rate()
    wait_until(app, lambda: dialog.use_button.isEnabled() or dialog.again_button.isEnabled(),
               TIMEOUT)
    wait_until(app, lambda: False, 1.0)
    print("lr-find:", dialog.status.text())
    take(app, dialog, out, "lr-find")
    dialog.close()


def image_evaluation(app: QApplication, window: object, out: Path) -> None:
    """Walk the Evaluate tab of a freshly trained image run, page by page."""
    tabs = window.training_tabs
    train(app, window)
    view = tabs.evaluation
    print("after training:", visible_pages(view), "busy", view.busy)
    window.show_workbench("Evaluate")
    wait_until(app, lambda: not view.busy and view.result is not None, TIMEOUT)
    print("evaluated:", visible_pages(view))
    tabs.evaluate(str(tabs.runs.runs[0].path))  # as a click on the Runs tab's "Evaluate"
    print("opened from Runs:", visible_pages(view))
    view.samples.explain_box.setChecked(True)
    done: list[float] = []
    shown = view.samples._heat_maps_done
    view.samples._heat_maps_done = lambda *args: (done.append(time.monotonic()), shown(*args))
    started = time.monotonic()
    view._list("every test sample", list(view.predictions))  # as a big confusion-matrix cell
    count = view.samples.thumbnails.count()
    wait_until(app, lambda: len(done) * HEAT_MAP_BATCH >= count, 120)
    print(f"{count} thumbnails: first heat maps after {done[0] - started:.1f} s, all after "
          f"{done[-1] - started:.1f} s")
    wait_until(app, lambda: False, 0.5)
    take(app, window, out, "evaluate-images-heat-maps")
    view.show_mistakes()
    for index in range(view.sections.count()):
        if view.sections.isTabVisible(index):
            view.sections.setCurrentIndex(index)
            wait_until(app, lambda: False, 0.5)
            print("page", view.sections.tabText(index), "->", visible_pages(view))
    view.sections.setCurrentWidget(view.robustness)
    view.robustness.compute()
    wait_until(app, lambda: view.robustness.result is not None or not view.robustness.busy,
               TIMEOUT)
    wait_until(app, lambda: False, 1.0)
    take(app, window, out, "robustness")
    view.sections.setCurrentIndex(0)
    print("back to Scores:", visible_pages(view))


def main() -> int:
    """Take the screenshots."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    out = parser.parse_args().out
    out.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="dlstudio-shots-"))
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(scratch))

    from dlstudio.gui.app import create_application
    from dlstudio.gui.main_window import MainWindow

    app = create_application()
    churn, shapes = example_projects(scratch / "examples")
    window = MainWindow()
    window.resize(*SIZE)
    window.show()

    window.open_path(str(copy_project(churn, scratch, epochs=8)), ask=False)
    doctor_hint(app, window, out)
    learning_rate_finder(app, window, out)
    window.document.save()

    window.open_path(str(copy_project(shapes, scratch, epochs=8)), ask=False)
    image_evaluation(app, window, out)
    window.document.replace(window.document.project)
    return 0


if __name__ == "__main__":
    sys.exit(main())
