"""``dlstudio import MODEL.keras --data DATA -o PROJECT``: a project from a plain Keras model."""

from pathlib import Path

import keras

from dlstudio import cli
from dlstudio.core.data import load_dataset
from dlstudio.core.project.from_data import new_project
from dlstudio.core.project.project import load_project


def run_cli(capsys, *arguments):
    status = cli.main([str(item) for item in arguments])
    out, err = capsys.readouterr()
    return status, out, err


def width_of(data: Path) -> int:
    return load_dataset(new_project(data, "label")).feature_shape()[0]


def test_import_writes_the_project_and_its_weights(capsys, toy_csv, tmp_path):
    model = keras.Sequential([keras.Input((width_of(toy_csv),)),
                              keras.layers.Dense(12, activation="tanh", name="hidden"),
                              keras.layers.Dense(3, activation="softmax")])
    model.save(tmp_path / "mlp.keras")
    project_path = tmp_path / "mlp.dlstudio.json"

    status, out, _ = run_cli(capsys, "import", tmp_path / "mlp.keras", "--data", toy_csv,
                             "--target", "label", "-o", project_path)

    assert status == 0
    assert "2 of 2 layer(s) fit" in out
    project = load_project(project_path)
    assert [(row.id, row.params["units"]) for row in project.model.layers] == [("hidden", 12)]
    assert project.model.initial_weights == "mlp.weights.h5"
    assert (tmp_path / "mlp.weights.h5").is_file()


def test_a_lambda_layer_is_one_line_and_status_2(capsys, toy_csv, tmp_path):
    model = keras.Sequential([keras.Input((width_of(toy_csv),)),
                              keras.layers.Lambda(lambda t: t * 3, name="triple"),
                              keras.layers.Dense(3, activation="softmax")])
    model.save(tmp_path / "lambda.keras")

    status, _, err = run_cli(capsys, "import", tmp_path / "lambda.keras", "--data", toy_csv,
                             "-o", tmp_path / "l.dlstudio.json")

    lines = err.strip().splitlines()
    assert status == 2 and len(lines) == 1, err
    assert lines[0].startswith("dlstudio: error: ") and "triple (Lambda)" in lines[0]
    assert not (tmp_path / "l.dlstudio.json").exists()


def test_the_project_may_not_replace_the_model(capsys, toy_csv, tmp_path):
    model_file = tmp_path / "m.keras"
    keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)]).save(model_file)

    status, _, err = run_cli(capsys, "import", model_file, "--data", toy_csv, "-o", model_file,
                             "--force")

    assert status == 2 and "never replaces its inputs" in err
    assert model_file.stat().st_size > 0
