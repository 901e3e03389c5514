"""Blocks in shape inference and the builder: every inner row reported by id, functional models."""

import numpy as np
import pytest
from test_builder import TinyDataset  # the same folder: pytest puts it on the path

from dlstudio.core.errors import ModelBuildError
from dlstudio.core.model import blocks
from dlstudio.core.model.builder import build_model, inspect_stack
from dlstudio.core.project.project import LayerSpec, ModelSpec, Project

L = LayerSpec.of


def project_with(*layers):
    return Project(model=ModelSpec(layers=list(layers)))


def resnet_like():
    return project_with(
        L("Conv2D", filters=8),
        L("Residual", stacks=[[L("Conv2D", filters=16, strides=[2, 2]),
                               L("BatchNormalization")]]),
        L("Repeat", count=2, stacks=[[L("Residual", stacks=[[L("Conv2D", filters=16)]])]]),
        L("Branches", stacks=[[L("Conv2D", filters=4)], [L("MaxPooling2D", pool_size=[1, 1])]]),
        L("Skip", merge="add", stacks=[[L("Conv2D", filters=20)]]),
        L("GlobalAveragePooling2D"),
    )


def test_every_inner_row_is_reported_by_id_and_the_counts_match_the_built_model():
    project = resnet_like()
    report = inspect_stack(project, (12, 12, 3), "classification", 3)
    assert report.ok
    rows = report.by_id
    assert [row.type for row in report.rows] == [
        "Input", "Conv2D", "Residual", "Repeat", "Branches", "Skip", "GlobalAveragePooling2D",
        "Dense"]
    inner = rows["conv2d_2"]
    assert (inner.depth, inner.parent, inner.stack, inner.top_index, inner.index) == (
        1, "residual_1", 0, 1, None)
    assert inner.output_shape == (6, 6, 16)
    assert rows["conv2d_3"].depth == 2 and rows["conv2d_3"].parent == "residual_2"
    assert rows["residual_1"].note == "adds a 1x1 Conv2D projection 8 → 16 channels (strides 2x2)"
    assert rows["branches_1"].output_shape == (6, 6, 20)
    assert report.top_level(3).id == "branches_1"

    model = build_model(project, TinyDataset((12, 12, 3)))
    assert model.count_params() == report.total_params
    names = {layer.name for layer in model.layers}
    assert {"conv2d_2", "residual_1_projection", "residual_1_add", "conv2d_3", "conv2d_3_r2",
            "branches_1_concatenate", "skip_1_add", "output"} <= names
    prediction = model.predict({"features": np.ones((2, 12, 12, 3), "float32")}, verbose=0)
    assert prediction.shape == (2, 3)


def test_repeat_makes_copies_with_their_own_weights():
    one = inspect_stack(project_with(L("Dense", units=8)), (8,), "regression", 0)
    three = inspect_stack(project_with(L("Repeat", count=3, stacks=[[L("Dense", units=8)]])),
                          (8,), "regression", 0)
    assert three.by_id["repeat_1"].param_count == 3 * one.by_id["dense_1"].param_count


def test_a_problem_inside_a_block_is_on_the_row_that_causes_it():
    project = project_with(L("Dense", units=4),
                           L("Residual", stacks=[[L("Dense", units=4), L("Conv2D")]]))
    report = inspect_stack(project, (6,), "classification", 3)
    cause = report.first_error()
    assert cause.id == "conv2d_1" and cause.depth == 1
    assert "Conv2D needs an image-shaped input" in cause.error
    block = report.by_id["residual_1"]
    assert block.caused_by == "conv2d_1" and block.error.startswith("Inside this block, conv2d_1")
    with pytest.raises(ModelBuildError) as caught:
        build_model(project, TinyDataset((6,)))
    assert caught.value.layer_id == "conv2d_1" and caught.value.layer_index == 1
    assert str(caught.value).startswith("conv2d_1 (Conv2D, inside layer 2): Conv2D needs")


def test_a_residual_without_projection_says_how_to_fix_it():
    project = project_with(L("Residual", projection="none", stacks=[[L("Dense", units=8)]]))
    row = inspect_stack(project, (4,), "classification", 3).by_id["residual_1"]
    assert "their sizes differ and its projection is none" in row.error
    assert row.fix.startswith("Set projection to auto")
    auto = project_with(L("Residual", stacks=[[L("Dense", units=8)]]))
    report = inspect_stack(auto, (4,), "classification", 3)
    assert report.by_id["residual_1"].note == "adds a Dense projection 4 → 8 features"
    assert report.by_id["residual_1"].param_count == (4 + 1) * 8 + (4 + 1) * 8


def test_branches_that_do_not_fit_their_merge_are_refused_on_the_block():
    project = project_with(L("Branches", merge="add", stacks=[[L("Dense", units=3)],
                                                               [L("Dense", units=5)]]))
    report = inspect_stack(project, (4,), "classification", 3)
    row = report.first_error()
    assert row.id == "branches_1"
    assert "branch 1 outputs (3,) and branch 2 outputs (5,)" in row.error
    assert "set merge to concatenate" in row.fix


def test_a_problem_only_a_later_repeat_copy_meets_is_put_on_its_row():
    project = project_with(L("Repeat", count=3, stacks=[[L("Conv1D", filters=4, kernel_size=3,
                                                          padding="valid")]]))
    report = inspect_stack(project, (5, 2), "classification", 3)
    row = report.first_error()
    assert row.id == "conv1d_1"
    assert row.error.startswith("In copy 3 of 3: Conv1D would shrink its input")


@pytest.mark.parametrize(("shape_in", "shape_out", "expected"), [
    ((8, 8, 16), (8, 8, 32), ("Conv2D", (1, 1))),
    ((9, 9, 16), (5, 5, 16), ("Conv2D", (2, 2))),
    ((10, 4), (5, 8), ("Conv1D", (2,))),
    ((4,), (8,), ("Dense", ())),
])
def test_residual_projections_follow_the_shapes(shape_in, shape_out, expected):
    projection, problem = blocks.residual_projection("auto", shape_in, shape_out)
    assert problem is None
    assert (projection.layer, projection.strides) == expected
    layer = projection.build("p")
    import keras

    assert tuple(layer(keras.KerasTensor((None, *shape_in))).shape[1:]) == shape_out
    assert layer.count_params() == projection.param_count


def test_residual_refuses_shapes_no_projection_can_match():
    assert blocks.residual_projection("auto", (8, 8, 3), (10, 10, 3))[1] is not None
    assert "different kinds" in blocks.residual_projection("auto", (8, 8, 3), (12,))[1][0]
    assert blocks.merge_shape("concatenate", [(4, 4, 2), (4, 4, None)], ["a", "b"], "Skip") == (
        (4, 4, None), None)
