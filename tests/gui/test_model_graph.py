"""The graph view: every row of the model is a box, branches side by side, and a click on a
box selects that row in the document (and so in the stack)."""

from __future__ import annotations

from types import SimpleNamespace

from PySide6.QtCore import QPointF, Qt
from PySide6.QtWidgets import QGraphicsSceneMouseEvent

from dlstudio.core.project.project import LayerSpec, Project
from dlstudio.gui.data_session import DataSession
from dlstudio.gui.document import Document
from dlstudio.gui.shape_inference import ShapeInference
from dlstudio.gui.widgets.model_graph import ModelGraphView


def make_graph(qtbot) -> ModelGraphView:
    document = Document()
    project = Project(name="graph")
    project.model.layers = [
        LayerSpec.of("Dense", units=8),
        LayerSpec.of("Branches", stacks=[[LayerSpec.of("Dense", units=4)], [LayerSpec.of(
            "Residual", stacks=[[LayerSpec.of("Dense", units=2)]])]]),
        LayerSpec.of("Repeat", stacks=[[LayerSpec.of("Dropout")]]),
    ]
    document.replace(project)
    view = ModelGraphView(document, ShapeInference(document, DataSession(document)))
    qtbot.addWidget(view)
    view.resize(600, 600)
    view.show()
    return view


def test_every_row_is_a_box_and_branches_sit_side_by_side(qtbot):
    view = make_graph(qtbot)
    assert set(view.boxes) == {"dense_1", "branches_1", "dense_2", "residual_1", "dense_3",
                               "repeat_1", "dropout_1"}
    left, right = view.boxes["dense_2"].rect(), view.boxes["dense_3"].rect()
    assert left.right() < right.left()  # the two branches, side by side
    assert view.boxes["branches_1"].rect().top() > right.bottom()  # the merge below them


def test_edits_redraw_the_graph(qtbot):
    view = make_graph(qtbot)
    view.document.insert_layers(0, [LayerSpec.of("Flatten")], parent="residual_1")
    qtbot.waitUntil(lambda: "flatten_1" in view.boxes)
    view.document.remove_layers(["branches_1"])
    qtbot.waitUntil(lambda: "dense_2" not in view.boxes)


def test_clicking_a_box_selects_its_row(qtbot):
    view = make_graph(qtbot)
    event = QGraphicsSceneMouseEvent(QGraphicsSceneMouseEvent.Type.GraphicsSceneMousePress)
    event.setButton(Qt.MouseButton.LeftButton)
    event.setScenePos(QPointF(view.boxes["dense_3"].rect().center()))
    view.boxes["dense_3"].mousePressEvent(event)
    assert view.document.selection == ["dense_3"]


def test_edge_labels_clear_the_boxes_and_each_other(qtbot, monkeypatch):
    view = make_graph(qtbot)
    shape = SimpleNamespace(output_shape=(16, 16, 32))
    monkeypatch.setattr(view.inference, "row_for", lambda layer_id: shape)
    view.rebuild()
    labels = [item.sceneBoundingRect() for item in view.scene().items()
              if item.data(0) == "edge-label"]
    boxes = [box.sceneBoundingRect() for box in view.boxes.values()
             if box.layer_id != "repeat_1"]  # the Repeat frame's tag row frames its stack
    assert len(labels) >= 6
    for label in labels:
        assert not any(label.intersects(box) for box in boxes), label
    for number, label in enumerate(labels):
        assert not any(label.intersects(other) for other in labels[number + 1:]), label


def test_input_stacks_stand_side_by_side_above_their_merge(qtbot):
    document = Document()
    project = Project(name="inputs")
    project.model.inputs = {"table": [LayerSpec.of("Dense", units=16)],
                            "review": [LayerSpec.of("Embedding")]}
    project.model.layers = [LayerSpec.of("Dense", units=8)]
    document.replace(project)
    view = ModelGraphView(document, ShapeInference(document, DataSession(document)))
    qtbot.addWidget(view)
    view.show()

    titles = {item.text(): item.sceneBoundingRect() for item in view.scene().items()
              if hasattr(item, "text") and item.text().startswith("Input")}
    table, review = view.boxes["dense_1"].rect(), view.boxes["embedding_1"].rect()
    assert table.right() < review.left()
    assert titles["Input: table"].bottom() < table.top()
    merge = titles["Inputs (concatenate)"]
    assert max(table.bottom(), review.bottom()) < merge.top() < view.boxes["dense_2"].rect().top()


def test_a_new_report_relabels_the_arrows_without_drawing_the_boxes_again(qtbot, monkeypatch):
    view = make_graph(qtbot)
    shapes = {"dense_1": SimpleNamespace(output_shape=(8,))}
    monkeypatch.setattr(view.inference, "row_for", lambda layer_id: shapes.get(layer_id))
    view.rebuild()
    box = view.boxes["dense_1"]
    labels = [item for item in view.scene().items() if item.data(0) == "edge-label"]
    assert "(8,)" in {label.text() for label in labels}

    shapes["dense_1"] = SimpleNamespace(output_shape=(12,))
    view.document.set_layer_param("dense_1", "units", 12)
    view.rebuild()
    assert view.boxes["dense_1"] is box  # the same box: only the texts changed
    texts = {label.text() for label in labels}
    assert "(12,)" in texts and "(8,)" not in texts

    view.document.remove_layers(["repeat_1"])
    view.rebuild()
    assert "repeat_1" not in view.boxes and view.boxes["dense_1"] is not box


def test_texts_out_of_step_with_the_boxes_draw_the_graph_again(qtbot):
    view = make_graph(qtbot)
    box = view.boxes["dense_1"]
    del view._texts[1:]  # as if the texts no longer matched the boxes

    view.rebuild()

    assert view.boxes["dense_1"] is not box and len(view._texts) > 1
