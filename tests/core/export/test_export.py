"""Exports: written, reloaded and checked; the SavedModel works in a Python without dlstudio."""

import json
import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from dlstudio.core.errors import UserInputError
from dlstudio.core.evaluation.predict import predict_to_csv
from dlstudio.core.export import exporter as export
from dlstudio.core.export.exporter import export_run
from dlstudio.core.export.reload_check import CHECK_ATOL, ExportCheck, ExportCheckError, compare

RAW_CSV = """colour,note,size
red,first,9.1
blue,second,
purple,third,5.2
,fourth,1.0
green,fifth,NA
"""


def readme_program(export_dir):
    """Return the Python example from the export's README.txt."""
    text = (export_dir / "README.txt").read_text(encoding="utf-8")
    return text.split("```python\n", 1)[1].split("\n```", 1)[0]


def run_fresh(program, cwd):
    """Run ``program`` in a new Python and return its ``outputs`` array.

    The program must not import dlstudio or Keras: the export has to work with TensorFlow only.
    """
    program += (
        "\nimport json, sys\n"
        "assert 'dlstudio' not in {name.split('.')[0] for name in sys.modules}\n"
        "print('OUTPUTS ' + json.dumps(outputs.tolist()))\n")
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "CUDA_VISIBLE_DEVICES": "-1"}
    env.pop("PYTHONPATH", None)
    finished = subprocess.run([sys.executable, "-c", program], cwd=cwd, env=env,
                              capture_output=True, text=True, timeout=120)
    assert finished.returncode == 0, finished.stderr[-3000:]
    line = next(line for line in finished.stdout.splitlines() if line.startswith("OUTPUTS "))
    return np.array(json.loads(line.removeprefix("OUTPUTS ")))


@pytest.mark.slow
def test_savedmodel_folder_holds_model_metadata_labels_and_readme(csv_savedmodel):
    folder = csv_savedmodel.path
    assert (folder / "saved_model.pb").is_file()
    assert (folder / "labels.txt").read_text(encoding="utf-8") == "a\nb\nc\n"
    metadata = json.loads((folder / "dlstudio_export.json").read_text(encoding="utf-8"))
    assert metadata["task"] == "classification"
    assert metadata["class_names"] == ["a", "b", "c"]
    inputs = {spec["name"]: spec for spec in metadata["inputs"]}
    assert inputs["size"] == {"name": "size", "dtype": "float32", "shape": [None, 1],
                              "column": "size"}
    assert inputs["colour"]["dtype"] == "string" and inputs["colour"]["column"] == "colour"
    assert metadata["output"] == "output_0"
    assert metadata["check"]["max_abs_diff"] <= CHECK_ATOL
    assert csv_savedmodel.check.passed and csv_savedmodel.check.split == "validation"
    assert csv_savedmodel.check.samples == 9
    summary = "\n".join(csv_savedmodel.summary_lines())
    assert "size (float32, column 'size')" in summary and "1e-05" in summary


@pytest.mark.slow
def test_savedmodel_in_fresh_tensorflow_process_matches_raw_csv_values(csv_run, csv_savedmodel,
                                                                       tmp_path):
    raw = tmp_path / "raw.csv"
    raw.write_text(RAW_CSV, encoding="utf-8")
    program = readme_program(csv_savedmodel.path)
    assert 'DATA = "new_data.csv"' in program and "import keras" not in program

    outputs = run_fresh(program.replace('DATA = "new_data.csv"', f"DATA = {str(raw)!r}"),
                        tmp_path)

    predict_to_csv(csv_run.run, raw, tmp_path / "expected.csv")
    expected = pd.read_csv(tmp_path / "expected.csv")
    assert expected["sample"].tolist() == [f"row {n}" for n in range(1, 6)]
    np.testing.assert_allclose(outputs, expected[["prob_a", "prob_b", "prob_c"]].to_numpy(),
                               atol=1e-5)
    assert np.isfinite(outputs).all()  # the NaN and the unseen "purple" are handled inside


@pytest.mark.slow
def test_image_savedmodel_in_fresh_process_takes_images_of_any_size(image_run, tmp_path,
                                                                   write_image):
    result = export_run(image_run.run, "savedmodel", tmp_path / "images_model")
    photos = tmp_path / "photos"
    write_image(photos / "wide.png", 60, (31, 23), 7)
    write_image(photos / "tall.png", 200, (12, 40), 8)
    program = readme_program(result.path)
    assert 'IMAGES = ["photo.jpg"]' in program

    files = [str(photos / "tall.png"), str(photos / "wide.png")]
    outputs = run_fresh(program.replace('IMAGES = ["photo.jpg"]', f"IMAGES = {files!r}"),
                        tmp_path)

    predict_to_csv(image_run.run, photos, tmp_path / "expected.csv")
    expected = pd.read_csv(tmp_path / "expected.csv")
    assert expected["sample"].tolist() == ["tall.png", "wide.png"]
    assert outputs.shape == (2, 1)
    np.testing.assert_allclose(outputs[:, 0], expected["prob_light"], atol=1e-5)


@pytest.mark.slow
def test_keras_export_loads_with_safe_mode_and_predicts_the_same(csv_run, tmp_path):
    import keras
    import tensorflow as tf

    import dlstudio.core.model.layers  # noqa: F401
    from dlstudio.core.evaluation.evaluate import open_run

    result = export_run(csv_run.run, "keras", tmp_path / "model.keras")

    assert result.path == tmp_path / "model.keras" and result.check.passed
    reloaded = keras.saving.load_model(result.path, safe_mode=True)
    inputs = {"size": tf.constant([[1.0], [np.nan]]), "colour": tf.constant([["red"], ["blue"]])}
    trained = open_run(csv_run.run).model
    np.testing.assert_allclose(reloaded(inputs, training=False),
                               trained(inputs, training=False), atol=1e-6)
    metadata = json.loads((tmp_path / "model.dlstudio_export.json").read_text())
    assert metadata["class_names"] == ["a", "b", "c"] and "safe_mode=True" in metadata["load"]


@pytest.mark.slow
def test_existing_export_is_kept_unless_overwrite(csv_run, tmp_path):
    target = tmp_path / "model.keras"
    target.write_text("an older file")
    with pytest.raises(UserInputError, match="already exists.*--force"):
        export_run(csv_run.run, "keras", target)
    assert target.read_text() == "an older file"


@pytest.mark.slow
def test_failed_check_raises_and_leaves_nothing_behind(csv_run, tmp_path, monkeypatch,
                                                       checked_in_process):
    def mismatch(expected, actual, split):
        return ExportCheck(len(expected), split, 0.5, passed=False)

    monkeypatch.setattr(export, "compare", mismatch)
    with pytest.raises(ExportCheckError, match="largest difference is 0.5.*not kept"):
        export_run(csv_run.run, "savedmodel", tmp_path / "bad")
    assert list(tmp_path.iterdir()) == []


def test_unknown_format_is_refused(tmp_path):
    with pytest.raises(UserInputError, match="unknown export format 'tflite'.*keras, onnx, litert"):
        export_run(tmp_path, "tflite", tmp_path / "x")


def test_keras_export_path_must_end_in_dot_keras(tmp_path):
    with pytest.raises(UserInputError, match=r"ending in \.keras; use .*model\.keras"):
        export._keras_target(tmp_path / "model.h5")
    assert export._keras_target(tmp_path) == tmp_path / "model.keras"


def test_a_non_export_folder_is_never_replaced(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(UserInputError, match="holds other files"):
        export._check_target(tmp_path, overwrite=True, folder=True)


def test_compare_within_tolerance_and_beyond():
    expected = np.array([[0.5, 0.5], [1000.0, np.nan]])
    close = compare(expected, expected + np.array([[4e-6, 0], [5e-3, 0]]), "validation")
    assert close.passed and close.max_abs_diff == pytest.approx(5e-3)
    far = compare(expected, expected + np.array([[2e-5, 0], [0, 0]]), "validation")
    assert not far.passed and far.max_abs_diff == pytest.approx(2e-5)
    assert not compare(expected, np.zeros((2, 1)), "test").passed
    assert not compare(np.array([[1.0]]), np.array([[np.nan]]), "test").passed


@pytest.mark.parametrize("kind, task, class_names, units", [
    ("csv", "regression", [], 1),
    ("csv", "classification", ["no", "yes"], 1),
    ("images", "classification", ["cat", "dog", "fox"], 3),
])
def test_readme_example_is_valid_python_for_every_kind(kind, task, class_names, units, tmp_path):
    from dlstudio.core.export.readme import readme_text

    inputs = ([{"name": "age", "dtype": "float32", "shape": [None, 1], "column": "age"},
               {"name": "city", "dtype": "string", "shape": [None, 1], "column": "city"}]
              if kind == "csv" else
              [{"name": "image", "dtype": "float32", "shape": [None, None, None, 1]}])
    metadata = {"run": {"name": "demo"}, "task": task, "class_names": class_names,
                "data_kind": kind, "signature": "serving_default", "output": "output_0",
                "output_units": units, "inputs": inputs, "csv": {"delimiter": ";"},
                "image": {"channels": 1}}

    text = readme_text(metadata, tmp_path / "export")
    program = text.split("```python\n", 1)[1].split("\n```", 1)[0]

    compile(program, "README.txt", "exec")
    assert "import keras" not in program and "dlstudio" not in program
    if kind == "csv":
        assert 'delimiter=";"' in program and '"city": tf.constant([[text(row["city"])]' in program
    else:
        assert "rgb_to_grayscale" in program
    if task == "regression":
        assert "the predicted value" in text
    elif units == 1:
        assert 'the probability of class "yes"' in text


@pytest.fixture
def checked_in_process(monkeypatch):
    """Run the export check in this process, through the same loader as the fresh one, for
    tests about other things (the fresh process itself is tested above and in
    test_export_formats.py): importing TensorFlow again costs seconds per export."""
    from dlstudio.core.export.check import check_one

    monkeypatch.setattr(export, "check_in_fresh_process",
                        lambda paths, samples: [check_one(str(path), samples) for path in paths])


@pytest.fixture
def umask_027():
    """Run the test under umask 027, so new files are 0640 and new folders 0750."""
    previous = os.umask(0o027)
    yield
    os.umask(previous)


@pytest.mark.slow
def test_savedmodel_gets_the_permissions_of_new_files_and_folders(csv_run, tmp_path, umask_027,
                                                                  checked_in_process):
    folder = export_run(csv_run.run, "savedmodel", tmp_path / "shared").path

    assert folder.stat().st_mode & 0o777 == 0o750
    for path in folder.rglob("*"):
        assert path.stat().st_mode & 0o777 == (0o750 if path.is_dir() else 0o640), path


@pytest.mark.slow
def test_keras_export_gets_the_permissions_of_a_new_file(csv_run, tmp_path, umask_027,
                                                        checked_in_process):
    result = export_run(csv_run.run, "keras", tmp_path / "model.keras")

    assert result.path.stat().st_mode & 0o777 == 0o640
    assert result.metadata_path.stat().st_mode & 0o777 == 0o640


def test_new_mode_follows_the_umask(umask_027):
    assert export.new_mode(folder=True) == 0o750
    assert export.new_mode(folder=False) == 0o640
    os.umask(0o002)
    assert (export.new_mode(folder=True), export.new_mode(folder=False)) == (0o775, 0o664)
