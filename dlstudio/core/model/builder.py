"""Project → ``keras.Model``: the data's inputs and preprocessing, the user's stack, the head.

The head is the output layer the task needs (:func:`output_head`): softmax over the classes,
one sigmoid unit for two classes, one linear unit for regression. It is added unless the
project turns it off or the stack already ends in exactly that layer. Shape problems are found
by :func:`inspect_stack` first, so :func:`build_model` fails with the same plain-words message
(a :class:`ModelBuildError` tied to the layer) that the GUI shows while editing.
"""

from __future__ import annotations

import re
from typing import Any

import keras
import numpy as np

from dlstudio.core.data.base import Dataset
from dlstudio.core.errors import ModelBuildError
from dlstudio.core.model import catalog
from dlstudio.core.model.shapes import (
    NOT_COMPUTED,
    LayerReport,
    StackReport,
    inspect_stack,
    output_head,
    resolved_params,
)
from dlstudio.core.project.project import Project

__all__ = [
    "NOT_COMPUTED", "LayerReport", "StackReport", "build_layer", "build_model", "inspect_stack",
    "output_head",
]


def build_model(project: Project, dataset: Dataset) -> Any:
    """Build the project's model on ``dataset``'s inputs.

    Args:
        project: The project (stack, head setting, default initializer, name).
        dataset: The data; its ``build_inputs()`` gives the raw inputs and the preprocessed
            tensor that the first layer takes.

    Returns:
        A ``keras.Model`` from the raw inputs (keyed by input name) to the output.

    Raises:
        ModelBuildError: A layer cannot take its input (``layer_index`` names it; ``None`` for
            the head); the message says why and how to fix it.
    """
    inputs, preprocessed = dataset.build_inputs()
    num_classes = len(dataset.class_names)
    report = inspect_stack(project, tuple(preprocessed.shape[1:]), dataset.task, num_classes)
    problem = report.first_error()
    if problem is not None:
        raise ModelBuildError(problem.message(), problem.index)
    outputs = preprocessed
    counts = {row.index: row.param_count for row in report.rows if row.role == "layer"}
    for index, spec in enumerate(project.model.layers):
        outputs = _apply(build_layer(project, index), outputs, index, spec.type,
                         counts.get(index))
    if report.rows[-1].role == "head":
        units, activation = output_head(dataset.task, num_classes)
        head = keras.layers.Dense(units, activation=activation, name="output", dtype="float32")
        outputs = head(outputs)
        if dataset.task == "regression":
            outputs = _target_scale(dataset)(outputs)
    return keras.Model(inputs, outputs, name=model_name(project.name))


def _target_scale(dataset: Dataset) -> Any:
    """Return the layer that turns the head's standardized output into target units (through
    ``expm1`` for a heavy-tailed target learned on the log scale)."""
    from dlstudio.core.data.tabular_preprocessing import fit_target_scaling
    from dlstudio.core.model.layers import TargetScale

    offset, scale, transform = fit_target_scaling(np.asarray(dataset.targets("train")))
    return TargetScale(offset, scale, transform, name="target_scale", dtype="float32")


def build_layer(project: Project, index: int) -> Any:
    """Return a fresh Keras layer for ``project.model.layers[index]``, with the project's
    default initializer applied.

    Raises:
        ModelBuildError: The type is unknown or a parameter is invalid.
    """
    spec = project.model.layers[index]
    if catalog.find(spec.type) is None:
        raise ModelBuildError(f"layer {index + 1}: unknown layer type {spec.type!r}; "
                              f"{catalog.suggest(spec.type)}", index)
    layer_type, params, problems = resolved_params(spec, project.training.initializer)
    if problems:
        raise ModelBuildError(f"layer {index + 1} ({spec.type}): {'; '.join(problems)}", index)
    return layer_type.build(params)


def model_name(project_name: str) -> str:
    """Return a valid Keras model name made from the project's name."""
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", project_name).strip("_.-")
    return name or "model"


def _apply(layer: Any, tensor: Any, index: int, type_name: str,
           param_count: int | None = None) -> Any:
    try:
        return layer(tensor)
    except Exception as error:  # shape inference passed, so this is rare: name the layer
        if is_out_of_memory(error):
            raise ModelBuildError(too_large_message(index, type_name, param_count),
                                  index) from None
        raise ModelBuildError(f"layer {index + 1} ({type_name}): {error}", index) from error


def is_out_of_memory(error: BaseException) -> bool:
    """Whether ``error`` is a failed allocation (Python's, or TensorFlow's ``OOM`` reported as
    a ``ResourceExhaustedError`` or inside a function-node message)."""
    if isinstance(error, MemoryError):
        return True
    if type(error).__name__ == "ResourceExhaustedError":
        return True
    text = str(error)
    return "ResourceExhausted" in text or "OOM when allocating" in text \
        or "out of memory" in text.lower()


def too_large_message(index: int, type_name: str, param_count: int | None) -> str:
    """Return what to do about a layer whose weights do not fit in memory."""
    size = ""
    if param_count:
        size = (f" {param_count:,} parameters ({param_count * 4 / 2**30:,.1f} GiB in float32, "
                "more with the optimizer's state)")
    return (f"layer {index + 1} ({type_name}) is too large: its{size or ' weights'} do not fit "
            "in memory; make it smaller (fewer units or filters), or shrink what feeds it "
            "(pooling or a smaller layer before it)")
