"""Evaluation arithmetic on NumPy arrays: no Keras, no files.

Every function takes plain arrays (true class indices, predicted probabilities, true and
predicted values) and returns JSON-ready Python numbers, lists and dicts, so the numbers can be
checked by hand and written to ``evaluation.json`` unchanged.

Zero divisions follow one rule: a ratio whose denominator is zero is 0 (a class never predicted
has precision 0, a class absent from the data has recall 0), without warnings.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np


def class_probabilities(outputs: np.ndarray, num_classes: int) -> np.ndarray:
    """Turn a classifier's outputs into one probability per class.

    A single output unit is a sigmoid: the probability of class 1, so class 0 gets ``1 - p``.
    Outputs that are not probabilities (values outside [0, 1], or rows that do not add up to 1)
    are logits from a stack without an output activation: they go through a sigmoid or softmax.

    Args:
        outputs: The model's outputs, shape ``(n, 1)``, ``(n,)`` or ``(n, num_classes)``.
        num_classes: The number of classes the model was trained with.

    Returns:
        An ``(n, num_classes)`` float64 array whose rows add up to 1.

    Raises:
        ValueError: The output width matches neither a sigmoid nor ``num_classes``.
    """
    values = np.asarray(outputs, dtype=np.float64)
    values = values.reshape(len(values), -1)
    width = values.shape[1]
    if width == 1 and num_classes == 2:
        positive = values[:, 0]
        if positive.size and (positive.min() < 0 or positive.max() > 1):
            positive = 1.0 / (1.0 + np.exp(-positive))
        return np.stack([1.0 - positive, positive], axis=1)
    if width != num_classes:
        raise ValueError(f"the model gives {width} outputs per sample but the run has "
                         f"{num_classes} classes")
    if values.size and not _are_probabilities(values):
        shifted = np.exp(values - values.max(axis=1, keepdims=True))
        values = shifted / shifted.sum(axis=1, keepdims=True)
    return values


def _are_probabilities(values: np.ndarray) -> bool:
    in_range = values.min() >= 0 and values.max() <= 1
    return bool(in_range and np.allclose(values.sum(axis=1), 1.0, atol=1e-3))


def confusion_matrix(true: np.ndarray, predicted: np.ndarray, num_classes: int) -> np.ndarray:
    """Count samples per (true class, predicted class): rows are true, columns predicted."""
    matrix = np.zeros((num_classes, num_classes), dtype=np.int64)
    np.add.at(matrix, (np.asarray(true, dtype=np.int64), np.asarray(predicted, dtype=np.int64)),
              1)
    return matrix


def _ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    numerator = np.asarray(numerator, dtype=np.float64)
    denominator = np.asarray(denominator, dtype=np.float64)
    result = np.zeros_like(numerator)
    np.divide(numerator, denominator, out=result, where=denominator != 0)
    return result


def classification_report(true: np.ndarray, predicted: np.ndarray,
                          class_names: Sequence[str]) -> dict[str, Any]:
    """Accuracy, per-class precision/recall/F1/support, their averages and the confusion matrix.

    Args:
        true: True class indices, shape ``(n,)``.
        predicted: Predicted class indices, shape ``(n,)``.
        class_names: Names in class-index order.

    Returns:
        A dict with ``accuracy``, ``per_class`` (one dict per class: ``class``, ``precision``,
        ``recall``, ``f1``, ``support``), ``macro_avg`` (unweighted mean over all classes),
        ``weighted_avg`` (mean weighted by support) and ``confusion_matrix`` (``labels`` and
        ``matrix``, rows = true class, columns = predicted class).
    """
    matrix = confusion_matrix(true, predicted, len(class_names))
    hits = np.diag(matrix)
    support = matrix.sum(axis=1)
    precision = _ratio(hits, matrix.sum(axis=0))
    recall = _ratio(hits, support)
    f1 = _ratio(2 * precision * recall, precision + recall)
    per_class = [
        {"class": name, "precision": float(p), "recall": float(r), "f1": float(f),
         "support": int(s)}
        for name, p, r, f, s in zip(class_names, precision, recall, f1, support, strict=True)
    ]
    total = int(support.sum())
    weights = _ratio(support, np.full_like(support, total))
    return {
        "accuracy": float(_ratio(hits.sum(), total)),
        "per_class": per_class,
        "macro_avg": _average(precision, recall, f1, np.full(len(support), 1 / len(support)),
                              total),
        "weighted_avg": _average(precision, recall, f1, weights, total),
        "confusion_matrix": {"labels": list(class_names), "matrix": matrix.tolist()},
    }


def _average(precision: np.ndarray, recall: np.ndarray, f1: np.ndarray, weights: np.ndarray,
             support: int) -> dict[str, Any]:
    return {"precision": float(precision @ weights), "recall": float(recall @ weights),
            "f1": float(f1 @ weights), "support": support}


def confident_mistakes(probabilities: np.ndarray, true: np.ndarray, sample_ids: Sequence[str],
                       class_names: Sequence[str], limit: int = 10,
                       top: int = 3) -> list[dict[str, Any]]:
    """The wrong predictions the model was surest of, surest first.

    Args:
        probabilities: ``(n, classes)`` probabilities (see :func:`class_probabilities`).
        true: True class indices, shape ``(n,)``.
        sample_ids: A name per sample (``row 17`` or a file path).
        class_names: Names in class-index order.
        limit: How many mistakes to return at most.
        top: How many of the most probable classes to list per mistake.

    Returns:
        Dicts with ``sample``, ``true``, ``predicted``, ``confidence`` (the probability of the
        predicted class) and ``top`` (``[{"class", "probability"}]``, most probable first).
    """
    probabilities = np.asarray(probabilities, dtype=np.float64)
    true = np.asarray(true, dtype=np.int64)
    predicted = probabilities.argmax(axis=1)
    confidence = probabilities.max(axis=1)
    wrong = np.flatnonzero(predicted != true)
    ranked = wrong[np.argsort(-confidence[wrong], kind="stable")][:limit]
    return [
        {
            "sample": sample_ids[i],
            "true": class_names[true[i]],
            "predicted": class_names[predicted[i]],
            "confidence": float(confidence[i]),
            "top": [{"class": class_names[j], "probability": float(probabilities[i, j])}
                    for j in np.argsort(-probabilities[i], kind="stable")[:top]],
        }
        for i in ranked
    ]


def regression_report(true: np.ndarray, predicted: np.ndarray) -> dict[str, float]:
    """Mean squared error, its root, mean absolute error and R².

    R² is ``1 - SS_res / SS_tot``; when the true values are all equal (SS_tot = 0) it is 1 for
    perfect predictions and 0 otherwise, so the number stays finite.
    """
    true = np.asarray(true, dtype=np.float64).reshape(-1)
    predicted = np.asarray(predicted, dtype=np.float64).reshape(-1)
    residuals = true - predicted
    mse = float(np.mean(residuals**2)) if residuals.size else 0.0
    total = float(np.sum((true - true.mean()) ** 2)) if true.size else 0.0
    unexplained = float(np.sum(residuals**2))
    if total > 0:
        r2 = 1.0 - unexplained / total
    else:
        r2 = 1.0 if unexplained == 0 else 0.0
    return {
        "mse": mse,
        "rmse": float(np.sqrt(mse)),
        "mae": float(np.mean(np.abs(residuals))) if residuals.size else 0.0,
        "r2": r2,
    }


def worst_residuals(true: np.ndarray, predicted: np.ndarray, sample_ids: Sequence[str],
                    limit: int = 10) -> list[dict[str, Any]]:
    """The samples with the largest absolute residual (true − predicted), largest first."""
    true = np.asarray(true, dtype=np.float64).reshape(-1)
    predicted = np.asarray(predicted, dtype=np.float64).reshape(-1)
    residuals = true - predicted
    order = np.argsort(-np.abs(residuals), kind="stable")[:limit]
    return [
        {"sample": sample_ids[i], "true": float(true[i]), "predicted": float(predicted[i]),
         "residual": float(residuals[i])}
        for i in order
    ]
