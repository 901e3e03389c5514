"""Which loss and metrics a task trains with: one rule for training, code generation and the GUI.

Pure Python (no Keras), so the GUI can show the resolved loss while editing. Targets are class
indices; the output is one sigmoid unit for two classes, one unit per class otherwise, and one
linear unit for regression.
"""

from __future__ import annotations

from dlstudio.core.errors import TrainingError

REGRESSION_LOSSES = ("mse", "mae", "huber")


def default_loss(task: str, output_units: int, label_smoothing: float = 0.0) -> str:
    """Return the loss that fits ``task`` and a model with ``output_units`` outputs (categorical
    cross-entropy on one-hot targets when labels are smoothed: the sparse one cannot smooth)."""
    if task == "regression":
        return "mse"
    if output_units == 1:
        return "binary_crossentropy"
    return "categorical_crossentropy" if label_smoothing > 0 else "sparse_categorical_crossentropy"


def output_units_for(task: str, num_classes: int) -> int:
    """Return the number of outputs the output head has for ``task``."""
    if task == "regression" or num_classes == 2:
        return 1
    return num_classes


def resolve_loss_name(choice: str, task: str, output_units: int,
                      label_smoothing: float = 0.0) -> str:
    """Return the loss to train with, checked against the task and the model's output.

    Args:
        choice: ``auto`` or a loss name from the project.
        task: ``classification`` or ``regression``.
        output_units: Size of the model's last axis (1 for two classes with a sigmoid).
        label_smoothing: The project's ``training.label_smoothing``.

    Raises:
        TrainingError: The loss does not fit the task or the output layer; the message names
            the loss that does.
    """
    fitting = default_loss(task, output_units, label_smoothing if task != "regression" else 0)
    if choice == "auto":
        return fitting
    if choice == "sparse_categorical_crossentropy" and label_smoothing > 0:
        raise TrainingError("training.loss 'sparse_categorical_crossentropy' cannot smooth "
                            "labels; use categorical_crossentropy or auto, or set "
                            "training.label_smoothing to 0")
    if task == "regression" and choice not in REGRESSION_LOSSES:
        raise TrainingError(f"training.loss {choice!r} is for classification, but this "
                            "project predicts a number; use mse, mae, huber or auto")
    if task == "classification" and choice in REGRESSION_LOSSES:
        raise TrainingError(f"training.loss {choice!r} is for regression, but this project "
                            f"predicts classes; use {fitting} or auto")
    binary_output = output_units == 1
    if task == "classification" and (choice == "binary_crossentropy") != binary_output:
        raise TrainingError(
            f"training.loss {choice!r} does not fit a model with {output_units} output(s) "
            f"({'one sigmoid output for two classes' if binary_output else 'one per class'}); "
            f"use {fitting} or auto")
    return choice


def needs_one_hot(loss_name: str) -> bool:
    """Whether targets (class indices) must be one-hot encoded for ``loss_name``."""
    return loss_name == "categorical_crossentropy"


def metrics_for_task(task: str) -> list[str]:
    """Return the metrics to compile with: accuracy for classification, MAE for regression."""
    return ["mae"] if task == "regression" else ["accuracy"]
