"""The layer stack: the view follows the document, and drops, keys and buttons edit it.

Layers are named by id (``dense_1``); blocks open into their inner stacks (``Branches`` into one
row per branch)."""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import QMimeData, QModelIndex, QPoint, QPointF, Qt
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QApplication, QPushButton

from dlstudio.core.project.project import LayerSpec
from dlstudio.gui.widgets.layer_stack_model import (
    LAYER_ROWS_MIME,
    PROBLEM_ROLE,
    format_shape,
)
from dlstudio.gui.widgets.palette import LAYER_TYPE_MIME, layer_type_mime


@pytest.fixture
def opened(window, csv_project, wait_for_info, wait_for_report):
    """The main window on the tiny table, with the data read and the shapes known."""
    window.open_path(str(csv_project))
    wait_for_info(window.data_session)
    wait_for_report(window.inference)
    return window


def types(window) -> list[str]:
    return [layer.type for layer in window.document.project.model.layers]


def row_types(window) -> list[str]:
    model = window.layer_stack.model
    return [model.index(row, 0).data() for row in range(model.rowCount())]


def select_row(view, row: int, parent=None) -> None:
    from PySide6.QtCore import QItemSelectionModel

    index = view.model.index(row, 0, parent or QModelIndex())
    flags = (QItemSelectionModel.SelectionFlag.ClearAndSelect
             | QItemSelectionModel.SelectionFlag.Rows)
    view.tree.selectionModel().select(index, flags)


def test_rows_show_input_layers_and_head_with_shapes_and_counts(opened):
    model = opened.layer_stack.model
    assert row_types(opened) == ["Input", "Dense", "Dropout", "Dense", "Dense (output)"]
    assert model.index(0, 2).data() == "(6,)"  # 2 numbers, 3 colours and an unseen-colour slot
    assert model.index(1, 2).data() == "(8,)" and model.index(1, 3).data() == "56"
    assert model.index(4, 2).data() == "(3,)" and model.index(4, 3).data() == "15"
    assert opened.layer_stack.totals.text().startswith("Total: 107 parameters")



def test_the_cost_line_under_the_totals_counts_multiply_adds_and_teaches_in_its_tooltip(opened):
    cost = opened.layer_stack.cost
    # Dense 6 → 8, Dense 8 → 4, the head 4 → 3 (the Dropout adds nothing).
    assert cost.isVisibleTo(opened.layer_stack)
    assert cost.text().startswith("≈ 92 multiply-adds per sample · ")
    assert "to train at batch 32" in cost.text() and "batch up to ~" in cost.text()
    assert "optimizer's state" in cost.toolTip()


def test_the_cost_line_follows_the_batch_size(opened):
    opened.document.set_value("training.batch_size", 256)
    assert "to train at batch 256" in opened.layer_stack.cost.text()

def test_changing_the_document_updates_the_rows(opened, qtbot, wait_for_report):
    opened.document.set_layer_param("dense_1", "units", 16)
    model = opened.layer_stack.model
    assert "units=16" in model.index(1, 1).data()
    wait_for_report(opened.inference)
    qtbot.waitUntil(lambda: model.index(1, 3).data() == "112")
    opened.document.remove_layers(["dropout_1"])
    assert row_types(opened) == ["Input", "Dense", "Dense", "Dense (output)"]


def test_dropping_a_palette_layer_inserts_it_at_the_drop_row(opened):
    model = opened.layer_stack.model
    assert model.dropMimeData(layer_type_mime("Flatten"), Qt.DropAction.CopyAction, 2, 0,
                              QModelIndex())
    assert types(opened) == ["Dense", "Flatten", "Dropout", "Dense"]
    assert opened.document.selection == ["flatten_1"]
    model.dropMimeData(layer_type_mime("Dropout"), Qt.DropAction.CopyAction, -1, 0, QModelIndex())
    assert types(opened)[-1] == "Dropout"
    opened.document.undo_stack.undo()
    opened.document.undo_stack.undo()
    assert types(opened) == ["Dense", "Dropout", "Dense"]


def test_a_drop_event_on_the_table_goes_through_the_same_path(opened, qtbot):
    opened.show()
    qtbot.waitExposed(opened)
    opened.show_workbench("Model")
    table = opened.layer_stack.table
    QApplication.processEvents()
    rect = table.visualRect(table.model().index(1, 1))
    position = QPointF(rect.center().x(), rect.top() + 2)  # the upper edge of the first layer
    data = layer_type_mime("Flatten")
    event = QDropEvent(position, Qt.DropAction.CopyAction, data, Qt.MouseButton.LeftButton,
                       Qt.KeyboardModifier.NoModifier)
    table.dragEnterEvent(_enter(position, data))
    table.dropEvent(event)
    assert types(opened) == ["Flatten", "Dense", "Dropout", "Dense"]


def _enter(position: QPointF, data: QMimeData):
    from PySide6.QtGui import QDragEnterEvent

    return QDragEnterEvent(QPoint(int(position.x()), int(position.y())),
                           Qt.DropAction.CopyAction, data, Qt.MouseButton.LeftButton,
                           Qt.KeyboardModifier.NoModifier)


def test_dragging_rows_reorders_the_layers(opened):
    model = opened.layer_stack.model
    data = model.mimeData([model.index(1, 0), model.index(2, 0)])
    assert json.loads(bytes(data.data(LAYER_ROWS_MIME).data())) == ["dense_1", "dropout_1"]
    model.dropMimeData(data, Qt.DropAction.MoveAction, 4, 0, QModelIndex())
    assert [(layer.type, layer.params.get("units")) for layer in
            opened.document.project.model.layers] == [("Dense", 4), ("Dense", 8),
                                                      ("Dropout", None)]
    assert opened.document.selection == ["dense_1", "dropout_1"]
    assert not model.removeRows(1, 1)


def test_the_palette_drags_its_layer_type(opened):
    item = opened.palette.item_for("Conv2D")
    data = opened.palette.tree.mimeData([item])
    assert bytes(data.data(LAYER_TYPE_MIME).data()) == b"Conv2D"


def test_double_clicking_the_palette_appends(opened):
    opened.palette.tree.itemActivated.emit(opened.palette.item_for("Dropout"), 0)
    assert types(opened)[-1] == "Dropout"


def test_delete_duplicate_and_move_act_on_the_selection(opened):
    view = opened.layer_stack
    select_row(view, 1)
    assert opened.document.selection == ["dense_1"]
    view.duplicate_action.trigger()
    assert types(opened) == ["Dense", "Dense", "Dropout", "Dense"]
    assert opened.document.selection == ["dense_3"]
    view.move_down_action.trigger()
    assert types(opened) == ["Dense", "Dropout", "Dense", "Dense"]
    opened.document.set_selection(["dense_1", "dropout_1"])
    view.delete_action.trigger()
    assert types(opened) == ["Dense", "Dense"]


def test_multi_selection_in_the_view_reaches_the_document(opened):
    select_row(opened.layer_stack, 1)
    model = opened.layer_stack.model
    selection = opened.layer_stack.tree.selectionModel()
    selection.select(model.index(3, 0), selection.SelectionFlag.Select
                     | selection.SelectionFlag.Rows)
    assert opened.document.selection == ["dense_1", "dense_2"]


def test_an_invalid_stack_marks_the_row_with_the_problem(opened, qtbot):
    opened.document.insert_layers(1, [LayerSpec.of("Conv2D")])
    with qtbot.waitSignal(opened.inference.reportChanged, timeout=60_000):
        pass
    qtbot.waitUntil(lambda: not opened.inference.is_busy(), timeout=60_000)
    model = opened.layer_stack.model
    problem_rows = [row for row in range(model.rowCount()) if model.index(row, 1).data(
        PROBLEM_ROLE)]
    assert problem_rows == [2]
    assert "Conv2D" in model.index(2, 1).data(PROBLEM_ROLE)
    assert "Fix:" in model.index(2, 1).data(PROBLEM_ROLE)
    assert model.index(3, 2).data() == "not computed"
    assert opened.layer_stack.problem_banner.isVisibleTo(opened.layer_stack)
    assert "<b>Layer 2, Conv2D:</b>" in opened.layer_stack.problem_label.text()
    opened.layer_stack.problem_banner.findChild(QPushButton, "show_problem").click()
    assert opened.document.selection == ["conv2d_1"]


def test_turning_the_head_off_is_an_edit(opened):
    opened.layer_stack.head_checkbox.setChecked(False)
    assert opened.document.project.model.add_output_head is False
    opened.document.undo_stack.undo()
    assert opened.layer_stack.head_checkbox.isChecked()


def test_shapes_read_without_the_batch_axis():
    assert format_shape((28, 28, 32)) == "(28, 28, 32)"
    assert format_shape((64,)) == "(64,)"
    assert format_shape((None, 16)) == "(?, 16)"
    assert format_shape(None) == ""


def test_inner_rows_get_their_shapes_and_the_block_says_what_it_added(opened, qtbot,
                                                                       wait_for_report):
    opened.document.insert_layers(1, [LayerSpec.of(
        "Residual", stacks=[[LayerSpec.of("Dense", units=4)]])])
    wait_for_report(opened.inference)
    model = opened.layer_stack.model
    inner = model.index_of_layer("dense_3", 2)
    qtbot.waitUntil(lambda: inner.data() == "(4,)", timeout=60_000)
    assert inner.parent() == model.index_of_layer("residual_1")
    assert model.index_of_layer("residual_1", 2).data() == "(4,)"
    assert "projection" in model.index_of_layer("residual_1", 1).data()
