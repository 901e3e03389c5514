"""The document: every edit is one undo step, and undo and redo restore the project exactly."""

from __future__ import annotations

from dlstudio.core.project.project import LayerSpec, Project, load_project
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
    document.move_layers(["dense_1"], 4)
    document.duplicate_layers(["dropout_1", "dense_2"])
    document.remove_layers(["flatten_1", "dense_1"])
    document.set_layer_param("dropout_1", "rate", 0.25)
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
    document.set_selection(["dense_2"])
    document.insert_layers(0, [LayerSpec.of("Flatten"), LayerSpec.of("Flatten")])
    assert document.selection == ["flatten_1", "flatten_2"]
    document.undo_stack.undo()
    assert document.selection == ["dense_2"]


def test_moving_layers_keeps_their_order_and_counts_the_row_before_the_move(qtbot):
    document = Document()
    project = Project(name="p")
    project.model.layers = [LayerSpec.of("Dense", units=n) for n in (1, 2, 3, 4, 5)]
    document.replace(project)
    document.move_layers(["dense_1", "dense_3"], 4)
    assert [layer.params["units"] for layer in document.project.model.layers] == [2, 4, 1, 3, 5]
    assert document.selection == ["dense_1", "dense_3"]
    assert not document.move_layers(["dense_1", "dense_3"], 2)  # already there: no undo step
    assert document.undo_stack.count() == 1


def make_block_document() -> Document:
    document = Document()
    project = Project(name="p")
    project.model.layers = [
        LayerSpec.of("Dense", units=8),
        LayerSpec.of("Branches", stacks=[[LayerSpec.of("Dense", units=4)], [LayerSpec.of(
            "Residual", stacks=[[LayerSpec.of("Dense", units=2)]])]]),
        LayerSpec.of("Dropout"),
    ]
    document.replace(project)
    return document


def test_edits_inside_blocks_name_rows_by_id_and_undo_restores_them(qtbot):
    document = make_block_document()
    before = document.project.copy()
    document.insert_layers(0, [LayerSpec.of("Flatten")], parent="residual_1")
    document.move_layers(["dense_1"], 1, parent="branches_1", stack=1)
    document.set_layer_param("dense_3", "units", 7)
    document.add_branch("branches_1")
    document.move_layers(["dropout_1"], 0, parent="branches_1", stack=2)
    document.duplicate_layers(["residual_1"])
    document.remove_layers(["dense_2", "branches_1"])
    assert [layer.type for layer in document.project.model.layers] == []
    count = document.undo_stack.count()
    assert count == 7
    for _ in range(count):
        document.undo_stack.undo()
    assert document.project == before
    for _ in range(count - 1):
        document.undo_stack.redo()
    branches = document.project.model.layers[0]
    assert [[row.id for row in stack] for stack in branches.stacks] == [
        ["dense_2"], ["residual_1", "residual_2", "dense_1"], ["dropout_1"]]
    assert branches.stacks[1][1].stacks[0][0].id != "flatten_1"  # the copy got fresh ids
    assert document.layer("dense_3").params["units"] == 7


def test_structural_edits_announce_the_rows_they_touch(qtbot):
    document = make_block_document()
    events = []
    for name in ("layersInserted", "layersRemoved", "layersMoved", "layerChanged",
                 "stacksChanged", "layersReset"):
        getattr(document, name).connect(lambda *args, name=name: events.append((name, *args)))
    document.insert_layers(0, [LayerSpec.of("Flatten")], parent="residual_1")
    document.move_layers(["dropout_1"], 0)
    document.set_layer_param("dense_3", "units", 7)
    document.add_branch("branches_1")
    document.remove_layers(["flatten_1"])
    document.undo_stack.undo()
    assert events == [("layersInserted", ["flatten_1"]), ("layersMoved", ["dropout_1"]),
                      ("layerChanged", "dense_3"), ("stacksChanged", "branches_1"),
                      ("layersRemoved", ["flatten_1"]), ("layersInserted", ["flatten_1"])]
    document.replace_layers([LayerSpec.of("Dense")], "mlp", "template")
    assert events[-1] == ("layersReset",)


def test_a_block_cannot_move_into_itself_and_branches_keep_their_minimum(qtbot):
    document = make_block_document()
    assert not document.move_layers(["branches_1"], 0, parent="residual_1")
    assert not document.remove_branch("branches_1", 0)
    document.add_branch("branches_1")
    assert document.remove_branch("branches_1", 0)
    assert [[row.id for row in stack] for stack in document.layer("branches_1").stacks] == [
        ["residual_1"], []]
    document.remove_layers(["dense_2"])  # already gone with its branch: nothing to do
    assert document.undo_stack.count() == 2


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
