"""The split editor's "Test data: a separate file" and "Validation data" options."""

from __future__ import annotations

import pytest

from dlstudio.gui.data_session import DataSession
from dlstudio.gui.document import Document
from dlstudio.gui.widgets.data_panel import DataPanel
from dlstudio.gui.widgets.split_editor import SEPARATE_FILE, SHARE


@pytest.fixture
def editor(qtbot, csv_project, wait_for_info):
    document = Document()
    document.open(csv_project)
    session = DataSession(document)
    panel = DataPanel(session)
    qtbot.addWidget(panel)
    session.setParent(panel)
    wait_for_info(session)
    return panel.csv_view.split_editor


@pytest.fixture
def test_csv(csv_path, tmp_path):
    lines = csv_path.read_text(encoding="utf-8").splitlines()
    path = tmp_path / "held_out.csv"
    path.write_text("\n".join(lines[:11]) + "\n", encoding="utf-8")  # header + 10 rows
    return path


def test_a_separate_test_file_becomes_the_test_split(editor, test_csv, qtbot, monkeypatch):
    document = editor.document
    monkeypatch.setattr(editor, "ask_file", lambda split: str(test_csv))
    editor.test_file.source.setCurrentText(SEPARATE_FILE)
    editor.test_file.source.activated.emit(1)

    data, split = document.project.data, document.project.split
    assert data.test_path == str(test_csv.resolve())
    assert (split.train, split.validation, split.test) == (0.85, 0.15, 0.0)
    assert editor.test_file.file.text() == "held_out.csv" and editor.test.text() == "0.00"
    qtbot.waitUntil(lambda: "Test: 10" in editor.counts.text(), timeout=20_000)
    assert "Train: 34" in editor.counts.text()  # 85% of the 40 rows of the data file

    document.undo_stack.undo()  # one step back to the shares of the data file
    assert document.project.data.test_path is None
    assert document.project.split.test == pytest.approx(0.15)
    assert editor.test_file.source.currentText() == SHARE


def test_both_files_leave_the_whole_data_file_for_training(editor, test_csv, qtbot):
    editor.use_file("test", test_csv)
    editor.use_file("validation", test_csv)

    split = editor.document.project.split
    assert (split.train, split.validation, split.test) == (1.0, 0.0, 0.0)
    assert not editor.validation.isEnabled()
    qtbot.waitUntil(lambda: "Train: 40" in editor.counts.text(), timeout=20_000)
    editor.validation_file.source.setCurrentText(SHARE)
    editor.validation_file.source.activated.emit(0)
    split = editor.document.project.split
    assert editor.document.project.data.validation_path is None
    assert (split.train, split.validation, split.test) == (0.85, 0.15, 0.0)


def test_a_cancelled_file_dialog_changes_nothing(editor, monkeypatch):
    monkeypatch.setattr(editor, "ask_file", lambda split: "")
    editor.test_file.source.setCurrentText(SEPARATE_FILE)
    editor.test_file.source.activated.emit(1)

    assert editor.document.project.data.test_path is None
    assert editor.test_file.source.currentText() == SHARE
    assert editor.document.undo_stack.count() == 0
