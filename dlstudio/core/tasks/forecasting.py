"""Forecasting: the next ``horizon`` values of one or more series from a window of their past.

A sample is a window of rows (see :mod:`dlstudio.core.data.series`); the head is one linear unit
per target per horizon step, step-major (``t+1`` of every target, then ``t+2`` …), so a model's
output row reshapes to ``(horizon, targets)``. The dataset names those outputs in its
``class_names`` (``VALUE t+1``, ``VALUE t+2``), which is how the head learns its width from the
``num_classes`` the builder passes. The head learns the standardized change from the window's
last value; the target transform (``ForecastScale``, fitted on the training rows) turns it into
the targets' units inside the model. The head starts at zero, so an untrained model forecasts
persistence plus the training rows' mean change (drift); early stopping scores that start too
and keeps it when no epoch beats it on the validation windows.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from dlstudio.core.tasks.base import Task, register
from dlstudio.core.tasks.regression import LOSSES, number_loss, resolve_number_loss


@register
class Forecasting(Task):
    """Forecast the next steps of a series."""

    name = "forecasting"
    loss_names = LOSSES
    head_initializer = "zeros"  # untrained: the window's last value plus the training drift
    untrained_is_baseline = True

    def output_head(self, num_classes: int) -> tuple[int, str]:
        """One linear unit per output (``num_classes``: horizon × targets)."""
        return max(num_classes, 1), "linear"

    def finish_outputs(self, outputs: Any, dataset: Any) -> Any:
        """Turn the head's outputs into the targets' units: the window's last values plus the
        learned change (``ForecastScale``, fitted on the training rows)."""
        return dataset.finish_forecast(outputs)

    def resolve_loss(self, choice: str, output_units: int, label_smoothing: float = 0.0) -> str:
        """Return the loss to train with: ``mse`` for ``auto``."""
        return resolve_number_loss(choice, "forecasts numbers")

    def make_loss(self, name: str, label_smoothing: float = 0.0, model: Any = None) -> Any:
        """Return the Keras loss ``name``."""
        return number_loss(name)

    def metrics(self) -> list[str]:
        """Mean absolute error (over every output)."""
        return ["mae"]

    def report(self, outputs: np.ndarray, true: np.ndarray, sample_ids: list[str],
               class_names: list[str], threshold: float | None = None) -> dict[str, Any]:
        """Overall ``mae`` and ``rmse`` and ``predictions`` (``sample``, ``true``,
        ``predicted`` lists, one value per output)."""
        outputs = np.asarray(outputs, dtype=np.float64).reshape(len(sample_ids), -1)
        true = np.asarray(true, dtype=np.float64).reshape(outputs.shape)
        errors = outputs - true
        predictions = [{"sample": sample, "true": t.tolist(), "predicted": p.tolist()}
                       for sample, t, p in zip(sample_ids, true, outputs, strict=True)]
        return {"mae": float(np.mean(np.abs(errors))) if errors.size else float("nan"),
                "rmse": float(np.sqrt(np.mean(errors ** 2))) if errors.size else float("nan"),
                "predictions": predictions}

    def evaluation_report(self, dataset: Any, split: str, outputs: np.ndarray,
                          class_names: list[str], threshold: float | None = None
                          ) -> dict[str, Any]:
        """The model beside persistence, seasonal naive and a linear AR on the same windows,
        per step and overall, with every window's values (see
        :mod:`dlstudio.core.evaluation.forecast_report` for the shape)."""
        from dlstudio.core.evaluation.forecast_report import forecast_report

        base = self.report(outputs, dataset.targets(split), dataset.sample_ids(split),
                           class_names, threshold)
        return forecast_report(dataset, split, outputs, base)

    def report_lines(self, result: dict[str, Any]) -> list[str]:
        """The model and its baselines side by side and the verdict (just the errors for a
        plain :meth:`report`)."""
        if "baselines" not in result:
            return ["", f"MAE {result['mae']:.6g}, RMSE {result['rmse']:.6g}"]
        from dlstudio.core.evaluation.forecast_report import report_lines

        return report_lines(result)

    def prediction_table(self, sample_ids: list[str], outputs: np.ndarray,
                         class_names: list[str], threshold: float | None = None) -> Any:
        """``sample`` then one column per output (``VALUE t+1`` …)."""
        import pandas as pd

        values = np.asarray(outputs, dtype=np.float64).reshape(len(sample_ids), -1)
        names = class_names or [f"output {index + 1}" for index in range(values.shape[1])]
        return pd.DataFrame({"sample": sample_ids,
                             **{name: values[:, index] for index, name in enumerate(names)}})
