"""Evaluate on another file, and a finished run evaluated without a click (issue 16, GUI
item 2)."""

from __future__ import annotations

import sys
from pathlib import Path

from PySide6.QtWidgets import QFileDialog

from dlstudio.core.project.project import DataSpec, Project, save_project
from dlstudio.core.runs.folder import RunFolder
from dlstudio.core.runs.record import RunRecord
from dlstudio.gui.widgets import evaluation_view
from dlstudio.gui.widgets.evaluation_view import EvaluationView

FAKE_WORKER = str(Path(__file__).with_name("fake_worker.py"))


def result(where: str) -> dict:
    return {
        "task": "classification", "split": "test" if where == "test" else "data", "data": where,
        "samples": 4, "run": {"name": "first"}, "accuracy": 0.75,
        "macro_avg": {"precision": 0.5, "recall": 0.5, "f1": 0.5},
        "weighted_avg": {"precision": 0.5, "recall": 0.5, "f1": 0.5},
        "per_class": [{"class": c, "precision": 0.5, "recall": 0.5, "f1": 0.5, "support": 2}
                      for c in ("a", "b")],
        "confusion_matrix": {"labels": ["a", "b"], "matrix": [[2, 0], [1, 1]]},
        "predictions": [],
    }


def fake_evaluation(monkeypatch) -> list:
    calls = []

    def evaluate(run_dir, data_path=None):
        calls.append((run_dir, data_path))
        return result(data_path or "test")

    monkeypatch.setattr(evaluation_view, "evaluate_in_background", evaluate)
    return calls


def trained_run_folder(tmp_path: Path) -> Path:
    run = RunFolder(tmp_path / "run-1")
    run.path.mkdir()
    save_project(Project(name="p", data=DataSpec(kind="csv", path="table.csv")),
                 run.project_path)
    run.write_record(RunRecord(id="run-1", name="first", state="finished"))
    run.model_path.write_text("fake model")
    return run.path


def test_evaluate_on_a_file_reads_the_chosen_csv(qtbot, tmp_path, monkeypatch):
    calls = fake_evaluation(monkeypatch)
    other = tmp_path / "holdout.csv"
    other.write_text("size,kind\n1,a\n", encoding="utf-8")
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *args: (str(other), ""))
    view = EvaluationView()
    qtbot.addWidget(view)
    assert not view.file_button.isEnabled()
    assert "Runs tab" in view.file_button.toolTip()
    view.set_run(trained_run_folder(tmp_path))
    assert view.file_button.isEnabled() and "--data" in view.file_button.toolTip()

    view.file_button.click()
    qtbot.waitUntil(lambda: view.result is not None, timeout=10_000)

    assert calls == [(str(tmp_path / "run-1"), str(other))]
    assert str(other) in view.heading.text() and view.per_class.rowCount() == 2


def test_a_finished_run_is_selected_in_evaluate_and_evaluated_without_a_click(
        window, tmp_path, qtbot, monkeypatch):
    calls = fake_evaluation(monkeypatch)
    path = save_project(Project(name="Fake"), tmp_path / "fake.dlstudio.json")
    window.open_path(str(path), ask=False)
    tabs = window.training_tabs
    tabs.training.client.program = [sys.executable, FAKE_WORKER, "--epochs", "1", "--steps",
                                    "2", "--write-model"]
    with qtbot.waitSignal(tabs.training.run_ended, timeout=20_000):
        tabs.train()
    run_dir = tabs.training.client.run_dir
    qtbot.waitUntil(lambda: tabs.evaluation.result is not None, timeout=10_000)

    assert str(tabs.evaluation.run_dir) == run_dir
    assert calls == [(run_dir, None)]
    assert tabs.evaluation.result["accuracy"] == 0.75
    assert window.tabs.tabText(window.tabs.currentIndex()) == "Train"
