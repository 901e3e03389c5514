"""The property editor and the training settings: typed controls both ways."""

from __future__ import annotations

from PySide6.QtCore import Qt

from dlstudio.core.project.project import LayerSpec, Project
from dlstudio.gui.document import Document
from dlstudio.gui.widgets.property_editor import PropertyEditor
from dlstudio.gui.widgets.training_settings import TrainingSettingsView


def make_editor(qtbot) -> tuple[Document, PropertyEditor]:
    document = Document()
    project = Project()
    project.model.layers = [LayerSpec.of("Dense", units=8), LayerSpec.of("Dropout", rate=0.2),
                            LayerSpec.of("Conv2D")]
    document.replace(project)
    editor = PropertyEditor(document)
    qtbot.addWidget(editor)
    return document, editor


def test_selecting_a_layer_shows_its_parameters_as_typed_controls(qtbot):
    document, editor = make_editor(qtbot)
    document.set_selection(["dense_1"])
    assert editor.title.text().startswith("Dense")
    assert set(editor.fields) == {"units", "activation", "use_bias", "kernel_initializer",
                                  "kernel_regularizer"}
    units = editor.fields["units"].editor.spin
    assert units.value() == 8 and units.minimum() == 1 and units.maximum() == 65536
    assert editor.fields["activation"].editor.combo.currentText() == "relu"
    assert "neurons" in editor.fields["units"].explanation.text()


def test_editing_a_control_edits_the_document_and_undo_updates_the_control(qtbot):
    document, editor = make_editor(qtbot)
    document.set_selection(["dense_1"])
    editor.fields["units"].editor.spin.setValue(32)
    assert document.project.model.layers[0].params["units"] == 32
    combo = editor.fields["activation"].editor.combo
    combo.setCurrentIndex(combo.findText("tanh"))
    combo.activated.emit(combo.currentIndex())
    assert document.project.model.layers[0].params["activation"] == "tanh"
    document.undo_stack.undo()
    document.undo_stack.undo()
    assert editor.fields["units"].editor.spin.value() == 8
    assert combo.currentText() == "relu"


def test_an_invalid_number_is_refused_as_typed_with_the_reason(qtbot):
    document, editor = make_editor(qtbot)
    document.set_selection(["dropout_1"])
    field = editor.fields["rate"]
    line = field.editor.line
    line.setText("")
    qtbot.keyClicks(line, "2.5")
    assert field.problem.text().startswith("expected a number >= 0 and <= 0.95")
    assert not field.problem.isHidden()
    line.editingFinished.emit()
    assert document.project.model.layers[1].params["rate"] == 0.2
    line.setText("")
    qtbot.keyClicks(line, "0.4")
    qtbot.keyClick(line, Qt.Key.Key_Return)
    assert field.problem.isHidden()
    assert document.project.model.layers[1].params["rate"] == 0.4


def test_shapes_and_regularizers_have_their_own_editors(qtbot):
    document, editor = make_editor(qtbot)
    document.set_selection(["conv2d_1"])
    kernel = editor.fields["kernel_size"].editor
    kernel.line.setText("5, 5")
    kernel.line.editingFinished.emit()
    assert document.project.model.layers[2].params["kernel_size"] == [5, 5]
    regularizer = editor.fields["kernel_regularizer"].editor
    regularizer.kind.setCurrentIndex(regularizer.kind.findData("l2"))
    regularizer.kind.activated.emit(regularizer.kind.currentIndex())
    assert document.project.model.layers[2].params["kernel_regularizer"] == {
        "kind": "l2", "l1": 0.0, "l2": 0.01}


def test_the_label_is_an_edit(qtbot):
    document, editor = make_editor(qtbot)
    document.set_selection(["dense_1"])
    editor.name_edit.setText("hidden")
    editor.name_edit.editingFinished.emit()
    assert document.project.model.layers[0].name == "hidden"


def test_several_or_no_selected_layers_show_a_hint(qtbot):
    document, editor = make_editor(qtbot)
    document.set_selection(["dense_1", "dropout_1"])
    assert editor.title.text() == "2 layers selected" and not editor.fields
    document.set_selection([])
    assert editor.title.text() == "No layer selected"


def test_training_settings_follow_the_document_and_edit_it(qtbot):
    document = Document()
    document.replace(Project())
    view = TrainingSettingsView(document)
    qtbot.addWidget(view)
    view.fields["epochs"].editor.spin.setValue(7)
    assert document.project.training.epochs == 7
    document.set_value("training.optimizer", "sgd")
    assert view.fields["optimizer"].editor.combo.currentText() == "sgd"
    assert not view.fields["momentum"].isHidden()
    document.set_value("training.optimizer", "adam")
    assert view.fields["momentum"].isHidden()
    rate = view.fields["learning_rate"].editor.line
    rate.setText("1e-4")
    rate.editingFinished.emit()
    assert document.project.training.learning_rate == 1e-4
    check = view.fields["early_stopping.enabled"].editor.checkbox
    check.setChecked(True)
    assert document.project.training.early_stopping.enabled
    assert not view.fields["early_stopping.patience"].isHidden()
    refit = view.fields["refit_on_all"]  # shown beside early stopping, which it needs
    assert not refit.isHidden() and "validation rows" in refit.toolTip()
    refit.editor.combo.activated.emit(refit.editor.combo.findData("off"))
    assert document.project.training.refit_on_all == "off"
    check.setChecked(False)
    assert refit.isHidden()


def test_a_layer_inside_a_block_is_edited_by_its_id(qtbot):
    document, editor = make_editor(qtbot)
    document.insert_layers(0, [LayerSpec.of("Residual", stacks=[[LayerSpec.of("Dense")]])])
    document.set_selection(["dense_2"])
    assert editor.title.text().startswith("Dense")
    editor.fields["units"].editor.spin.setValue(3)
    assert document.project.model.layers[0].stacks[0][0].params["units"] == 3
    document.move_layers(["dense_2"], 3)
    assert editor.fields["units"].editor.spin.value() == 3
    document.undo_stack.undo()
    document.undo_stack.undo()
    assert editor.fields["units"].editor.spin.value() == 64
