"""Anomaly scores read against a threshold: NumPy only, no Keras.

An autoencoder scores each sample by its reconstruction error; a sample whose error is above the
run's threshold is flagged as an anomaly. The threshold is a percentile of the validation
split's errors (normal samples only); with labels and named normal classes, the flags are
scored like a two-class classifier of "anomaly" (ROC AUC, precision, recall).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from dlstudio.core.evaluation.probability_metrics import average_precision, roc_auc, roc_curve

HISTOGRAM_BINS = 40
CURVE_POINTS = 200
WORST_LISTED = 10


def percentile_threshold(scores: np.ndarray, percentile: float) -> float:
    """Return the error above which a sample is flagged: ``percentile`` of ``scores``."""
    scores = np.asarray(scores, dtype=np.float64).reshape(-1)
    scores = scores[np.isfinite(scores)]
    if scores.size == 0:
        return float("inf")
    return float(np.percentile(scores, percentile))


def flags(scores: np.ndarray, threshold: float | None) -> np.ndarray:
    """Return whether each score is flagged (above ``threshold``; ``None``: none is)."""
    scores = np.asarray(scores, dtype=np.float64).reshape(-1)
    if threshold is None:
        return np.zeros(scores.shape, dtype=bool)
    return scores > threshold


def histogram(scores: np.ndarray, bins: int = HISTOGRAM_BINS) -> dict[str, list[float]]:
    """Return the scores' histogram: ``edges`` (bins + 1) and ``counts``."""
    scores = np.asarray(scores, dtype=np.float64).reshape(-1)
    scores = scores[np.isfinite(scores)]
    if scores.size == 0:
        return {"edges": [], "counts": []}
    counts, edges = np.histogram(scores, bins=bins)
    return {"edges": [float(edge) for edge in edges], "counts": [int(c) for c in counts]}


def detection_report(scores: np.ndarray, anomalous: np.ndarray,
                     threshold: float | None) -> dict[str, Any]:
    """Return how well ``scores`` above ``threshold`` find the ``anomalous`` samples.

    Returns:
        ``roc_auc``, ``average_precision`` (``None`` without both kinds of sample),
        ``precision``, ``recall``, ``f1`` of "anomaly" at the threshold, the counts
        (``true_positives``, ``false_positives``, ``false_negatives``, ``true_negatives``) and
        ``roc_curve`` (``fpr``, ``tpr`` thinned to at most :data:`CURVE_POINTS` points).
    """
    scores = np.asarray(scores, dtype=np.float64).reshape(-1)
    anomalous = np.asarray(anomalous, dtype=bool).reshape(-1)
    called = flags(scores, threshold)
    tp = int(np.sum(called & anomalous))
    fp = int(np.sum(called & ~anomalous))
    fn = int(np.sum(~called & anomalous))
    tn = int(np.sum(~called & ~anomalous))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    fpr, tpr, _ = roc_curve(scores, anomalous)
    keep = np.unique(np.linspace(0, len(fpr) - 1, min(len(fpr), CURVE_POINTS)).astype(int))
    return {"roc_auc": roc_auc(scores, anomalous),
            "average_precision": average_precision(scores, anomalous),
            "precision": precision, "recall": recall, "f1": f1,
            "true_positives": tp, "false_positives": fp, "false_negatives": fn,
            "true_negatives": tn,
            "roc_curve": {"fpr": [float(v) for v in fpr[keep]],
                          "tpr": [float(v) for v in tpr[keep]]}}


def score_summary(scores: np.ndarray) -> dict[str, float]:
    """Return the scores' mean, median, 95th percentile and maximum."""
    scores = np.asarray(scores, dtype=np.float64).reshape(-1)
    if scores.size == 0:
        return {"mean": 0.0, "median": 0.0, "p95": 0.0, "max": 0.0}
    return {"mean": float(scores.mean()), "median": float(np.median(scores)),
            "p95": float(np.percentile(scores, 95)), "max": float(scores.max())}


def worst(scores: np.ndarray, sample_ids: Sequence[str],
          limit: int = WORST_LISTED) -> list[dict[str, Any]]:
    """Return the samples with the highest scores, highest first."""
    scores = np.asarray(scores, dtype=np.float64).reshape(-1)
    order = np.argsort(-scores, kind="stable")[:limit]
    return [{"sample": sample_ids[i], "score": float(scores[i])} for i in order]
