"""ONNX and LiteRT exports: written, checked in a fresh process, reported, and predicted with."""

import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from dlstudio.core.errors import UserInputError
from dlstudio.core.evaluation.predict import predict_to_csv
from dlstudio.core.export.encoding import ENCODER_FILE, ENCODING_FILE
from dlstudio.core.export.exporter import export_run

NEW_ROWS = "size,colour\n1.2,blue\n,red\n9.4,purple\n5.0,\n"


def readme_program(export_dir):
    """Return the Python example from the export's README.txt."""
    text = (export_dir / "README.txt").read_text(encoding="utf-8")
    return text.split("```python\n", 1)[1].split("\n```", 1)[0]


@pytest.mark.slow
def test_onnx_of_a_table_takes_encoded_inputs_and_predicts_like_the_run(csv_run, tmp_path):
    result = export_run(csv_run.run, "onnx", tmp_path / "onnx")

    report = result.report
    assert result.check.passed and report.max_abs_diff <= 1e-4
    assert report.metric == "accuracy" and report.metric_export == report.metric_model
    assert report.size_bytes > 0 and report.sample_ms > 0 and report.batch_ms > 0
    for name in ("model.onnx", ENCODING_FILE, ENCODER_FILE, "README.txt", "labels.txt"):
        assert (result.path / name).is_file()
    readme = " ".join((result.path / "README.txt").read_text(encoding="utf-8").split())
    assert "cannot live inside an ONNX or LiteRT graph" in readme
    summary = "\n".join(result.summary_lines())
    assert "accuracy: model → export" in summary and "per batch of 32" in summary
    assert "graph inputs (encoded from those by encode.py): numeric (float32" in summary

    data = tmp_path / "new.csv"
    data.write_text(NEW_ROWS, encoding="utf-8")
    predict_to_csv(csv_run.run, data, tmp_path / "from_run.csv")
    predict_to_csv(result.path, data, tmp_path / "from_onnx.csv")
    from_run = pd.read_csv(tmp_path / "from_run.csv")
    from_onnx = pd.read_csv(tmp_path / "from_onnx.csv")
    assert from_onnx.columns.tolist() == from_run.columns.tolist()
    assert from_onnx["prediction"].tolist() == from_run["prediction"].tolist()
    np.testing.assert_allclose(from_onnx.iloc[:, 2:], from_run.iloc[:, 2:], atol=1e-4)

    np.testing.assert_allclose(readme_outputs(result.path, tmp_path), from_run.iloc[:, 2:],
                               atol=1e-4)


def readme_outputs(export_dir, folder):
    """Run the README's example on NEW_ROWS in a Python without TensorFlow or dlstudio."""
    (folder / "new_data.csv").write_text(NEW_ROWS, encoding="utf-8")
    program = readme_program(export_dir) + (
        "\nimport sys\nassert 'tensorflow' not in sys.modules and 'dlstudio' not in sys.modules"
        "\nnp.save('outputs.npy', outputs)\n")
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    finished = subprocess.run([sys.executable, "-c", program], cwd=folder, env=env,
                              capture_output=True, text=True, timeout=120)
    assert finished.returncode == 0, finished.stderr[-2000:]
    return np.load(folder / "outputs.npy")


@pytest.mark.slow
def test_litert_variants_of_a_regression_report_what_quantization_lost(regression_run,
                                                                         tmp_path):
    reports = {quantize: export_run(regression_run.run, "litert", tmp_path / quantize,
                                    quantize=quantize).report
               for quantize in ("float32", "float16", "dynamic", "int8")}

    assert reports["float32"].max_abs_diff <= 1e-3
    for quantize, report in reports.items():
        assert report.metric == "r2" and report.metric_export is not None
        assert report.metric_lost == pytest.approx(report.metric_model - report.metric_export)
        assert np.isfinite(report.max_abs_diff)
        assert (tmp_path / quantize / "model.tflite").is_file()
    assert reports["float32"].tolerance is not None and reports["int8"].tolerance is None
    assert "lost" in "\n".join(reports["int8"].table_lines()) \
        or "nothing lost" in "\n".join(reports["int8"].table_lines())


@pytest.mark.slow
def test_image_exports_take_pixels_of_the_training_size_and_predict_any_size(
        image_run, tmp_path, write_image):
    onnx = export_run(image_run.run, "onnx", tmp_path / "onnx")
    int8 = export_run(image_run.run, "litert", tmp_path / "int8", quantize="int8")

    assert onnx.check.passed and int8.report.quantize == "int8"
    assert not (onnx.path / ENCODING_FILE).exists()
    photos = tmp_path / "photos"
    write_image(photos / "a.png", 50, (30, 18), 1)
    write_image(photos / "b.png", 220, (16, 16), 2)
    predict_to_csv(image_run.run, photos, tmp_path / "from_run.csv")
    predict_to_csv(onnx.path, photos, tmp_path / "from_onnx.csv")
    predict_to_csv(int8.path, photos, tmp_path / "from_int8.csv")
    from_run = pd.read_csv(tmp_path / "from_run.csv")
    np.testing.assert_allclose(pd.read_csv(tmp_path / "from_onnx.csv")["prob_light"],
                               from_run["prob_light"], atol=1e-4)
    np.testing.assert_allclose(pd.read_csv(tmp_path / "from_int8.csv")["prob_light"],
                               from_run["prob_light"], atol=0.1)


@pytest.mark.slow
def test_litert_readme_predicts_like_dlstudio_and_a_changed_file_is_refused(csv_run, tmp_path):
    result = export_run(csv_run.run, "litert", tmp_path / "litert")
    data = tmp_path / "new.csv"
    data.write_text(NEW_ROWS, encoding="utf-8")
    predict_to_csv(result.path, data, tmp_path / "before.csv")
    np.testing.assert_allclose(readme_outputs(result.path, tmp_path),
                               pd.read_csv(tmp_path / "before.csv").iloc[:, 2:], atol=1e-5)
    model = result.path / "model.tflite"
    model.write_bytes(model.read_bytes() + b"\0")

    with pytest.raises(UserInputError, match="not the file dlstudio exported"):
        predict_to_csv(result.path, data, tmp_path / "out.csv")


@pytest.mark.parametrize(("fmt", "quantize", "problem"), [
    ("onnx", "int8", "does not apply to onnx"),
    ("savedmodel", "float16", "only the litert format is quantized"),
    ("litert", "int4", "choose one of float16, dynamic, int8")])
def test_quantization_is_offered_for_litert_only(tmp_path, fmt, quantize, problem):
    with pytest.raises(UserInputError, match=problem):
        export_run(tmp_path, fmt, tmp_path / "x", quantize=quantize)


@pytest.mark.slow
def test_a_text_column_is_vectorized_by_the_reference_encoder_exactly(tmp_path):
    from dlstudio.core.project.project import (
        ColumnSpec,
        DataSpec,
        LayerSpec,
        ModelSpec,
        Project,
        TrainingSpec,
        save_project,
    )
    from dlstudio.core.training.run import run_training

    rng = np.random.default_rng(3)
    label = rng.choice(["pos", "neg"], 40)
    words = {"pos": ["good", "great", "fine!"], "neg": ["bad", "awful", "Poor,"]}
    notes = [" ".join(rng.choice(words[item], 3)) + " the end" for item in label]
    data = tmp_path / "notes.csv"
    pd.DataFrame({"note": notes, "label": label}).to_csv(data, index=False)
    project = Project(
        name="notes", data=DataSpec(kind="csv", path=str(data), target="label", columns=[
            ColumnSpec("note", "feature", "text"), ColumnSpec("label", "target", "categorical")]),
        model=ModelSpec(layers=[LayerSpec.of("Dense", units=4)]),
        training=TrainingSpec(epochs=1, batch_size=16, learning_rate=0.05))
    save_project(project, tmp_path / "notes.dlstudio.json")
    run = run_training(project, lambda event: None, runs_dir=tmp_path / "runs").run.path

    result = export_run(run, "onnx", tmp_path / "onnx")

    spec = (result.path / ENCODING_FILE).read_text(encoding="utf-8")
    assert '"kind": "tf_idf"' in spec and '"good"' in spec
    assert result.check.passed and result.report.max_abs_diff <= 1e-4
