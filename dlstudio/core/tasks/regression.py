"""Regression: one number per sample.

The head is one linear unit that learns the standardized target; the target transform
(``TargetScale``, fitted on the training targets) turns it back into the target's units inside
the model, through ``expm1`` for a heavy-tailed target learned as ``log1p`` — whose squared error
is then measured on that log scale (``LogScaleMSE``). The report has MSE, RMSE, MAE, R² and the
worst residuals; the prediction table has the value.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from dlstudio.core.errors import TrainingError
from dlstudio.core.evaluation import metrics
from dlstudio.core.evaluation.text_table import table
from dlstudio.core.tasks.base import Task, register

MISTAKES_LISTED = 10
LOSSES = ("mse", "mae", "huber")


def resolve_number_loss(choice: str, predicts: str) -> str:
    """Return the loss a task that predicts numbers trains with for ``training.loss`` =
    ``choice``: ``mse`` for ``auto``.

    Args:
        choice: The project's ``training.loss``.
        predicts: What the project predicts, in words for the message ("forecasts numbers").

    Raises:
        TrainingError: ``choice`` is a classification loss; the message names those that fit.
    """
    if choice == "auto":
        return "mse"
    if choice not in LOSSES:
        raise TrainingError(f"training.loss {choice!r} is for classification, but this "
                            f"project {predicts}; use mse, mae, huber or auto")
    return choice


def number_loss(name: str) -> Any:
    """Return the Keras loss object for ``mse``, ``mae`` or ``huber``."""
    import keras

    return {"mse": keras.losses.MeanSquaredError, "mae": keras.losses.MeanAbsoluteError,
            "huber": keras.losses.Huber}[name]()


@register
class Regression(Task):
    """Predict a number."""

    name = "regression"
    loss_names = LOSSES
    refits = True

    def output_head(self, num_classes: int) -> tuple[int, str]:
        """One linear unit."""
        return 1, "linear"

    def finish_outputs(self, outputs: Any, dataset: Any) -> Any:
        """Turn the head's standardized output into target units (``TargetScale``)."""
        return target_scale(dataset)(outputs)

    def resolve_loss(self, choice: str, output_units: int, label_smoothing: float = 0.0) -> str:
        """Return the loss to train with: ``mse`` for ``auto`` (labels are never smoothed)."""
        return resolve_number_loss(choice, "predicts a number")

    def make_loss(self, name: str, label_smoothing: float = 0.0, model: Any = None) -> Any:
        """Return the Keras loss ``name``; squared error on the log scale (``LogScaleMSE``)
        when ``model``'s ``target_scale`` layer learns ``log1p(target)``."""
        scale = log_target_scale(model)
        if name == "mse" and scale is not None:
            from dlstudio.core.model.layers import LogScaleMSE

            return LogScaleMSE(scale)
        return number_loss(name)

    def metrics(self) -> list[str]:
        """Mean absolute error."""
        return ["mae"]

    def report(self, outputs: np.ndarray, true: np.ndarray, sample_ids: list[str],
               class_names: list[str], threshold: float | None = None) -> dict[str, Any]:
        """``mse``, ``rmse``, ``mae``, ``r2``, ``worst_residuals`` and ``predictions``
        (``sample``, ``true``, ``predicted``)."""
        predicted = outputs[:, 0]
        predictions = [{"sample": sample, "true": float(t), "predicted": float(p)}
                       for sample, t, p in zip(sample_ids, true.reshape(-1), predicted,
                                               strict=True)]
        return {**metrics.regression_report(true, predicted),
                "worst_residuals": metrics.worst_residuals(true, predicted, sample_ids,
                                                           limit=MISTAKES_LISTED),
                "predictions": predictions}

    def report_lines(self, result: dict[str, Any]) -> list[str]:
        """The metrics table and the worst residuals."""
        lines = [""] + table(["metric", "value"], [
            ["MSE", f"{result['mse']:.6g}"], ["RMSE", f"{result['rmse']:.6g}"],
            ["MAE", f"{result['mae']:.6g}"], ["R²", f"{result['r2']:.4f}"]])
        lines += ["", "worst residuals (true − predicted)"]
        lines += table(["sample", "true", "predicted", "residual"],
                       [[r["sample"], f"{r['true']:.6g}", f"{r['predicted']:.6g}",
                         f"{r['residual']:+.6g}"] for r in result["worst_residuals"]])
        return lines

    def prediction_table(self, sample_ids: list[str], outputs: np.ndarray,
                         class_names: list[str], threshold: float | None = None) -> Any:
        """``sample`` and ``prediction`` (the value)."""
        import pandas as pd

        values = np.asarray(outputs, dtype=np.float64).reshape(len(sample_ids), -1)[:, 0]
        return pd.DataFrame({"sample": sample_ids, "prediction": values})


def target_scale(dataset: Any) -> Any:
    """Return the layer that turns the head's standardized output into target units (through
    ``expm1`` for a heavy-tailed target learned on the log scale)."""
    from dlstudio.core.data.tabular_preprocessing import fit_target_scaling
    from dlstudio.core.model.layers import TargetScale

    offset, scale, transform = fit_target_scaling(np.asarray(dataset.targets("train")))
    return TargetScale(offset, scale, transform, name="target_scale", dtype="float32")


def log_target_scale(model: Any) -> float | None:
    """Return the log-scale spread of a model whose target is learned as ``log1p``."""
    if model is None:
        return None
    layer = next((item for item in model.layers if item.name == "target_scale"), None)
    return layer.scale if getattr(layer, "transform", "none") == "log1p" else None
