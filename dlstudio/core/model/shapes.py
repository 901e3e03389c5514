"""Shape inference for a layer stack: output shapes and parameter counts, without data.

:func:`inspect_stack` applies each layer of a project's stack to a symbolic input in turn and
reports, per row, the output shape and the parameter count, or an error that names the layer,
says why and suggests a fix (:mod:`dlstudio.core.model.shape_checks`). It is cheap enough to run on
every edit in the GUI: weights are created without being initialized, and each layer's result
is cached by its type, parameters and input shape, so an edit recomputes only what changed.
"""

from __future__ import annotations

import contextlib
import math
import random
import threading
from collections import OrderedDict
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field

import keras

from dlstudio.core.model import blocks, catalog, shape_checks
from dlstudio.core.model.catalog import LayerType
from dlstudio.core.model.shape_checks import Shape, source_text
from dlstudio.core.project.project import LayerSpec, Project
from dlstudio.core.tasks import get_task, task_names

NOT_COMPUTED = "not computed: an earlier layer has an error"


@dataclass
class LayerReport:
    """One row of a stack report.

    Attributes:
        role: ``input`` (the preprocessed data), ``layer`` (one of the user's rows, a block
            or a layer at any depth) or ``head`` (the output layer added for the task).
        index: The row's index in ``project.model.layers`` for top-level rows (``None`` for
            input, head and rows inside blocks).
        type: The layer type (``Input`` for the input row).
        summary: The key parameters as short text.
        output_shape: The output shape without the batch axis, or ``None`` when not computed.
        param_count: Number of weights (a block: of everything in it), or ``None`` when not
            computed.
        error: Why the row cannot be built here, or ``None``.
        fix: How to fix ``error``, or ``None``.
        trainable_count: Number of trainable weights, or ``None`` when not computed.
        id: The row's id (``None`` for input and head).
        depth: How many blocks enclose the row (0 at the top level).
        parent: The id of the block directly around the row (``None`` at the top level).
        stack: Which of the parent's stacks holds the row.
        top_index: The index of the top-level row that is or encloses this row.
        note: What a block added on its own, in words (``adds a 1x1 Conv2D projection 16 → 32
            channels``), or ``None``.
        caused_by: For a block whose error is inside it: the id of the inner row that has the
            error (the row :meth:`StackReport.first_error` returns).
        input_group: For a row of an input stack (``model.inputs``) and its input row: the
            group's name; ``None`` for the rows of ``model.layers``.
        part: For a row of a part (``model.parts``), its input row and its output row: the
            part's name (``encoder``); ``None`` otherwise.
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
    id: str | None = None
    depth: int = 0
    parent: str | None = None
    stack: int | None = None
    top_index: int | None = None
    note: str | None = None
    caused_by: str | None = None
    input_group: str | None = None
    part: str | None = None

    def label(self) -> str:
        """Return the row's name in messages: ``layer 3 (Conv2D)``, ``conv2d_2 (Conv2D,
        inside layer 2)``, ``embedding_1 (Embedding, in the input stack of review)``,
        ``the output head``."""
        if self.part is not None and self.role in ("input", "head"):
            return f"the {self.part}'s {'input' if self.role == 'input' else 'output'}"
        if self.role == "input":
            return f"the input {self.input_group}" if self.input_group else "the input"
        if self.role == "head":
            return "the output head"
        if self.part is not None:
            inside = f", inside {self.parent}" if self.depth else ""
            return f"{self.id} ({self.type}, in the {self.part}{inside})"
        if self.input_group is not None:
            return f"{self.id} ({self.type}, in the input stack of {self.input_group})"
        if self.depth:
            return f"{self.id} ({self.type}, inside layer {self.top_index + 1})"
        return f"layer {self.index + 1} ({self.type})"

    def message(self) -> str:
        """Return the error and its fix as one text, prefixed with :meth:`label`."""
        fix = f" {self.fix}" if self.fix else ""
        return f"{self.label()}: {self.error}{fix}"

    def name(self) -> int | str | None:
        """Return how messages about what follows refer to this row: its top-level index, its
        id inside a block, ``None`` for the input."""
        if self.role == "input":
            return None
        plain = self.depth == 0 and self.input_group is None and self.part is None
        return self.index if plain else self.id


@dataclass
class StackReport:
    """Shape inference of a whole model.

    Attributes:
        rows: The input row, one row per top-level row of the stack, the head row — as the
            flat stack shows them (``rows[i + 1]`` is ``project.model.layers[i]``).
        every_row: Every row depth-first — the input, each block before the rows of its
            stacks, the head; inner rows carry ``depth``, ``parent`` and ``stack``.
    """

    rows: list[LayerReport] = field(default_factory=list)
    every_row: list[LayerReport] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.every_row:
            self.every_row = list(self.rows)

    @property
    def by_id(self) -> dict[str, LayerReport]:
        """Every row that has an id (all the user's rows, at any depth), keyed by it."""
        return {row.id: row for row in self.every_row if row.id}

    def top_level(self, index: int) -> LayerReport:
        """Return the report of ``project.model.layers[index]``."""
        return self.rows[index + 1]

    @property
    def total_params(self) -> int:
        """Weights of every computed top-level row (a block counts everything in it; the input
        row counts the input stacks)."""
        return sum(row.param_count or 0 for row in self.rows)

    @property
    def trainable_params(self) -> int:
        """Trainable weights of every computed top-level row."""
        return sum(row.trainable_count or 0 for row in self.rows)

    @property
    def ok(self) -> bool:
        """Whether every row was computed without error."""
        return all(row.error is None for row in self.every_row)

    def first_error(self) -> LayerReport | None:
        """Return the row that causes the first error (inside a block: the inner row)."""
        causes = (row for row in self.every_row
                  if row.error is not None and row.caused_by is None and row.error != NOT_COMPUTED)
        return next(causes, None) or next(
            (row for row in self.every_row if row.error is not None), None)


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
                  num_classes: int,
                  input_shapes: Mapping[str, Sequence[int | None]] | None = None) -> StackReport:
    """Infer every row's output shape and parameter count, without data or training.

    Rows inside blocks are inferred too (:attr:`StackReport.every_row`); a block's own row
    reports its output, the weights of everything in it and what it added (a projection).
    With input stacks (``model.inputs``), each group's input row and stack come first in
    :attr:`StackReport.every_row`; the input row of ``model.layers`` (``rows[0]``) is then
    their merge, counting their weights.

    Args:
        project: The project; its model stack, head setting and default initializer are used.
        feature_shape: The shape of one preprocessed sample (``Dataset.feature_shape()``).
        task: ``classification`` or ``regression`` (``auto``: classification when there are
            two classes or more).
        num_classes: Number of classes (ignored for regression).
        input_shapes: Each input group's shape (``Dataset.input_shapes()``); needed only when
            the project has input stacks.

    Returns:
        The report; after a row with an error, the rows that depend on it are marked not
        computed.
    """
    with_parts = task in task_names() and bool(get_task(task).parts)
    if task not in task_names():  # auto
        task = "classification" if num_classes >= 2 else "regression"
    project.model.assign_ids()
    shape = tuple(feature_shape)
    walker = _Walker(project, [])
    if with_parts or project.model.parts:
        from dlstudio.core.model import parts  # it uses this module's reports

        with _lazy_weights():
            rows = parts.inspect_parts(walker, project, shape, task)
        return StackReport(rows, walker.every_row)
    with _lazy_weights():
        if project.model.inputs:
            from dlstudio.core.model import input_stacks  # it uses this module's reports

            input_row = input_stacks.inspect(walker, project, input_shapes or {"features": shape})
        else:
            input_row = LayerReport("input", None, "Input", "the preprocessed data", shape, 0,
                                    trainable_count=0)
            walker.every_row.append(input_row)
        rows = [input_row, *walker.stack(project.model.layers, input_row, None, None, None)]
    _finish(project, rows, task, num_classes)
    if rows[-1].role == "head":
        walker.every_row.append(rows[-1])
    return StackReport(rows, walker.every_row)


class _Walker:
    """Infers rows in order, recording every row (inner ones too) depth-first."""

    def __init__(self, project: Project, every_row: list[LayerReport]) -> None:
        self.project = project
        self.every_row = every_row
        self.hidden = 0  # > 0 while inferring the second and later copies of a Repeat

    def stack(self, layers: Sequence[LayerSpec], previous: LayerReport, parent: LayerSpec | None,
              stack: int | None, top_index: int | None, depth: int = 0) -> list[LayerReport]:
        """Infer one stack from ``previous`` (the row whose output it takes)."""
        reports = []
        for position, spec in enumerate(layers):
            where = _Where(position if parent is None else None, depth,
                           parent.id if parent is not None else None, stack,
                           position if top_index is None else top_index)
            reports.append(self.row(spec, previous, where))
            previous = reports[-1]
        return reports

    def row(self, spec: LayerSpec, previous: LayerReport, where: _Where) -> LayerReport:
        """Infer one row (a layer or a block) on ``previous``'s output."""
        if previous.output_shape is None:
            return self.not_computed(spec, where)
        if catalog.find(spec.type) is None:
            return self.record(_failed(spec, where, "", f"{spec.type!r} is not a known layer "
                                       "type.", f"Replace it; {catalog.suggest(spec.type)}"))
        if catalog.get(spec.type).is_block:
            return self.block(spec, previous, where)
        return self.record(_inspect_layer(self.project, spec, previous, where))

    group: str | None = None  # the input group whose stack is being inferred
    part: str | None = None  # the part whose stack is being inferred

    def record(self, report: LayerReport) -> LayerReport:
        if self.group is not None:
            report.input_group, report.index, report.top_index = self.group, None, None
        if self.part is not None:
            report.part = self.part
        if not self.hidden:
            self.every_row.append(report)
        return report

    def not_computed(self, spec: LayerSpec, where: _Where) -> LayerReport:
        layer_type = catalog.find(spec.type)
        summary = layer_type.summary(spec.params) if layer_type else ""
        report = self.record(where.report(spec, summary, None, None, NOT_COMPUTED))
        for stack_index, stack in enumerate(spec.stacks):
            for inner in stack:
                self.not_computed(inner, where.inside(spec, stack_index))
        return report

    def block(self, spec: LayerSpec, previous: LayerReport, where: _Where) -> LayerReport:
        layer_type, params, problems, summary, _ = _resolved_once(
            spec, self.project.training.initializer)
        report = self.record(where.report(spec, summary, None, None))
        fewest, most = layer_type.stack_count
        if problems or len(spec.stacks) < fewest or (most and len(spec.stacks) > most):
            report.error = "; ".join(problems) + "." if problems else (
                f"{spec.type} holds {layer_type.stack_count_text()} stacks but has "
                f"{len(spec.stacks)}.")
            report.fix = "Correct the value in the block's properties." if problems else (
                "Add or remove stacks.")
            for stack_index, stack in enumerate(spec.stacks):
                for inner in stack:
                    self.not_computed(inner, where.inside(spec, stack_index))
            return report
        if spec.type == "Repeat":
            outputs, weights = self.repeat(spec, params["count"], previous, where)
        else:
            outputs, weights = [], []
            for stack_index, stack in enumerate(spec.stacks):
                rows = self.stack(stack, previous, spec, stack_index, where.top_index,
                                  where.depth + 1)
                outputs.append(rows[-1] if rows else previous)
                weights.extend(rows)
        failed = next((row for row in outputs if row.output_shape is None), None)
        if failed is not None:
            cause = cause_of(failed, self.every_row)
            report.error = f"Inside this block, {cause.label()}: {cause.error}"
            report.fix, report.caused_by = cause.fix, cause.id
            return report
        shape, added, problem = _join(spec, params, previous.output_shape,
                                      [row.output_shape for row in outputs])
        if problem is not None:
            report.error, report.fix = problem
            return report
        extra = added.param_count if added else 0
        report.output_shape = shape
        report.param_count = sum(row.param_count or 0 for row in weights) + extra
        report.trainable_count = sum(row.trainable_count or 0 for row in weights) + extra
        report.note = added.note() if added else None
        return report

    def repeat(self, spec: LayerSpec, count: int, previous: LayerReport,
               where: _Where) -> tuple[list[LayerReport], list[LayerReport]]:
        """Infer ``count`` copies of the stack one after another.

        Rows are recorded for the first copy; a problem that only a later copy meets (the
        stack changes the shape, so the next copy gets another input) is put on its row in the
        first copy. Returns the last output row and the top-level rows of every copy.
        """
        weights: list[LayerReport] = []
        recorded: list[LayerReport] = []
        for copy_number in range(1, count + 1):
            self.hidden += copy_number > 1
            try:
                rows = self.stack(spec.stacks[0], previous, spec, 0, where.top_index,
                                  where.depth + 1)
            finally:
                self.hidden -= copy_number > 1
            recorded = rows if copy_number == 1 else recorded
            weights.extend(rows)
            previous = rows[-1] if rows else previous
            if previous.output_shape is not None:
                continue
            if copy_number == 1:
                return [previous], weights
            failed = next(row for row in rows if row.error and row.error != NOT_COMPUTED)
            first = next(row for row in recorded if row.id == failed.id)
            first.error = f"In copy {copy_number} of {count}: {failed.error}"
            first.fix = (f"{failed.fix} Or make the repeated stack keep its input's shape, so "
                         "every copy gets the same input.")
            first.output_shape = first.param_count = first.trainable_count = None
            return [first], weights
        return [previous], weights


@dataclass(frozen=True)
class _Where:
    """Where a row sits: what its report carries besides the inference."""

    index: int | None
    depth: int
    parent: str | None
    stack: int | None
    top_index: int

    def report(self, spec: LayerSpec, summary: str, shape: Shape | None, count: int | None,
               error: str | None = None, fix: str | None = None) -> LayerReport:
        return LayerReport("layer", self.index, spec.type, summary, shape, count, error, fix,
                           id=spec.id, depth=self.depth, parent=self.parent, stack=self.stack,
                           top_index=self.top_index)

    def inside(self, block: LayerSpec, stack: int) -> _Where:
        return _Where(None, self.depth + 1, block.id, stack, self.top_index)


def cause_of(row: LayerReport, every_row: list[LayerReport]) -> LayerReport:
    """Return the row whose error ``row`` reports (itself, or the inner row of a block)."""
    while row.caused_by is not None:
        row = next(other for other in every_row if other.id == row.caused_by)
    if row.error == NOT_COMPUTED:
        return next((other for other in every_row if other.error and other.caused_by is None
                     and other.error != NOT_COMPUTED), row)
    return row


def _join(spec: LayerSpec, params: dict, input_shape: Shape,
          shapes: list[Shape]) -> tuple[Shape | None, blocks.Projection | None,
                                        shape_checks.Problem | None]:
    """Return a block's output shape, the projection it adds, or why its paths do not join."""
    if spec.type == "Repeat":
        return shapes[0], None, None
    if spec.type == "Residual":
        projection, problem = blocks.residual_projection(params["projection"], input_shape,
                                                         shapes[0])
        return (None if problem else shapes[0]), projection, problem
    if spec.type == "Skip":
        shape, problem = blocks.merge_shape(params["merge"], [input_shape, shapes[0]],
                                            ["the block's input", "its inner stack"], "Skip")
        return shape, None, problem
    names = [f"branch {number}" for number in range(1, len(shapes) + 1)]
    shape, problem = blocks.merge_shape(params["merge"], shapes, names, spec.type)
    return shape, None, problem


_RESOLVED: dict[tuple, tuple[LayerType, dict, list[str], str, tuple]] = {}


def _resolved_once(spec: LayerSpec, initializer: str) -> tuple[LayerType, dict, list[str],
                                                                str, tuple]:
    """Return :func:`resolved_params`, the summary and a key of the resolved parameters,
    remembered by the row's type and values (every edit infers every row again; most rows are
    as they were). The parameters returned are shared: read them, never change them."""
    try:
        key = (spec.type, catalog.frozen(spec.params), initializer)
    except TypeError:  # a value that cannot be a key (never from JSON): resolve it afresh
        layer_type, params, problems = resolved_params(spec, initializer)
        return layer_type, params, problems, layer_type.summary(params), (id(spec), spec.params)
    known = _RESOLVED.get(key)
    if known is None:
        if len(_RESOLVED) >= _CACHE_SIZE:
            _RESOLVED.clear()
        layer_type, params, problems = resolved_params(spec, initializer)
        known = _RESOLVED[key] = (layer_type, params, problems, layer_type.summary(params),
                                  key)
    return known


def _inspect_layer(project: Project, spec: LayerSpec, previous: LayerReport,
                   where: _Where) -> LayerReport:
    layer_type, params, problems, summary, key = _resolved_once(
        spec, project.training.initializer)
    if problems:
        return _failed(spec, where, summary, "; ".join(problems) + ".",
                       "Correct the value in the layer's properties.")
    shape = previous.output_shape
    problem = shape_checks.check_rank(layer_type, shape, previous.type, previous.name())
    if problem is None:
        context = {"first": previous.role == "input",
                   "vocabulary_size": _vocabulary_size(project)}
        source = source_text(previous.type, previous.name())
        problem = shape_checks.check_params(layer_type, params, shape, source, context)
    if problem is None:
        inferred = _infer(layer_type, params, shape, key)
        problem = inferred.problem
        if problem is None:
            report = where.report(spec, summary, inferred.output_shape, inferred.param_count)
            report.trainable_count = inferred.trainable_count
            return report
    return _failed(spec, where, summary, *problem)


def _finish(project: Project, rows: list[LayerReport], task: str, num_classes: int) -> None:
    """Add the head row, or check the last row's output when it is the model's output."""
    last = rows[-1]
    units, activation = get_task(task).output_head(num_classes)
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
    units, activation = get_task(task).output_head(num_classes)
    row = LayerReport("head", None, "Dense", f"units={units}, activation={activation}", None,
                      None)
    if last.output_shape is None or last.error is not None:
        row.error = NOT_COMPUTED
        return row
    if task == "classification" and num_classes < 2:
        row.error = f"Classification needs at least 2 classes but the data has {num_classes}."
        row.fix = "Check the target column, or choose regression for a numeric target."
        return row
    problem = shape_checks.check_head(last.output_shape, last.type, last.name(),
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


def _failed(spec: LayerSpec, where: _Where, summary: str, error: str, fix: str) -> LayerReport:
    return where.report(spec, summary, None, None, error, fix)


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


def _infer(layer_type: LayerType, params: dict, shape: Shape,
           params_key: tuple | None = None) -> _Inference:
    """Apply a fresh layer to a symbolic input of ``shape`` (cached by ``params_key``, a key
    of the parameters, or by the parameters themselves)."""
    key = (layer_type.name, params_key or catalog.frozen(params), shape)
    with _cache_lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    if layer_type.infer is not None:
        result = _infer_from_table(layer_type, params, shape)
        with _cache_lock:
            _cache[key] = result
        return result
    seed_state = random.getstate()  # Keras draws initializer seeds from `random`; a cache
    try:                             # miss here must not change the weights trained later
        layer = layer_type.build(dict(params))
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


def _infer_from_table(layer_type: LayerType, params: dict, shape: Shape) -> _Inference:
    """Ask a type that knows its shapes without being built (a pretrained network); its
    ``ValueError(error, fix)`` is the row's problem."""
    try:
        output, count, trainable = layer_type.infer(dict(params), shape)
    except ValueError as error:
        if len(error.args) == 2:
            return _Inference(problem=(str(error.args[0]), str(error.args[1])))
        raise
    return _Inference(tuple(output), count, trainable)


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
