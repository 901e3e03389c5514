"""Initial weights: arrays that start a run instead of random ones (fine-tuning an import).

The file (``<project>.weights.h5``, named by ``model.initial_weights`` in the project) is HDF5
read and written with h5py only, so nothing in it can run code. It holds one group per Keras
layer of the built model, named by the row's id (the builder names each layer by its id; the
head is ``output``), under ``layers/``; inside, Keras's own layout of a layer's state: ``vars/0``,
``vars/1``, … in the layer's order, and one group per sublayer (``cell``, ``forward_layer``).

:func:`write_initial_weights` copies groups out of a ``.keras`` file's ``model.weights.h5``;
:func:`apply_initial_weights` puts them into a freshly built model, row by row, after checking
every shape, and returns what it did in words. A row whose arrays do not fit keeps its random
start, and the report says which and why.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import h5py
import numpy as np

FORMAT = "dlstudio initial weights"
VERSION = 1
HEAD = "output"
"""The builder's name for the output head."""

_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,99}")


@dataclass
class WeightsReport:
    """What :func:`apply_initial_weights` did.

    Attributes:
        loaded: The layers (row ids, ``output`` for the head) that got their arrays.
        problems: One line per layer that kept its random start, saying why.
        total: How many layers the file has arrays for.
    """

    loaded: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    total: int = 0

    def summary(self, source: str) -> str:
        """Return one line: ``Initial weights from F: 4 of 5 layers loaded.``"""
        return (f"Initial weights from {source}: {len(self.loaded)} of {self.total} "
                f"layer(s) loaded{'.' if not self.problems else '; see the warnings.'}")


def write_initial_weights(path: Path, source: h5py.File, groups: Mapping[str, str],
                          attributes: Mapping[str, Mapping[str, str]] | None = None,
                          origin: str = "") -> None:
    """Write a weights file from groups of a Keras weights file.

    Args:
        path: The file to write (replaced).
        source: An open ``model.weights.h5`` of a ``.keras`` file.
        groups: Layer name in the new model (row id or ``output``) → the layer's group in
            ``source`` (``layers/dense_1``).
        attributes: Extra text attributes per layer name (``source_layer``, ``target_units``).
        origin: Where the arrays came from, for messages.
    """
    partial = path.with_name(f".{path.name}.partial")
    with h5py.File(partial, "w") as target:
        target.attrs["format"] = FORMAT
        target.attrs["version"] = VERSION
        target.attrs["origin"] = origin
        layers = target.create_group("layers")
        for name, group in groups.items():
            copy = layers.create_group(name)
            _copy_group(source[group], copy)
            for key, value in (attributes or {}).get(name, {}).items():
                copy.attrs[key] = value
    partial.replace(path)


def _copy_group(source: h5py.Group, target: h5py.Group) -> None:
    """Copy datasets and subgroups as plain arrays (no links, no references, no filters)."""
    for key, item in source.items():
        if isinstance(item, h5py.Dataset):
            target.create_dataset(key, data=np.asarray(item[()]))
        elif isinstance(item, h5py.Group):
            _copy_group(item, target.create_group(key))


def layer_arrays(path: Path) -> dict[str, list[np.ndarray]]:
    """Return each layer's own arrays (``vars`` only, in order), for tests and reports."""
    with h5py.File(path, "r") as file:
        _check_format(file, path)
        return {name: _own(group) for name, group in file["layers"].items()}


def apply_initial_weights(model: Any, path: Path) -> WeightsReport:
    """Load the arrays of ``path`` into the layers of ``model`` named by its groups.

    Raises:
        ValueError: ``path`` is not a dlstudio weights file (the message says so).
    """
    report = WeightsReport()
    with h5py.File(path, "r") as file:
        _check_format(file, path)
        layers = file["layers"]
        report.total = len(layers)
        names = {layer.name: layer for layer in model.layers}
        for name, group in layers.items():
            layer = names.get(name) or names.get(f"{name}_layer")  # the builder's renaming
            problem = _apply_one(layer, name, group, model)
            (report.problems.append(problem) if problem else report.loaded.append(name))
    return report


def apply_to_run(model: Any, project: Any) -> list[Any]:
    """Load the project's initial weights into a freshly built ``model``, if it names any.

    Returns:
        The run's messages: one ``info`` line with how many layers got weights, one
        ``warning`` per layer that did not (empty when the project has no weights file).

    Raises:
        UserInputError: The weights file is missing or is not a dlstudio weights file.
    """
    from dlstudio.core.errors import UserInputError
    from dlstudio.core.training.events import Message

    path = project.initial_weights_path()
    if path is None:
        return []
    if not path.is_file():
        raise UserInputError(f"model.initial_weights names {path}, which does not exist; "
                             "import the model again, or remove initial_weights from the "
                             "project to start from random weights")
    try:
        report = apply_initial_weights(model, path)
    except (OSError, ValueError) as error:
        raise UserInputError(f"{path}: {error}") from None
    return ([Message("info", report.summary(path.name))]
            + [Message("warning", problem) for problem in report.problems])


def _check_format(file: h5py.File, path: Path) -> None:
    if file.attrs.get("format") != FORMAT or "layers" not in file:
        raise ValueError(f"{path} is not a dlstudio initial-weights file; import the model "
                         "again with `dlstudio import`")


def _apply_one(layer: Any, name: str, group: h5py.Group, model: Any) -> str | None:
    origin = group.attrs.get("source_layer", name)
    if layer is None:
        return (f"{name}: the file has weights for it (from {origin}) but the model has no "
                "such row any more; those weights were not used")
    loads: list[tuple[Any, dict[str, np.ndarray]]] = []
    problem = _collect(layer, group, name, loads)
    if problem:
        return f"{problem}; {name} starts from random weights"
    if name == HEAD and group.attrs.get("target_units") == "target":
        loads = _standardized_head(loads, model)
    for target, store in loads:
        target.load_own_variables(store)
    return None


def _collect(layer: Any, group: h5py.Group, place: str,
             loads: list[tuple[Any, dict[str, np.ndarray]]]) -> str | None:
    """Check ``group`` against ``layer`` (and its sublayers); queue what to load."""
    current: dict[str, Any] = {}
    layer.save_own_variables(current)
    stored = _own(group)
    if len(stored) != len(current) or any(
            np.shape(a) != tuple(np.shape(b)) for a, b in zip(stored, current.values(),
                                                              strict=False)):
        return (f"{place}: the file's arrays have shapes {_shapes(stored)}, the model's "
                f"{_shapes(current.values())}")
    loads.append((layer, {str(index): array for index, array in enumerate(stored)}))
    for key, item in group.items():
        if key == "vars" or not isinstance(item, h5py.Group):
            continue
        child = getattr(layer, key, None) if _NAME.fullmatch(key) else None
        if not _is_layer(child):
            return f"{place}: the file has weights for a part {key!r} that this layer lacks"
        problem = _collect(child, item, f"{place}.{key}", loads)
        if problem:
            return problem
    return None


def _own(group: h5py.Group) -> list[np.ndarray]:
    if "vars" not in group:
        return []
    variables = group["vars"]
    return [np.asarray(variables[str(index)][()]) for index in range(len(variables))]


def _is_layer(value: Any) -> bool:
    import keras

    return isinstance(value, keras.layers.Layer)


def _shapes(arrays: Iterable[Any]) -> str:
    shapes = [tuple(np.shape(array)) for array in arrays]
    return ", ".join(str(shape) for shape in shapes) if shapes else "none"


def _standardized_head(loads: list[tuple[Any, dict[str, np.ndarray]]],
                       model: Any) -> list[tuple[Any, dict[str, np.ndarray]]]:
    """Rescale a head that predicted the target in its units to dlstudio's standardized head.

    dlstudio's regression head predicts ``(y - offset) / scale`` and its ``target_scale`` layer
    maps back, so kernel / scale and (bias - offset) / scale give the file's predictions.
    """
    scale_layer = next((layer for layer in model.layers if layer.name == "target_scale"), None)
    if scale_layer is None or len(loads) != 1 or len(loads[0][1]) != 2:
        return loads
    layer, store = loads[0]
    offset, scale = float(scale_layer.offset), float(scale_layer.scale)
    return [(layer, {"0": store["0"] / scale, "1": (store["1"] - offset) / scale})]
