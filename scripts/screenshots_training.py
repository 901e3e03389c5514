"""Regenerate the README screenshots of training, runs, evaluation, export and "Try it".

Run under a virtual display or offscreen, from the repository root::

    xvfb-run -s "-screen 0 1600x1000x24" .venv/bin/python scripts/screenshots_training.py
    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/screenshots_training.py --out /tmp/shots

It copies the bundled examples' projects into a temporary folder (so their runs land there),
trains them through the real worker — pausing and resuming one run on the way — compares two
runs, evaluates (the ROC/PR/reliability page too), exports a SavedModel and tries the model,
saving one PNG per step at 1280x800.
Takes a minute or two on a laptop CPU.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from PySide6.QtCore import QItemSelectionModel, QSettings  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402
from screenshots import SIZE, example_projects, take, wait_until  # noqa: E402

TRAINING_TIMEOUT = 300


def copy_project(source: Path, folder: Path, epochs: int) -> Path:
    """Save ``source`` under ``folder`` (data path kept) with ``epochs`` epochs."""
    from dlstudio.core.project.project import load_project, save_project

    project = load_project(source)
    project.training.epochs = epochs
    return save_project(project, folder / source.name)


def train(app: QApplication, window: object, pause_at: int = 0) -> None:
    """Train the open project from the Run menu; pause at epoch ``pause_at`` for a picture."""
    tabs = window.training_tabs
    tabs.training.ask = lambda question: True
    epochs: list[int] = []
    tabs.training.client.epoch.connect(lambda event: epochs.append(event.epoch))
    tabs.train_action.trigger()
    if pause_at:
        wait_until(app, lambda: len(epochs) >= pause_at, TRAINING_TIMEOUT)
        tabs.training.pause_button.click()
        wait_until(app, lambda: "Paused" in tabs.training.log.plain_text(), 30)
        take(app, window, OUT, "train-paused")
        tabs.training.resume_button.click()
    wait_until(app, lambda: bool(epochs) and tabs.training.client.state == "idle",
               TRAINING_TIMEOUT)


def select_runs(window: object, rows: int) -> None:
    """Select the first ``rows`` runs of the Runs tab."""
    table = window.training_tabs.runs.table
    table.clearSelection()
    flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
    for row in range(min(rows, table.rowCount())):
        table.selectionModel().select(table.model().index(row, 0), flags)


def evaluate(app: QApplication, window: object, name: str) -> None:
    """Evaluate the newest run, list its mistakes and take ``name``."""
    tabs = window.training_tabs
    tabs.evaluate(str(tabs.runs.runs[0].path))
    tabs.evaluation.evaluate()
    wait_until(app, lambda: not tabs.evaluation.busy, TRAINING_TIMEOUT)
    tabs.evaluation.show_mistakes()
    samples = tabs.evaluation.samples
    if not samples.explain_box.isHidden():  # an image run: Grad-CAM over the mistakes
        samples.explain_box.setChecked(True)
        wait_until(app, lambda: False, 12)
    wait_until(app, lambda: False, 1.5)
    take(app, window, OUT, name)
    view = tabs.evaluation
    if not view.threshold.isHidden():  # two classes: the threshold at its best F1
        view.threshold.best_button.click()
        view.sections.setCurrentWidget(view.curves)
        wait_until(app, lambda: False, 1.0)
        take(app, window, OUT, f"{name}-curves")
        view.sections.setCurrentIndex(0)


def export_and_try(app: QApplication, window: object, image: Path | None, suffix: str) -> None:
    """Export the newest run as a SavedModel, then try it on a row or ``image``."""
    from dlstudio.gui.widgets.export_dialog import ExportDialog
    from dlstudio.gui.widgets.try_it import TryItDialog

    run = window.training_tabs.runs.runs[0].path
    if image is None:
        dialog = ExportDialog(run, window)
        dialog.show()
        dialog.export()
        wait_until(app, lambda: not dialog.busy, TRAINING_TIMEOUT)
        take(app, dialog, OUT, "export")
        dialog.close()
    trial = TryItDialog(run, window)
    trial.show()
    if image is not None:
        trial.set_image(image)
    trial.predict()
    wait_until(app, lambda: not trial.busy, TRAINING_TIMEOUT)
    take(app, trial, OUT, f"try-it{suffix}")
    trial.close()


def main() -> int:
    """Take the screenshots."""
    global OUT
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    OUT = parser.parse_args().out
    OUT.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="dlstudio-shots-"))
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(scratch))

    from dlstudio.gui.app import create_application
    from dlstudio.gui.main_window import MainWindow

    app = create_application()
    churn, shapes = example_projects(scratch / "examples")
    window = MainWindow()
    window.resize(*SIZE)
    window.show()

    window.open_path(str(copy_project(churn, scratch, epochs=20)), ask=False)
    train(app, window, pause_at=8)
    take(app, window, OUT, "train")
    window.document.set_value("training.learning_rate", 0.003)
    train(app, window)
    window.show_workbench("Runs")
    select_runs(window, 2)
    wait_until(app, lambda: len(window.training_tabs.runs.curves.runs) == 2, 30)
    wait_until(app, lambda: False, 1.0)
    take(app, window, OUT, "runs")
    evaluate(app, window, "evaluate")
    export_and_try(app, window, None, "")

    window.open_path(str(copy_project(shapes, scratch, epochs=8)), ask=False)
    train(app, window)
    evaluate(app, window, "evaluate-images")
    image = next(Path(window.document.project.data_path()).rglob("*.png"))
    export_and_try(app, window, image, "-image")
    window.document.replace(window.document.project)
    return 0


OUT = ROOT / "docs" / "screenshots"

if __name__ == "__main__":
    sys.exit(main())
