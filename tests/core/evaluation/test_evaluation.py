"""Evaluating trained runs: numbers checked against the model's own predictions."""

import json
import shutil

import numpy as np
import pytest

from dlstudio.core.data import load_dataset
from dlstudio.core.errors import DataError, UserInputError
from dlstudio.core.evaluation import metrics
from dlstudio.core.evaluation.evaluate import (
    evaluate_run,
    evaluation_file,
    format_report,
    open_run,
)
from dlstudio.core.evaluation.text_table import table
from dlstudio.core.runs.folder import RunFolder
from dlstudio.core.runs.record import RunRecord


def model_outputs(run_dir, data_path=None):
    """Predict the test split (or all of ``data_path``) the plain Keras way."""
    run = open_run(run_dir)
    if data_path is None:
        dataset = load_dataset(run.project, class_names=run.class_names or None)
    else:
        dataset = load_dataset(run.project, path=data_path, class_names=run.class_names or None,
                               evaluation_only=True)
    outputs = run.model.predict(dataset.tf_dataset("test", 64), verbose=0)
    return outputs, dataset.targets("test"), dataset.sample_ids("test")


@pytest.mark.slow
def test_classification_numbers_match_the_models_predictions(csv_run):
    result = evaluate_run(csv_run.run)

    outputs, true, sample_ids = model_outputs(csv_run.run)
    predicted = outputs.argmax(axis=1)
    assert result["samples"] == len(true) == 9
    assert result["accuracy"] == pytest.approx(np.mean(predicted == true))
    expected = np.zeros((3, 3), dtype=int)
    for t, p in zip(true, predicted, strict=True):
        expected[t, p] += 1
    assert result["confusion_matrix"] == {"labels": ["a", "b", "c"],
                                          "matrix": expected.tolist()}
    assert [entry["support"] for entry in result["per_class"]] == expected.sum(axis=1).tolist()
    wrong = {sample_ids[i] for i in np.flatnonzero(predicted != true)}
    assert {mistake["sample"] for mistake in result["confident_mistakes"]} == wrong
    assert all(sample.startswith("row ") for sample in wrong)


@pytest.mark.slow
def test_result_is_saved_as_evaluation_json(csv_run):
    result = evaluate_run(csv_run.run)

    saved = json.loads(RunFolder(csv_run.run).evaluation_path.read_text(encoding="utf-8"))
    assert saved == result
    assert saved["split"] == "test" and saved["task"] == "classification"
    assert saved["run"]["name"].startswith("tiny csv")


@pytest.mark.slow
def test_other_data_is_saved_beside_without_replacing_the_test_evaluation(csv_run):
    evaluate_run(csv_run.run)
    folder = RunFolder(csv_run.run)
    before = folder.evaluation_path.read_text(encoding="utf-8")
    new_data = csv_run.root / "new data.csv"
    shutil.copyfile(csv_run.data, new_data)

    result = evaluate_run(csv_run.run, data_path=new_data)

    assert result["split"] == "all" and result["samples"] == 60
    assert evaluation_file(csv_run.run, new_data).name == "evaluation-new_data.json"
    assert json.loads(evaluation_file(csv_run.run, new_data).read_text()) == result
    assert folder.evaluation_path.read_text(encoding="utf-8") == before


@pytest.mark.slow
def test_data_without_targets_cannot_be_evaluated(csv_run):
    import pandas as pd

    unlabeled = csv_run.root / "unlabeled.csv"
    pd.read_csv(csv_run.data).drop(columns="label").to_csv(unlabeled, index=False)
    with pytest.raises(DataError, match="no targets.*dlstudio predict"):
        evaluate_run(csv_run.run, data_path=unlabeled)


@pytest.mark.slow
def test_binary_sigmoid_output_gives_two_class_report(image_run):
    result = evaluate_run(image_run.run)

    outputs, true, sample_ids = model_outputs(image_run.run)
    assert outputs.shape[1] == 1
    predicted = (outputs[:, 0] >= 0.5).astype(int)
    assert result["class_names"] == ["dark", "light"]
    assert result["accuracy"] == pytest.approx(np.mean(predicted == true))
    assert sum(sum(row) for row in result["confusion_matrix"]["matrix"]) == len(true)
    for mistake in result["confident_mistakes"]:
        assert mistake["sample"] in sample_ids and mistake["sample"].endswith(".png")
        assert sum(entry["probability"] for entry in mistake["top"]) == pytest.approx(1.0)


@pytest.mark.slow
def test_regression_numbers_match_the_models_predictions(regression_run):
    result = evaluate_run(regression_run.run)

    outputs, true, sample_ids = model_outputs(regression_run.run)
    residuals = true - outputs[:, 0]
    assert result["mse"] == pytest.approx(np.mean(residuals**2), rel=1e-5)
    assert result["rmse"] == pytest.approx(np.sqrt(np.mean(residuals**2)), rel=1e-5)
    assert result["mae"] == pytest.approx(np.mean(np.abs(residuals)), rel=1e-5)
    r2 = 1 - np.sum(residuals**2) / np.sum((true - true.mean()) ** 2)
    assert result["r2"] == pytest.approx(r2, rel=1e-5)
    worst = result["worst_residuals"][0]
    assert worst["sample"] == sample_ids[int(np.argmax(np.abs(residuals)))]
    assert "R²" in format_report(result)


def test_a_folder_that_is_not_a_run_is_refused(tmp_path):
    with pytest.raises(UserInputError, match="not a run folder"):
        evaluate_run(tmp_path)


def test_a_run_without_a_model_says_how_to_finish_it(tmp_path):
    RunFolder(tmp_path).write_record(RunRecord(id="x", state="stopped"))
    with pytest.raises(UserInputError, match="no trained model.*stopped.*--resume"):
        evaluate_run(tmp_path)


def hand_made_result():
    true = np.array([0, 0, 1, 1, 2])
    probabilities = np.array([[0.9, 0.05, 0.05], [0.2, 0.7, 0.1], [0.1, 0.8, 0.1],
                              [0.3, 0.6, 0.1], [0.6, 0.3, 0.1]])
    names = ["cat", "dog", "a very long class name"]
    report = metrics.classification_report(true, probabilities.argmax(axis=1), names)
    mistakes = metrics.confident_mistakes(probabilities, true, [f"row {i}" for i in range(5)],
                                          names)
    return {"run": {"name": "demo"}, "split": "test", "data": "x.csv", "samples": 5,
            "task": "classification", "warnings": ["2 rows dropped"], "class_names": names,
            **report, "confident_mistakes": mistakes}


def test_report_text_has_aligned_tables():
    text = format_report(hand_made_result())
    lines = text.splitlines()

    assert lines[0] == "Evaluation of run demo on its test split (5 samples, classification)"
    assert "warning: 2 rows dropped" in lines
    assert "accuracy  0.6000" in lines
    header = next(line for line in lines if line.startswith("class "))
    row = next(line for line in lines if line.startswith("dog "))
    assert header.index("support") + len("support") == len(row)  # numbers right-aligned
    assert "a very long cla…" in text
    mistake = next(line for line in lines if line.startswith("row 4"))
    assert mistake.split()[2:5] == ["a", "very", "long"]
    assert mistake.endswith("cat 0.600, dog 0.300, a very long class name 0.100")


def test_table_aligns_first_column_left_and_numbers_right():
    assert table(["name", "n"], [["a", 1], ["long", 100]]) == [
        "name    n",
        "a       1",
        "long  100",
    ]


@pytest.mark.slow
def test_evaluation_without_data_uses_the_projects_test_file(tmp_path):
    import pandas as pd

    from dlstudio.core.project.from_data import new_project
    from dlstudio.core.project.project import save_project
    from dlstudio.core.training.run import run_training

    generator = np.random.default_rng(1)
    for name, count in (("train", 80), ("test", 17)):
        x = generator.normal(size=count)
        pd.DataFrame({"x": x, "y": np.where(x > 0, "a", "b")}).to_csv(tmp_path / f"{name}.csv",
                                                                      index=False)
    project = new_project(tmp_path / "train.csv", test_path=tmp_path / "test.csv")
    save_project(project, tmp_path / "p.dlstudio.json")
    result = run_training(project, lambda event: None, epochs=1, runs_dir=tmp_path / "runs")
    report = evaluate_run(result.run.path)
    assert report["samples"] == 17
    assert report["predictions"][0]["sample"] == "test.csv row 1"
