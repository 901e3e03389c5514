"""Evaluation arithmetic checked against numbers worked out by hand."""

import json
import math
import warnings

import numpy as np
import pytest

from dlstudio.core.evaluation import metrics

CLASSES = ["a", "b", "c"]
# Class "c" is never predicted: its precision is 0/0 and must be 0 without warnings.
TRUE = np.array([0, 0, 0, 1, 1, 2])
PREDICTED = np.array([0, 0, 1, 1, 0, 1])


@pytest.fixture
def report():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return metrics.classification_report(TRUE, PREDICTED, CLASSES)


def test_confusion_matrix_rows_are_true_columns_predicted(report):
    assert report["confusion_matrix"] == {
        "labels": ["a", "b", "c"],
        "matrix": [[2, 1, 0], [1, 1, 0], [0, 1, 0]],
    }


def test_accuracy_and_per_class_numbers(report):
    assert report["accuracy"] == pytest.approx(3 / 6)
    a, b, c = report["per_class"]
    assert a == pytest.approx({"class": "a", "precision": 2 / 3, "recall": 2 / 3,
                               "f1": 2 / 3, "support": 3})
    assert b == pytest.approx({"class": "b", "precision": 1 / 3, "recall": 1 / 2,
                               "f1": 2 / 5, "support": 2})
    assert c == {"class": "c", "precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 1}


def test_macro_and_weighted_averages(report):
    assert report["macro_avg"] == pytest.approx(
        {"precision": 1 / 3, "recall": 7 / 18, "f1": 16 / 45, "support": 6})
    assert report["weighted_avg"] == pytest.approx(
        {"precision": 4 / 9, "recall": 1 / 2, "f1": 7 / 15, "support": 6})


def test_report_is_json_ready(report):
    assert json.loads(json.dumps(report)) == report


def test_class_absent_from_the_data_and_never_predicted_scores_zero_quietly():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        report = metrics.classification_report(np.array([0, 1]), np.array([0, 1]), CLASSES)
    assert report["accuracy"] == 1.0
    assert report["per_class"][2] == {"class": "c", "precision": 0.0, "recall": 0.0,
                                      "f1": 0.0, "support": 0}
    assert report["macro_avg"]["f1"] == pytest.approx(2 / 3)
    assert report["weighted_avg"]["f1"] == pytest.approx(1.0)


def test_empty_data_gives_zeros_not_nan():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        report = metrics.classification_report(np.array([], int), np.array([], int), ["x", "y"])
    assert report["accuracy"] == 0.0
    assert report["weighted_avg"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 0}


def test_single_sigmoid_unit_becomes_two_class_probabilities():
    probabilities = metrics.class_probabilities(np.array([[0.8], [0.1]]), 2)
    np.testing.assert_allclose(probabilities, [[0.2, 0.8], [0.9, 0.1]])


def test_softmax_outputs_pass_through_unchanged():
    outputs = np.array([[0.7, 0.2, 0.1], [0.0, 0.0, 1.0]], dtype=np.float32)
    np.testing.assert_allclose(metrics.class_probabilities(outputs, 3), outputs, atol=1e-7)


def test_logits_are_turned_into_probabilities():
    softmax = metrics.class_probabilities(np.array([[0.0, math.log(3.0)]]), 2)
    np.testing.assert_allclose(softmax, [[0.25, 0.75]])
    sigmoid = metrics.class_probabilities(np.array([[math.log(3.0)]]), 2)
    np.testing.assert_allclose(sigmoid, [[0.25, 0.75]])


def test_output_width_that_matches_no_class_count_is_an_error():
    with pytest.raises(ValueError, match="3 outputs per sample but the run has 4 classes"):
        metrics.class_probabilities(np.zeros((2, 3)), 4)


def test_confident_mistakes_surest_first_with_top_probabilities():
    probabilities = np.array([
        [0.6, 0.3, 0.1],  # true a, right
        [0.2, 0.7, 0.1],  # true a, predicted b at 0.7
        [0.05, 0.05, 0.9],  # true b, predicted c at 0.9
        [0.5, 0.4, 0.1],  # true c, predicted a at 0.5
    ])
    mistakes = metrics.confident_mistakes(probabilities, np.array([0, 0, 1, 2]),
                                          ["row 1", "row 2", "row 3", "row 4"], CLASSES,
                                          limit=2, top=2)
    assert mistakes == [
        {"sample": "row 3", "true": "b", "predicted": "c", "confidence": 0.9,
         "top": [{"class": "c", "probability": 0.9}, {"class": "a", "probability": 0.05}]},
        {"sample": "row 2", "true": "a", "predicted": "b", "confidence": 0.7,
         "top": [{"class": "b", "probability": 0.7}, {"class": "a", "probability": 0.2}]},
    ]


def test_regression_numbers():
    result = metrics.regression_report(np.array([1.0, 2.0, 3.0, 4.0]),
                                       np.array([[1.0], [3.0], [2.0], [8.0]]))
    # residuals 0, -1, 1, -4; SS_res = 18; mean 2.5 so SS_tot = 5.
    assert result == pytest.approx({"mse": 4.5, "rmse": math.sqrt(4.5), "mae": 1.5,
                                    "r2": 1 - 18 / 5})


def test_r2_of_constant_targets_stays_finite():
    assert metrics.regression_report(np.array([2.0, 2.0]), np.array([2.0, 2.0]))["r2"] == 1.0
    assert metrics.regression_report(np.array([2.0, 2.0]), np.array([2.0, 3.0]))["r2"] == 0.0


def test_worst_residuals_largest_first():
    worst = metrics.worst_residuals(np.array([1.0, 2.0, 3.0, 4.0]),
                                    np.array([1.0, 3.0, 2.0, 8.0]),
                                    ["row 1", "row 2", "row 3", "row 4"], limit=3)
    assert worst == [
        {"sample": "row 4", "true": 4.0, "predicted": 8.0, "residual": -4.0},
        {"sample": "row 2", "true": 2.0, "predicted": 3.0, "residual": -1.0},
        {"sample": "row 3", "true": 3.0, "predicted": 2.0, "residual": 1.0},
    ]
