"""File ▸ Import Keras model…: the dialogs around ``dlstudio import``, its work off the GUI thread.

The person picks a ``.keras`` file, the data (a CSV file with the column to predict, or an image
folder) and where to save the project; :func:`dlstudio.core.project.from_keras.import_keras_model`
runs on the background thread (it reads the data and builds the model once), and the saved
project opens with what the import decided shown in a message.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox

from dlstudio.core.project.project import PROJECT_SUFFIX
from dlstudio.core.project.wording import in_gui_words
from dlstudio.gui import settings as app_settings
from dlstudio.gui.background import prepare_keras, run_in_background
from dlstudio.gui.output_choice import confirmed_output

if TYPE_CHECKING:
    from dlstudio.gui.main_window import MainWindow

MODEL_FILTER = "Keras models (*.keras);;All files (*)"


def import_keras_dialog(window: MainWindow) -> None:
    """Ask for the model, the data and the project file, then import in the background."""
    if not window.may_leave_project():
        return
    model, _filter = QFileDialog.getOpenFileName(window, "Import a Keras model",
                                                 app_settings.last_folder(), MODEL_FILTER)
    if not model:
        return
    app_settings.remember_folder(model)
    kind = _ask_data_kind(window)
    data = window._ask_data_path(kind, "The data to train the model on") if kind else ""
    if not data:
        return
    if kind == "csv":
        window._show_reading(data)
        run_in_background(lambda: _target_candidates(data),
                          lambda found: _target_chosen(window, model, data, found),
                          lambda error: _failed(window, error), receiver=window)
    else:
        _ask_output_and_import(window, model, data, None)


def _ask_data_kind(window: MainWindow) -> str:
    box = QMessageBox(QMessageBox.Icon.Question, "Import a Keras model",
                      "Which data will the model train on?", QMessageBox.StandardButton.Cancel,
                      window)
    table = box.addButton("A CSV file…", QMessageBox.ButtonRole.AcceptRole)
    images = box.addButton("An image folder…", QMessageBox.ButtonRole.AcceptRole)
    box.exec()
    return {table: "csv", images: "images"}.get(box.clickedButton(), "")


def _target_chosen(window: MainWindow, model: str, data: str, candidates: list[Any]) -> None:
    QApplication.restoreOverrideCursor()
    window.statusBar().clearMessage()
    target = window.choose_target(Path(data).name, candidates)
    if target:
        _ask_output_and_import(window, model, data, target)


def _ask_output_and_import(window: MainWindow, model: str, data: str,
                           target: str | None) -> None:
    suggested = Path(model).with_name(Path(model).name.removesuffix(".keras") + PROJECT_SUFFIX)
    output, _filter = QFileDialog.getSaveFileName(
        window, "Save the imported project as", str(suggested), "dlstudio projects (*.json)",
        options=QFileDialog.Option.DontConfirmOverwrite)  # asked below, suffix added
    if not output:
        return
    if not output.endswith(".json"):
        output += PROJECT_SUFFIX
    if confirmed_output(window, output, inputs=[model, data]) is None:
        return
    window.statusBar().showMessage(f"Importing {Path(model).name}…")
    QApplication.setOverrideCursor(Qt.CursorShape.BusyCursor)
    run_in_background(lambda: _import(model, data, output, target),
                      lambda result: _imported(window, result),
                      lambda error: _failed(window, error), receiver=window)


def _import(model: str, data: str, output: str, target: str | None) -> Any:
    from dlstudio.core.project.from_keras import import_keras_model

    prepare_keras()
    return import_keras_model(model, data, output, target=target)


def _target_candidates(path: str) -> list[Any]:
    from dlstudio.gui.main_window import _target_candidates as candidates

    return candidates(path)


def _imported(window: MainWindow, result: Any) -> None:
    QApplication.restoreOverrideCursor()
    window.statusBar().clearMessage()
    if not window.open_path(str(result.project.path), ask=False):
        return
    weights = result.weights
    lines = [f"{len(weights.loaded)} of {weights.total} layer(s) start from the model's "
             f"weights ({result.weights_path.name}); the next run fine-tunes them.",
             *result.notes, *weights.problems]
    QMessageBox.information(window, "Model imported", "\n\n".join(lines))


def _failed(window: MainWindow, error: Exception) -> None:
    QApplication.restoreOverrideCursor()
    window.statusBar().clearMessage()
    QMessageBox.warning(window, "Cannot import this model", in_gui_words(str(error)))
