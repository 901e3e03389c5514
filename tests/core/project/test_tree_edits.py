"""Structural edits of the layer tree by id: detach and restore give back the same tree."""

from __future__ import annotations

import copy

from dlstudio.core.project import tree_edits
from dlstudio.core.project.project import LayerSpec, ModelSpec
from dlstudio.core.project.tree_edits import Slot


def make_layers() -> list[LayerSpec]:
    model = ModelSpec(layers=[
        LayerSpec.of("Dense"),
        LayerSpec.of("Branches", stacks=[[LayerSpec.of("Dense")], [LayerSpec.of(
            "Residual", stacks=[[LayerSpec.of("Dense"), LayerSpec.of("Dropout")]])]]),
        LayerSpec.of("Dropout"),
    ])
    model.assign_ids()
    return model.layers


def test_slots_name_the_enclosing_block_by_id():
    layers = make_layers()
    assert tree_edits.slot_of(layers, "dropout_1") == Slot("residual_1", 0, 1)
    assert tree_edits.slot_of(layers, "dropout_2") == Slot(None, 0, 2)
    assert tree_edits.slot_of(layers, "residual_1") == Slot("branches_1", 1, 0)


def test_detach_then_restore_gives_back_the_same_tree():
    layers = make_layers()
    before = copy.deepcopy(layers)
    taken = tree_edits.detach(layers, ["dense_3", "residual_1", "dense_1", "dropout_2"])
    assert [layer.id for _, layer in taken] == ["dense_1", "residual_1", "dropout_2"]
    assert [layer.id for layer in layers] == ["branches_1"]
    tree_edits.restore(layers, taken)
    assert layers == before


def test_a_move_target_is_counted_before_the_move_and_never_inside_itself():
    layers = make_layers()
    assert tree_edits.target_after_detach(layers, ["dense_1"], Slot(None, 0, 3)) == Slot(
        None, 0, 2)
    assert not tree_edits.can_move_into(layers, ["branches_1"], "residual_1")
    assert tree_edits.can_move_into(layers, ["dense_1"], "residual_1")
    tree_edits.attach(layers, Slot("residual_1", 0, 99), tree_edits.detach(layers, ["dense_1"])
                      [0][1:])
    assert [row.id for row in layers[0].stacks[1][0].stacks[0]] == [
        "dense_3", "dropout_1", "dense_1"]


def test_input_stacks_are_slots_of_their_group() -> None:
    inputs = {"review": [LayerSpec("Embedding", id="embedding_1")]}
    layers = [LayerSpec("Dense", id="dense_1")]
    assert tree_edits.slot_of(layers, "embedding_1", inputs) == Slot(None, 0, 0, "review")
    taken = tree_edits.detach(layers, ["embedding_1", "dense_1"], inputs)
    assert inputs == {"review": []} and layers == []
    tree_edits.restore(layers, taken, inputs)
    assert [row.id for row in inputs["review"]] == ["embedding_1"] and len(layers) == 1
