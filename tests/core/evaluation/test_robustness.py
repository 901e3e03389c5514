"""Accuracy under FGSM, PGD and noise on the tiny trained runs."""

import json

import pytest

from dlstudio.core.errors import UserInputError
from dlstudio.core.evaluation.robustness import (
    format_robustness,
    robustness_path,
    robustness_report,
)


@pytest.mark.slow
def test_images_lose_accuracy_as_epsilon_grows_and_attacks_beat_noise(image_run):
    result = robustness_report(image_run.run, epsilons=[0, 8, 64])

    assert result["metric"] == "accuracy" and result["unit"].startswith("pixel values")
    assert result["fgsm"][0] == result["pgd"][0] == result["noise"][0]  # ε = 0: clean
    assert result["pgd"][-1] <= result["fgsm"][0]
    assert result["pgd"][-1] <= result["noise"][-1] + 1e-9
    assert json.loads(robustness_path(image_run.run).read_text()) == result
    text = format_robustness(result)
    assert "FGSM" in text and "PGD" in text and "adversarial training" in text


@pytest.mark.slow
def test_tables_perturb_numeric_columns_only(csv_run):
    result = robustness_report(csv_run.run, epsilons=[0, 2.0])

    assert "numeric column" in result["unit"]
    assert result["pgd"][1] <= result["pgd"][0]
    assert len(result["fgsm"]) == len(result["noise"]) == 2


@pytest.mark.slow
def test_regression_reports_rmse_rising(regression_run):
    result = robustness_report(regression_run.run, epsilons=[0, 1.0])

    assert result["metric"] == "rmse" and result["fgsm"][1] >= result["fgsm"][0]
    with pytest.raises(UserInputError, match="zero or more"):
        robustness_report(regression_run.run, epsilons=[-1])
