"""Templates: named starting stacks that fit their kind of data."""

import pytest

from dlstudio.core.errors import UserInputError
from dlstudio.core.model.builder import inspect_stack
from dlstudio.core.model.templates import DATA_KINDS, TEMPLATES, choose_template, get_template
from dlstudio.core.project import layer_tree
from dlstudio.core.project.project import DataSpec, Project

SHAPES = {"table": (20,), "images": (32, 32, 3), "text": (64,), "series": (24, 2)}


def project_with(template, kind):
    project = Project()
    project.data.max_tokens = 3000
    if kind == "text":
        project.data.text_encoding = "sequence"
    if kind == "images":
        project.data.kind, project.data.image_size = "images", [32, 32]
    if template.task is not None:
        project.data.task = template.task
        project.model = template.model_for(project.data)
        return project
    project.model.layers = template.layers(project.data.max_tokens, project.data.sequence_length)
    project.model.template = template.name
    return project


def test_the_required_templates_exist_and_describe_themselves():
    assert {"mlp", "cnn", "resnet", "wide_deep", "lstm", "transformer", "bottleneck",
            "autoencoder", "vae"} <= set(TEMPLATES)
    for name, template in TEMPLATES.items():
        assert template.name == name
        assert template.title and template.doc.endswith(".")
        assert template.kinds and set(template.kinds) <= set(DATA_KINDS)


@pytest.mark.parametrize("template", [t for t in TEMPLATES.values() if t.task is None],
                         ids=lambda t: t.name)  # templates with parts: the test further down
@pytest.mark.parametrize(("task", "classes"), [("classification", 3), ("regression", 0)])
def test_every_template_inspects_ok_on_the_data_it_fits(template, task, classes):
    for kind in template.kinds:
        report = inspect_stack(project_with(template, kind), SHAPES[kind], task, classes)
        assert report.ok, report.first_error().message()
        assert report.rows[-1].role == "head"
        assert report.rows[-1].output_shape == ((3,) if task == "classification" else (1,))
        assert 1_000 < report.total_params < 2_000_000


@pytest.mark.parametrize(("size", "color"), [((8, 8), "grayscale"), ((28, 28), "grayscale"),
                                             ((32, 32), "rgb"), ((64, 48), "rgb")])
def test_the_dcgan_template_inspects_ok_for_its_images_size_and_channels(size, color):
    template = get_template("dcgan")
    project = Project()
    project.data.kind, project.data.task = "images", template.task
    project.data.image_size, project.data.color_mode = list(size), color
    project.model = template.model_for(project.data)
    shape = (*size, 1 if color == "grayscale" else 3)

    report = inspect_stack(project, shape, template.task, 0)

    assert report.ok, report.first_error().message()
    heads = [row for row in report.rows if row.role == "head"]
    assert [row.output_shape for row in heads] == [shape, (1,)]  # an image, then one score


def test_text_templates_size_their_embedding_to_the_vocabulary_and_length():
    for name in ("lstm", "text_cnn", "transformer"):
        embedding = get_template(name).layers(vocabulary_size=1234)[0]
        assert (embedding.type, embedding.params["input_dim"]) == ("Embedding", 1234)
    positions = get_template("transformer").layers(sequence_length=100)[1]
    assert (positions.type, positions.params["max_length"]) == ("PositionalEmbedding", 100)


def test_layers_are_fresh_copies():
    first, second = get_template("mlp").layers(), get_template("mlp").layers()
    first[0].params["units"] = 3
    assert second[0].params["units"] == 256


@pytest.mark.parametrize(("kind", "shape", "expected"), [
    ("images", (64, 64, 3), "cnn"), ("csv", (12,), "mlp"), ("table", (12,), "mlp"),
    ("text", (64,), "lstm"), ("csv", (28, 28, 1), "cnn")])
def test_choose_template_fits_the_data(kind, shape, expected):
    for task in ("classification", "regression"):
        assert choose_template(kind, task, shape).name == expected


def test_an_unknown_template_lists_the_known_ones():
    with pytest.raises(UserInputError, match="unknown template 'vgg'; choose one of mlp, cnn"):
        get_template("vgg")


def block_types(layers):
    """Every row's type, depth-first, blocks before their inner rows."""
    return [row.layer.type for row in layer_tree.walk(layers)]


def test_the_block_templates_show_their_structure_as_blocks():
    assert block_types(get_template("resnet").layers()).count("Residual") == 3
    wide_deep = get_template("wide_deep").layers()
    assert [row.type for row in wide_deep] == ["Branches"]
    wide, deep = wide_deep[0].stacks
    assert [row.params["activation"] for row in wide] == ["linear"]
    assert [row.type for row in deep] == [row.type for row in get_template("mlp").layers()]
    repeat = next(row for row in get_template("transformer").layers() if row.type == "Repeat")
    assert block_types(repeat.stacks[0]) == [
        "Residual", "MultiHeadSelfAttention", "Dropout", "LayerNormalization",
        "Residual", "Dense", "Dense", "Dropout", "LayerNormalization"]


def test_the_resnet_projects_its_shortcut_where_the_filters_change():
    project = project_with(get_template("resnet"), "images")

    report = inspect_stack(project, SHAPES["images"], "classification", 3)

    notes = [row.note for row in report.every_row if row.type == "Residual"]
    assert notes == [None, "adds a 1x1 Conv2D projection 32 → 64 channels",
                     "adds a 1x1 Conv2D projection 64 → 128 channels"]


def test_the_transformer_template_needs_no_projection():
    project = project_with(get_template("transformer"), "text")

    report = inspect_stack(project, SHAPES["text"], "classification", 3)

    assert [row.note for row in report.every_row if row.type == "Residual"] == [None, None]


@pytest.mark.parametrize("template", [t for t in TEMPLATES.values() if t.task is None],
                         ids=lambda t: t.name)  # parts: test_codegen_parts.py
def test_show_code_of_every_template_builds_the_same_weights(template):
    import keras

    from dlstudio.core.model import layers as dlstudio_layers
    from dlstudio.core.model.codegen import model_code

    kind = template.kinds[0]
    project = project_with(template, kind)
    for row in project.model.layers:
        if row.type == "Backbone":  # no ImageNet weights offline; a small input is quicker
            row.params.update(weights="none", input_size=32)
    dtype = "int32" if kind == "text" else "float32"
    features = keras.Input(SHAPES[kind], dtype=dtype)
    namespace = {"keras": keras, "layers": keras.layers, "dlstudio_layers": dlstudio_layers,
                 "features": features, "inputs": features}

    exec(model_code(project, "classification", 3).replace("model.summary()", ""), namespace)

    report = inspect_stack(project, SHAPES[kind], "classification", 3)
    assert namespace["model"].count_params() == report.total_params


@pytest.mark.parametrize("template", [t for t in TEMPLATES.values()
                                      if t.task is not None and "decoder" in t.parts_for(
                                          DataSpec(kind="images"))],
                         ids=lambda t: t.name)  # dcgan, which ends in a score: further up
def test_templates_with_parts_fit_tables_and_images_of_any_even_size(template):
    for kind in template.kinds:
        for shape in ([SHAPES[kind]] if kind != "images" else [(32, 32, 3), (28, 28, 1),
                                                                (12, 20, 1)]):
            project = project_with(template, kind)
            if kind == "images":
                project.data.image_size = list(shape[:2])
                project.model = template.model_for(project.data)
            report = inspect_stack(project, shape, template.task, 0)
            assert report.ok, report.first_error().message()
            assert report.rows[-1].part == "decoder" and report.rows[-1].output_shape == shape


def test_the_old_autoencoder_template_name_reads_as_bottleneck():
    from dlstudio.core.project.project import project_from_json, project_to_json

    project = project_with(get_template("bottleneck"), "table")
    project.model.template = "autoencoder"
    assert project_from_json(project_to_json(project)).model.template == "bottleneck"
