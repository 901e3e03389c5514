"""Evaluate, export and try a really trained run from the GUI (TensorFlow off the GUI thread)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from dlstudio.core.project.project import load_project, save_project
from dlstudio.gui import output_choice
from dlstudio.gui.widgets.evaluation_view import EvaluationView
from dlstudio.gui.widgets.export_dialog import ExportDialog
from dlstudio.gui.widgets.try_it import TryItDialog

pytestmark = pytest.mark.slow
TIMEOUT = 120_000


@pytest.fixture(scope="module")
def trained_run(tmp_path_factory) -> Path:
    """A run of a small CSV project trained for two epochs by ``dlstudio train``."""
    folder = tmp_path_factory.mktemp("trained")
    csv_path = folder / "table.csv"
    lines = ["size,weight,colour,kind"] + [
        f"{row % 7 + 1}.5,{40 + row % 11}.0,{['red', 'green', 'blue'][row % 3]},"
        f"{['a', 'b', 'c'][row % 3]}" for row in range(60)]
    csv_path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    init = [sys.executable, "-m", "dlstudio", "init", str(csv_path), "-o",
            str(folder / "p.dlstudio.json"), "--target", "kind"]
    subprocess.run(init, check=True, capture_output=True, timeout=300)
    project = load_project(folder / "p.dlstudio.json")
    project.training.epochs = 2
    save_project(project, folder / "p.dlstudio.json")
    train = subprocess.run([sys.executable, "-m", "dlstudio", "train",
                            str(folder / "p.dlstudio.json")],
                           check=True, capture_output=True, text=True, timeout=300)
    return Path(train.stdout.strip().splitlines()[-1])


def test_evaluation_view_evaluates_and_lists_a_cell(qtbot, trained_run):
    view = EvaluationView()
    qtbot.addWidget(view)
    view.set_run(trained_run)
    view.evaluate()
    qtbot.waitUntil(lambda: not view.busy, timeout=TIMEOUT)
    assert view.result is not None, view.status.text()
    assert (trained_run / "evaluation.json").is_file()
    labels = view.matrix.labels
    assert labels == ["a", "b", "c"]
    total = sum(view.matrix.count(true, predicted) for true in labels for predicted in labels)
    assert total == view.result["samples"]
    view.show_cell("a", "a")
    listed = view.samples.rows.rowCount()
    assert listed == view.matrix.count("a", "a")


def test_export_dialog_exports_a_keras_file_and_reports_the_check(qtbot, trained_run,
                                                                  monkeypatch):
    dialog = ExportDialog(trained_run)
    qtbot.addWidget(dialog)
    dialog.select_format("keras")
    assert dialog.path_edit.text().endswith("model.keras")
    dialog.export()
    qtbot.waitUntil(lambda: not dialog.busy, timeout=TIMEOUT)
    assert dialog.exported_path is not None, dialog.result_text.text()
    assert dialog.exported_path.is_file()
    assert "compared with the trained model" in dialog.result_text.text()
    asked = []
    monkeypatch.setattr(output_choice, "ask_replace",
                        lambda parent, path: asked.append(path) or False)
    written = dialog.exported_path.stat().st_mtime_ns
    dialog.export()  # the file exists: asked, and kept when the answer is no
    assert asked == [dialog.exported_path] and not dialog.busy
    assert dialog.exported_path.stat().st_mtime_ns == written


def test_export_dialog_exports_a_savedmodel_folder(qtbot, trained_run):
    dialog = ExportDialog(trained_run)
    qtbot.addWidget(dialog)
    assert dialog.format == "savedmodel"
    assert dialog.path_edit.text() == str(trained_run / "exports" / "savedmodel")
    dialog.export()
    qtbot.waitUntil(lambda: not dialog.busy, timeout=TIMEOUT)
    assert dialog.exported_path is not None, dialog.result_text.text()
    assert (dialog.exported_path / "saved_model.pb").is_file()
    assert "compared with the trained model" in dialog.result_text.text()
    assert not dialog.open_button.isHidden()


def test_export_dialog_exports_int8_litert_and_shows_the_report_table(qtbot, trained_run):
    dialog = ExportDialog(trained_run)
    qtbot.addWidget(dialog)
    dialog.select_format("litert")
    dialog.select_quantization("int8")
    dialog.export()
    qtbot.waitUntil(lambda: not dialog.busy, timeout=TIMEOUT)
    assert dialog.exported_path is not None, dialog.result_text.text()
    assert (dialog.exported_path / "model.tflite").is_file()
    rows = {dialog.report_table.item(row, 0).text(): dialog.report_table.item(row, 1).text()
            for row in range(dialog.report_table.rowCount())}
    assert rows["format"] == "litert int8"
    assert "→" in rows["accuracy: model → export"] and "per batch of 32" in rows["CPU latency"]


def test_try_it_predicts_a_pasted_row(qtbot, trained_run):
    dialog = TryItDialog(trained_run)
    qtbot.addWidget(dialog)
    assert list(dialog.fields) == ["size", "weight", "colour"]
    assert dialog.fields["colour"].text() in ("red", "green", "blue")
    dialog.fill_from_text("5.1,48.0,green,b")
    assert dialog.fields["weight"].text() == "48.0"
    dialog.predict()
    qtbot.waitUntil(lambda: not dialog.busy, timeout=TIMEOUT)
    assert dialog.answer.text().split(": ")[1] in ("a", "b", "c"), dialog.status.text()
    assert dialog.bars.count() == 6
    dialog.fill_from_text("1,2")
    assert "expected 4" in dialog.status.text()


def test_try_it_names_the_empty_inputs_the_model_filled(qtbot, trained_run):
    dialog = TryItDialog(trained_run)
    qtbot.addWidget(dialog)
    dialog.fill_from_text(",48.0,,b")
    dialog.predict()
    qtbot.waitUntil(lambda: not dialog.busy, timeout=TIMEOUT)
    note = dialog.filled_note.text()
    assert "2 of 3 inputs were empty" in note, dialog.status.text()
    assert "size → the training median, " in note and "colour → " in note
