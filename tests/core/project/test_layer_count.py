"""One layer count for the whole model: inner stacks and input stacks count, blocks do not."""

from __future__ import annotations

from dlstudio.core.project import layer_tree
from dlstudio.core.project.project import LayerSpec, ModelSpec


def _model() -> ModelSpec:
    inner = [LayerSpec.of("Dense", units=4), LayerSpec.of("Dropout")]
    residual = LayerSpec.of("Residual", stacks=[inner])
    return ModelSpec(layers=[LayerSpec.of("Dense", units=8), residual],
                     inputs={"review": [LayerSpec.of("Embedding"), LayerSpec.of("Flatten")],
                             "table": []})


def test_counts_inner_rows_and_input_stacks_but_not_blocks() -> None:
    model = _model()
    assert layer_tree.count_layers(model.layers) == 3
    assert layer_tree.count_layers(model.layers, model.inputs) == 5


def test_counts_the_saved_json_form_the_same_way() -> None:
    body = _model().to_dict()
    assert layer_tree.count_layers(body["layers"], body["inputs"]) == 5


def test_an_empty_block_is_no_layer() -> None:
    assert layer_tree.count_layers([LayerSpec.of("Residual")]) == 0
    assert layer_tree.count_layers([{"type": "Residual", "stacks": [[]]}]) == 0
