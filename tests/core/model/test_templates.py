"""Templates: named starting stacks that fit their kind of data."""

import pytest

from dlstudio.core.errors import UserInputError
from dlstudio.core.model.builder import inspect_stack
from dlstudio.core.model.templates import DATA_KINDS, TEMPLATES, choose_template, get_template
from dlstudio.core.project.project import Project

SHAPES = {"table": (20,), "images": (32, 32, 3), "text": (64,)}


def project_with(template, kind):
    project = Project()
    project.data.max_tokens = 3000
    if kind == "text":
        project.data.text_encoding = "sequence"
    project.model.layers = template.layers(project.data.max_tokens, project.data.sequence_length)
    project.model.template = template.name
    return project


def test_the_required_templates_exist_and_describe_themselves():
    assert {"mlp", "cnn", "lstm", "transformer", "autoencoder"} <= set(TEMPLATES)
    for name, template in TEMPLATES.items():
        assert template.name == name
        assert template.title and template.doc.endswith(".")
        assert template.kinds and set(template.kinds) <= set(DATA_KINDS)


@pytest.mark.parametrize("template", TEMPLATES.values(), ids=lambda t: t.name)
@pytest.mark.parametrize(("task", "classes"), [("classification", 3), ("regression", 0)])
def test_every_template_inspects_ok_on_the_data_it_fits(template, task, classes):
    for kind in template.kinds:
        report = inspect_stack(project_with(template, kind), SHAPES[kind], task, classes)
        assert report.ok, report.first_error().message()
        assert report.rows[-1].role == "head"
        assert report.rows[-1].output_shape == ((3,) if task == "classification" else (1,))
        assert 1_000 < report.total_params < 2_000_000


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
    with pytest.raises(UserInputError, match="unknown template 'resnet'; choose one of mlp, cnn"):
        get_template("resnet")
