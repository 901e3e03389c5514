"""Metrics of a classifier's probabilities, not just its choices: NumPy only, no Keras.

ROC and precision-recall curves with their areas (one class against the rest, then averaged),
the reliability diagram with its expected calibration error, top-k accuracy, and a binary
classifier's decision threshold (the report at a threshold, the threshold of the best F1).

Every function returns JSON-ready Python values. An area that is undefined (a class with no
positive or no negative sample) is ``None`` and left out of the averages.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from dlstudio.core.evaluation.metrics import classification_report

CURVE_POINTS = 200
CALIBRATION_BINS = 10
TOP_K_FROM_CLASSES = 5


def roc_curve(scores: np.ndarray, positive: np.ndarray
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return the ROC curve of ``scores`` for the samples where ``positive`` is true.

    Args:
        scores: One score per sample, higher meaning "more likely positive".
        positive: One boolean per sample.

    Returns:
        ``(false_positive_rate, true_positive_rate, thresholds)``, starting at (0, 0) with an
        infinite threshold; a sample is called positive when its score is >= the threshold.
    """
    true_positives, false_positives, thresholds = _counts_by_threshold(scores, positive)
    tpr = true_positives / max(true_positives[-1], 1)
    fpr = false_positives / max(false_positives[-1], 1)
    return fpr, tpr, thresholds


def precision_recall_curve(scores: np.ndarray, positive: np.ndarray
                           ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return the precision-recall curve: ``(recall, precision, thresholds)``.

    The first point (recall 0) has precision 1 and an infinite threshold, as is usual.
    """
    true_positives, false_positives, thresholds = _counts_by_threshold(scores, positive)
    called = true_positives + false_positives
    precision = np.divide(true_positives, called, out=np.ones_like(true_positives),
                          where=called > 0)
    recall = true_positives / max(true_positives[-1], 1)
    return recall, precision, thresholds


def _counts_by_threshold(scores: np.ndarray, positive: np.ndarray
                         ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """True and false positives when calling every distinct score and above positive."""
    scores = np.asarray(scores, dtype=np.float64).reshape(-1)
    positive = np.asarray(positive, dtype=bool).reshape(-1)
    order = np.argsort(-scores, kind="stable")
    scores, positive = scores[order], positive[order]
    last_of_each = np.r_[np.flatnonzero(np.diff(scores)), scores.size - 1] if scores.size \
        else np.zeros(0, dtype=np.int64)
    true_positives = np.cumsum(positive)[last_of_each].astype(np.float64)
    false_positives = (last_of_each + 1) - true_positives
    return (np.r_[0.0, true_positives], np.r_[0.0, false_positives],
            np.r_[np.inf, scores[last_of_each]])


def roc_auc(scores: np.ndarray, positive: np.ndarray) -> float | None:
    """The area under the ROC curve, or ``None`` without both positive and negative samples."""
    positive = np.asarray(positive, dtype=bool)
    if positive.all() or not positive.any():
        return None
    fpr, tpr, _ = roc_curve(scores, positive)
    return float(np.trapezoid(tpr, fpr))


def average_precision(scores: np.ndarray, positive: np.ndarray) -> float | None:
    """The area under the precision-recall curve as a step sum (``Σ (Rₙ − Rₙ₋₁) Pₙ``).

    ``None`` when no sample is positive.
    """
    positive = np.asarray(positive, dtype=bool)
    if not positive.any():
        return None
    recall, precision, _ = precision_recall_curve(scores, positive)
    return float(np.sum(np.diff(recall) * precision[1:]))


def ranking_report(probabilities: np.ndarray, true: np.ndarray, class_names: Sequence[str],
                   points: int = CURVE_POINTS) -> dict[str, Any]:
    """ROC and precision-recall areas and curves, one class against the rest.

    Args:
        probabilities: ``(n, classes)`` probabilities.
        true: True class indices.
        class_names: Names in class-index order.
        points: The most points kept per curve (evenly spaced along it, ends included).

    Returns:
        ``roc_auc`` and ``pr_auc`` (each ``per_class`` {name: area or None}, ``macro`` the plain
        mean and ``weighted`` the mean weighted by support, over the defined areas) and
        ``roc_curves`` ({name: {"fpr", "tpr"}}) and ``pr_curves`` ({name: {"recall",
        "precision"}}).
    """
    probabilities = np.asarray(probabilities, dtype=np.float64)
    true = np.asarray(true, dtype=np.int64).reshape(-1)
    roc_areas, pr_areas, roc_curves, pr_curves = {}, {}, {}, {}
    for index, name in enumerate(class_names):
        scores, positive = probabilities[:, index], true == index
        roc_areas[name] = roc_auc(scores, positive)
        pr_areas[name] = average_precision(scores, positive)
        fpr, tpr, _ = roc_curve(scores, positive)
        recall, precision, _ = precision_recall_curve(scores, positive)
        roc_curves[name] = {"fpr": _thin(fpr, points), "tpr": _thin(tpr, points)}
        pr_curves[name] = {"recall": _thin(recall, points), "precision": _thin(precision, points)}
    support = np.bincount(true, minlength=len(class_names))
    return {"roc_auc": _averaged(roc_areas, support), "pr_auc": _averaged(pr_areas, support),
            "roc_curves": roc_curves, "pr_curves": pr_curves}


def _averaged(areas: dict[str, float | None], support: np.ndarray) -> dict[str, Any]:
    defined = [(area, count) for area, count in zip(areas.values(), support, strict=True)
               if area is not None]
    if not defined:
        return {"per_class": areas, "macro": None, "weighted": None}
    values = np.array([area for area, _ in defined])
    weights = np.array([count for _, count in defined], dtype=np.float64)
    weighted = float(values @ weights / weights.sum()) if weights.sum() else None
    return {"per_class": areas, "macro": float(values.mean()), "weighted": weighted}


def _thin(values: np.ndarray, points: int) -> list[float]:
    if values.size > points:
        values = values[np.unique(np.linspace(0, values.size - 1, points).round().astype(int))]
    return [round(float(value), 6) for value in values]


def calibration(probabilities: np.ndarray, true: np.ndarray,
                bins: int = CALIBRATION_BINS) -> dict[str, Any]:
    """The reliability diagram of the predicted class's probability, and its ECE.

    Samples are put in ``bins`` equal-width bins of confidence (the probability of the class
    predicted); a calibrated model is right in about 80% of the samples it is 80% sure of.

    Returns:
        ``ece`` (expected calibration error: ``Σ (bin count / n) · |accuracy − confidence|``),
        ``max_gap`` (the largest such gap in a non-empty bin) and ``bins``, one dict per bin:
        ``low``, ``high``, ``count``, ``confidence`` (mean) and ``accuracy`` (``None`` when
        empty).
    """
    probabilities = np.asarray(probabilities, dtype=np.float64)
    true = np.asarray(true, dtype=np.int64).reshape(-1)
    confidence = probabilities.max(axis=1) if probabilities.size else np.zeros(0)
    correct = probabilities.argmax(axis=1) == true if probabilities.size else np.zeros(0, bool)
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(confidence, edges[1:-1], right=True), 0, bins - 1)
    rows, ece, max_gap = [], 0.0, 0.0
    for index in range(bins):
        inside = which == index
        count = int(inside.sum())
        row = {"low": float(edges[index]), "high": float(edges[index + 1]), "count": count,
               "confidence": None, "accuracy": None}
        if count:
            row["confidence"] = float(confidence[inside].mean())
            row["accuracy"] = float(correct[inside].mean())
            gap = abs(row["accuracy"] - row["confidence"])
            ece += count / true.size * gap
            max_gap = max(max_gap, gap)
        rows.append(row)
    return {"ece": float(ece), "max_gap": float(max_gap), "bins": rows}


def top_k_accuracy(probabilities: np.ndarray, true: np.ndarray, k: int) -> float:
    """The share of samples whose true class is among the ``k`` most probable ones."""
    probabilities = np.asarray(probabilities, dtype=np.float64)
    true = np.asarray(true, dtype=np.int64).reshape(-1)
    if not true.size:
        return 0.0
    top = np.argsort(-probabilities, axis=1, kind="stable")[:, :k]
    return float(np.mean((top == true[:, None]).any(axis=1)))


def top_k_report(probabilities: np.ndarray, true: np.ndarray) -> dict[str, float]:
    """``{"top_3": …, "top_5": …}`` when there are more than 5 classes, else ``{}``."""
    classes = np.asarray(probabilities).shape[1] if np.asarray(probabilities).ndim == 2 else 0
    if classes <= TOP_K_FROM_CLASSES:
        return {}
    return {f"top_{k}": top_k_accuracy(probabilities, true, k) for k in (3, 5)}


def predict_with_threshold(probabilities: np.ndarray, threshold: float | None) -> np.ndarray:
    """Class indices: class 1 where its probability is >= ``threshold`` (two classes only).

    With ``threshold`` ``None`` or more than two classes, the most probable class.
    """
    probabilities = np.asarray(probabilities, dtype=np.float64)
    if threshold is None or probabilities.ndim != 2 or probabilities.shape[1] != 2:
        return probabilities.argmax(axis=1) if probabilities.size else np.zeros(0, np.int64)
    return (probabilities[:, 1] >= threshold).astype(np.int64)


def threshold_report(positive_probability: np.ndarray, true: np.ndarray, threshold: float,
                     class_names: Sequence[str]) -> dict[str, Any]:
    """The classification report of a binary classifier called positive at ``threshold``.

    Returns:
        :func:`~dlstudio.core.evaluation.metrics.classification_report` plus ``threshold`` and
        ``positive`` (precision, recall and F1 of class 1, the positive class).
    """
    predicted = (np.asarray(positive_probability, dtype=np.float64) >= threshold).astype(int)
    report = classification_report(np.asarray(true, dtype=np.int64), predicted, class_names)
    positive = report["per_class"][1]
    return {"threshold": float(threshold), **report,
            "positive": {key: positive[key] for key in ("precision", "recall", "f1")}}


def best_f1_threshold(positive_probability: np.ndarray, true: np.ndarray) -> dict[str, float]:
    """The threshold (among the scores seen) whose F1 of class 1 is highest, and that F1."""
    scores = np.asarray(positive_probability, dtype=np.float64).reshape(-1)
    positive = np.asarray(true, dtype=np.int64).reshape(-1) == 1
    true_positives, false_positives, thresholds = _counts_by_threshold(scores, positive)
    f1 = np.divide(2 * true_positives, true_positives + false_positives + positive.sum(),
                   out=np.zeros_like(true_positives),
                   where=(true_positives + false_positives + positive.sum()) > 0)
    best = int(np.argmax(f1[1:])) + 1 if f1.size > 1 else 0
    threshold = float(thresholds[best]) if np.isfinite(thresholds[best]) else 0.5
    return {"threshold": threshold, "f1": float(f1[best])}
