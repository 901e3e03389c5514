"""The Runs tab's "Model card…": ask where to save a run's HTML model card, then write it.

The page is written by :func:`dlstudio.core.reporting.model_card.write_model_card` on the
background thread (it loads the model, and evaluates the run when it was not evaluated yet);
the status bar says where it went.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QMainWindow, QMessageBox

from dlstudio.gui import settings as app_settings
from dlstudio.gui.background import prepare_keras, run_in_background


def report_in_background(run_dir: str, out_path: str) -> Path:
    """Write the model card of ``run_dir`` to ``out_path`` (replacing it), off the GUI
    thread."""
    prepare_keras()
    from dlstudio.core.reporting.model_card import write_model_card

    return write_model_card(run_dir, out_path, force=True)


def write_report(window: QMainWindow, run_dir: str) -> None:
    """Ask for the HTML file (the dialog confirms replacing one) and write the model card."""
    start = str(Path(app_settings.last_folder()) / f"{Path(run_dir).name}-model-card.html")
    path, _ = QFileDialog.getSaveFileName(window, "Save the model card", start,
                                          "Web pages (*.html)")
    if not path:
        return
    app_settings.remember_folder(path)
    window.statusBar().showMessage("Writing the model card…")
    run_in_background(
        lambda: report_in_background(run_dir, path),
        lambda written: window.statusBar().showMessage(f"Model card written: {written}", 15000),
        lambda error: QMessageBox.warning(window, "Model card", f"Could not write it: {error}"),
        receiver=window)
