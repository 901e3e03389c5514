"""Reconstruction: an autoencoder learns to give its input back, and flags what it cannot.

The model has two parts (``model.parts``): the **encoder** squeezes one preprocessed sample into
a code, the **decoder** makes the sample again from the code (the builder ends it with a layer
of the data's shape). The model outputs ``reconstruction`` and ``score``, each sample's
reconstruction error (:class:`~dlstudio.core.model.layers.ReconstructionError`), whose batch
mean is the loss: mean squared error, or binary cross-entropy for images (pixels in [0, 1]).

No target is needed (``needs_targets`` False): an image folder without class folders, or a
CSV without a target, trains. With labels and ``data.normal_classes``, training and the
threshold see the normal samples only, and evaluation scores how well the others are flagged.
The run's threshold is the ``training.autoencoder.anomaly_percentile`` of the validation
errors, saved in ``run.json`` when training ends (and changed like a two-class threshold);
``dlstudio predict`` writes each sample's score and whether it is flagged.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np

from dlstudio.core.errors import DataError, TrainingError
from dlstudio.core.evaluation import anomaly
from dlstudio.core.evaluation.text_table import table
from dlstudio.core.tasks.base import Task, register

LOSSES = ("mse", "binary_crossentropy")
SCORE_OUTPUT = "score"
RECONSTRUCTION_OUTPUT = "reconstruction"


@register
class Reconstruction(Task):
    """Learn to reconstruct the inputs; score each sample by its reconstruction error."""

    name = "reconstruction"
    needs_targets = False
    loss_names = LOSSES
    parts = ("encoder", "decoder")
    compared_output = SCORE_OUTPUT
    detects_anomalies = True

    def __init__(self) -> None:
        self.normal_classes: list[str] = []
        self.percentile = 95.0

    def bind(self, project: Any) -> Reconstruction:
        """Return a copy that knows the project's normal classes and percentile."""
        bound = copy.copy(self)
        bound.normal_classes = list(project.data.normal_classes)
        bound.percentile = project.training.autoencoder.anomaly_percentile
        return bound

    # The model -----------------------------------------------------------------------------

    def output_head(self, num_classes: int) -> tuple[int, str]:
        """No classification head: the decoder's output layer makes the sample."""
        return 0, "linear"

    def part_input(self, part: str, feature_shape: tuple[int | None, ...], latent_dim: int,
                   outputs: dict[str, Any]) -> Any:
        """The encoder takes the preprocessed sample, the decoder the encoder's code."""
        return tuple(feature_shape) if part == "encoder" else outputs.get("encoder")

    def part_input_words(self, part: str) -> str:
        """What each part's input row says."""
        return "the preprocessed data" if part == "encoder" else "the encoder's code"

    def part_output(self, part: str) -> str:
        """The decoder ends in one sample of the data's shape; the encoder's output is the
        code as it is."""
        return "sample" if part == "decoder" else "none"

    def assemble(self, parts: dict[str, Any], inputs: dict[str, Any], preprocessed: Any,
                 project: Any, dataset: Any) -> Any:
        """Raw inputs → preprocessing → encoder → decoder, with the per-sample error."""
        import keras

        from dlstudio.core.model.builder import model_name
        from dlstudio.core.model.layers import ReconstructionError

        loss = reconstruction_loss(project.training.loss, dataset.kind)
        reconstruction = parts["decoder"](parts["encoder"](preprocessed))
        score = ReconstructionError(loss, name=SCORE_OUTPUT)([preprocessed, reconstruction])
        reconstruction = keras.layers.Identity(name=RECONSTRUCTION_OUTPUT)(reconstruction)
        return keras.Model(inputs, {RECONSTRUCTION_OUTPUT: reconstruction,
                                    SCORE_OUTPUT: score}, name=model_name(project.name))

    # Training ------------------------------------------------------------------------------

    def resolve_loss(self, choice: str, output_units: int, label_smoothing: float = 0.0) -> str:
        """``auto``, ``mse`` or ``binary_crossentropy`` (the model adds it itself)."""
        if choice != "auto" and choice not in LOSSES:
            raise TrainingError(f"training.loss {choice!r} does not fit an autoencoder, which "
                                "compares each sample with its reconstruction; use mse, "
                                "binary_crossentropy (images) or auto")
        return choice

    def make_loss(self, name: str, label_smoothing: float = 0.0, model: Any = None) -> Any:
        """None: the model's ``score`` layer adds the loss."""
        return None

    def metrics(self) -> list[str]:
        """None besides the loss (the mean reconstruction error)."""
        return []

    def training_data(self, data: Any, split: str, dataset: Any, project: Any) -> Any:
        """The inputs alone, of the normal classes only when ``data.normal_classes`` is set."""
        keep = normal_indices(dataset, project.data.normal_classes)
        targets = dataset.targets(split) if keep is not None else None
        return inputs_only(data, keep, targets, project.training.batch_size)

    def after_training(self, model: Any, dataset: Any, project: Any) -> dict[str, Any]:
        """Save the threshold: the percentile of the validation split's errors (of the
        training split without validation)."""
        split = "validation" if dataset.split_size("validation") else "train"
        scores = split_scores(model, dataset, split, project.training.batch_size,
                              normal_indices(dataset, project.data.normal_classes))
        percentile = project.training.autoencoder.anomaly_percentile
        return {"threshold": anomaly.percentile_threshold(scores, percentile)}

    def uses_threshold(self, class_names: list[str]) -> bool:
        """An autoencoder always decides by its threshold."""
        return True

    # Evaluation and prediction -------------------------------------------------------------

    def output_array(self, outputs: Any) -> np.ndarray:
        """The ``score`` output, one row per sample."""
        if isinstance(outputs, dict):
            outputs = outputs[SCORE_OUTPUT]
        values = np.asarray(outputs, dtype=np.float64)
        return values.reshape(len(values), -1)[:, :1]

    def report(self, outputs: np.ndarray, true: np.ndarray | None, sample_ids: list[str],
               class_names: list[str], threshold: float | None = None) -> dict[str, Any]:
        """``errors`` (summary and ``histogram``), ``threshold``, ``flagged``, ``worst``,
        ``detection`` (with labels and normal classes: ROC AUC, precision, recall of
        "anomaly") and ``predictions`` (``sample``, ``score``, ``anomaly``, and ``true`` /
        ``true_anomaly`` with labels)."""
        scores = self.output_array(outputs)[:, 0]
        called = anomaly.flags(scores, threshold)
        result: dict[str, Any] = {
            "errors": {**anomaly.score_summary(scores), "histogram": anomaly.histogram(scores)},
            "threshold": threshold, "percentile": self.percentile,
            "flagged": int(called.sum()), "worst": anomaly.worst(scores, sample_ids),
            "normal_classes": list(self.normal_classes),
        }
        labels = None
        if true is not None and len(class_names) and len(np.asarray(true)) == len(scores):
            labels = [class_names[int(index)] for index in np.asarray(true).reshape(-1)]
        truly = None
        if labels is not None and self.normal_classes:
            truly = np.array([label not in self.normal_classes for label in labels])
            result["detection"] = anomaly.detection_report(scores, truly, threshold)
            result["errors"]["by_kind"] = {
                "normal": anomaly.histogram(scores[~truly]),
                "anomaly": anomaly.histogram(scores[truly])}
        predictions = []
        for index, (sample, score) in enumerate(zip(sample_ids, scores, strict=True)):
            record: dict[str, Any] = {"sample": sample, "score": float(score),
                                      "anomaly": bool(called[index])}
            if labels is not None:
                record["true"] = labels[index]
            if truly is not None:
                record["true_anomaly"] = bool(truly[index])
            predictions.append(record)
        result["predictions"] = predictions
        return result

    def report_lines(self, result: dict[str, Any]) -> list[str]:
        """The error summary, the threshold and, with labels, the detection scores."""
        errors = result["errors"]
        threshold = result.get("threshold")
        flagged = result.get("flagged", 0)
        total = len(result.get("predictions", [])) or 1
        rows = [["mean error", f"{errors['mean']:.6g}"], ["median error",
                                                         f"{errors['median']:.6g}"],
                ["95th percentile", f"{errors['p95']:.6g}"], ["largest", f"{errors['max']:.6g}"],
                ["threshold", "none" if threshold is None else f"{threshold:.6g}"],
                ["flagged", f"{flagged} ({flagged / total:.1%})"]]
        detection = result.get("detection")
        if detection:
            auc = detection["roc_auc"]
            rows += [["ROC AUC", "n/a" if auc is None else f"{auc:.4f}"],
                     ["precision (anomaly)", f"{detection['precision']:.4f}"],
                     ["recall (anomaly)", f"{detection['recall']:.4f}"]]
        lines = [""] + table(["reconstruction", "value"], rows)
        lines += ["", "largest errors"]
        lines += table(["sample", "error"], [[r["sample"], f"{r['score']:.6g}"]
                                             for r in result.get("worst", [])])
        return lines

    def prediction_table(self, sample_ids: list[str], outputs: np.ndarray,
                         class_names: list[str], threshold: float | None = None) -> Any:
        """``sample``, ``prediction`` (``anomaly`` or ``normal``), ``score`` (the
        reconstruction error) and ``anomaly`` (1 when flagged)."""
        import pandas as pd

        scores = self.output_array(outputs)[:, 0] if len(sample_ids) else np.zeros(0)
        called = anomaly.flags(scores, threshold)
        return pd.DataFrame({"sample": sample_ids,
                             "prediction": np.where(called, "anomaly", "normal"),
                             "score": scores, "anomaly": called.astype(int)})


def reconstruction_loss(choice: str, data_kind: str) -> str:
    """Return the error an autoencoder trains on: ``training.loss``, or for ``auto`` binary
    cross-entropy for images (pixels in [0, 1]) and squared error for table rows."""
    if choice in LOSSES:
        return choice
    return "binary_crossentropy" if data_kind == "images" else "mse"


def normal_indices(dataset: Any, normal_classes: list[str]) -> list[int] | None:
    """Return the class indices of ``normal_classes`` (``None``: every sample is normal).

    Raises:
        DataError: A normal class is not among the data's classes, or the data has no labels.
    """
    if not normal_classes:
        return None
    if not dataset.has_targets or not dataset.class_names:
        raise DataError("data.normal_classes is set, but the data has no labels to tell "
                        "normal samples by; set data.target (a CSV) or use class folders, or "
                        "remove data.normal_classes")
    unknown = [name for name in normal_classes if name not in dataset.class_names]
    if unknown:
        raise DataError(f"data.normal_classes names {', '.join(map(repr, unknown))}, which "
                        f"the data does not have; its classes are "
                        f"{', '.join(dataset.class_names)}")
    return [dataset.class_names.index(name) for name in normal_classes]


def inputs_only(data: Any, keep: list[int] | None = None, targets: Any = None,
                batch_size: int = 32) -> Any:
    """Return the ``tf.data`` pipeline of inputs alone; with ``keep``, only the samples whose
    class index is in it, re-batched to ``batch_size`` (``targets``: the split's class
    indices, to count the batches, so Keras knows the epoch's length)."""
    import tensorflow as tf

    if not isinstance(data.element_spec, tuple):
        return data
    if keep is None:
        return data.map(lambda inputs, *rest: inputs)
    wanted = tf.constant(keep, dtype=tf.int32)
    kept = data.unbatch().filter(
        lambda inputs, target: tf.reduce_any(tf.equal(tf.cast(target, tf.int32), wanted)))
    kept = kept.map(lambda inputs, target: inputs).batch(batch_size)
    if targets is not None:
        count = int(np.isin(np.asarray(targets), keep).sum())
        kept = kept.apply(tf.data.experimental.assert_cardinality(-(-count // batch_size)))
    return kept.prefetch(tf.data.AUTOTUNE)


def split_scores(model: Any, dataset: Any, split: str, batch_size: int,
                 keep: list[int] | None = None) -> np.ndarray:
    """Return the reconstruction error of each sample of ``split`` (of the ``keep`` classes
    only, when given)."""
    if dataset.split_size(split) == 0:
        return np.zeros(0)
    targets = dataset.targets(split) if keep is not None else None
    data = inputs_only(dataset.tf_dataset(split, batch_size), keep, targets, batch_size)
    outputs = model.predict(data, verbose=0)
    if isinstance(outputs, dict):
        outputs = outputs[SCORE_OUTPUT]
    return np.asarray(outputs, dtype=np.float64).reshape(-1)
