"""Regenerate the README screenshots of forecasting: a monthly series from CSV to forecast plot.

Run under a virtual display or offscreen, from the repository root::

    xvfb-run -s "-screen 0 1600x1000x24" .venv/bin/python scripts/screenshots_forecast.py
    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/screenshots_forecast.py --out /tmp/shots

It copies the bundled monthly sales series (``examples/sales/monthly_sales.csv``) into a
temporary folder, opens it with File ▸ New from a CSV file (as a person would), sets the window
and horizon on the Data tab, applies the GRU forecaster from the Templates menu, trains it
through the real worker (80 epochs, to keep it short), evaluates it and saves the Data
tab and the forecast plot against the baselines zoomed onto one test window, at 1280x800.
Takes a few minutes on a laptop CPU.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

import screenshots_training  # noqa: E402
from PySide6.QtCore import QSettings  # noqa: E402
from PySide6.QtWidgets import QApplication, QDialog, QFileDialog  # noqa: E402
from screenshots import SIZE, take, wait_until  # noqa: E402
from screenshots_training import TRAINING_TIMEOUT, train  # noqa: E402

WINDOW, HORIZON, EPOCHS = 24, 3, 80


def copy_sales_series(folder: Path) -> Path:
    """Copy the bundled monthly sales series (``examples/sales``) into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "monthly_sales.csv"
    shutil.copyfile(ROOT / "examples" / "sales" / "monthly_sales.csv", path)
    return path


def open_series(app: QApplication, window: object, path: Path) -> None:
    """File ▸ New from a CSV file on ``path``, taking the suggested column."""
    from dlstudio.gui.widgets.target_dialog import TargetDialog

    TargetDialog.exec = lambda self: QDialog.DialogCode.Accepted
    window.start_from_data(str(path))
    wait_until(app, lambda: window.document.project.data.path == str(path.resolve()), 60)
    session = window.data_session
    wait_until(app, lambda: session.source.frame is not None and not session.is_busy(), 60)


def set_windows(app: QApplication, window: object) -> None:
    """Set the window and horizon on the Data tab, as typing them would."""
    settings = window.data_panel.csv_view.series_settings
    settings.fields["window"].editor.committed.emit(WINDOW)
    settings.fields["horizon"].editor.committed.emit(HORIZON)
    window.document.set_value("training.epochs", EPOCHS)  # a picture, not the best model
    session = window.data_session
    wait_until(app, lambda: False, 1.0)  # the data is read again a moment after an edit
    wait_until(app, lambda: not session.is_busy() and session.info is not None, 60)
    wait_until(app, lambda: False, 2.0)  # the side panel's last relayout


def apply_template(window: object, name: str) -> None:
    """Apply template ``name`` from the Templates menu."""
    menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Templates")
    menu.aboutToShow.emit()
    next(a for a in menu.actions() if a.data() == name).trigger()


def evaluate(app: QApplication, window: object) -> None:
    """Evaluate the newest run on its test split and show its forecast."""
    tabs = window.training_tabs
    tabs.evaluate(str(tabs.runs.runs[0].path))
    tabs.evaluation.evaluate()
    wait_until(app, lambda: not tabs.evaluation.busy, TRAINING_TIMEOUT)
    wait_until(app, lambda: False, 1.0)


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

    screenshots_training.TRAINING_TIMEOUT = 900  # a shared CPU can be slow
    app = create_application()
    window = MainWindow()
    window.resize(*SIZE)
    window.show()
    open_series(app, window, copy_sales_series(scratch / "sales"))
    set_windows(app, window)
    take(app, window, out, "forecast-data")
    apply_template(window, "series_gru")
    # Train saves a new project first: beside its data, where the save dialog offers.
    QFileDialog.getSaveFileName = lambda parent, title, start, filters, **_options: \
        (start, filters)
    train(app, window)
    evaluate(app, window)
    plot = window.training_tabs.evaluation.forecast_plot
    plot.slider.setValue(plot.slider.maximum() * 2 // 3)
    wait_until(app, lambda: False, 0.5)
    take(app, window, out, "forecast")
    window.document.replace(window.document.project)
    return 0


if __name__ == "__main__":
    sys.exit(main())
