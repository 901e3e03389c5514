"""Document edits of the input stacks (``model.inputs``): insert, move in and out, delete,
parameters, turning the stacks on and off — each one undo step, every row named by id."""

from __future__ import annotations

from dlstudio.core.project import paths
from dlstudio.core.project.project import LayerSpec, Project
from dlstudio.gui.document import Document


def _document() -> Document:
    project = Project(name="inputs")
    project.model.inputs = {"table": [LayerSpec.of("Dense", units=16)], "review": []}
    project.model.layers = [LayerSpec.of("Dense", units=8)]
    document = Document()
    document.replace(project)
    return document


def _ids(rows: list[LayerSpec]) -> list[str]:
    return [row.id for row in rows]


def test_rows_go_into_out_of_and_within_input_stacks_each_one_undo_step() -> None:
    document = _document()
    model = document.project.model
    document.insert_layers(0, [LayerSpec.of("Embedding"), LayerSpec.of("Flatten")],
                           group="review")
    assert _ids(model.inputs["review"]) == ["embedding_1", "flatten_1"]
    assert document.group_of("flatten_1") == "review"
    assert document.move_layers(["flatten_1"], 0, group="review")
    assert _ids(model.inputs["review"]) == ["flatten_1", "embedding_1"]
    assert document.move_layers(["dense_1"], 1)  # from the table's stack to the main stack
    assert _ids(model.inputs["table"]) == [] and _ids(model.layers) == ["dense_2", "dense_1"]
    document.remove_layers(["embedding_1"])
    assert _ids(model.inputs["review"]) == ["flatten_1"]
    assert document.undo_stack.count() == 4
    for _ in range(4):
        document.undo_stack.undo()
    assert _ids(model.inputs["review"]) == [] and _ids(model.inputs["table"]) == ["dense_1"]
    assert _ids(model.layers) == ["dense_2"]


def test_a_parameter_of_an_input_row_is_set_at_its_place_by_id() -> None:
    document = _document()
    changed: list[str] = []
    document.layerChanged.connect(changed.append)
    document.set_layer_param("dense_1", "units", 5)
    assert document.place("dense_1") == "model.inputs.table[id=dense_1]"
    assert document.project.model.inputs["table"][0].params["units"] == 5
    assert changed == ["dense_1"]
    document.undo_stack.undo()
    assert document.project.model.inputs["table"][0].params["units"] == 16


def test_input_stacks_are_turned_on_and_off_in_one_undo_step() -> None:
    document = _document()
    document.set_input_stacks(None)
    assert document.project.model.inputs == {}
    assert document.locate("dense_1") is None
    document.undo_stack.undo()
    assert _ids(document.project.model.inputs["table"]) == ["dense_1"]
    document.set_input_stacks(["table", "review", "note"])
    assert list(document.project.model.inputs) == ["table", "review", "note"]
    assert document.undo_stack.count() == 1


def test_paths_reach_input_stacks_by_group_and_id_even_with_odd_group_names() -> None:
    project = Project(name="odd")
    project.model.inputs = {"last note": [LayerSpec.of("Dense", units=3)]}
    project.model.assign_ids()
    assert paths.get_value(project, 'model.inputs["last note"][id=dense_1].params.units') == 3
    paths.set_value(project, "model.inputs.table", [])
    assert project.model.inputs["table"] == []
