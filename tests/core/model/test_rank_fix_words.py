"""The fix suggested when a layer gets a tensor of the wrong rank says what a person can do."""

from dlstudio.core.model import catalog
from dlstudio.core.model.shape_checks import check_rank


def test_a_2d_layer_after_dense_on_a_table_suggests_removing_it_or_using_dense():
    problem = check_rank(catalog.get("Conv2D"), (16,), "Dense", 0)

    assert problem is not None
    error, fix = problem
    assert "from Dense (layer 1)" in error
    assert fix.startswith("Remove it, or use Dense instead")
    assert "Reshape" not in fix


def test_a_sequence_layer_after_dense_suggests_dense_too():
    _error, fix = check_rank(catalog.get("Conv1D"), (7,), "Dense", 2)

    assert "use Dense" in fix and "Reshape" not in fix


def test_after_flatten_the_fix_still_moves_the_layer_before_it():
    _error, fix = check_rank(catalog.get("Conv2D"), (64,), "Flatten", 1)

    assert fix.startswith("Move it before Flatten")


def test_conv3d_on_an_image_suggests_conv2d_or_a_reshape_to_a_volume():
    error, fix = check_rank(catalog.get("Conv3D"), (32, 32, 3), "Input", None)

    assert error.startswith("Conv3D needs a volume (depth, height, width, channels) but gets "
                            "an image-shaped tensor")
    assert fix.startswith("Use Conv2D for images, or add a Reshape to (depth, height, width")
