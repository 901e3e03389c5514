"""model.parts: named stacks (encoder/decoder, generator/discriminator) read, checked, written."""

import json

import pytest

from dlstudio.core.errors import ProjectError
from dlstudio.core.project import tree_edits
from dlstudio.core.project.project import (
    DataSpec,
    LayerSpec,
    ModelSpec,
    Project,
    project_from_json,
    project_to_json,
)
from dlstudio.core.project.reading import project_from_dict


def autoencoder_project() -> Project:
    parts = {"encoder": [LayerSpec.of("Dense", units=8), LayerSpec.of("Dense", units=2)],
             "decoder": [LayerSpec.of("Dense", units=8)]}
    project = Project(name="ae", data=DataSpec(kind="csv", path="t.csv", target="label",
                                               task="reconstruction", normal_classes=["ok"]),
                      model=ModelSpec(parts=parts, latent_dim=3))
    project.training.autoencoder.anomaly_percentile = 99.0
    return project


def body(project: Project) -> dict:
    return json.loads(project_to_json(project))


def test_parts_round_trip_with_ids_issued_across_parts():
    project = autoencoder_project()
    text = project_to_json(project)
    again = project_from_json(text)
    assert project_to_json(again) == text
    assert again.model.parts.keys() == {"encoder", "decoder"}
    assert [row.id for row in again.model.parts["decoder"]] == ["dense_3"]
    assert again.model.latent_dim == 3
    assert again.data.normal_classes == ["ok"]
    assert again.training.autoencoder.anomaly_percentile == 99.0
    assert again.model.new_id("Dense") == "dense_4"


def test_a_project_without_parts_writes_none_of_the_new_fields():
    written = body(Project())
    assert "parts" not in written["model"] and "latent_dim" not in written["model"]
    assert "normal_classes" not in written["data"]
    assert "autoencoder" not in written["training"]


def test_a_bad_parameter_in_a_part_is_reported_at_its_id_place():
    data = body(autoencoder_project())
    data["model"]["parts"]["decoder"][0]["params"]["units"] = -4
    with pytest.raises(ProjectError) as caught:
        project_from_dict(data)
    assert any(problem.startswith("model.parts.decoder[id=dense_3].params.units")
               for problem in caught.value.problems), caught.value.problems


def test_parts_must_be_those_of_the_task():
    data = body(autoencoder_project())
    data["model"]["parts"]["generator"] = data["model"]["parts"].pop("decoder")
    with pytest.raises(ProjectError) as caught:
        project_from_dict(data)
    message = " ".join(caught.value.problems)
    assert "encoder and decoder" in message and 'add "decoder"' in message
    data = body(autoencoder_project())
    data["data"]["task"] = "classification"
    with pytest.raises(ProjectError) as caught:
        project_from_dict(data)
    assert "trains one stack" in " ".join(caught.value.problems)


def test_a_model_with_parts_keeps_no_main_stack_and_ids_stay_unique():
    data = body(autoencoder_project())
    data["model"]["layers"] = [{"type": "Dense", "params": {"units": 4}}]
    with pytest.raises(ProjectError) as caught:
        project_from_dict(data)
    assert any(problem.startswith("model.layers") and "model.parts" in problem
               for problem in caught.value.problems)
    data = body(autoencoder_project())
    data["model"]["parts"]["decoder"][0]["id"] = "dense_1"
    with pytest.raises(ProjectError) as caught:
        project_from_dict(data)
    assert any("already used at model.parts.encoder[id=dense_1]" in problem
               for problem in caught.value.problems), caught.value.problems


def test_tree_edits_reach_a_part_as_a_side_stack():
    model = autoencoder_project().model
    assert model.side_stacks is model.parts
    assert model.stack_place("decoder") == "model.parts.decoder"
    slot = tree_edits.slot_of(model.layers, "dense_3", model.side_stacks)
    assert slot == tree_edits.Slot(None, 0, 0, "decoder")
    taken = tree_edits.detach(model.layers, ["dense_3"], model.side_stacks)
    assert model.parts["decoder"] == []
    tree_edits.restore(model.layers, taken, model.side_stacks)
    assert [row.id for row in model.parts["decoder"]] == ["dense_3"]
