"""Input stacks: a table's numbers and a text column read as token ids, each through its own
stack, merged before the shared layers."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dlstudio.core.data import load_dataset
from dlstudio.core.errors import ModelBuildError
from dlstudio.core.model.builder import build_model, inspect_stack
from dlstudio.core.project.project import DataSpec, LayerSpec, ModelSpec, Project, TrainingSpec

SHAPES = {"table": (4,), "note": (8,)}


def text_stack(output_dim: int = 8) -> list[LayerSpec]:
    return [LayerSpec.of("Embedding", input_dim=50, output_dim=output_dim),
            LayerSpec.of("GlobalAveragePooling1D")]


def project_with(inputs: dict[str, list[LayerSpec]], merge: str = "concatenate",
                 path: str = "data.csv", epochs: int = 1) -> Project:
    data = DataSpec(kind="csv", path=path, target="label", text_encoding="sequence",
                    max_tokens=50, sequence_length=8)
    model = ModelSpec(layers=[LayerSpec.of("Dense", units=16)], inputs=inputs, merge=merge)
    return Project(name="stacks", data=data, model=model,
                   training=TrainingSpec(epochs=epochs, batch_size=16))


def test_each_input_stack_is_inferred_and_the_merge_feeds_the_layers():
    project = project_with({"table": [LayerSpec.of("Dense", units=8)], "note": text_stack()})

    report = inspect_stack(project, (12,), "classification", 4, SHAPES)

    assert report.ok
    stacks = [(row.input_group, row.type, row.output_shape) for row in report.every_row
              if row.input_group is not None]
    assert stacks == [("table", "Input", (4,)), ("table", "Dense", (8,)),
                      ("note", "Input", (8,)), ("note", "Embedding", (8, 8)),
                      ("note", "GlobalAveragePooling1D", (8,))]
    merged = report.rows[0]
    assert (merged.output_shape, merged.param_count) == ((16,), 40 + 400)
    assert report.rows[1].output_shape == (16,)
    assert report.total_params == 440 + 272 + 68


def test_an_error_in_an_input_stack_is_on_its_row_and_stops_the_layers():
    project = project_with({"table": [LayerSpec.of("GlobalAveragePooling1D")],
                            "note": text_stack()})

    report = inspect_stack(project, (12,), "classification", 4, SHAPES)

    first = report.first_error()
    assert (first.id, first.input_group) == ("global_average_pooling1d_1", "table")
    assert first.label() == ("global_average_pooling1d_1 (GlobalAveragePooling1D, in the input "
                             "stack of table)")
    assert report.rows[0].caused_by == first.id
    assert report.rows[0].error.startswith("In the input stack of table, ")


@pytest.mark.parametrize(("inputs", "merge", "expected"), [
    ({"table": [], "notes": text_stack()}, "concatenate",
     "model.inputs has a stack for notes, but the data's input groups are table, note."),
    ({"table": [LayerSpec.of("Dense", units=8)]}, "concatenate",
     "The text column note arrives as token ids"),
    ({"table": [LayerSpec.of("Dense", units=8)], "note": text_stack(16)}, "add",
     "model.merge joins by add, which needs equal shapes, but the stack of table outputs"),
])
def test_groups_and_merges_that_do_not_fit_say_what_to_do(inputs, merge, expected):
    report = inspect_stack(project_with(inputs, merge), (12,), "classification", 4, SHAPES)

    assert report.rows[0].error.startswith(expected)
    assert report.rows[0].fix


def test_show_code_writes_the_input_stacks_with_the_same_weights():
    import keras

    from dlstudio.core.model.codegen import model_code

    project = project_with({"table": [LayerSpec.of("Dense", units=8)], "note": text_stack()})
    groups = {"table": keras.Input((4,)), "note": keras.Input((8,), dtype="int32")}
    namespace = {"keras": keras, "layers": keras.layers, "groups": groups,
                 "inputs": list(groups.values())}

    exec(model_code(project, "classification", 4).replace("model.summary()", ""), namespace)

    report = inspect_stack(project, (12,), "classification", 4, SHAPES)
    assert namespace["model"].count_params() == report.total_params


@pytest.fixture(scope="module")
def notes_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """240 rows; the class is a keyword in the note (apple/river) and the sign of x, so only a
    model that reads both inputs gets all four classes."""
    rng = np.random.default_rng(0)
    rows = []
    for index in range(240):
        word, x = ("apple", "river")[index % 2], rng.normal()
        words = list(rng.choice("the a some very new old".split(), 4))
        words.insert(int(rng.integers(0, 5)), word)
        rows.append((round(x, 3), " ".join(words), f"{word}_{'up' if x > 0 else 'down'}"))
    path = tmp_path_factory.mktemp("notes") / "notes.csv"
    pd.DataFrame(rows, columns=["x", "note", "label"]).to_csv(path, index=False)
    return path


def test_sequence_mode_with_input_stacks_keeps_every_column(notes_csv):
    project = project_with({"note": text_stack()}, path=str(notes_csv))

    dataset = load_dataset(project)

    assert dataset.input_shapes() == {"table": (1,), "note": (8,)}
    assert [spec.role for spec in dataset.columns] == ["feature", "feature", "target"]
    without = load_dataset(project_with({}, path=str(notes_csv)))
    assert [spec.role for spec in without.columns] == ["ignored", "feature", "target"]


def test_a_model_error_in_an_input_stack_names_the_row(notes_csv):
    project = project_with({"note": [LayerSpec.of("Embedding", input_dim=50, output_dim=8),
                                     LayerSpec.of("Flatten"), LayerSpec.of("Conv1D")]},
                           path=str(notes_csv))

    with pytest.raises(ModelBuildError) as caught:
        build_model(project, load_dataset(project))

    assert caught.value.layer_id == "conv1d_1"
    assert "in the input stack of note" in str(caught.value)


@pytest.mark.slow
def test_a_text_stack_and_a_numeric_stack_merged_learn_what_needs_both(notes_csv, tmp_path):
    from dlstudio.core.export.exporter import export_run
    from dlstudio.core.project.project import save_project
    from dlstudio.core.runs.folder import RunFolder
    from dlstudio.core.training.run import run_training

    project = project_with({"table": [LayerSpec.of("Dense", units=8)], "note": text_stack()},
                           path=str(notes_csv), epochs=25)
    project.training.learning_rate = 0.01
    save_project(project, tmp_path / "project.dlstudio.json")

    run = run_training(project, lambda event: None, runs_dir=tmp_path / "runs").run.path
    export = export_run(run, "savedmodel", tmp_path / "savedmodel")

    metrics = pd.read_csv(RunFolder(run).metrics_path)
    assert metrics["val_accuracy"].max() >= 0.85  # keyword alone: 0.5, sign alone: 0.5
    assert export.check.passed
    assert {spec["name"] for spec in export.inputs} == {"x", "note"}


@pytest.mark.slow
def test_the_generated_script_of_input_stacks_trains(notes_csv, tmp_path):
    import os
    import subprocess
    import sys

    from dlstudio.core.model.codegen import generate_script

    project = project_with({"table": [LayerSpec.of("Dense", units=8)], "note": text_stack()},
                           path=str(notes_csv))
    script = tmp_path / "train.py"
    script.write_text(generate_script(project), encoding="utf-8")
    root = Path(__file__).resolve().parents[3]
    environment = {**os.environ, "PYTHONPATH": str(root), "TF_CPP_MIN_LOG_LEVEL": "3",
                   "CUDA_VISIBLE_DEVICES": "-1"}

    result = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                            env=environment, timeout=240, cwd=tmp_path)

    assert result.returncode == 0, result.stderr[-3000:]
    assert 'groups["table"]' in script.read_text() and "Test:" in result.stdout
