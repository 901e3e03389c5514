"""A ``.keras`` file read as JSON becomes catalog rows and blocks; unknown layers are refused.

Every model here is made with plain Keras in the test and saved; the import reads its
``config.json`` without deserializing it.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import keras
import pytest

from dlstudio.core.model.keras_graph import read_graph
from dlstudio.core.model.keras_import import KerasImportError, convert_model, weight_groups


def saved(model: keras.Model, folder: Path, name: str = "model") -> Path:
    path = folder / f"{name}.keras"
    model.save(path)
    return path


def sequential_mlp() -> keras.Model:
    return keras.Sequential([
        keras.Input((4,)), keras.layers.Dense(16, activation="relu", name="hidden"),
        keras.layers.Dropout(0.25, name="drop"),
        keras.layers.Dense(3, activation="softmax", name="probs")])


def residual_model(width: int = 4) -> keras.Model:
    inputs = keras.Input((width,))
    stem = keras.layers.Dense(8, name="stem")(inputs)
    inner = keras.layers.Dense(8, activation="relu", name="inner_a")(stem)
    inner = keras.layers.Dense(8, name="inner_b")(inner)
    joined = keras.layers.Add(name="add")([stem, inner])
    return keras.Model(inputs, keras.layers.Dense(3, activation="softmax")(joined))


def test_sequential_mlp_becomes_a_stack_with_the_last_dense_as_head(tmp_path: Path) -> None:
    converted = convert_model(saved(sequential_mlp(), tmp_path), "classification", 3)

    assert [(row.id, row.type) for row in converted.layers] == [("hidden", "Dense"),
                                                               ("drop", "Dropout")]
    assert converted.layers[0].params["units"] == 16
    assert converted.layers[0].params["activation"] == "relu"
    assert converted.layers[1].params["rate"] == 0.25
    assert converted.head is not None and converted.head.name == "probs"
    assert (converted.sources["hidden"], converted.sources["output"]) == ("layers/dense",
                                                                          "layers/dense_1")
    assert converted.input_shape == (4,)


def test_a_last_dense_with_other_units_is_replaced_by_a_fresh_head(tmp_path: Path) -> None:
    converted = convert_model(saved(sequential_mlp(), tmp_path), "classification", 5)

    assert converted.head is None
    assert "output" not in converted.sources
    assert any("3 unit(s), but this data needs 5" in note for note in converted.notes)


def test_add_of_x_and_f_of_x_becomes_a_residual_block(tmp_path: Path) -> None:
    converted = convert_model(saved(residual_model(), tmp_path), "classification", 3)

    stem, block = converted.layers
    assert (stem.id, block.type) == ("stem", "Residual")
    assert [(row.id, row.params["units"]) for row in block.stacks[0]] == [("inner_a", 8),
                                                                         ("inner_b", 8)]
    assert {"stem", "inner_a", "inner_b", "output"} <= set(converted.sources)


def test_parallel_paths_become_branches_and_concat_with_input_a_skip(tmp_path: Path) -> None:
    inputs = keras.Input((8, 8, 3))
    left = keras.layers.Conv2D(4, 1, padding="same")(inputs)
    right = keras.layers.Conv2D(4, 3, padding="same")(inputs)
    right = keras.layers.Conv2D(4, 3, padding="same")(right)
    branches = keras.layers.Concatenate()([left, right])
    inner = keras.layers.Conv2D(8, 3, padding="same")(branches)
    skip = keras.layers.Concatenate()([branches, inner])
    pooled = keras.layers.GlobalAveragePooling2D()(skip)
    model = keras.Model(inputs, keras.layers.Dense(1, activation="sigmoid")(pooled))

    converted = convert_model(saved(model, tmp_path), "classification", 2)

    branch_row, skip_row, pool_row = converted.layers
    assert branch_row.type == "Branches" and branch_row.params["merge"] == "concatenate"
    assert [len(stack) for stack in branch_row.stacks] == [1, 2]
    assert branch_row.stacks[0][0].params["kernel_size"] == [1, 1]
    assert skip_row.type == "Skip" and [row.type for row in skip_row.stacks[0]] == ["Conv2D"]
    assert pool_row.type == "GlobalAveragePooling2D"


def test_a_lambda_layer_is_refused_by_name_and_type(tmp_path: Path) -> None:
    model = keras.Sequential([keras.Input((4,)), keras.layers.Lambda(lambda t: t * 2,
                                                                     name="doubler"),
                              keras.layers.Dense(1)])
    with pytest.raises(KerasImportError) as caught:
        convert_model(saved(model, tmp_path), "regression", 0)
    message = str(caught.value)
    assert "doubler (Lambda)" in message
    assert "Nothing from the file was run" in message


def test_a_registered_custom_class_is_refused_even_with_a_catalog_name(tmp_path: Path) -> None:
    path = saved(sequential_mlp(), tmp_path)
    forged = tmp_path / "forged.keras"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(forged, "w") as target:
        for item in source.namelist():
            body = source.read(item)
            if item == "config.json":
                config = json.loads(body)
                layer = config["config"]["layers"][1]
                layer["module"], layer["registered_name"] = "evil", "evil>Dense"
                body = json.dumps(config).encode()
            target.writestr(item, body)

    with pytest.raises(KerasImportError, match=r"hidden \(Dense\), a custom class"):
        convert_model(forged, "classification", 3)


@pytest.mark.parametrize(("layer", "words"), [
    (keras.layers.MaxPooling2D(2, strides=1), "strides"),
    (keras.layers.Conv2D(4, 3, data_format="channels_first"), "data_format"),
])
def test_settings_the_catalog_cannot_express_are_named(tmp_path: Path, layer: keras.Layer,
                                                       words: str) -> None:
    model = keras.Sequential([keras.Input((8, 8, 3)), layer, keras.layers.Flatten(),
                              keras.layers.Dense(1)])
    with pytest.raises(KerasImportError, match=words):
        convert_model(saved(model, tmp_path), "regression", 0)


def test_a_layer_used_twice_is_refused(tmp_path: Path) -> None:
    inputs = keras.Input((4,))
    shared = keras.layers.Dense(4, name="shared")
    model = keras.Model(inputs, shared(shared(inputs)))
    with pytest.raises(KerasImportError, match=r"shared \(Dense\) is used 2 times"):
        convert_model(saved(model, tmp_path), "regression", 0)


def test_a_file_that_is_not_a_keras_zip_says_how_to_save_one(tmp_path: Path) -> None:
    path = tmp_path / "old.h5"
    path.write_bytes(b"\x89HDF\r\n\x1a\n")
    with pytest.raises(KerasImportError, match=r"model.save\('name.keras'\)"):
        convert_model(path, "regression", 0)


def test_weight_groups_follow_keras_class_counters(tmp_path: Path) -> None:
    with zipfile.ZipFile(saved(residual_model(), tmp_path)) as archive:
        graph = read_graph(json.loads(archive.read("config.json")))

    groups = weight_groups(graph, sequential=False)

    assert groups["stem"] == "layers/dense"
    assert groups["inner_b"] == "layers/dense_2"
    assert groups["add"] == "layers/add"
