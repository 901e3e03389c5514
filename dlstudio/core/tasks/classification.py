"""Classification: one class per sample, targets are class indices.

The head is a softmax over the classes, or one sigmoid unit for two; the loss is cross-entropy
(categorical on one-hot targets when labels are smoothed: the sparse one cannot smooth); the
report has accuracy, per-class scores, the confusion matrix and the most confident mistakes; the
prediction table has the class and one probability column per class.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from dlstudio.core.errors import TrainingError
from dlstudio.core.evaluation import metrics, probability_metrics
from dlstudio.core.evaluation.text_table import table
from dlstudio.core.tasks.base import Task, register

MISTAKES_LISTED = 10
LOSSES = ("sparse_categorical_crossentropy", "categorical_crossentropy", "binary_crossentropy")


@register
class Classification(Task):
    """Predict one of the data's classes."""

    name = "classification"
    loss_names = LOSSES
    refits = True

    def output_head(self, num_classes: int) -> tuple[int, str]:
        """Softmax over ``num_classes`` units for more than two classes, one sigmoid unit for
        two."""
        return (1, "sigmoid") if num_classes == 2 else (num_classes, "softmax")

    def resolve_loss(self, choice: str, output_units: int, label_smoothing: float = 0.0) -> str:
        """Return the loss to train with (see :meth:`Task.resolve_loss`)."""
        fitting = default_loss(output_units, label_smoothing)
        if choice == "auto":
            return fitting
        if choice == "sparse_categorical_crossentropy" and label_smoothing > 0:
            raise TrainingError("training.loss 'sparse_categorical_crossentropy' cannot smooth "
                                "labels; use categorical_crossentropy or auto, or set "
                                "training.label_smoothing to 0")
        if choice not in LOSSES:
            raise TrainingError(f"training.loss {choice!r} is for regression, but this project "
                                f"predicts classes; use {fitting} or auto")
        binary_output = output_units == 1
        if (choice == "binary_crossentropy") != binary_output:
            raise TrainingError(
                f"training.loss {choice!r} does not fit a model with {output_units} output(s) "
                f"({'one sigmoid output for two classes' if binary_output else 'one per class'})"
                f"; use {fitting} or auto")
        return choice

    def make_loss(self, name: str, label_smoothing: float = 0.0, model: Any = None) -> Any:
        """Return the Keras cross-entropy ``name``, smoothing labels where it can."""
        import keras

        loss = {"categorical_crossentropy": keras.losses.CategoricalCrossentropy,
                "sparse_categorical_crossentropy": keras.losses.SparseCategoricalCrossentropy,
                "binary_crossentropy": keras.losses.BinaryCrossentropy}[name]
        if name != "sparse_categorical_crossentropy" and label_smoothing > 0:
            return loss(label_smoothing=label_smoothing)
        return loss()

    def metrics(self) -> list[str]:
        """Accuracy."""
        return ["accuracy"]

    def training_targets(self, data: Any, loss_name: str, num_classes: int) -> Any:
        """One-hot vectors for categorical cross-entropy, the class indices otherwise."""
        if loss_name != "categorical_crossentropy":
            return data
        import tensorflow as tf

        return data.map(lambda inputs, target: (inputs, tf.one_hot(target, num_classes)),
                        num_parallel_calls=tf.data.AUTOTUNE)

    def class_weights(self, mode: str, targets: np.ndarray,
                      num_classes: int) -> dict[int, float] | None:
        """Balanced weights for ``balanced``, else ``None`` (every sample counts the same)."""
        return balanced_class_weights(targets, num_classes) if mode == "balanced" else None

    def report(self, outputs: np.ndarray, true: np.ndarray, sample_ids: list[str],
               class_names: list[str], threshold: float | None = None) -> dict[str, Any]:
        """``class_names``, ``accuracy``, ``per_class``, ``macro_avg``, ``weighted_avg``,
        ``confusion_matrix``, ``roc_auc``, ``pr_auc``, ``roc_curves``, ``pr_curves``,
        ``calibration``, ``top_k`` (more than 5 classes), ``confident_mistakes`` and
        ``predictions`` (``sample``, ``true``, ``predicted``, ``confidence``: the probability of
        the predicted class).

        With two classes, predictions follow ``threshold`` (the run's saved one; 0.5 when
        ``None``): ``threshold`` is then ``{"value", "saved", "positive_class", "best_f1"}``
        and each prediction carries ``probability``, that of the positive (second) class, so a
        view can move the threshold without the model.
        """
        probabilities = metrics.class_probabilities(outputs, len(class_names))
        true = true.reshape(-1).astype(np.int64)
        binary = len(class_names) == 2
        cut = (0.5 if threshold is None else threshold) if binary else None
        predicted = probability_metrics.predict_with_threshold(probabilities, cut)
        report = metrics.classification_report(true, predicted, class_names)
        mistakes = metrics.confident_mistakes(probabilities, true, sample_ids, class_names,
                                              limit=MISTAKES_LISTED)
        predictions = [{"sample": sample, "true": class_names[t], "predicted": class_names[p],
                        "confidence": float(probabilities[row, p])}
                       for row, (sample, t, p) in enumerate(zip(sample_ids, true, predicted,
                                                                strict=True))]
        body: dict[str, Any] = {"class_names": class_names, **report}
        body.update(probability_metrics.ranking_report(probabilities, true, class_names))
        body["calibration"] = probability_metrics.calibration(probabilities, true)
        body["top_k"] = probability_metrics.top_k_report(probabilities, true)
        if binary:
            for record, positive in zip(predictions, probabilities[:, 1], strict=True):
                record["probability"] = float(positive)
            body["threshold"] = {
                "value": cut, "saved": threshold is not None, "positive_class": class_names[1],
                "best_f1": probability_metrics.best_f1_threshold(probabilities[:, 1], true)}
        return {**body, "confident_mistakes": mistakes, "predictions": predictions}

    def report_lines(self, result: dict[str, Any]) -> list[str]:
        """Accuracy (top-k), the threshold, the per-class table, the areas under the curves,
        calibration, the confusion matrix and the confident mistakes."""
        lines = ["", f"accuracy  {result['accuracy']:.4f}"]
        lines += [f"{name.replace('_', '-')} accuracy  {value:.4f}"
                  for name, value in (result.get("top_k") or {}).items()]
        lines += _threshold_lines(result.get("threshold")) + [""]
        rows = [[entry["class"], *_scores(entry)] for entry in result["per_class"]]
        rows += [["macro avg", *_scores(result["macro_avg"])],
                 ["weighted avg", *_scores(result["weighted_avg"])]]
        lines += table(["class", "precision", "recall", "f1", "support"], rows)
        lines += _ranking_lines(result)
        matrix = result["confusion_matrix"]
        labels = [_short(name) for name in matrix["labels"]]
        lines += ["", "confusion matrix (rows: true class, columns: predicted class)"]
        lines += table(["", *labels], [[label, *counts] for label, counts
                                       in zip(labels, matrix["matrix"], strict=True)])
        mistakes = result["confident_mistakes"]
        lines += ["", "most confident mistakes" if mistakes else "no mistakes"]
        if mistakes:
            lines += table(["sample", "true", "predicted", "confidence", "top classes"],
                           [[m["sample"], m["true"], m["predicted"], f"{m['confidence']:.3f}",
                             ", ".join(f"{t['class']} {t['probability']:.3f}" for t in m["top"])]
                            for m in mistakes], align="lllrl")
        return lines

    def prediction_table(self, sample_ids: list[str], outputs: np.ndarray,
                         class_names: list[str], threshold: float | None = None) -> Any:
        """``sample``, ``prediction`` (the class name) and ``prob_<class>`` per class; with two
        classes, the second is predicted when its probability is at least ``threshold``
        (``None``: the most probable class)."""
        import pandas as pd

        probabilities = metrics.class_probabilities(outputs, len(class_names)) \
            if len(sample_ids) else np.zeros((0, len(class_names)))
        columns: dict[str, Any] = {
            "sample": sample_ids,
            "prediction": [class_names[i]
                           for i in probability_metrics.predict_with_threshold(probabilities,
                                                                               threshold)],
        }
        for position, name in enumerate(class_names):
            columns[f"prob_{name}"] = probabilities[:, position]
        return pd.DataFrame(columns)


def default_loss(output_units: int, label_smoothing: float = 0.0) -> str:
    """Return the cross-entropy that fits a model with ``output_units`` outputs."""
    if output_units == 1:
        return "binary_crossentropy"
    return "categorical_crossentropy" if label_smoothing > 0 else "sparse_categorical_crossentropy"


def balanced_class_weights(targets: np.ndarray, num_classes: int) -> dict[int, float]:
    """Return weights inverse to class frequency: ``samples / (classes × count)``.

    Classes absent from ``targets`` get weight 1.
    """
    counts = np.bincount(np.asarray(targets, dtype=np.int64).ravel(), minlength=num_classes)
    total = float(counts.sum())
    return {index: (total / (num_classes * count) if count else 1.0)
            for index, count in enumerate(counts[:num_classes].tolist())}


def _threshold_lines(threshold: dict[str, Any] | None) -> list[str]:
    if not threshold:
        return []
    source = "saved with the run" if threshold["saved"] else "the default"
    best = threshold["best_f1"]
    return [f"threshold {threshold['value']:.3f} ({source}): {threshold['positive_class']} is "
            "predicted when its probability is at least this",
            f"best F1 of {threshold['positive_class']}: {best['f1']:.4f} at threshold "
            f"{best['threshold']:.3f} (save one with `dlstudio evaluate RUN --threshold T`)"]


def _ranking_lines(result: dict[str, Any]) -> list[str]:
    if "roc_auc" not in result:
        return []
    roc, pr = result["roc_auc"], result["pr_auc"]
    rows = [[name, _area(roc["per_class"][name]), _area(pr["per_class"][name])]
            for name in result["class_names"]]
    rows += [[f"{kind} avg", _area(roc[kind]), _area(pr[kind])] for kind in ("macro",
                                                                               "weighted")]
    calibration = result["calibration"]
    return (["", "areas under the curves (one class against the rest)"]
            + table(["class", "ROC AUC", "PR AUC"], rows)
            + ["", f"calibration: expected calibration error {calibration['ece']:.4f} "
               f"(largest gap {calibration['max_gap']:.4f}; 0 is perfectly calibrated)"])


def _area(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.4f}"


def _scores(entry: dict[str, Any]) -> list[str]:
    return [f"{entry['precision']:.4f}", f"{entry['recall']:.4f}", f"{entry['f1']:.4f}",
            str(entry["support"])]


def _short(name: str, width: int = 16) -> str:
    return name if len(name) <= width else name[: width - 1] + "…"
