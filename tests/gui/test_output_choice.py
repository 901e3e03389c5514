"""The GUI never writes over an input and asks before replacing any other file; a data path
outside the project's folder is shown (issue 16, the GUI side of output-path safety)."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QFileDialog

from dlstudio.core.project.project import DataSpec, Project, load_project, save_project
from dlstudio.core.runs.folder import RunFolder
from dlstudio.core.runs.record import RunRecord
from dlstudio.gui import output_choice
from dlstudio.gui.widgets.code_view import CodeDialog
from dlstudio.gui.widgets.export_dialog import ExportDialog


@pytest.fixture
def said(monkeypatch):
    """What the person was asked (answered with ``said.answer``) and told."""

    class Said:
        answer = False
        asked: list[Path] = []
        refused: list[str] = []

    record = Said()
    record.asked, record.refused = [], []
    monkeypatch.setattr(output_choice, "ask_replace",
                        lambda parent, path: record.asked.append(path) or record.answer)
    monkeypatch.setattr(output_choice, "refuse",
                        lambda parent, message: record.refused.append(message))
    return record


def _save_as(window, monkeypatch, path: Path) -> bool:
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(path), ""))
    return window.save_as()


def test_save_as_asks_before_replacing_another_file(window, csv_project, tmp_path, said,
                                                    monkeypatch):
    window.open_path(str(csv_project))
    other = tmp_path / "other.dlstudio.json"
    other.write_text("keep me", encoding="utf-8")
    assert not _save_as(window, monkeypatch, other)
    assert said.asked == [other] and other.read_text(encoding="utf-8") == "keep me"
    said.answer = True
    assert _save_as(window, monkeypatch, other)
    assert '"Tiny table"' in other.read_text(encoding="utf-8")
    assert window.document.path == other.resolve()
    said.asked.clear()
    assert _save_as(window, monkeypatch, other)  # its own file: no question
    assert said.asked == []


def test_show_code_never_saves_the_script_over_the_data(qtbot, tmp_path, said, monkeypatch):
    data = tmp_path / "data.csv"
    data.write_text("a,b\n1,2\n", encoding="utf-8")
    project = save_project(Project(name="p", data=DataSpec(kind="csv", path=str(data))),
                           tmp_path / "p.dlstudio.json")
    dialog = CodeDialog()
    qtbot.addWidget(dialog)
    dialog.show_project(load_project(project))
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(data), ""))
    dialog._save()
    assert data.read_text(encoding="utf-8") == "a,b\n1,2\n" and said.refused


def _run(tmp_path: Path) -> RunFolder:
    data = tmp_path / "data.csv"
    data.write_text("a,b\n1,2\n", encoding="utf-8")
    run = RunFolder(tmp_path / "runs" / "run-1")
    run.path.mkdir(parents=True)
    save_project(Project(name="p", data=DataSpec(kind="csv", path=str(data))),
                 run.project_path)
    run.write_record(RunRecord(id="run-1", name="first", state="finished"))
    run.model_path.write_text("the trained model", encoding="utf-8")
    return run


def test_export_never_replaces_the_runs_own_files_or_data(qtbot, tmp_path, said):
    run = _run(tmp_path)
    dialog = ExportDialog(run.path)
    qtbot.addWidget(dialog)
    dialog.select_format("keras")
    for target in (run.model_path, tmp_path / "data.csv"):
        dialog.path_edit.setText(str(target))
        dialog.export()
        assert not dialog.busy and said.asked == []
    assert len(said.refused) == 2 and all("never replaces" in text for text in said.refused)
    assert run.model_path.read_text(encoding="utf-8") == "the trained model"


def test_export_asks_before_replacing_an_earlier_export(qtbot, tmp_path, said):
    run = _run(tmp_path)
    earlier = tmp_path / "elsewhere.keras"
    earlier.write_text("an earlier export", encoding="utf-8")
    dialog = ExportDialog(run.path)
    qtbot.addWidget(dialog)
    dialog.select_format("keras")
    dialog.path_edit.setText(str(earlier))
    dialog.export()
    assert said.asked == [earlier] and not dialog.busy
    assert earlier.read_text(encoding="utf-8") == "an earlier export"


def test_data_outside_the_projects_folder_is_shown_in_the_status_bar(window, tmp_path):
    data = tmp_path / "shared" / "data.csv"
    data.parent.mkdir()
    data.write_text("a,b\n1,2\n", encoding="utf-8")
    inside = save_project(Project(name="in", data=DataSpec(kind="csv", path=str(data))),
                          tmp_path / "shared" / "in.dlstudio.json")
    outside = save_project(Project(name="out", data=DataSpec(kind="csv", path=str(data))),
                           tmp_path / "project" / "out.dlstudio.json")
    window.open_path(str(outside), ask=False)
    label = window.data_path_label
    assert not label.isHidden() and "outside the project's folder" in label.text()
    assert "data.csv" in label.text() and str(data) in label.toolTip()
    window.open_path(str(inside), ask=False)
    assert label.isHidden()
