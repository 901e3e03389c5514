"""Which columns moved one prediction most: occlusion of a typed row (Try it).

Each filled-in column is emptied in turn — the model then fills it as training taught it (the
median of a number, the "missing" category) — and all these rows are predicted in one batch.
A column's effect is how much the prediction falls without it: the probability of the class
predicted, or the predicted value for regression. Positive effects pushed toward this
prediction; negative ones pulled away from it.

Why not SHAP: dlstudio's models take raw typed columns (text categories included) and do their
own preprocessing inside the model, so SHAP's explainers would need a numeric wrapper and a
background sample, and the dependency (with numba) is heavy for what Try it shows. Emptying a
column uses the model's own missing-value path — exactly what the model does with that column
absent — in one batched prediction.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np


def explained_columns(run: Any, values: Mapping[str, str]) -> list[str]:
    """The feature columns of ``run`` that ``values`` fills in (identifiers and constants are
    not read by the model)."""
    return [spec.name for spec in run.project.data.columns
            if spec.role == "feature" and spec.kind not in ("identifier", "constant")
            and str(values.get(spec.name, "")).strip()]


def occlusion_effects(run: Any, values: Mapping[str, str], prediction: Any,
                      probabilities: Mapping[str, float]) -> list[dict[str, Any]]:
    """Each filled column's effect on this prediction, largest first (by size).

    Args:
        run: The opened run (:class:`~dlstudio.core.evaluation.evaluate.TrainedRun`).
        values: The row as typed (column → text).
        prediction: The row's prediction (a class name, or a value).
        probabilities: Its class probabilities (empty for regression).

    Returns:
        ``[{"column", "value", "effect"}]``: ``effect`` is the prediction's probability (or
        value) with every column minus that with this column emptied.
    """
    from dlstudio.core.data import load_rows
    from dlstudio.core.evaluation.evaluate import predict_outputs
    from dlstudio.core.tasks import get_task

    columns = explained_columns(run, values)
    if not columns:
        return []
    rows = [{**values, column: ""} for column in columns]
    dataset = load_rows(run.project, rows, run.class_names or None)
    outputs = predict_outputs(run.model, dataset, "test", 64)
    table = get_task(run.task).prediction_table(dataset.sample_ids("test"), outputs,
                                                run.class_names, run.threshold)
    if run.class_names:
        before = float(probabilities[prediction])
        after = table[f"prob_{prediction}"].to_numpy(dtype=np.float64)
    else:
        before = float(prediction)
        after = table["prediction"].to_numpy(dtype=np.float64)
    effects = [{"column": column, "value": str(values[column]), "effect": before - float(value)}
               for column, value in zip(columns, after, strict=True)]
    return sorted(effects, key=lambda entry: -abs(entry["effect"]))
