"""Shape inference for a layer stack: output shapes and parameter counts, without data.

:func:`inspect_stack` applies each layer of a project's stack to a symbolic input in turn and
reports, per row, the output shape and the parameter count, or an error that names the layer,
says why and suggests a fix (:mod:`dlstudio.core.model.shape_checks`). It is cheap enough to run on
every edit in the GUI: weights are created without being initialized, and each layer's result
is cached by its type, parameters and input shape, so an edit recomputes only what changed.
"""

from __future__ import annotations

import contextlib
import json
import math
import random
import threading
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import keras

from dlstudio.core.model import catalog, shape_checks
from dlstudio.core.model.catalog import LayerType
from dlstudio.core.model.shape_checks import Shape, source_text
from dlstudio.core.project.project import LayerSpec, Project

NOT_COMPUTED = "not computed: an earlier layer has an error"


@dataclass
class LayerReport:
    """One row of a stack report.

    Attributes:
        role: ``input`` (the preprocessed data), ``layer`` (one of the user's layers) or
            ``head`` (the output layer added for the task).
        index: The layer's index in ``project.model.layers`` (``None`` for input and head).
        type: The layer type (``Input`` for the input row).
        summary: The key parameters as short text.
        output_shape: The output shape without the batch axis, or ``None`` when not computed.
        param_count: Number of weights, or ``None`` when not computed.
        error: Why the layer cannot be built here, or ``None``.
        fix: How to fix ``error``, or ``None``.
        trainable_count: Number of trainable weights, or ``None`` when not computed.
    """

    role: str
    index: int | None
    type: str
    summary: str
    output_shape: Shape | None
    param_count: int | None
    error: str | None = None
    fix: str | None = None
    trainable_count: int | None = None

    def label(self) -> str:
        """Return the row's name in messages: ``layer 3 (Conv2D)``, ``the output head``."""
        if self.role == "input":
            return "the input"
        if self.role == "head":
            return "the output head"
        return f"layer {self.index + 1} ({self.type})"

    def message(self) -> str:
        """Return the error and its fix as one text, prefixed with :meth:`label`."""
        fix = f" {self.fix}" if self.fix else ""
        return f"{self.label()}: {self.error}{fix}"


@dataclass
class StackReport:
    """Shape inference of a whole stack: the input row, one row per layer, the head row."""

    rows: list[LayerReport] = field(default_factory=list)

    @property
    def total_params(self) -> int:
        """Weights of every computed row."""
        return sum(row.param_count or 0 for row in self.rows)

    @property
    def trainable_params(self) -> int:
        """Trainable weights of every computed row."""
        return sum(row.trainable_count or 0 for row in self.rows)

    @property
    def ok(self) -> bool:
        """Whether every row was computed without error."""
        return all(row.error is None for row in self.rows)

    def first_error(self) -> LayerReport | None:
        """Return the first row with an error (the cause of any later "not computed")."""
        return next((row for row in self.rows if row.error is not None), None)


def output_head(task: str, num_classes: int) -> tuple[int, str]:
    """Return the output layer's units and activation for ``task``.

    Softmax over ``num_classes`` units for more than two classes, one sigmoid unit for two,
    one linear unit for regression.
    """
    if task == "regression":
        return 1, "linear"
    return (1, "sigmoid") if num_classes == 2 else (num_classes, "softmax")


def resolved_params(spec: LayerSpec, initializer: str) -> tuple[LayerType, dict, list[str]]:
    """Return a layer's type, complete parameters and problems, with the project default
    initializer applied.

    Args:
        spec: The layer; its type must be in the catalog (``KeyError`` otherwise).
        initializer: ``project.training.initializer``: ``layer_default`` keeps each layer's
            own ``kernel_initializer``; anything else replaces it where the layer has one.
    """
    layer_type = catalog.get(spec.type)
    params, problems = catalog.validate_params(spec.type, spec.params)
    if initializer != "layer_default" and layer_type.param("kernel_initializer"):
        params["kernel_initializer"] = initializer
    return layer_type, params, problems


def inspect_stack(project: Project, feature_shape: Sequence[int | None], task: str,
                  num_classes: int) -> StackReport:
    """Infer every layer's output shape and parameter count, without data or training.

    Args:
        project: The project; its model stack, head setting and default initializer are used.
        feature_shape: The shape of one preprocessed sample (``Dataset.feature_shape()``).
        task: ``classification`` or ``regression`` (``auto``: classification when there are
            two classes or more).
        num_classes: Number of classes (ignored for regression).

    Returns:
        The report; after the first layer with an error, rows are marked not computed.
    """
    if task not in ("classification", "regression"):
        task = "classification" if num_classes >= 2 else "regression"
    shape = tuple(feature_shape)
    rows = [LayerReport("input", None, "Input", "the preprocessed data", shape, 0,
                        trainable_count=0)]
    with _lazy_weights():
        for index, spec in enumerate(project.model.layers):
            if rows[-1].output_shape is None:
                rows.append(_not_computed(index, spec))
                continue
            rows.append(_inspect_layer(project, index, spec, rows[-1]))
    _finish(project, rows, task, num_classes)
    return StackReport(rows)


def _inspect_layer(project: Project, index: int, spec: LayerSpec,
                   previous: LayerReport) -> LayerReport:
    if catalog.find(spec.type) is None:
        return _failed(index, spec.type, "", f"{spec.type!r} is not a known layer type.",
                       f"Replace it; {catalog.suggest(spec.type)}")
    layer_type, params, problems = resolved_params(spec, project.training.initializer)
    summary = layer_type.summary(params)
    if problems:
        return _failed(index, spec.type, summary, "; ".join(problems) + ".",
                       "Correct the value in the layer's properties.")
    shape = previous.output_shape
    problem = shape_checks.check_rank(layer_type, shape, previous.type, previous.index)
    if problem is None:
        context = {"first": index == 0, "vocabulary_size": _vocabulary_size(project)}
        source = source_text(previous.type, previous.index)
        problem = shape_checks.check_params(layer_type, params, shape, source, context)
    if problem is None:
        inferred = _infer(layer_type, params, shape)
        problem = inferred.problem
        if problem is None:
            return LayerReport("layer", index, spec.type, summary, inferred.output_shape,
                               inferred.param_count, trainable_count=inferred.trainable_count)
    return _failed(index, spec.type, summary, *problem)


def _finish(project: Project, rows: list[LayerReport], task: str, num_classes: int) -> None:
    """Add the head row, or check the last row's output when it is the model's output."""
    last = rows[-1]
    units, activation = output_head(task, num_classes)
    if project.model.add_output_head and not _ends_in(project, units, activation):
        rows.append(_head_row(project, last, task, num_classes))
    elif last.output_shape is not None and last.error is None:
        last.error, last.fix = _check_output(last, units, activation, task) or (None, None)


def _check_output(last: LayerReport, units: int, activation: str,
                  task: str) -> shape_checks.Problem | None:
    shape = last.output_shape
    if len(shape) != 1:
        pooling = "GlobalAveragePooling2D" if len(shape) == 3 else "GlobalAveragePooling1D"
        return (f"The model's output must be a flat vector but {last.label()} outputs "
                f"{shape_checks.describe_tensor(shape)}.",
                f"Add {pooling} or Flatten before the last layer.")
    if shape == (units,):
        return None
    need = "one value per class" if task == "classification" else "one value"
    return (f"The model's output has {shape[0]} values but the task needs {units} ({need}).",
            f"Turn on the output head, or end the stack with Dense(units={units}, "
            f"activation={activation}).")


def _head_row(project: Project, last: LayerReport, task: str, num_classes: int) -> LayerReport:
    units, activation = output_head(task, num_classes)
    row = LayerReport("head", None, "Dense", f"units={units}, activation={activation}", None,
                      None)
    if last.output_shape is None or last.error is not None:
        row.error = NOT_COMPUTED
        return row
    if task == "classification" and num_classes < 2:
        row.error = f"Classification needs at least 2 classes but the data has {num_classes}."
        row.fix = "Check the target column, or choose regression for a numeric target."
        return row
    problem = shape_checks.check_head(last.output_shape, last.type, last.index,
                                      _returns_sequences(project, last))
    if problem:
        row.error, row.fix = problem
        return row
    features = last.output_shape[0]
    row.output_shape = (units,)
    row.param_count = row.trainable_count = None if features is None else (features + 1) * units
    return row


def _ends_in(project: Project, units: int, activation: str) -> bool:
    if not project.model.layers:
        return False
    last = project.model.layers[-1]
    params = last.params
    return (last.type == "Dense" and params.get("units") == units
            and params.get("activation", "relu") == activation)


def _returns_sequences(project: Project, row: LayerReport) -> bool:
    if row.index is None:
        return False
    return bool(project.model.layers[row.index].params.get("return_sequences", False))


def _vocabulary_size(project: Project) -> int | None:
    data = project.data
    return data.max_tokens if data.kind == "csv" and data.text_encoding == "sequence" else None


def _failed(index: int, type_name: str, summary: str, error: str, fix: str) -> LayerReport:
    return LayerReport("layer", index, type_name, summary, None, None, error, fix)


def _not_computed(index: int, spec: LayerSpec) -> LayerReport:
    layer_type = catalog.find(spec.type)
    summary = layer_type.summary(spec.params) if layer_type else ""
    return LayerReport("layer", index, spec.type, summary, None, None, NOT_COMPUTED)


@dataclass(frozen=True)
class _Inference:
    """What Keras said about one layer on one input shape."""

    output_shape: Shape | None = None
    param_count: int | None = None
    trainable_count: int | None = None
    problem: shape_checks.Problem | None = None


_CACHE_SIZE = 2048
_cache: OrderedDict[tuple, _Inference] = OrderedDict()
_cache_lock = threading.Lock()


def _infer(layer_type: LayerType, params: dict, shape: Shape) -> _Inference:
    """Apply a fresh layer to a symbolic input of ``shape`` (cached)."""
    key = (layer_type.name, json.dumps(params, sort_keys=True), shape)
    with _cache_lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    seed_state = random.getstate()  # Keras draws initializer seeds from `random`; a cache
    try:                             # miss here must not change the weights trained later
        layer = layer_type.build(params)
        output = layer(keras.KerasTensor((None, *shape)))
        trainable = sum(math.prod(weight.shape) for weight in layer.trainable_weights)
        result = _Inference(tuple(output.shape[1:]), layer.count_params(), trainable)
    except Exception as error:  # any Keras refusal becomes this row's error
        problem = shape_checks.summarize_keras_error(error, layer_type.name, shape)
        result = _Inference(problem=problem)
    finally:
        random.setstate(seed_state)
    with _cache_lock:
        _cache[key] = result
        if len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return result


@contextlib.contextmanager
def _lazy_weights() -> Iterator[None]:
    """Create weights without initializing them (shape inference only needs their shapes).

    Keras keeps the weights created in a stateless scope in a per-thread list, to initialize
    them later; the ones created here are dropped from it on exit, as nothing will use them.
    """
    from keras.src.backend.common import global_state

    pending = global_state.get_global_attribute("uninitialized_variables", [],
                                                set_to_default=True)
    start = len(pending)
    try:
        with keras.StatelessScope(initialize_variables=False):
            yield
    finally:
        del pending[start:]
