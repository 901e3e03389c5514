"""Issue 4's "done when", as one journey: start from a CSV in the window, break the stack and
see the marked row, fix it, save — and the saved project trains from the command line."""

from __future__ import annotations

import csv
import json

import pytest
from PySide6.QtWidgets import QFileDialog

from dlstudio import cli
from dlstudio.core.project.project import LayerSpec
from dlstudio.gui.widgets.layer_stack_model import PROBLEM_ROLE


def _problem_rows(window) -> list[int]:
    model = window.layer_stack.model
    return [row for row in range(model.rowCount()) if model.index(row, 1).data(PROBLEM_ROLE)]


@pytest.mark.slow
def test_a_project_built_in_the_window_trains_from_the_command_line(
        window, csv_path, tmp_path, qtbot, monkeypatch, wait_for_report):
    window.start_from_data(str(csv_path))
    qtbot.waitUntil(lambda: window.document.project.data.path != "", timeout=20_000)
    assert window.document.project.data.target == "kind"

    window.document.insert_layers(1, [LayerSpec.of("Conv2D")])
    qtbot.waitUntil(lambda: _problem_rows(window) == [2], timeout=60_000)
    window.document.remove_layers(["conv2d_1"])
    qtbot.waitUntil(lambda: _problem_rows(window) == [], timeout=60_000)
    wait_for_report(window.inference)
    assert window.inference.report.ok

    target = tmp_path / "mine.dlstudio.json"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    assert window.save_as()

    runs = tmp_path / "runs"
    assert cli.main(["train", str(target), "--epochs", "2", "--runs-dir", str(runs)]) == 0
    (run,) = runs.iterdir()
    with (run / "metrics.csv").open() as stream:
        epochs = [row["epoch"] for row in csv.DictReader(stream)]
    # two epochs, then (a small table) the refit on all rows for the best epoch count
    refit = json.loads((run / "run.json").read_text()).get("refit_epochs", 0)
    assert epochs == [str(epoch) for epoch in range(1, 3 + refit)] and refit in (0, 1, 2)
