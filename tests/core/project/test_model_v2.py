"""Project file v2: stable layer ids, blocks holding stacks, the v1 → v2 migration."""

import json
import shutil
from pathlib import Path

import pytest

from dlstudio.core.errors import ProjectError
from dlstudio.core.project import layer_tree, paths
from dlstudio.core.project.project import (
    SCHEMA_VERSION,
    LayerSpec,
    ModelSpec,
    Project,
    load_project,
    save_project,
)
from dlstudio.core.project.reading import project_from_dict

ROOT = Path(__file__).resolve().parents[3]
V1_FILES = sorted((Path(__file__).parent / "v1_files").glob("*.dlstudio.json"))
EXAMPLES = sorted((ROOT / "examples").glob("*.dlstudio.json"))


def residual_model() -> ModelSpec:
    inner = [LayerSpec.of("Conv2D", filters=8), LayerSpec.of("BatchNormalization")]
    return ModelSpec(layers=[
        LayerSpec.of("Conv2D", filters=8),
        LayerSpec.of("Residual", stacks=[inner]),
        LayerSpec.of("Branches", merge="add",
                     stacks=[[LayerSpec.of("Dense", units=4)], [LayerSpec.of("Dense", units=4)]]),
    ])


def test_v1_files_open_with_ids_in_stack_order_and_save_as_v2(tmp_path):
    assert V1_FILES, "the v1 files written by the previous release are kept as fixtures"
    for v1_file in V1_FILES:
        raw = json.loads(v1_file.read_text())
        assert raw["schema_version"] == 1
        project = load_project(v1_file)
        types = [layer["type"] for layer in raw["model"]["layers"]]
        assert [layer.type for layer in project.model.layers] == types
        expected, counts = [], {}
        for type_name in types:
            stem = layer_tree.id_prefix(type_name)
            counts[stem] = counts.get(stem, 0) + 1
            expected.append(f"{stem}_{counts[stem]}")
        assert [layer.id for layer in project.model.layers] == expected

        saved = save_project(project, tmp_path / v1_file.name)
        written = json.loads(saved.read_text())
        assert written["schema_version"] == SCHEMA_VERSION == 2
        assert [layer["id"] for layer in written["model"]["layers"]] == expected
        assert load_project(saved) == project


def test_every_example_project_round_trips_as_v2(tmp_path):
    assert EXAMPLES
    for example in EXAMPLES:
        assert json.loads(example.read_text())["schema_version"] == SCHEMA_VERSION
        project = load_project(example)
        copy_path = tmp_path / example.name
        shutil.copy(example, copy_path)
        saved = save_project(load_project(copy_path), copy_path)
        assert saved.read_text() == example.read_text()
        assert load_project(saved).model == project.model


def test_blocks_round_trip_with_their_stacks_and_ids(tmp_path):
    project = Project(model=residual_model())
    saved = save_project(project, tmp_path / "p.dlstudio.json")
    body = json.loads(saved.read_text())["model"]["layers"]
    assert [row["id"] for row in body] == ["conv2d_1", "residual_1", "branches_1"]
    assert "stacks" not in body[0] and "name" not in body[0]
    assert [row["id"] for row in body[1]["stacks"][0]] == ["conv2d_2", "batch_normalization_1"]
    assert [[row["id"] for row in stack] for stack in body[2]["stacks"]] == [["dense_1"],
                                                                           ["dense_2"]]
    assert load_project(saved) == project


def _problems(layers):
    data = Project().to_dict()
    data["model"]["layers"] = layers
    with pytest.raises(ProjectError) as caught:
        project_from_dict(data)
    return caught.value.problems


def test_problems_inside_blocks_are_placed_by_id():
    problems = _problems([
        {"id": "res_1", "type": "Residual", "stacks": [[
            {"id": "conv2d_2", "type": "Conv2D", "params": {"filters": -3}},
            {"type": "Dence"},
        ]]},
    ])
    assert problems[0].startswith(
        "model.layers[id=res_1].stacks[0][id=conv2d_2].params.filters: expected an integer")
    assert problems[1].startswith('model.layers[id=res_1].stacks[0][1].type: unknown layer type '
                                  '"Dence"; did you mean Dense')


def test_duplicate_ids_are_reported_with_place_and_fix():
    problems = _problems([
        {"id": "dense_1", "type": "Dense"},
        {"id": "skip_1", "type": "Skip", "stacks": [[{"id": "dense_1", "type": "Dense"}]]},
    ])
    assert problems == [
        'model.layers[id=skip_1].stacks[0][0].id: "dense_1" is already used at '
        'model.layers[id=dense_1]; ids must be unique in the project — change it, for example '
        'to "dense_2", or delete the field and dlstudio numbers the layer itself']


@pytest.mark.parametrize(("row", "expected"), [
    ({"id": "b", "type": "Branches", "stacks": [[]]},
     "model.layers[id=b].stacks: Branches holds 2 or more stacks, got 1"),
    ({"id": "r", "type": "Residual", "stacks": [[], []]},
     "model.layers[id=r].stacks: Residual holds exactly 1 stack, got 2"),
    ({"id": "r", "type": "Repeat"}, "model.layers[id=r].stacks: Repeat holds exactly 1 stack"),
    ({"id": "d", "type": "Dense", "stacks": [[]]},
     "model.layers[id=d].stacks: Dense is a plain layer and holds no stacks; remove"),
    ({"id": "9lives", "type": "Dense"}, "model.layers[0].id: expected a letter then letters"),
])
def test_wrong_stacks_and_bad_ids_say_what_to_do(row, expected):
    problems = _problems([row])
    assert len(problems) == 1
    assert problems[0].startswith(expected)


def test_rows_without_ids_are_numbered_after_the_ids_in_the_file():
    data = Project().to_dict()
    data["model"]["layers"] = [{"type": "Dense"}, {"id": "dense_4", "type": "Dense"},
                               {"type": "Repeat", "stacks": [[{"type": "Dense"}]]}]
    project = project_from_dict(data)
    assert [found.layer.id for found in project.model.walk()] == [
        "dense_5", "dense_4", "repeat_1", "dense_6"]


def test_ids_are_never_reused_and_inserted_copies_get_fresh_ones():
    model = residual_model()
    del model.layers[2]  # branches_1 with dense_1 and dense_2
    assert model.new_id("Dense") == "dense_3"
    copies = model.prepared([model.layers[1]])
    assert [found.layer.id for found in layer_tree.walk(copies)] == [
        "residual_2", "conv2d_3", "batch_normalization_2"]
    assert model.layers[1].id == "residual_1"  # the original is untouched


def test_the_tree_is_walked_depth_first_with_parents_and_places():
    model = residual_model()
    rows = {found.layer.id: found for found in model.walk()}
    assert list(rows) == ["conv2d_1", "residual_1", "conv2d_2", "batch_normalization_1",
                          "branches_1", "dense_1", "dense_2"]
    dense = rows["dense_2"]
    assert (dense.depth, dense.parent.id, dense.stack, dense.top_index) == (1, "branches_1", 1, 2)
    assert dense.index_path() == "model.layers[2].stacks[1][0]"
    assert dense.place() == "model.layers[id=branches_1].stacks[1][id=dense_2]"
    assert model.find("batch_normalization_1").type == "BatchNormalization"
    project = Project(model=model)
    assert paths.get_value(project, dense.place() + ".params.units") == 4
    paths.set_value(project, "model.layers[id=branches_1].stacks[1][id=dense_2].params.units", 9)
    assert paths.get_value(project, dense.index_path() + ".params.units") == 9


@pytest.mark.parametrize(("type_name", "stem"), [
    ("Dense", "dense"), ("Conv2D", "conv2d"), ("BatchNormalization", "batch_normalization"),
    ("PReLU", "prelu"), ("LeakyReLU", "leaky_relu"), ("LSTM", "lstm"),
    ("Conv2DTranspose", "conv2d_transpose"), ("GlobalAveragePooling1D",
                                              "global_average_pooling1d"),
    ("MultiHeadSelfAttention", "multi_head_self_attention"), ("Residual", "residual")])
def test_ids_read_like_the_type(type_name, stem):
    assert layer_tree.id_prefix(type_name) == stem


def test_a_block_made_in_code_gets_the_stacks_it_needs():
    assert LayerSpec.of("Residual").stacks == [[]]
    assert LayerSpec.of("Branches").stacks == [[], []]
    assert LayerSpec.of("Dense").stacks == []
    with pytest.raises(ProjectError, match="Branches holds 2 or more stacks, got 1"):
        LayerSpec.of("Branches", stacks=[[]])


def text_and_table_model() -> ModelSpec:
    return ModelSpec(layers=[LayerSpec.of("Dense", units=16)], inputs={
        "table": [LayerSpec.of("Dense", units=8)],
        "review": [LayerSpec.of("Embedding", input_dim=50, output_dim=8),
                   LayerSpec.of("GlobalAveragePooling1D")]}, merge="concatenate")


def test_input_stacks_round_trip_with_ids_unique_across_the_model(tmp_path):
    project = Project(model=text_and_table_model())
    path = save_project(project, tmp_path / "inputs.dlstudio.json")

    loaded = load_project(path)

    assert loaded.model == project.model
    ids = [row.id for stack in loaded.model.inputs.values() for row in stack]
    assert ids == ["dense_1", "embedding_1", "global_average_pooling1d_1"]
    assert loaded.model.layers[0].id == "dense_2"
    assert loaded.model.find("embedding_1").type == "Embedding"
    assert loaded.model.new_id("Dense") == "dense_3"


def test_a_model_without_input_stacks_writes_no_inputs():
    assert "inputs" not in Project().to_dict()["model"]
    assert "merge" not in Project().to_dict()["model"]


def test_problems_in_input_stacks_are_placed_by_group_and_id():
    data = Project(model=text_and_table_model()).to_dict()
    model = data["model"]
    model["inputs"]["review"][0]["params"]["output_dim"] = 0
    model["inputs"]["last note"] = [{"id": "dense_2", "type": "Dense"}]
    model["merge"] = "join"
    with pytest.raises(ProjectError) as caught:
        project_from_dict(data)
    problems = caught.value.problems
    assert any(problem.startswith("model.inputs.review[id=embedding_1].params.output_dim: "
                                  "expected an integer") for problem in problems)
    assert any(problem.startswith('model.layers[0].id: "dense_2" is already used at '
                                  'model.inputs["last note"][id=dense_2]')
               for problem in problems)
    assert any(problem.startswith("model.merge: ") and "concatenate" in problem
               for problem in problems)
