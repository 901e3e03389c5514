"""The layer stack with blocks: rows open into inner stacks, follow the document row by row, and
drags and keys edit inside, out of and between inner stacks (each one undo step)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from PySide6.QtCore import QItemSelectionModel, QModelIndex, QRect, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPalette
from PySide6.QtWidgets import QStyle, QStyleOption

from dlstudio.core.project.project import LayerSpec, Project
from dlstudio.gui.data_session import DataSession
from dlstudio.gui.document import Document
from dlstudio.gui.shape_inference import ShapeInference
from dlstudio.gui.widgets.layer_stack import LayerStackView
from dlstudio.gui.widgets.layer_stack_model import (
    EMPTY_STACK_TEXT,
    KIND_ROLE,
    PROBLEM_ROLE,
)
from dlstudio.gui.widgets.palette import layer_type_mime


@pytest.fixture
def view(qtbot) -> LayerStackView:
    """A stack view (no data, so no shapes) on Dense, Branches(Dense | Residual(Dense)), Dropout."""
    document = Document()
    project = Project(name="blocks")
    project.model.layers = [
        LayerSpec.of("Dense", units=8),
        LayerSpec.of("Branches", stacks=[[LayerSpec.of("Dense", units=4)], [LayerSpec.of(
            "Residual", stacks=[[LayerSpec.of("Dense", units=2)]])]]),
        LayerSpec.of("Dropout"),
    ]
    document.replace(project)
    inference = ShapeInference(document, DataSession(document))
    stack = LayerStackView(document, inference)
    qtbot.addWidget(stack)
    stack.resize(700, 500)
    return stack


def outline(view: LayerStackView, parent: QModelIndex | None = None, depth: int = 0) -> list[str]:
    """The rows as indented text: ``"  branch 1"``."""
    model = view.model
    parent = parent or QModelIndex()
    lines = []
    for row in range(model.rowCount(parent)):
        index = model.index(row, 0, parent)
        lines.append("  " * depth + index.data())
        lines.extend(outline(view, index, depth + 1))
    return lines


def index_of(view: LayerStackView, layer_id: str) -> QModelIndex:
    return view.model.index_of_layer(layer_id)


def select(view: LayerStackView, index: QModelIndex) -> None:
    flags = (QItemSelectionModel.SelectionFlag.ClearAndSelect
             | QItemSelectionModel.SelectionFlag.Rows)
    view.tree.selectionModel().select(index, flags)
    view.tree.selectionModel().setCurrentIndex(index, QItemSelectionModel.SelectionFlag.NoUpdate)


def stacks(view: LayerStackView, block_id: str) -> list[list[str]]:
    return [[row.id for row in stack] for stack in view.document.layer(block_id).stacks]


def test_blocks_open_into_their_inner_stacks_and_branches_into_branch_rows(view):
    assert outline(view) == [
        "Input", "Dense", "Branches", "  branch 1", "    Dense", "  branch 2", "    Residual",
        "      Dense", "Dropout", "Output head"]
    assert view.tree.isExpanded(index_of(view, "residual_1"))
    branch = view.model.index(0, 1, index_of(view, "branches_1"))
    assert branch.data() == "1 layer"


def test_edits_update_rows_without_resetting_the_model(view, qtbot):
    resets = []
    view.model.modelReset.connect(lambda: resets.append(1))
    document = view.document
    with qtbot.waitSignal(view.model.rowsInserted):
        document.insert_layers(0, [LayerSpec.of("Flatten")], parent="residual_1")
    with qtbot.waitSignal(view.model.dataChanged) as changed:
        document.set_layer_param("dense_3", "units", 7)
    assert changed.args[0] == index_of(view, "dense_3")
    assert "units=7" in index_of(view, "dense_3").siblingAtColumn(1).data()
    document.move_layers(["dropout_1"], 0, parent="branches_1", stack=0)
    document.add_branch("branches_1")
    document.remove_layers(["dense_1"])
    assert resets == []
    assert outline(view) == [
        "Input", "Branches", "  branch 1", "    Dropout", "    Dense", "  branch 2",
        "    Residual", "      Flatten", "      Dense", "  branch 3",
        "    " + EMPTY_STACK_TEXT, "Output head"]
    for _ in range(5):
        document.undo_stack.undo()
    assert outline(view)[1:9] == ["Dense", "Branches", "  branch 1", "    Dense", "  branch 2",
                                  "    Residual", "      Dense", "Dropout"]


def test_selection_is_by_id_both_ways(view):
    select(view, index_of(view, "dense_3"))
    assert view.document.selection == ["dense_3"]
    view.document.set_selection(["residual_1"])
    rows = view.tree.selectionModel().selectedRows()
    assert [index.data(Qt.ItemDataRole.UserRole + 2) for index in rows] == ["residual_1"]


def test_palette_drops_on_a_block_or_a_branch_go_inside(view):
    model = view.model
    residual = index_of(view, "residual_1")
    assert model.dropMimeData(layer_type_mime("Flatten"), Qt.DropAction.CopyAction, -1, 0,
                              residual)
    assert stacks(view, "residual_1") == [["dense_3", "flatten_1"]]
    branch_one = model.index(0, 0, index_of(view, "branches_1"))
    model.dropMimeData(layer_type_mime("Conv2D"), Qt.DropAction.CopyAction, 0, 0, branch_one)
    assert stacks(view, "branches_1")[0] == ["conv2d_1", "dense_2"]
    model.dropMimeData(layer_type_mime("Residual"), Qt.DropAction.CopyAction, 3, 0,
                       QModelIndex())
    assert [layer.id for layer in view.document.project.model.layers] == [
        "dense_1", "branches_1", "residual_2", "dropout_1"]
    assert view.document.undo_stack.count() == 3


def test_dragging_rows_moves_them_into_out_of_and_between_stacks(view):
    model = view.model
    document = view.document
    data = model.mimeData([index_of(view, "dense_1"), index_of(view, "dropout_1")])
    branch_two = model.index(1, 0, index_of(view, "branches_1"))
    assert model.dropMimeData(data, Qt.DropAction.MoveAction, 1, 0, branch_two)
    assert stacks(view, "branches_1")[1] == ["residual_1", "dense_1", "dropout_1"]
    data = model.mimeData([index_of(view, "dense_3")])
    assert model.dropMimeData(data, Qt.DropAction.MoveAction, 1, 0, QModelIndex())
    assert [layer.id for layer in document.project.model.layers] == ["dense_3", "branches_1"]
    data = model.mimeData([index_of(view, "branches_1")])
    assert not model.canDropMimeData(data, Qt.DropAction.MoveAction, -1, 0,
                                     index_of(view, "residual_1"))
    assert not model.dropMimeData(data, Qt.DropAction.MoveAction, -1, 0,
                                  index_of(view, "residual_1"))
    assert document.undo_stack.count() == 2
    document.undo_stack.undo()
    document.undo_stack.undo()
    assert [layer.id for layer in document.project.model.layers] == [
        "dense_1", "branches_1", "dropout_1"]


def test_keys_open_blocks_move_rows_out_and_delete(view, qtbot):
    tree = view.tree
    residual = index_of(view, "residual_1")
    select(view, residual)
    tree.setFocus()
    qtbot.keyClick(tree, Qt.Key.Key_Return)
    assert not tree.isExpanded(index_of(view, "residual_1"))
    qtbot.keyClick(tree, Qt.Key.Key_Return)
    assert tree.isExpanded(index_of(view, "residual_1"))
    view.document.set_selection(["dense_3"])
    view.move_up_action.trigger()  # at the top of the residual's stack: out, before the block
    assert stacks(view, "branches_1")[1] == ["dense_3", "residual_1"]
    view.move_down_action.trigger()
    view.move_down_action.trigger()
    assert stacks(view, "branches_1")[1] == ["residual_1"]
    assert [layer.id for layer in view.document.project.model.layers][1:3] == [
        "branches_1", "dense_3"]
    view.document.set_selection(["residual_1"])
    view.delete_action.trigger()
    assert stacks(view, "branches_1") == [["dense_2"], []]
    assert view.document.undo_stack.count() == 4


def test_branches_are_added_and_deleted_from_the_stack(view):
    view.document.set_selection(["branches_1"])
    assert view.add_branch_action.isEnabled()
    view.add_branch_action.trigger()
    assert len(stacks(view, "branches_1")) == 3
    branch_three = view.model.index(2, 0, index_of(view, "branches_1"))
    assert branch_three.data() == "branch 3"
    select(view, branch_three)
    assert view.selected_branch() == ("branches_1", 2)
    view.delete_action.trigger()
    assert len(stacks(view, "branches_1")) == 2
    view.document.set_selection(["dense_1"])
    assert not view.add_branch_action.isEnabled()


def test_undoing_an_insert_of_a_selected_row_keeps_the_selection_in_step(view):
    view.document.insert_layers(1, [LayerSpec.of("Flatten")])
    select(view, index_of(view, "flatten_1"))
    view.document.undo_stack.undo()
    assert view.document.selection == []
    assert view.tree.selectionModel().selectedRows() == []


def test_an_empty_block_reads_drop_layers_here_and_takes_drops_on_that_row(view):
    model, document = view.model, view.document
    model.dropMimeData(layer_type_mime("Residual"), Qt.DropAction.CopyAction, -1, -1,
                       QModelIndex())
    block = document.selection[0]
    empty = model.index(0, 0, index_of(view, block))
    assert empty.data() == EMPTY_STACK_TEXT
    assert "drop layers here" in EMPTY_STACK_TEXT
    assert view.tree.isFirstColumnSpanned(0, index_of(view, block))  # never cut short
    assert empty.data(KIND_ROLE) == "empty"
    assert "drag layers" in empty.data(Qt.ItemDataRole.ToolTipRole)
    assert not model.flags(empty) & Qt.ItemFlag.ItemIsSelectable

    assert model.canDropMimeData(layer_type_mime("Conv2D"), Qt.DropAction.CopyAction, -1, -1,
                                 empty)
    model.dropMimeData(layer_type_mime("Conv2D"), Qt.DropAction.CopyAction, -1, -1, empty)
    assert stacks(view, block) == [["conv2d_1"]]
    assert outline(view)[-3:] == ["Residual", "  Conv2D", "Output head"]

    document.remove_layers(["conv2d_1"])
    assert outline(view)[-3:] == ["Residual", "  " + EMPTY_STACK_TEXT, "Output head"]
    document.undo_stack.undo()
    assert outline(view)[-3:] == ["Residual", "  Conv2D", "Output head"]


def test_a_problem_inside_a_block_is_named_by_its_block_in_the_row_and_the_banner(view):
    def row(layer_id, layer_type, error=None, fix=None):
        return SimpleNamespace(id=layer_id, role="layer", type=layer_type, error=error, fix=fix,
                               output_shape=None if error else (8,), param_count=0, note=None,
                               summary="", caused_by=None)

    broken = row("dense_3", "Dense", "expects a vector; layer 1 (Dense) outputs (8,)",
                 "Add a Flatten before dense_3 (Dense, inside layer 2).")
    rows = [row("dense_1", "Dense"), row("branches_1", "Branches"), row("dense_2", "Dense"),
            row("residual_1", "Residual"), broken, row("dropout_1", "Dropout")]
    view.inference.show_report(SimpleNamespace(
        rows=rows, every_row=rows, by_id={r.id: r for r in rows}, first_error=lambda: broken,
        total_params=None, trainable_params=None))

    problem = index_of(view, "dense_3").siblingAtColumn(1).data(PROBLEM_ROLE)
    assert "layer 1, Dense outputs (8,)" in problem
    assert "Add a Flatten before Dense in residual_1 in branch 2 of branches_1." in problem
    banner = view.problem_label.text()
    assert banner.startswith("<b>Dense in residual_1 in branch 2 of branches_1:</b>")
    assert "inside layer" not in banner


def test_input_stacks_show_above_the_joined_input_and_are_edited_like_the_main_stack(qtbot):
    document = Document()
    project = Project(name="inputs")
    project.model.inputs = {
        "table": [LayerSpec.of("Dense", units=16)],
        "review": [LayerSpec.of("Embedding"), LayerSpec.of("GlobalAveragePooling1D")]}
    project.model.layers = [LayerSpec.of("Dense", units=8)]
    document.replace(project)
    view = LayerStackView(document, ShapeInference(document, DataSession(document)))
    qtbot.addWidget(view)
    model = view.model

    assert outline(view) == ["Input: table", "  Dense", "Input: review", "  Embedding",
                             "  GlobalAveragePooling1D", "Inputs joined", "Dense",
                             "Output head"]
    embedding = model.index_of_layer("embedding_1")
    assert embedding.data(KIND_ROLE) == "layer"
    assert model.flags(embedding) & Qt.ItemFlag.ItemIsDragEnabled
    review = model.index(1, 0)
    assert model.dropMimeData(layer_type_mime("Dropout"), Qt.DropAction.CopyAction, 1, 0, review)
    assert [row.id for row in project.model.inputs["review"]] == [
        "embedding_1", "dropout_1", "global_average_pooling1d_1"]
    assert outline(view)[2:6] == ["Input: review", "  Embedding", "  Dropout",
                                  "  GlobalAveragePooling1D"]
    assert model.drop_hint(0, review) == "Drop: the input stack of review, row 1 of 4"
    data = model.mimeData([model.index_of_layer("dense_1")])  # table's Dense into review's
    assert model.dropMimeData(data, Qt.DropAction.MoveAction, 0, 0, review)
    assert outline(view)[:3] == ["Input: table", "  " + EMPTY_STACK_TEXT, "Input: review"]
    document.set_selection(["dense_1"])
    view.move_down_action.trigger()
    assert [row.id for row in project.model.inputs["review"]][:2] == ["embedding_1", "dense_1"]
    view.delete_action.trigger()
    assert [row.id for row in project.model.inputs["review"]] == [
        "embedding_1", "dropout_1", "global_average_pooling1d_1"]
    table_empty = model.index(0, 0, model.index(0, 0))
    data = model.mimeData([model.index_of_layer("dropout_1")])
    assert model.dropMimeData(data, Qt.DropAction.MoveAction, -1, 0, table_empty)
    assert [row.id for row in project.model.inputs["table"]] == ["dropout_1"]
    assert document.undo_stack.count() == 5
    for _ in range(5):
        document.undo_stack.undo()
    assert outline(view)[:5] == ["Input: table", "  Dense", "Input: review", "  Embedding",
                                 "  GlobalAveragePooling1D"]

    view.inference.data.info = SimpleNamespace(feature_shape=(84,),
                                               input_shapes={"table": (20,), "review": (64,)})
    model.refresh()
    assert model.index(2, 0).data() == "Inputs joined"
    assert model.index(2, 2).data() == ""  # not the single vector's size: known with shapes

    def input_row(group, summary, shape):
        return SimpleNamespace(id=None, role="input", type="Input", summary=summary,
                               output_shape=shape, param_count=0, error=None, fix=None,
                               note=None, input_group=group)

    rows = [input_row("table", "the numeric and categorical columns", (12,)),
            input_row("review", "the text column review as token ids", (64,)),
            input_row(None, "the input stacks joined by concatenate", (80,))]
    view.inference.show_report(SimpleNamespace(
        rows=rows[2:], every_row=rows, by_id={}, first_error=lambda: None, total_params=None,
        trainable_params=None))
    assert model.index(1, 1).data() == "the text column review as token ids"
    assert model.index(1, 2).data() == "(64,)"
    assert model.index(2, 2).data() == "(80,)"

    model.dropMimeData(layer_type_mime("Dropout"), Qt.DropAction.CopyAction, 3, 0,
                       QModelIndex())
    assert [row.id for row in document.project.model.layers] == ["dropout_2", "dense_2"]
    assert outline(view)[5:8] == ["Inputs joined", "Dropout", "Dense"]


def test_a_drag_says_where_the_drop_goes(view):
    model = view.model
    residual = index_of(view, "residual_1")
    branch = model.index(1, 0, index_of(view, "branches_1"))

    assert model.drop_hint(-1, residual) == "Drop: inside residual_1, row 2 of 2"
    assert model.drop_hint(0, residual) == "Drop: inside residual_1, row 1 of 2"
    assert model.drop_hint(-1, branch) == "Drop: inside branch 2 of branches_1, row 2 of 2"
    assert model.drop_hint(1, QModelIndex()) == "Drop: the main stack, row 1 of 4"
    assert model.drop_hint(-1, QModelIndex()) == "Drop: the main stack, row 4 of 4"

    view.show()
    view.tree.dropHint.emit("Drop: inside residual_1, row 2 of 2")
    assert view.status.text() == "Drop: inside residual_1, row 2 of 2"
    view.tree.dropHint.emit("")
    assert "Drop" not in view.status.text()


def test_the_drop_indicator_is_drawn_in_the_highlight_colour(view):
    image = QImage(200, 40, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.white)
    option = QStyleOption()
    option.initFrom(view.tree)
    option.rect = QRect(20, 10, 150, 0)
    painter = QPainter(image)
    view.tree.style().drawPrimitive(QStyle.PrimitiveElement.PE_IndicatorItemViewItemDrop,
                                    option, painter, view.tree)
    painter.end()
    highlight = view.tree.palette().color(QPalette.ColorRole.Highlight)
    assert image.pixelColor(100, 10).rgb() == highlight.rgb()
    assert image.pixelColor(24, 13) != QColor(Qt.GlobalColor.white)  # the dot at its start


def test_input_stacks_are_turned_on_from_the_stack_when_the_data_has_several_inputs(qtbot):
    document = Document()
    project = Project(name="text and table")
    project.model.layers = [LayerSpec.of("Dense", units=8)]
    document.replace(project)
    view = LayerStackView(document, ShapeInference(document, DataSession(document)))
    qtbot.addWidget(view)
    action = view.input_stacks_action
    assert not action.isEnabled()  # no data read: one input
    assert action in view.tree.actions()
    view.inference.data.info = SimpleNamespace(feature_shape=(84,),
                                               input_shapes={"table": (20,), "review": (64,)})
    view.inference.data.infoChanged.emit()
    assert action.isEnabled() and not action.isChecked()

    action.trigger()
    assert document.project.model.inputs == {"table": [], "review": []}
    assert action.isChecked() and document.undo_stack.count() == 1
    assert outline(view)[:4] == ["Input: table", "  " + EMPTY_STACK_TEXT, "Input: review",
                                 "  " + EMPTY_STACK_TEXT]
    review_empty = view.model.index(0, 0, view.model.index(1, 0))
    assert "input stack of review is empty" in review_empty.data(Qt.ItemDataRole.ToolTipRole)
    view.model.dropMimeData(layer_type_mime("Embedding"), Qt.DropAction.CopyAction, -1, 0,
                            review_empty)
    assert [row.type for row in document.project.model.inputs["review"]] == ["Embedding"]

    action.trigger()
    assert document.project.model.inputs == {} and not action.isChecked()
    assert outline(view)[0] == "Input"
    document.undo_stack.undo()
    assert [row.type for row in document.project.model.inputs["review"]] == ["Embedding"]
    assert action.isChecked() and document.undo_stack.count() == 3


def test_a_parameter_set_on_an_input_row_shows_in_its_row_and_selection_reaches_it(qtbot):
    document = Document()
    project = Project(name="inputs")
    project.model.inputs = {"table": [LayerSpec.of("Dense", units=16)]}
    document.replace(project)
    view = LayerStackView(document, ShapeInference(document, DataSession(document)))
    qtbot.addWidget(view)
    row = view.model.index_of_layer("dense_1", 1)
    assert "16" in row.data()
    document.set_layer_param("dense_1", "units", 5)
    assert "5" in view.model.index_of_layer("dense_1", 1).data()
    assert "16" not in view.model.index_of_layer("dense_1", 1).data()
    select(view, view.model.index_of_layer("dense_1"))
    assert document.selection == ["dense_1"]
