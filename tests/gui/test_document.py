"""The document: every edit is one undo step, and undo and redo restore the project exactly."""

from __future__ import annotations

from dlstudio.core.project.project import LayerSpec, Project, load_project
from dlstudio.gui.commands import moved_layers
from dlstudio.gui.document import Document


def make_document(qtbot) -> Document:
    document = Document()
    project = Project(name="p")
    project.model.layers = [LayerSpec.of("Dense", units=8), LayerSpec.of("Dropout"),
                            LayerSpec.of("Dense", units=4)]
    document.replace(project)
    return document


def test_undo_and_redo_restore_every_edit_exactly(qtbot):
    document = make_document(qtbot)
    states = [document.project.copy()]
    document.set_value("training.epochs", 5)
    document.insert_layers(1, [LayerSpec.of("Flatten")])
    document.move_layers([0], 4)
    document.duplicate_layers([1, 2])
    document.remove_layers([0, 3])
    document.set_layer_param(0, "rate", 0.25)
    document.replace_layers([LayerSpec.of("Dense")], "mlp", "template")
    states_after = document.project.copy()
    count = document.undo_stack.count()
    assert count == 7
    for _ in range(count):
        document.undo_stack.undo()
    assert document.project == states[0]
    for _ in range(count):
        document.undo_stack.redo()
    assert document.project == states_after


def test_each_edit_announces_its_path(qtbot):
    document = make_document(qtbot)
    with qtbot.waitSignal(document.changed) as blocker:
        document.set_value("split.seed", 7)
    assert blocker.args == ["split.seed"]
    assert document.value("split.seed") == 7


def test_an_edit_that_changes_nothing_is_not_recorded(qtbot):
    document = make_document(qtbot)
    document.set_value("training.epochs", document.project.training.epochs)
    assert document.undo_stack.count() == 0


def test_consecutive_edits_of_one_value_merge_into_one_undo_step(qtbot):
    document = make_document(qtbot)
    for epochs in (21, 22, 23):
        document.set_value("training.epochs", epochs)
    assert document.undo_stack.count() == 1
    document.undo_stack.undo()
    assert document.project.training.epochs == 20


def test_structural_edits_select_what_they_made_and_undo_restores_the_selection(qtbot):
    document = make_document(qtbot)
    document.set_selection([2])
    document.insert_layers(0, [LayerSpec.of("Flatten"), LayerSpec.of("Flatten")])
    assert document.selection == [0, 1]
    document.undo_stack.undo()
    assert document.selection == [2]


def test_moving_layers_keeps_their_order_and_counts_the_row_before_the_move():
    layers = [LayerSpec.of("Dense", units=n) for n in (1, 2, 3, 4, 5)]
    moved, start = moved_layers(layers, [0, 2], 4)
    assert [layer.params["units"] for layer in moved] == [2, 4, 1, 3, 5]
    assert start == 2
    moved, start = moved_layers(layers, [4], 0)
    assert [layer.params["units"] for layer in moved] == [5, 1, 2, 3, 4] and start == 0


def test_dirty_follows_the_undo_stack_and_saving(qtbot, tmp_path):
    document = make_document(qtbot)
    assert not document.is_dirty()
    with qtbot.waitSignal(document.dirtyChanged):
        document.set_value("name", "renamed")
    assert document.is_dirty()
    document.save(tmp_path / "p.dlstudio.json")
    assert not document.is_dirty()
    document.undo_stack.undo()
    assert document.is_dirty()


def test_a_project_started_from_data_is_dirty_until_saved(qtbot, tmp_path):
    document = Document()
    document.replace(Project(name="new"), unsaved=True)
    assert document.is_dirty()
    document.save(tmp_path / "new.dlstudio.json")
    assert not document.is_dirty()


def test_save_and_reopen_give_the_same_project(qtbot, tmp_path, csv_path):
    document = make_document(qtbot)
    document.set_values({"data.path": str(csv_path), "data.target": "kind"}, "Use data")
    written = document.save(tmp_path / "sub" / "p.dlstudio.json")
    assert document.project.data.path == "../table.csv"
    reopened = Document()
    reopened.open(written)
    assert reopened.project == document.project
    assert load_project(written).data_path() == csv_path.resolve()
