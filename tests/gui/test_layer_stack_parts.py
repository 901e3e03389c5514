"""The layer stack of a model with parts: one part at a time behind tabs, drops into the part
shown, each edit one undo step."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QModelIndex, Qt

from dlstudio.core.project.project import DataSpec, LayerSpec, ModelSpec, Project
from dlstudio.gui.data_session import DataSession
from dlstudio.gui.document import Document
from dlstudio.gui.shape_inference import ShapeInference
from dlstudio.gui.widgets.layer_stack import LayerStackView
from dlstudio.gui.widgets.palette import layer_type_mime


@pytest.fixture
def view(qtbot) -> LayerStackView:
    document = Document()
    parts = {"encoder": [LayerSpec.of("Dense", units=8), LayerSpec.of("Dense", units=2)],
             "decoder": [LayerSpec.of("Dense", units=8)]}
    document.replace(Project(name="ae", data=DataSpec(task="reconstruction"),
                             model=ModelSpec(parts=parts)))
    stack = LayerStackView(document, ShapeInference(document, DataSession(document)))
    qtbot.addWidget(stack)
    return stack


def rows(view: LayerStackView) -> list[str]:
    model = view.model
    return [model.index(row, 0, QModelIndex()).data() for row in range(model.rowCount())]


def test_tabs_switch_the_part_shown_and_palette_drops_go_into_it(view):
    tabs = view.part_tabs
    assert not tabs.isHidden() and [tabs.tabText(i) for i in range(tabs.count())] == [
        "Encoder", "Decoder"]
    assert rows(view) == ["Input of the encoder", "Dense", "Dense", "Output of the encoder"]
    assert view.head_checkbox.isHidden()
    tabs.setCurrentIndex(1)
    assert view.document.shown_part == "decoder"
    assert rows(view) == ["Input of the decoder", "Dense", "Output of the decoder"]
    assert view.model.dropMimeData(layer_type_mime("Dropout"), Qt.DropAction.CopyAction, -1, 0,
                                   QModelIndex())
    model = view.document.project.model
    assert [row.id for row in model.parts["decoder"]] == ["dense_3", "dropout_1"]
    assert rows(view)[-2] == "Dropout" and len(model.parts["encoder"]) == 2
    view.document.append_layer("Flatten")
    assert model.parts["decoder"][-1].type == "Flatten"
    view.document.undo_stack.undo()
    view.document.undo_stack.undo()
    assert [row.id for row in model.parts["decoder"]] == ["dense_3"]
    assert rows(view) == ["Input of the decoder", "Dense", "Output of the decoder"]


def test_edits_in_another_part_leave_the_shown_rows_alone(view):
    view.document.insert_layers(0, [LayerSpec.of("Dropout")], group="decoder")
    assert rows(view)[1:3] == ["Dense", "Dense"]
    view.document.remove_layers(["dense_1"])
    assert rows(view) == ["Input of the encoder", "Dense", "Output of the encoder"]
    assert view.document.place("dropout_1") == "model.parts.decoder[id=dropout_1]"


def test_the_graph_draws_the_part_the_stack_shows(qtbot, view):
    from dlstudio.gui.widgets.model_graph import ModelGraphView

    graph = ModelGraphView(view.document, view.inference)
    qtbot.addWidget(graph)
    graph.show()
    graph.rebuild()
    assert set(graph.boxes) == {"dense_1", "dense_2"}
    view.document.show_part("decoder")
    graph.rebuild()
    assert set(graph.boxes) == {"dense_3"}


def test_a_vae_offers_its_latent_size_beside_the_tabs(view):
    document = view.document
    assert view.latent_size.isHidden()  # an autoencoder's code is its encoder's output
    document.set_value("data.task", "vae")
    assert not view.latent_size.isHidden() and view.latent_size.value() == 16
    view.latent_size.setValue(4)
    view.latent_size.editingFinished.emit()
    assert document.project.model.latent_dim == 4
    document.undo_stack.undo()
    assert view.latent_size.value() == 16
