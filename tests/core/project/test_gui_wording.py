"""Core messages rewritten in the words of the window (no project-file paths)."""

from dlstudio.core.project.project import LayerSpec, ModelSpec, Project
from dlstudio.core.project.wording import in_gui_words, row_words


def test_columns_and_the_target_are_named_as_the_data_tab_shows_them():
    text = in_gui_words("t.csv: no column is left to learn from (every column besides the "
                        "target is ignored); set a column's role to feature in data.columns")
    assert "data.columns" not in text
    assert text.endswith("set a column's role to feature in the Columns table on the Data tab")
    text = in_gui_words("t.csv: target column 'Species' is not in the file; its columns are: a, "
                        "b — set data.target to one of them")
    assert "the column Species is not in the file" in text
    assert "data.target" not in text and "Target on the Data tab" in text


def test_layers_are_named_by_number_and_type():
    project = Project(model=ModelSpec(layers=[LayerSpec.of("Dense"), LayerSpec.of("Dropout"),
                                              LayerSpec.of("Conv2D")]))
    text = in_gui_words("model.layers[2].params.filters: expected an integer ≥ 1, got 0", project)

    assert text == "layer 3, Conv2D (its setting “filters”): expected an integer ≥ 1, got 0"
    assert in_gui_words("training.batch_size must be ≥ 1").startswith(
        "the training setting “batch size”")


def test_layers_placed_by_id_are_named_as_the_stack_shows_them():
    project = Project(model=ModelSpec(layers=[
        LayerSpec.of("Dense"), LayerSpec.of("Residual", stacks=[[LayerSpec.of("Conv2D")]])]))

    top = in_gui_words("model.layers[id=dense_1].params.units: bad", project)
    inner = in_gui_words("model.layers[id=residual_1].stacks[0][id=conv2d_1].params.filters: bad",
                         project)

    assert top == "layer 1, Dense (its setting “units”): bad"
    assert inner == "Conv2D in residual_1 (its setting “filters”): bad"


def wide_and_deep() -> Project:
    return Project(model=ModelSpec(layers=[
        LayerSpec.of("Dense"),
        LayerSpec.of("Branches", stacks=[
            [LayerSpec.of("Dense")],
            [LayerSpec.of("Conv2D"), LayerSpec.of("Residual", stacks=[[
                LayerSpec.of("Conv2D"), LayerSpec.of("Conv2D")]])]])]))


def test_inner_rows_are_named_by_their_blocks_and_branches():
    layers = wide_and_deep().model.layers

    assert row_words(layers, "dense_1") == "layer 1, Dense"
    assert row_words(layers, "dense_2") == "Dense in branch 1 of branches_1"
    assert row_words(layers, "conv2d_1") == "Conv2D in branch 2 of branches_1"
    assert row_words(layers, "conv2d_3") == (
        "Conv2D “conv2d_3” in residual_1 in branch 2 of branches_1")
    assert row_words(layers, "nowhere") is None


def test_shape_report_labels_read_as_the_window_names_rows():
    project = wide_and_deep()
    text = in_gui_words("Inside this block, conv2d_1 (Conv2D, inside layer 2): the input must "
                        "be an image; layer 1 (Dense) outputs (8,)", project)

    assert text == ("Inside this block, Conv2D in branch 2 of branches_1: the input must be an "
                    "image; layer 1, Dense outputs (8,)")


def test_rows_of_input_stacks_are_named_by_their_group():
    text = in_gui_words("embedding_1 (Embedding, in the input stack of review): needs token ids")

    assert text == "Embedding in the input stack of review: needs token ids"
