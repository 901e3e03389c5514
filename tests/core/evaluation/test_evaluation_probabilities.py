"""ROC/PR, calibration and the saved decision threshold in a run's evaluation, predictions and
exports."""

import json
import shutil

import numpy as np
import pandas as pd
import pytest

from dlstudio.core.errors import UserInputError
from dlstudio.core.evaluation import probability_metrics
from dlstudio.core.evaluation.evaluate import evaluate_run, format_report
from dlstudio.core.evaluation.predict import predict_to_csv
from dlstudio.core.export.exporter import export_run
from dlstudio.core.runs.folder import RunFolder


@pytest.fixture
def binary_run(image_run, tmp_path):
    """A copy of the two-class image run that a test may give a threshold (beside the run, so
    its project snapshot's relative data path still holds)."""
    copy = shutil.copytree(image_run.run, image_run.run.parent / f"copy-{tmp_path.name}")
    yield copy
    shutil.rmtree(copy)


@pytest.mark.slow
def test_evaluation_carries_areas_curves_and_calibration(csv_run):
    result = evaluate_run(csv_run.run)

    assert set(result["roc_auc"]["per_class"]) == {"a", "b", "c"}
    assert 0.0 <= result["roc_auc"]["macro"] <= 1.0
    assert 0.0 <= result["pr_auc"]["weighted"] <= 1.0
    assert result["roc_curves"]["a"]["fpr"][-1] == 1.0
    assert sum(row["count"] for row in result["calibration"]["bins"]) == result["samples"]
    assert result["top_k"] == {}  # three classes: top-k only above five
    assert "threshold" not in result
    text = format_report(result)
    assert "ROC AUC" in text and "expected calibration error" in text


@pytest.mark.slow
def test_a_saved_threshold_changes_evaluation_predictions_and_exports(binary_run, image_run,
                                                                       tmp_path):
    before = evaluate_run(binary_run)
    positive = np.array([record["probability"] for record in before["predictions"]])
    assert before["threshold"]["value"] == 0.5 and not before["threshold"]["saved"]
    cut = float(np.median(positive)) + 1e-6  # about half the samples change side at most

    RunFolder(binary_run).set_threshold(cut)
    after = evaluate_run(binary_run)
    predict_to_csv(binary_run, image_run.data, tmp_path / "run.csv")
    exported = export_run(binary_run, "savedmodel", tmp_path / "export").path
    predict_to_csv(exported, image_run.data, tmp_path / "export.csv")

    true = np.array([["dark", "light"].index(r["true"]) for r in after["predictions"]])
    expected = probability_metrics.threshold_report(positive, true, cut, ["dark", "light"])
    assert after["threshold"]["value"] == cut and after["threshold"]["saved"]
    assert after["confusion_matrix"] == expected["confusion_matrix"]
    from_run = pd.read_csv(tmp_path / "run.csv")
    assert (from_run["prediction"] == np.where(from_run["prob_light"] >= cut, "light",
                                               "dark")).all()
    from_export = pd.read_csv(tmp_path / "export.csv")
    assert from_export["prediction"].tolist() == from_run["prediction"].tolist()
    assert json.loads((exported / "dlstudio_export.json").read_text())["threshold"] == cut


@pytest.mark.slow
def test_only_two_class_runs_take_a_threshold_between_0_and_1(csv_run, binary_run):
    with pytest.raises(UserInputError, match="between 0 and 1"):
        RunFolder(binary_run).set_threshold(1.5)
    with pytest.raises(UserInputError, match="only two-class runs.*3 classes"):
        RunFolder(csv_run.run).set_threshold(0.3)
    assert RunFolder(binary_run).set_threshold(None).threshold is None
