"""Probability metrics checked on numbers small enough to work out by hand."""

import numpy as np
import pytest

from dlstudio.core.evaluation import probability_metrics as pm


def test_roc_of_four_samples_by_hand():
    # ranked: 0.9 (pos), 0.8 (neg), 0.4 (pos), 0.1 (neg): 3 of the 4 pos-neg pairs are in order
    scores, positive = np.array([0.1, 0.4, 0.8, 0.9]), np.array([False, True, False, True])

    fpr, tpr, thresholds = pm.roc_curve(scores, positive)

    assert fpr.tolist() == [0.0, 0.0, 0.5, 0.5, 1.0]
    assert tpr.tolist() == [0.0, 0.5, 0.5, 1.0, 1.0]
    assert thresholds[0] == np.inf and thresholds[1:].tolist() == [0.9, 0.8, 0.4, 0.1]
    assert pm.roc_auc(scores, positive) == pytest.approx(0.75)
    # precision at each positive found: 1/1 and 2/3; recall steps of 0.5
    assert pm.average_precision(scores, positive) == pytest.approx(0.5 * 1 + 0.5 * 2 / 3)


def test_tied_scores_are_one_point_of_the_curve():
    fpr, tpr, _ = pm.roc_curve(np.array([0.5, 0.5, 0.5, 0.5]), np.array([1, 0, 1, 0]))

    assert fpr.tolist() == [0.0, 1.0] and tpr.tolist() == [0.0, 1.0]
    assert pm.roc_auc(np.array([0.5, 0.5]), np.array([True, False])) == pytest.approx(0.5)


def test_an_area_without_both_kinds_of_sample_is_none_and_left_out_of_the_averages():
    probabilities = np.array([[0.9, 0.1, 0.0], [0.2, 0.8, 0.0], [0.6, 0.4, 0.0]])
    true = np.array([0, 1, 0])  # class c never occurs

    report = pm.ranking_report(probabilities, true, ["a", "b", "c"])

    assert report["roc_auc"]["per_class"] == {"a": 1.0, "b": 1.0, "c": None}
    assert report["roc_auc"]["macro"] == 1.0 and report["roc_auc"]["weighted"] == 1.0
    assert report["pr_auc"]["per_class"]["c"] is None
    assert report["roc_curves"]["a"]["fpr"][0] == 0.0 and report["roc_curves"]["a"]["tpr"][-1] == 1


def test_long_curves_are_thinned_to_the_points_asked_ends_kept():
    rng = np.random.default_rng(0)
    probabilities = rng.dirichlet([1, 1], 1000)
    true = rng.integers(0, 2, 1000)

    curve = pm.ranking_report(probabilities, true, ["a", "b"], points=50)["roc_curves"]["b"]

    assert len(curve["fpr"]) == 50
    assert (curve["fpr"][0], curve["tpr"][0], curve["fpr"][-1], curve["tpr"][-1]) == (0, 0, 1, 1)


def test_calibration_bins_and_expected_calibration_error_by_hand():
    # two samples 90% sure (one right), two 60% sure (both right)
    probabilities = np.array([[0.9, 0.1], [0.9, 0.1], [0.4, 0.6], [0.4, 0.6]])
    true = np.array([0, 1, 1, 1])

    result = pm.calibration(probabilities, true, bins=10)

    full = [row for row in result["bins"] if row["count"]]
    assert [(row["low"], row["count"], row["accuracy"]) for row in full] == [
        (pytest.approx(0.5), 2, 1.0), (pytest.approx(0.8), 2, 0.5)]
    assert result["ece"] == pytest.approx(0.5 * 0.4 + 0.5 * 0.4)
    assert result["max_gap"] == pytest.approx(0.4)
    assert len(result["bins"]) == 10 and result["bins"][0]["accuracy"] is None


def test_top_k_accuracy_counts_the_true_class_among_the_k_likeliest():
    probabilities = np.array([[0.5, 0.3, 0.2], [0.1, 0.3, 0.6], [0.2, 0.5, 0.3]])
    true = np.array([2, 1, 0])

    assert pm.top_k_accuracy(probabilities, true, 1) == pytest.approx(0.0)
    assert pm.top_k_accuracy(probabilities, true, 2) == pytest.approx(1 / 3)
    assert pm.top_k_accuracy(probabilities, true, 3) == pytest.approx(1.0)
    assert pm.top_k_report(probabilities, true) == {}
    assert set(pm.top_k_report(np.full((2, 6), 1 / 6), np.array([0, 5]))) == {"top_3", "top_5"}


def test_a_threshold_moves_predictions_and_the_report():
    positive = np.array([0.2, 0.35, 0.6, 0.9])
    true = np.array([0, 1, 0, 1])

    at_half = pm.threshold_report(positive, true, 0.5, ["no", "yes"])
    at_low = pm.threshold_report(positive, true, 0.3, ["no", "yes"])

    assert at_half["positive"] == {"precision": 0.5, "recall": 0.5, "f1": 0.5}
    assert at_low["positive"]["recall"] == 1.0
    assert at_low["confusion_matrix"]["matrix"] == [[1, 1], [0, 2]]
    assert pm.predict_with_threshold(np.c_[1 - positive, positive], 0.3).tolist() == [0, 1, 1, 1]
    assert pm.predict_with_threshold(np.c_[1 - positive, positive], None).tolist() == [0, 0, 1, 1]
    best = pm.best_f1_threshold(positive, true)
    assert best == {"threshold": 0.35, "f1": pytest.approx(0.8)}


def test_areas_agree_with_scikit_learn_on_random_data():
    sklearn_metrics = pytest.importorskip("sklearn.metrics")
    rng = np.random.default_rng(1)
    probabilities = rng.dirichlet(np.ones(4), 300)
    true = rng.integers(0, 4, 300)

    report = pm.ranking_report(probabilities, true, list("abcd"))

    assert report["roc_auc"]["macro"] == pytest.approx(sklearn_metrics.roc_auc_score(
        true, probabilities, multi_class="ovr", average="macro"))
    assert report["pr_auc"]["per_class"]["b"] == pytest.approx(
        sklearn_metrics.average_precision_score(true == 1, probabilities[:, 1]))
