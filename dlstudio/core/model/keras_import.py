"""Open an existing Keras model (``.keras`` file) as an editable project: ``dlstudio import``.

Nothing from the file is run. The ``.keras`` file is a zip; its ``config.json`` is read as plain
JSON (never through ``keras.saving``) and its ``model.weights.h5`` with h5py. Every layer must
be a catalog type (:mod:`dlstudio.core.model.keras_params`); Lambda layers, custom classes and
anything else are listed by name and type and the import stops.

What the project gets:

- **the stack**: the layers after the model's input and its own preprocessing, with blocks
  where the graph has them (:mod:`dlstudio.core.model.keras_graph`). The model's preprocessing
  (``Normalization``, ``Rescaling``, lookups, …, and dlstudio's own) is dropped: the project's
  data preprocessing, adapted on its training split, comes first, as in every project.
- **the head**: a last ``Dense`` whose units fit the task becomes the project's output head
  (its weights start the head; a regression head that predicted the target in its own units is
  rescaled to dlstudio's standardized head). A last ``Dense`` whose units do not fit is replaced
  by a fresh head, which the notes say. Anything else stays in the stack and a head is added.
- **initial weights**: ``<project>.weights.h5`` beside the project, named in
  ``model.initial_weights``; a fresh run loads them by row id after building
  (:mod:`dlstudio.core.training.initial_weights`).
- **the input**: an image model's input size and channels become the project's image size and
  color mode; a table model whose input width differs from what the data gives is refused with
  both numbers and the fix.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dlstudio.core.errors import UserInputError
from dlstudio.core.model import keras_graph
from dlstudio.core.model.keras_graph import Graph, GraphError, Node, Piece
from dlstudio.core.model.keras_params import UnusableLayer, catalog_row
from dlstudio.core.project import layer_tree
from dlstudio.core.project.project import PROJECT_SUFFIX, LayerSpec, ModelSpec

MAX_CONFIG_BYTES = 64 * 1024 * 1024

PREPROCESSING = {
    "Normalization", "StringLookup", "IntegerLookup", "CategoryEncoding", "TextVectorization",
    "Hashing", "Discretization", "Rescaling", "Resizing", "CenterCrop", "RandomFlip",
    "RandomRotation", "RandomZoom", "RandomContrast", "RandomTranslation", "RandomCrop",
    "RandomBrightness", "ImputeMissing", "MissingIndicator",
}
"""Layers that prepare raw data; the project's own data preprocessing replaces them."""

_JOINING = {"Concatenate", "Reshape"}
"""Layers that belong to the preprocessing when they only join or reshape its outputs."""


class KerasImportError(UserInputError):
    """The ``.keras`` file cannot become a project (the message says why and what to do)."""


@dataclass
class ConvertedModel:
    """A ``.keras`` file as rows of a project, before any data is involved.

    Attributes:
        layers: The stack (ids from the file's layer names where they make valid ids).
        head: The file's layer that becomes the output head, or ``None`` (a fresh head).
        head_units: ``target`` when that head predicted the target in its own units
            (a plain Keras regression model), ``standardized`` for a dlstudio export.
        input_shape: The shape the stack's first layer takes, without the batch axis.
        sources: Row id (or ``output``) → the layer's group in ``model.weights.h5``.
        notes: What was dropped or decided, in words.
    """

    layers: list[LayerSpec]
    head: Node | None
    head_units: str
    input_shape: tuple[int | None, ...]
    sources: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    last_dense: Node | None = None


def read_model_config(path: Path) -> dict[str, Any]:
    """Return the ``config.json`` of a ``.keras`` file as plain JSON.

    Raises:
        KerasImportError: The file is missing, not a ``.keras`` zip, or has no readable config.
    """
    if not path.is_file():
        raise KerasImportError(f"{path} does not exist; pass a model saved with "
                               "model.save('name.keras')")
    if not zipfile.is_zipfile(path):
        raise KerasImportError(f"{path} is not a .keras file (a zip with config.json); legacy "
                               "HDF5 (.h5) and SavedModel folders are not imported: load the "
                               "model in Keras and save it with model.save('name.keras')")
    with zipfile.ZipFile(path) as archive:
        if "config.json" not in archive.namelist():
            raise KerasImportError(f"{path} has no config.json; save the model with "
                                   "model.save('name.keras')")
        if archive.getinfo("config.json").file_size > MAX_CONFIG_BYTES:
            raise KerasImportError(f"{path}: config.json is larger than 64 MB; this is not a "
                                   "model dlstudio can import")
        try:
            return json.loads(archive.read("config.json"))
        except (ValueError, UnicodeDecodeError) as error:
            raise KerasImportError(f"{path}: config.json is not valid JSON ({error})") from None


@contextmanager
def opened_weights(path: Path) -> Iterator[Any]:
    """Yield the ``.keras`` file's ``model.weights.h5`` opened read-only with h5py."""
    import h5py

    with zipfile.ZipFile(path) as archive:
        if "model.weights.h5" not in archive.namelist():
            raise KerasImportError(f"{path} has no model.weights.h5 (sharded or missing "
                                   "weights); save the model with model.save('name.keras')")
        with tempfile.TemporaryDirectory(prefix="dlstudio-import-") as folder:
            copy = Path(folder) / "model.weights.h5"
            with archive.open("model.weights.h5") as source, copy.open("wb") as target:
                shutil.copyfileobj(source, target, 1 << 20)
            with h5py.File(copy, "r") as weights:
                yield weights


def convert_model(path: Path, task: str, num_classes: int) -> ConvertedModel:
    """Turn the ``.keras`` file at ``path`` into rows for a ``task`` project.

    Raises:
        KerasImportError: Unknown or unusable layers (each listed by name and type), or a
            graph that rows and blocks cannot express.
    """
    model = read_model_config(path)
    try:
        graph = keras_graph.read_graph(model)
        start, skipped = _preprocessing(graph)
        _check_known(graph, skipped, path)
        pieces = keras_graph.stack_of(graph, start, skipped)
        pieces, head_units, notes = _without_scaling(pieces)
    except GraphError as error:
        raise KerasImportError(f"{path.name}: {error}") from None
    converted = _Rows().convert(pieces, graph, model.get("class_name") == "Sequential")
    converted.head_units = head_units
    converted.input_shape = _stack_input(graph, start)
    converted.notes = notes + _skipped_note(graph, skipped) + converted.notes
    _choose_head(converted, task, num_classes)
    return converted


def _preprocessing(graph: Graph) -> tuple[str, set[str]]:
    """Return the layer whose output the stack takes and the preprocessing layers."""
    inputs = graph.inputs()
    if not inputs:
        raise GraphError("the model has no input layer")
    region = {node.name for node in inputs}
    for node in graph.nodes.values():
        if not node.inputs or not set(node.inputs) <= region:
            continue
        prepared = any(graph.nodes[name].class_name != "InputLayer" for name in node.inputs)
        if node.class_name in PREPROCESSING or _is_dlstudio_support(node) or (
                node.class_name in _JOINING and (prepared or len(node.inputs) > 1)):
            region.add(node.name)
    feeding = {name for node in graph.nodes.values() if node.name not in region
               for name in node.inputs if name in region}
    if len(feeding) != 1:
        labels = ", ".join(graph.nodes[name].label for name in sorted(feeding))
        raise GraphError(f"the model's layers start from several inputs ({labels}); dlstudio "
                         "imports models whose layers take one input (or one joined "
                         "preprocessed vector)")
    return feeding.pop(), region


def _check_known(graph: Graph, skipped: set[str], path: Path) -> None:
    unknown = []
    for node in graph.nodes.values():
        if node.name in skipped or node.class_name in keras_graph.MERGE_CLASSES:
            continue
        if _is_dlstudio_support(node):
            continue  # dlstudio's own data and target layers: rebuilt from the project's data
        if not _trusted(node):
            unknown.append(f"{node.label}, a custom class")
            continue
        try:
            if catalog_row(node.class_name, dict(node.config)) is None:
                unknown.append(node.label)
        except UnusableLayer as reason:
            unknown.append(f"{node.label}: {reason}")
    if unknown:
        raise KerasImportError(
            f"{path.name} has layers the catalog does not know or cannot express: "
            f"{'; '.join(unknown)}. Nothing from the file was run. Fix: rebuild the model "
            "without them (see `dlstudio layers` for what the catalog has), then import again")


def _trusted(node: Node) -> bool:
    """Keras's own classes, or dlstudio's registered layers; never another registered class."""
    if node.registered_name in (None, node.class_name):
        return str(node.module or "keras").startswith("keras")
    return _is_dlstudio(node)


def _is_dlstudio(node: Node) -> bool:
    return node.registered_name == f"dlstudio>{node.class_name}"


def _is_dlstudio_support(node: Node) -> bool:
    """dlstudio's own layers that are not catalog rows: data preprocessing (``ImputeMissing``,
    ``SmoothClip``, …) and the regression output's scaling (``TargetScale``, …)."""
    from dlstudio.core.model import catalog

    return _is_dlstudio(node) and catalog.find(node.class_name) is None


def _without_scaling(pieces: list[Piece]) -> tuple[list[Piece], str, list[str]]:
    """Drop dlstudio's target layers after the head (the project rebuilds them from its data).

    Returns:
        The pieces, ``standardized`` when a ``TargetScale`` was dropped (the head predicts
        standardized values) else ``target``, and notes.
    """
    units = "target"
    while pieces and not pieces[-1].block and pieces[-1].node is not None and \
            _is_dlstudio_support(pieces[-1].node):
        units = "standardized" if pieces[-1].node.class_name == "TargetScale" else units
        pieces = pieces[:-1]
    inner = [piece.node.label for piece in _all_pieces(pieces)
             if piece.node is not None and not piece.block and _is_dlstudio_support(piece.node)]
    if inner:
        raise GraphError(f"dlstudio's own layers {', '.join(inner)} sit inside the stack; "
                         "only the data's preprocessing and the output's scaling are rebuilt")
    return pieces, units, []


def _all_pieces(pieces: list[Piece]) -> Iterator[Piece]:
    for piece in pieces:
        yield piece
        for stack in piece.stacks:
            yield from _all_pieces(stack)


def _skipped_note(graph: Graph, skipped: set[str]) -> list[str]:
    dropped = [graph.nodes[name].label for name in graph.nodes
               if name in skipped and graph.nodes[name].class_name != "InputLayer"]
    if not dropped:
        return []
    return [f"Dropped the model's own preprocessing ({', '.join(dropped)}): the project's data "
            "preprocessing (adapted on its training split) comes first instead."]


def _stack_input(graph: Graph, start: str) -> tuple[int | None, ...]:
    users = graph.users(start)
    shape = graph.nodes[users[0]].input_shape if users else None
    if shape is None:
        shape = graph.nodes[start].config.get("batch_shape")
    return tuple(shape[1:]) if isinstance(shape, list) and shape else ()


class _Rows:
    """Pieces → ``LayerSpec`` rows with ids; records which weights group feeds each row."""

    def __init__(self) -> None:
        self.sources: dict[str, str] = {}
        self.groups: dict[str, str] = {}
        self.notes: list[str] = []
        self.taken: set[str] = {"output", "target_scale"}

    def convert(self, pieces: list[Piece], graph: Graph, sequential: bool) -> ConvertedModel:
        self.groups = weight_groups(graph, sequential)
        layers = self._stack(pieces)
        last = pieces[-1].node if pieces and not pieces[-1].block else None
        converted = ConvertedModel(layers, None, "target", (), self.sources, self.notes)
        converted.last_dense = last
        return converted

    def _stack(self, pieces: list[Piece]) -> list[LayerSpec]:
        return [self._row(piece) for piece in pieces]

    def _row(self, piece: Piece) -> LayerSpec:
        if piece.block:
            return self._block(_with_projection(piece))
        node = piece.node
        assert node is not None
        imported = catalog_row(node.class_name, dict(node.config))
        assert imported is not None  # _check_known refused the rest
        row = LayerSpec.of(imported.type, **imported.params)
        row.id = self._id(node.name, imported.type)
        if node.name in self.groups:
            self.sources[row.id] = self.groups[node.name]
        self.notes += [f"{node.label}: {note}" for note in imported.notes]
        return row

    def _block(self, piece: Piece) -> LayerSpec:
        params = {"merge": piece.merge} if piece.block != "Residual" else {}
        row = LayerSpec.of(piece.block, stacks=[self._stack(s) for s in piece.stacks],
                           **params)
        merge_name = piece.node.name if piece.node else ""
        row.id = self._id(merge_name.removesuffix(f"_{piece.merge}"), piece.block)
        if piece.projection is not None and piece.projection.name in self.groups:
            self.sources[f"{row.id}_projection"] = self.groups[piece.projection.name]
        return row

    def _id(self, name: str, type_name: str) -> str:
        stem = layer_tree.id_prefix(type_name)
        usable = layer_tree.ID_PATTERN.fullmatch(name) and name not in self.taken
        if type_name in ("Residual", "Skip", "Branches"):
            usable = usable and re.fullmatch(rf"{stem}_\d+", name)
        chosen = name if usable else layer_tree.new_id(type_name, self.taken)
        self.taken.add(chosen)
        return chosen


def _with_projection(piece: Piece) -> Piece:
    """A dlstudio Residual whose shortcut got a projection (``residual_1_projection``, joined
    by ``residual_1_add``) reads back as that Residual rather than as Branches."""
    if piece.block != "Branches" or piece.merge != "add" or piece.node is None:
        return piece
    base = piece.node.name.removesuffix("_add")
    for index, stack in enumerate(piece.stacks):
        if len(piece.stacks) == 2 and len(stack) == 1 and stack[0].node is not None \
                and stack[0].node.name == f"{base}_projection":
            return Piece(piece.node, "Residual", "add", [piece.stacks[1 - index]],
                         projection=stack[0].node)
    return piece


def weight_groups(graph: Graph, sequential: bool) -> dict[str, str]:
    """Return layer name → its group in ``model.weights.h5``.

    Keras names each layer's group by its class in snake case, numbered in the model's layer
    order (``layers/dense``, ``layers/dense_1``), not by the layer's name; a Sequential model
    does not count its input layer.
    """
    used: dict[str, int] = {}
    groups = {}
    for node in graph.nodes.values():
        if sequential and node.class_name == "InputLayer":
            continue
        stem = _snake(node.class_name)
        if stem in used:
            used[stem] += 1
            stem = f"{stem}_{used[stem]}"
        else:
            used[stem] = 0
        groups[node.name] = f"layers/{stem}"
    return groups


def _snake(name: str) -> str:
    name = re.sub(r"\W+", "", name)
    name = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub("([a-z])([A-Z])", r"\1_\2", name).lower()


def _choose_head(converted: ConvertedModel, task: str, num_classes: int) -> None:
    """Make the last Dense the output head when its units fit the task (see the module doc)."""
    from dlstudio.core.tasks import get_task

    units, activation = get_task(task).output_head(num_classes)
    last = converted.layers[-1] if converted.layers else None
    node = converted.last_dense
    if last is None or node is None or last.type != "Dense":
        converted.notes.append(f"The model does not end in a Dense layer; dlstudio adds an "
                               f"output head ({units} unit(s), {activation}) after it.")
        return
    converted.layers.pop()
    source = converted.sources.pop(last.id, None)
    if last.params["units"] != units:
        converted.notes.append(
            f"The model's last layer {node.label} has {last.params['units']} unit(s), but "
            f"this data needs {units} ({_task_words(task, num_classes)}); it is replaced by "
            "a fresh output head, which trains from random weights.")
        return
    converted.head = node
    if source:
        converted.sources["output"] = source
    if last.params["activation"] != activation:
        converted.notes.append(f"The model's last layer {node.label} becomes the output head "
                               f"with activation {activation} instead of "
                               f"{last.params['activation']}.")


def _task_words(task: str, num_classes: int) -> str:
    if task == "regression":
        return "one value to predict"
    return f"{num_classes} classes"


def default_weights_path(project_path: Path) -> Path:
    """Return ``name.weights.h5`` beside ``name.dlstudio.json``."""
    name = project_path.name
    stem = name[: -len(PROJECT_SUFFIX)] if name.endswith(PROJECT_SUFFIX) else project_path.stem
    return project_path.with_name(f"{stem}.weights.h5")


def model_spec(converted: ConvertedModel, weights_name: str | None) -> ModelSpec:
    """Return the project's model for ``converted`` (head on; weights file recorded)."""
    return ModelSpec(layers=converted.layers, add_output_head=True, template=None,
                     initial_weights=weights_name)


def relative_to(path: Path, folder: Path) -> str:
    """Return ``path`` relative to ``folder`` when it can be, else absolute."""
    try:
        return os.path.relpath(path, folder)
    except ValueError:
        return str(path)
