"""Which columns a table model relies on: permutation importance on the validation split.

For each feature column, its values are shuffled among the rows (``repeats`` times, seeded) and
the model predicts again: the score lost is the column's importance — how much worse the model
does once that column carries no information. The score is accuracy for classification (a
two-class run at its saved threshold) and RMSE for regression, so importances read in those
units ("accuracy drops by 0.12 without colour").

:func:`column_importance` writes ``importance.json`` to the run folder (the Evaluate tab's bar
chart reads it) and returns the same dict; :func:`format_importance` is the CLI table.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from dlstudio.core.data import load_dataset
from dlstudio.core.errors import UserInputError
from dlstudio.core.evaluation.evaluate import TrainedRun, open_run
from dlstudio.core.evaluation.metrics import class_probabilities
from dlstudio.core.evaluation.probability_metrics import predict_with_threshold
from dlstudio.core.evaluation.text_table import table
from dlstudio.core.project.project import atomic_write_text

IMPORTANCE_FILE = "importance.json"
DEFAULT_REPEATS = 5


def importance_path(run_dir: str | Path) -> Path:
    """Where :func:`column_importance` writes its result."""
    return Path(run_dir) / IMPORTANCE_FILE


def column_importance(run_dir: str | Path, repeats: int = DEFAULT_REPEATS,
                      seed: int = 0) -> dict[str, Any]:
    """Permutation importance of every feature column of a table run.

    Args:
        run_dir: A finished run on CSV data.
        repeats: Shuffles per column (the importance is their mean; ``spread`` their standard
            deviation).
        seed: Seeds the shuffles.

    Returns:
        ``run``, ``split`` (``validation``, or ``test`` when there is no validation split),
        ``samples``, ``metric`` (``accuracy`` or ``rmse``), ``baseline`` (the score with no
        column shuffled), ``repeats`` and ``columns``: ``[{"column", "importance",
        "spread"}]``, most important first. Also written to :func:`importance_path`.

    Raises:
        UserInputError: The run is not on CSV data, has no rows to score, or ``repeats`` < 1.
    """
    if repeats < 1:
        raise UserInputError(f"repeats must be at least 1, got {repeats}")
    run = open_run(run_dir)
    if run.project.data.kind != "csv":
        raise UserInputError(
            f"run {run.name} reads images; permutation importance is for table columns — "
            "image models are explained by Grad-CAM and saliency maps (Try it, worst errors)")
    dataset = load_dataset(run.project, class_names=run.class_names or None)
    split = "validation" if dataset.split_size("validation") else "test"
    if not dataset.split_size(split):
        raise UserInputError(f"run {run.name} has no validation or test rows to shuffle; "
                             "give the split a validation share and train again")
    inputs = {name: values for name, values in dataset.inputs(split).items()
              if name in _model_inputs(run.model)}
    true = np.asarray(dataset.targets(split)).reshape(-1)
    scorer = _Scorer(run, true)
    baseline = scorer.score(inputs)
    rng = np.random.default_rng(seed)
    columns = []
    for spec in dataset.features:
        name = dataset.input_names[spec.name]
        if name not in inputs:
            continue
        losses = [scorer.loss(baseline, {**inputs, name: inputs[name][rng.permutation(len(true))]})
                  for _ in range(repeats)]
        columns.append({"column": spec.name, "importance": float(np.mean(losses)),
                        "spread": float(np.std(losses))})
    columns.sort(key=lambda entry: -entry["importance"])
    result = {"run": {"id": run.record.id, "name": run.name}, "split": split,
              "samples": int(len(true)), "metric": scorer.metric, "baseline": baseline,
              "repeats": repeats, "columns": columns}
    atomic_write_text(importance_path(run_dir), json.dumps(result, indent=2) + "\n")
    return result


def _model_inputs(model: Any) -> set[str]:
    return set(model.input) if isinstance(model.input, dict) else set()


class _Scorer:
    """Scores predictions on fixed rows: accuracy (higher is better) or RMSE (lower)."""

    def __init__(self, run: TrainedRun, true: np.ndarray) -> None:
        self.run = run
        self.true = true
        self.metric = "accuracy" if run.task == "classification" else "rmse"

    def score(self, inputs: dict[str, np.ndarray]) -> float:
        import tensorflow as tf

        rows = tf.data.Dataset.from_tensor_slices(
            {name: tf.constant(values) for name, values in inputs.items()}).batch(512)
        outputs = np.asarray(self.run.model.predict(rows, verbose=0))
        outputs = outputs.reshape(len(self.true), -1)
        if self.metric == "accuracy":
            probabilities = class_probabilities(outputs, len(self.run.class_names))
            predicted = predict_with_threshold(probabilities, self.run.threshold)
            return float(np.mean(predicted == self.true))
        return float(np.sqrt(np.mean((outputs[:, 0] - self.true) ** 2)))

    def loss(self, baseline: float, inputs: dict[str, np.ndarray]) -> float:
        """How much worse than ``baseline`` the model does on ``inputs``."""
        score = self.score(inputs)
        return baseline - score if self.metric == "accuracy" else score - baseline


def format_importance(result: dict[str, Any]) -> str:
    """The result of :func:`column_importance` as a table with a bar per column."""
    metric = result["metric"]
    change = "accuracy lost" if metric == "accuracy" else "RMSE added"
    largest = max([entry["importance"] for entry in result["columns"]] + [1e-12])
    rows = [[entry["column"], f"{entry['importance']:+.4f}", f"±{entry['spread']:.4f}",
             "#" * max(0, round(20 * entry["importance"] / largest))]
            for entry in result["columns"]]
    lines = [f"Permutation importance of run {result['run']['name']} on its {result['split']} "
             f"split ({result['samples']} rows, {metric} {result['baseline']:.4f} with every "
             f"column, {result['repeats']} shuffle(s) per column)", ""]
    lines += table(["column", change, "spread", ""], rows, align="lrrl")
    lines += ["", "A column near 0 (or below) does not help the model on these rows."]
    return "\n".join(lines)
