"""The data views: the table, the column roles, the target, the classes, the split, images."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QPushButton

from dlstudio.core.data.statistics import class_counts, column_statistics
from dlstudio.core.project.project import DataSpec, Project
from dlstudio.gui.data_session import DataSession
from dlstudio.gui.document import Document
from dlstudio.gui.widgets.data_models import ColumnsModel
from dlstudio.gui.widgets.data_panel import DataPanel


@pytest.fixture
def csv_panel(qtbot, csv_project, wait_for_info):
    document = Document()
    document.open(csv_project)
    session = DataSession(document)
    panel = DataPanel(session)
    qtbot.addWidget(panel)
    session.setParent(panel)
    qtbot.waitUntil(lambda: session.source.frame is not None, timeout=10_000)
    wait_for_info(session)
    return panel


def column_row(panel, name: str) -> int:
    return [c.name for c in panel.csv_view.columns_model.columns].index(name)


def test_the_csv_view_shows_rows_columns_statistics_and_classes(csv_panel):
    view = csv_panel.csv_view
    assert csv_panel.currentWidget() is view
    assert view.rows_model.rowCount() == 40 and view.rows_model.columnCount() == 4
    assert view.rows_model.headerData(3, Qt.Orientation.Horizontal) == "◎ kind"
    columns = view.columns_model
    weight = column_row(csv_panel, "weight")
    assert columns.index(weight, ColumnsModel.ROLE_COLUMN).data() == "feature"
    assert columns.index(weight, 3).data() == "0"  # missing
    assert " – " in columns.index(weight, 5).data()  # range
    assert view.target.currentText() == "kind"
    assert not view.chart_box.isHidden()
    assert sorted(view.chart.counts) == [("a", 14), ("b", 13), ("c", 13)]
    assert "Train: 28" in view.split_editor.counts.text()


def test_changing_a_role_in_the_table_edits_the_document(csv_panel, qtbot):
    view = csv_panel.csv_view
    document = view.document
    row = column_row(csv_panel, "colour")
    view.columns_model.setData(view.columns_model.index(row, ColumnsModel.ROLE_COLUMN),
                               "ignored")
    assert document.project.data.column("colour").role == "ignored"
    assert view.columns_model.index(row, ColumnsModel.ROLE_COLUMN).data() == "ignored"
    document.undo_stack.undo()
    assert document.project.data.column("colour").role == "feature"


def test_picking_a_new_target_makes_the_old_one_a_feature(csv_panel):
    view = csv_panel.csv_view
    document = view.document
    view.target.setCurrentText("colour")
    view.target.activated.emit(view.target.currentIndex())
    data = document.project.data
    assert data.target == "colour"
    assert data.column("colour").role == "target" and data.column("colour").kind == "categorical"
    assert data.column("kind").role == "feature"
    assert document.undo_stack.count() == 1


def test_the_split_editor_keeps_the_fractions_adding_up(csv_panel, qtbot):
    editor = csv_panel.csv_view.split_editor
    document = editor.document
    editor.train.setValue(0.6)
    split = document.project.split
    assert (split.train, split.validation, split.test) == (0.6, 0.15, 0.25)
    qtbot.waitUntil(lambda: "Train: 24" in editor.counts.text(), timeout=10_000)
    document.set_value("split.validation", 0.2)
    assert editor.validation.value() == 0.2


def test_a_project_without_data_asks_for_it(qtbot):
    document = Document()
    document.replace(Project())
    panel = DataPanel(DataSession(document))
    qtbot.addWidget(panel)
    assert panel.currentWidget() is panel.empty
    buttons = {button.text(): button for button in panel.empty.findChildren(QPushButton)}
    with qtbot.waitSignal(panel.dataSourceRequested) as blocker:
        buttons["Use an image folder…"].click()
    assert blocker.args == ["images"]


def test_the_image_view_lists_classes_thumbnails_skipped_files_and_previews(qtbot,
                                                                             image_folder):
    document = Document()
    document.replace(Project(data=DataSpec(kind="images", path=str(image_folder))))
    session = DataSession(document)
    panel = DataPanel(session)
    qtbot.addWidget(panel)
    session.setParent(panel)
    view = panel.image_view
    assert panel.currentWidget() is view
    qtbot.waitUntil(lambda: bool(view.samples.thumbnails), timeout=10_000)
    assert [view.classes.item(row, 0).text() for row in range(2)] == ["cat", "dog"]
    assert view.classes.item(0, 1).text() == "6"
    assert view.skipped.item(0, 0).text() == "dog/broken.png"
    assert view.thumbnails.count() == 6
    assert "12×12" in view.summary.text()
    assert session.info.feature_shape == (64, 64, 3)
    before = view.preview.tiles[0].pixmap().toImage()
    document.set_value("data.augmentation.flip", "horizontal_and_vertical")
    document.set_value("data.augmentation.rotation", 0.25)
    assert view.fields["data.augmentation.rotation"].editor.line.text() == "0.25"
    assert view.preview.tiles[0].pixmap().toImage() != before
    view.fields["data.color_mode"].editor.combo.setCurrentText("grayscale")
    view.fields["data.color_mode"].editor.combo.activated.emit(1)
    assert document.project.data.color_mode == "grayscale"
    assert session.info.feature_shape == (64, 64, 1)
    assert view.anomaly_box.isHidden()
    document.set_value("data.task", "reconstruction")
    assert not view.anomaly_box.isHidden()
    assert "cat, dog" in view.normal_classes.placeholderText()  # what there is to type
    view.normal_classes.setText("cat")
    view.normal_classes.editingFinished.emit()
    assert document.project.data.normal_classes == ["cat"]


def test_statistics_are_computed_per_column(csv_path):
    from dlstudio.core.data.csv_reading import read_csv

    frame, _warnings = read_csv(csv_path)
    statistics = {s.name: s for s in column_statistics(frame)}
    assert statistics["colour"].distinct == 3 and statistics["colour"].mean is None
    assert statistics["size"].minimum < statistics["size"].mean < statistics["size"].maximum
    assert class_counts(frame, "kind")[0] == ("a", 14)


def test_an_autoencoder_names_its_normal_classes_and_needs_no_target(csv_panel):
    view = csv_panel.csv_view
    document = view.document
    assert view.normal_classes.isHidden()
    document.set_value("data.task", "reconstruction")
    assert not view.normal_classes.isHidden()
    assert "no target needed" in view.target_banner.text()
    view.normal_classes.setText("a, b")
    view.normal_classes.editingFinished.emit()
    assert document.project.data.normal_classes == ["a", "b"]
    document.undo_stack.undo()
    assert document.project.data.normal_classes == [] and view.normal_classes.text() == ""
