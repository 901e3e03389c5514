"""Project → ``keras.Model``: the data's inputs and preprocessing, the user's stack, the head.

The head is the output layer the task needs (``Task.output_head`` in :mod:`dlstudio.core.tasks`:
softmax over the classes, one sigmoid unit for two classes, one linear unit for regression),
followed by the task's target transform (regression's ``TargetScale``). It is added unless the
project turns it off or the stack already ends in exactly that layer. Shape problems are found
by :func:`inspect_stack` first, so :func:`build_model` fails with the same plain-words message
(a :class:`ModelBuildError` tied to the layer) that the GUI shows while editing.
"""

from __future__ import annotations

import re
from typing import Any

import keras

from dlstudio.core.data.base import Dataset
from dlstudio.core.errors import ModelBuildError, UserInputError
from dlstudio.core.model import blocks, catalog
from dlstudio.core.model.catalog_layers.blocks import merge_layer
from dlstudio.core.model.catalog_layers.pretrained import BASE_DIR
from dlstudio.core.model.shapes import (
    NOT_COMPUTED,
    LayerReport,
    StackReport,
    inspect_stack,
    resolved_params,
)
from dlstudio.core.project import layer_tree
from dlstudio.core.project.project import LayerSpec, Project
from dlstudio.core.tasks import get_task

__all__ = [
    "NOT_COMPUTED", "LayerReport", "StackReport", "apply_rows", "build_layer", "build_model",
    "build_row_layer", "inspect_stack",
]


def build_model(project: Project, dataset: Dataset) -> Any:
    """Build the project's model on ``dataset``'s inputs, as a Keras functional model.

    Blocks are wired around their inner stacks (:func:`apply_rows`); every layer is named after
    its row's id (``conv2d_2``; a Repeat's later copies ``conv2d_2_r2``; a block's own layers
    ``residual_1_add``, ``residual_1_projection``), so errors and the exported model read like
    the project.

    Args:
        project: The project (stack, head setting, default initializer, name).
        dataset: The data; its ``build_inputs()`` gives the raw inputs and the preprocessed
            tensor that the first layer takes.

    Returns:
        A ``keras.Model`` from the raw inputs (keyed by input name) to the output.

    Raises:
        ModelBuildError: A row cannot take its input (``layer_id`` names it, ``layer_index``
            the top-level row that is or holds it; both ``None`` for the head); the message
            says why and how to fix it.
    """
    num_classes = len(dataset.class_names)
    task = get_task(dataset.task)
    if task.parts:
        return _build_from_parts(project, dataset, task)
    if project.model.inputs:
        inputs, groups = dataset.build_input_groups()
        shapes = {group: tuple(tensor.shape[1:]) for group, tensor in groups.items()}
        report = inspect_stack(project, (), dataset.task, num_classes, shapes)
    else:
        inputs, preprocessed = dataset.build_inputs()
        groups = {"features": preprocessed}
        report = inspect_stack(project, tuple(preprocessed.shape[1:]), dataset.task,
                               num_classes)
    problem = report.first_error()
    if problem is not None:
        raise ModelBuildError(problem.message(), problem.top_index if problem.id else None,
                              problem.id)
    taken = {layer.name for layer in keras.Model(inputs, list(groups.values())).layers}
    names = _Names(taken, report)
    if project.model.inputs:
        preprocessed = _apply_input_stacks(project, groups, names)
    head = report.rows[-1].role == "head"
    if not head and project.model.layers and _mixed_precision():
        names.float32_ids = {project.model.layers[-1].id}  # the user's own output layer
    outputs = apply_rows(project, project.model.layers, preprocessed, names)
    if not head and outputs.dtype != "float32":  # a block's output, under mixed precision
        outputs = keras.layers.Activation("linear", dtype="float32",
                                          name=names("output_float32"))(outputs)
    if head:
        task = get_task(dataset.task)
        units, activation = task.output_head(num_classes)
        head = keras.layers.Dense(units, activation=activation, name="output", dtype="float32",
                                  kernel_initializer=task.head_initializer)
        outputs = task.finish_outputs(head(outputs), dataset)
    return keras.Model(inputs, outputs, name=model_name(project.name))


def _build_from_parts(project: Project, dataset: Dataset, task: Any) -> Any:
    """Build each part as its own model (:mod:`dlstudio.core.model.parts`) and let the task
    wire them from the data's raw inputs."""
    from dlstudio.core.model import parts

    inputs, preprocessed = dataset.build_inputs()
    report = inspect_stack(project, tuple(preprocessed.shape[1:]), dataset.task,
                           len(dataset.class_names))
    problem = report.first_error()
    if problem is not None:
        raise ModelBuildError(problem.message(), None, problem.id)
    taken = {layer.name for layer in keras.Model(inputs, preprocessed).layers}
    names = _Names(taken, report)
    built = parts.build_parts(project, dataset, apply_rows, names)
    return task.assemble(built, inputs, preprocessed, project, dataset)


def _apply_input_stacks(project: Project, groups: dict[str, Any], names: _Names) -> Any:
    """Apply each input group's stack (none: the group passes unchanged) and join the outputs
    with ``model.merge`` (named ``input_merge``)."""
    outputs = [apply_rows(project, project.model.inputs.get(group, []), tensor, names)
               for group, tensor in groups.items()]
    if len(outputs) == 1:
        return outputs[0]
    return merge_layer(project.model.merge, names("input_merge"))(outputs)


class _Names:
    """Keras layer names from row ids, kept clear of the names the inputs already use; and
    each row's label, top-level index and weight count for messages."""

    def __init__(self, taken: set[str], report: StackReport | None = None) -> None:
        self.taken = taken
        rows = report.by_id.values() if report is not None else []
        self.labels = {row.id: row.label() for row in rows}
        self.top_indices = {row.id: row.top_index for row in rows}
        self.counts = {row.id: row.param_count for row in rows}
        self.float32_ids: set[str] = set()

    def __call__(self, base: str) -> str:
        name = base
        while name in self.taken:
            name = f"{name}_layer"
        self.taken.add(name)
        return name


def apply_rows(project: Project, layers: list[LayerSpec], tensor: Any, names: Any,
               suffix: str = "") -> Any:
    """Apply a stack of rows to ``tensor`` and return the output (blocks wired as graphs).

    Args:
        project: The project (default initializer).
        layers: The rows.
        tensor: The stack's input.
        names: Turns a wanted layer name into a free one.
        suffix: Added to every name (``_r2`` inside the second copy of a Repeat).
    """
    for spec in layers:
        tensor = _apply_row(project, spec, tensor, names, suffix)
    return tensor


def _apply_row(project: Project, spec: LayerSpec, tensor: Any, names: Any, suffix: str) -> Any:
    layer_type = catalog.find(spec.type)
    if layer_type is None or not layer_type.is_block:
        layer = build_row_layer(project, spec, names(spec.id + suffix))
        if spec.id in getattr(names, "float32_ids", ()) and not suffix:
            layer.dtype_policy = "float32"  # the model's output: its activation in float32
        return _apply(layer, tensor, spec, names)
    _, params, _ = resolved_params(spec, project.training.initializer)
    base = spec.id + suffix
    if spec.type == "Repeat":
        for copy_number in range(1, params["count"] + 1):
            copy_suffix = suffix if copy_number == 1 else f"{suffix}_r{copy_number}"
            tensor = apply_rows(project, spec.stacks[0], tensor, names, copy_suffix)
        return tensor
    paths = [apply_rows(project, stack, tensor, names, suffix) for stack in spec.stacks]
    if spec.type == "Residual":
        projection, problem = blocks.residual_projection(
            params["projection"], tuple(tensor.shape[1:]), tuple(paths[0].shape[1:]))
        if problem is not None:
            raise ModelBuildError(f"{spec.id} (Residual): {' '.join(problem)}", None, spec.id)
        shortcut = tensor if projection is None else _apply(
            projection.build(names(f"{base}_projection")), tensor, spec, names)
        return _apply(merge_layer("add", names(f"{base}_add")), [shortcut, paths[0]], spec,
                      names)
    joined = [tensor, paths[0]] if spec.type == "Skip" else paths
    merged = merge_layer(params["merge"], names(f"{base}_{params['merge']}"))
    return _apply(merged, joined, spec, names)


def _mixed_precision() -> bool:
    """Whether layers compute in 16 bits (the ``mixed_float16`` or ``mixed_bfloat16`` policy)."""
    return keras.mixed_precision.global_policy().compute_dtype != "float32"


def build_layer(project: Project, index: int) -> Any:
    """Return a fresh Keras layer for the plain layer ``project.model.layers[index]``, with the
    project's default initializer applied.

    Raises:
        ModelBuildError: The type is unknown, a block, or a parameter is invalid.
    """
    return build_row_layer(project, project.model.layers[index])


def build_row_layer(project: Project, spec: LayerSpec, name: str | None = None) -> Any:
    """Return a fresh Keras layer for the plain layer ``spec`` (at any depth), named ``name``.

    Raises:
        ModelBuildError: The type is unknown, a block, or a parameter is invalid.
    """
    where = _where(project, spec)
    if catalog.find(spec.type) is None:
        raise ModelBuildError(f"{where}: unknown layer type {spec.type!r}; "
                              f"{catalog.suggest(spec.type)}", _top_index(project, spec), spec.id)
    layer_type, params, problems = resolved_params(spec, project.training.initializer)
    if layer_type.is_block:
        raise ModelBuildError(f"{where} ({spec.type}) is a block; its stacks are built with "
                              "build_model", _top_index(project, spec), spec.id)
    if problems:
        raise ModelBuildError(f"{where} ({spec.type}): {'; '.join(problems)}",
                              _top_index(project, spec), spec.id)
    if layer_type.name == "Backbone":  # a relative weights path starts at the project file
        params = {**params, BASE_DIR: str(project.base_dir)}
    try:
        layer = layer_type.build(params)
    except UserInputError as error:  # a Backbone's weights file: missing or damaged
        raise ModelBuildError(f"{where} ({spec.type}): {error}", _top_index(project, spec),
                              spec.id) from None
    if name:
        layer.name = name
    return layer


def _top_index(project: Project, spec: LayerSpec) -> int | None:
    found = layer_tree.find(project.model.layers, spec.id) if spec.id else None
    return found.top_index if found else None


def _where(project: Project, spec: LayerSpec) -> str:
    found = layer_tree.find(project.model.layers, spec.id) if spec.id else None
    if found is None:
        return spec.id or "a layer"
    return f"layer {found.top_index + 1}" if found.depth == 0 else f"{spec.id}"


def model_name(project_name: str) -> str:
    """Return a valid Keras model name made from the project's name."""
    name = re.sub(r"[^A-Za-z0-9_.-]+", "_", project_name).strip("_.-")
    return name or "model"


def _apply(layer: Any, tensor: Any, spec: LayerSpec, names: _Names) -> Any:
    try:
        return layer(tensor)
    except Exception as error:  # shape inference passed, so this is rare: name the layer
        label = names.labels.get(spec.id, spec.id)
        index = names.top_indices.get(spec.id)
        if is_out_of_memory(error):
            raise ModelBuildError(too_large_message(label, names.counts.get(spec.id)), index,
                                  spec.id) from None
        raise ModelBuildError(f"{label}: {error}", index, spec.id) from error


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


def too_large_message(label: str, param_count: int | None) -> str:
    """Return what to do about a layer (``layer 3 (Dense)``) whose weights do not fit in
    memory."""
    size = ""
    if param_count:
        size = (f" {param_count:,} parameters ({param_count * 4 / 2**30:,.1f} GiB in float32, "
                "more with the optimizer's state)")
    return (f"{label} is too large: its{size or ' weights'} do not fit "
            "in memory; make it smaller (fewer units or filters), or shrink what feeds it "
            "(pooling or a smaller layer before it)")
