"""The project file: round trips, validation with exact places, migration, atomic saves."""

import json
import os
from pathlib import Path

import pytest

from dlstudio.core.errors import ProjectError
from dlstudio.core.project.project import (
    SCHEMA_VERSION,
    ColumnSpec,
    LayerSpec,
    Project,
    load_project,
    save_project,
)
from dlstudio.core.project.reading import project_from_dict


def _example_project(data_file: Path) -> Project:
    project = Project(name="Churn")
    project.data.path = str(data_file)
    project.data.target = "churned"
    project.data.columns = [
        ColumnSpec("customer_id", role="ignored", kind="identifier"),
        ColumnSpec("age", kind="numeric"),
        ColumnSpec("churned", role="target", kind="categorical"),
    ]
    project.model.layers = [LayerSpec.of("Dense", units=16), LayerSpec.of("Dropout", rate=0.2)]
    project.training.schedule.kind = "cosine"
    return project


def test_save_then_load_gives_an_equal_project(tmp_path):
    data_file = tmp_path / "data" / "churn.csv"
    data_file.parent.mkdir()
    data_file.write_text("a\n1\n")
    project = _example_project(data_file)

    saved = save_project(project, tmp_path / "p.dlstudio.json")
    loaded = load_project(saved)

    assert loaded == project
    assert loaded.path == saved
    assert loaded.data.path == os.path.join("data", "churn.csv")
    assert loaded.data_path() == data_file.resolve()


def test_file_starts_with_schema_version_and_is_readable_json(tmp_path):
    path = save_project(Project(), tmp_path / "p.dlstudio.json")
    text = path.read_text()
    assert text.lstrip().startswith(f'{{\n  "schema_version": {SCHEMA_VERSION}')
    assert json.loads(text)["schema_version"] == SCHEMA_VERSION


def test_every_problem_is_reported_with_its_place():
    data = Project().to_dict()
    data["model"]["layers"] = [
        {"type": "Dense", "params": {"units": -4}},
        {"type": "Dence"},
        {"type": "Dropout", "params": {"rate": 0.2, "seed": 3}},
    ]
    data["training"]["epochs"] = 0
    data["training"]["optimiser"] = "adam"
    data["split"]["train"] = 0.9

    with pytest.raises(ProjectError) as caught:
        project_from_dict(data, source="p.json")

    problems = caught.value.problems
    assert "model.layers[0].params.units: expected an integer >= 1 and <= 65536, got -4" in problems
    assert any(p.startswith("model.layers[1].type: unknown layer type \"Dence\"; did you mean "
                            "Dense") for p in problems)
    assert any(p.startswith("model.layers[2].params.seed: Dropout has no such parameter")
               for p in problems)
    assert any(p.startswith("training.epochs: expected an integer >= 1") for p in problems)
    assert any(p.startswith("training.optimiser: unknown setting") for p in problems)
    assert any(p.startswith("split: train + validation + test must add up to 1") for p in problems)
    assert str(caught.value).startswith("p.json: 6 problems:")


def test_missing_layer_parameters_take_catalog_defaults():
    data = Project().to_dict()
    data["model"]["layers"] = [{"type": "Dense", "params": {"units": 3}}]
    project = project_from_dict(data)
    assert project.model.layers[0].params == {
        "units": 3, "activation": "relu", "use_bias": True,
        "kernel_initializer": "glorot_uniform", "kernel_regularizer": "none",
    }


def test_regularizer_values_are_checked_and_normalized():
    data = Project().to_dict()
    data["model"]["layers"] = [
        {"type": "Dense", "params": {"kernel_regularizer": {"kind": "l2", "l2": 0.001}}},
        {"type": "Dense", "params": {"kernel_regularizer": {"kind": "l3"}}},
    ]
    with pytest.raises(ProjectError) as caught:
        project_from_dict(data)
    assert len(caught.value.problems) == 1
    assert caught.value.problems[0].startswith("model.layers[1].params.kernel_regularizer:")


def test_truncated_file_says_it_is_not_valid_json(tmp_path):
    path = save_project(_example_project(tmp_path / "x.csv"), tmp_path / "p.dlstudio.json")
    path.write_text(path.read_text()[:120])
    with pytest.raises(ProjectError, match=r"is not valid JSON \(line \d+, column \d+"):
        load_project(path)


def test_missing_file_names_the_path(tmp_path):
    with pytest.raises(ProjectError, match="nope.dlstudio.json: file not found"):
        load_project(tmp_path / "nope.dlstudio.json")


def test_newer_schema_version_asks_for_an_upgrade():
    with pytest.raises(ProjectError, match="upgrade dlstudio"):
        project_from_dict({"schema_version": SCHEMA_VERSION + 1})


def test_version_zero_files_are_migrated():
    old = {"name": "old", "layers": [{"type": "Dense", "params": {"units": 5}}]}
    project = project_from_dict(old)
    assert project.model.layers[0].params["units"] == 5
    assert project.to_dict()["schema_version"] == SCHEMA_VERSION


def test_save_is_atomic_when_writing_fails(tmp_path, monkeypatch):
    path = save_project(Project(name="first"), tmp_path / "p.dlstudio.json")
    before = path.read_bytes()

    def broken_replace(source, target):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError):
        save_project(Project(name="second"), path)

    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["p.dlstudio.json"]


def test_layer_spec_of_rejects_unknown_types_and_bad_values():
    with pytest.raises(ProjectError, match="did you mean Dense"):
        LayerSpec.of("Dens")
    with pytest.raises(ProjectError, match="Dense.units: expected an integer"):
        LayerSpec.of("Dense", units=0)


def test_short_number_lists_stay_on_one_line_and_strings_are_untouched(tmp_path):
    project = Project(name="a,   b [1, 2]")
    project.data.image_size = [32, 48]
    project.model.layers = [LayerSpec.of("Dense", units=4)]
    text = save_project(project, tmp_path / "p.dlstudio.json").read_text()
    assert '"image_size": [32, 48],' in text
    assert '"name": "a,   b [1, 2]"' in text
    assert load_project(tmp_path / "p.dlstudio.json") == project


def test_saved_files_get_normal_permissions_and_keep_their_own(tmp_path):
    path = save_project(Project(), tmp_path / "p.dlstudio.json")
    umask = os.umask(0)
    os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask
    path.chmod(0o640)
    save_project(Project(name="again"), path)
    assert path.stat().st_mode & 0o777 == 0o640
