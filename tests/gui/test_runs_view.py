"""The Runs tab lists run folders; selecting overlays curves; rename, notes, delete, resume."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6.QtCore import QItemSelectionModel

from dlstudio.core.project.project import Project, save_project
from dlstudio.core.runs.folder import RunFolder
from dlstudio.core.runs.index import list_runs, metrics_text
from dlstudio.core.runs.record import CheckpointState, RunRecord
from dlstudio.core.training import events
from dlstudio.gui.document import Document
from dlstudio.gui.widgets.runs_view import RunsView

DEAD_PID = 2**22 + 12345


def make_run(runs: Path, name: str, state: str, created: str, epochs: int = 3,
             checkpoint: bool = False, pid: int | None = None) -> RunFolder:
    run = RunFolder(runs / name)
    run.checkpoint_dir.mkdir(parents=True)
    save_project(Project(name=name), run.project_path)
    run.write_record(RunRecord(id=name, name=name, state=state, created=created, epochs=5,
                               epochs_done=epochs, best_epoch=epochs,
                               best_metrics={"loss": 0.5, "val_loss": 0.4 + epochs / 100},
                               final_metrics={"loss": 0.5, "val_loss": 0.45}, pid=pid))
    for epoch in range(1, epochs + 1):
        run.append_event_line(events.encode(events.Epoch(
            epoch, {"loss": 1 / epoch, "val_loss": 1.1 / epoch}, 0.01, epoch, epoch)))
    if checkpoint:
        run.write_state(CheckpointState(epochs_done=epochs))
        run.last_checkpoint_path.write_text("checkpoint")
    return run


@pytest.fixture
def project_dir(tmp_path):
    runs = tmp_path / "runs"
    make_run(runs, "first", "finished", "2025-01-01T10:00:00+00:00")
    make_run(runs, "second", "stopped", "2025-01-02T10:00:00+00:00", epochs=2, checkpoint=True)
    make_run(runs, "third", "running", "2025-01-03T10:00:00+00:00", pid=DEAD_PID,
             checkpoint=True)
    return tmp_path


@pytest.fixture
def view(qtbot, project_dir):
    project = Project(name="p")
    save_project(project, project_dir / "p.dlstudio.json")
    document = Document()
    document.replace(project)
    widget = RunsView(document)
    widget.ask = lambda question: True
    qtbot.addWidget(widget)
    widget.resize(1280, 760)
    return widget


def test_runs_are_listed_newest_first_with_their_state_and_metrics(view):
    names = [view.table.item(row, 0).text() for row in range(view.table.rowCount())]
    assert names == ["third", "second", "first"]
    states = [view.table.item(row, 1).text() for row in range(3)]
    assert states == ["failed", "stopped", "finished"]
    assert view.table.item(2, 6).text() == "val_loss 0.43"
    assert view.table.item(2, 4).text() == "adam, lr 0.001, batch 32, 0 layers"
    assert view.table.item(2, 2).text() == "01-01 10:00"
    assert view.empty_label.isHidden()


def test_a_run_whose_worker_died_reads_failed_and_can_resume(project_dir):
    third = next(run for run in list_runs(project_dir / "runs") if run.name == "third")
    assert third.state == "failed" and third.can_resume()
    assert "ended without saying why" in third.record.error


def select_rows(view: RunsView, *rows: int) -> None:
    flags = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
    view.table.clearSelection()
    for row in rows:
        view.table.selectionModel().select(view.table.model().index(row, 0), flags)


def test_selecting_several_runs_overlays_their_curves(view, qtbot):
    select_rows(view, 1, 2)
    qtbot.waitUntil(lambda: len(view.curves.runs) == 2, timeout=10000)
    assert [run.label for run in view.curves.runs] == ["second · 01-02 10:00:00",
                                                       "first · 01-01 10:00:00"]
    view.curves.redraw()
    assert len(view.curves.series_item(1, "loss", "validation").xData) == 3
    assert view.title_label.text() == "second"


def test_rename_and_notes_are_saved_in_run_json(view, project_dir, qtbot):
    view.table.selectRow(2)
    view.table.item(2, 0).setText("baseline")
    view.notes.setPlainText("lr too high?")
    qtbot.waitUntil(lambda: RunFolder(project_dir / "runs" / "first").read_record().notes
                    == "lr too high?", timeout=3000)
    assert RunFolder(project_dir / "runs" / "first").read_record().name == "baseline"
    view.refresh()
    assert view.table.item(2, 0).text() == "baseline"
    assert view.notes.toPlainText() == "lr too high?"


def test_delete_asks_and_removes_the_folder(view, project_dir):
    view.table.selectRow(2)
    asked = []
    view.ask = lambda question: asked.append(question) or False
    view.delete_button.click()
    assert (project_dir / "runs" / "first").exists() and "first" in asked[0]
    view.ask = lambda question: True
    view.delete_button.click()
    assert not (project_dir / "runs" / "first").exists()
    assert view.table.rowCount() == 2


def test_actions_name_the_selected_run(view, qtbot, project_dir):
    view.table.selectRow(1)
    assert view.resume_button.isEnabled()
    assert not view.evaluate_button.isEnabled()
    with qtbot.waitSignal(view.resume_requested) as request:
        view.resume_button.click()
    assert Path(request.args[0]) == (project_dir / "runs" / "second").resolve()
    (project_dir / "runs" / "first" / "model.keras").write_text("model")
    view.refresh()
    view.table.selectRow(2)
    assert view.evaluate_button.isEnabled() and not view.resume_button.isEnabled()


def test_a_forecasting_run_is_tried_on_a_series_file_not_one_row(view, project_dir):
    first = RunFolder(project_dir / "runs" / "first")
    first.model_path.write_text("model")
    first.update_record(task="forecasting")
    view.refresh()
    view.table.selectRow(2)
    assert view.evaluate_button.isEnabled() and view.export_button.isEnabled()
    assert view.try_button.isEnabled()
    assert "series file" in view.try_button.toolTip()


def test_new_run_folders_appear(view, project_dir, qtbot):
    make_run(project_dir / "runs", "fourth", "finished", "2025-01-04T10:00:00+00:00")
    qtbot.waitUntil(lambda: view.table.rowCount() == 4, timeout=5000)
    assert view.table.item(0, 0).text() == "fourth"


def test_metrics_text_prefers_validation_values():
    assert metrics_text({"loss": 1.0, "val_loss": 0.5, "val_accuracy": 0.9}) == (
        "val_loss 0.5, val_accuracy 0.9")
    assert metrics_text({"loss": 0.25}) == "loss 0.25"
    assert json.dumps(metrics_text(None)) == '""'
