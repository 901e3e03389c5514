"""A new project from a ``.keras`` model and data: ``dlstudio import`` and File ▸ Import.

:func:`import_keras_model` starts like ``dlstudio init`` (the data read, the task settled, the
training sized), then replaces the layer stack with the model's (see
:mod:`dlstudio.core.model.keras_import` for what is kept and dropped), writes the model's
weights beside the project as its initial weights, builds the model once on the data to check
that every layer gets its arrays, and saves the project.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dlstudio.core.data import Dataset, load_dataset
from dlstudio.core.model import keras_import
from dlstudio.core.model.keras_import import ConvertedModel, KerasImportError
from dlstudio.core.project.from_data import new_project
from dlstudio.core.project.project import Project, save_project
from dlstudio.core.training.initial_weights import WeightsReport


@dataclass
class ImportResult:
    """What :func:`import_keras_model` made.

    Attributes:
        project: The saved project.
        weights_path: Its initial-weights file.
        notes: What was dropped, adapted or decided, in words.
        weights: How many layers got the file's arrays when the model was built on the data.
    """

    project: Project
    weights_path: Path
    notes: list[str] = field(default_factory=list)
    weights: WeightsReport = field(default_factory=WeightsReport)


def import_keras_model(model_path: str | os.PathLike[str], data_path: str | os.PathLike[str],
                       output: str | os.PathLike[str], target: str | None = None) -> ImportResult:
    """Make and save a project that trains the ``.keras`` model at ``model_path`` on the data.

    Args:
        model_path: A Sequential or Functional model saved with ``model.save('name.keras')``.
        data_path: A CSV file or an image folder.
        output: The project file to write; the weights go beside it (``name.weights.h5``).
        target: The CSV column to predict (default: as ``dlstudio init`` chooses).

    Raises:
        KerasImportError: Unknown layers, a graph blocks cannot express, or an input the data
            cannot feed (the message says what the model expects and what the data gives).
        DataError: The data cannot be read.
    """
    model_file = Path(model_path).expanduser().resolve()
    keras_import.read_model_config(model_file)  # a bad file fails before the data is read
    project = new_project(data_path, target)
    dataset = load_dataset(project)
    converted = keras_import.convert_model(model_file, dataset.task, len(dataset.class_names))
    notes = list(converted.notes)
    dataset = _reconcile_input(project, dataset, converted, model_file, notes)
    project_path = Path(output).expanduser().resolve()
    weights_path = keras_import.default_weights_path(project_path)
    _write_weights(model_file, converted, weights_path)
    project.name = model_file.name.removesuffix(".keras")
    project.model = keras_import.model_spec(converted, str(weights_path))
    project.path = project_path
    report = _check_build(project, dataset)
    save_project(project, project_path)
    return ImportResult(project, weights_path, notes, report)


def _reconcile_input(project: Project, dataset: Dataset, converted: ConvertedModel,
                     model_file: Path, notes: list[str]) -> Dataset:
    """Fit image settings to the model's input; refuse a table the model cannot take."""
    expected = converted.input_shape
    given = tuple(dataset.feature_shape())
    if _fits(expected, given):
        return dataset
    if project.data.kind == "images" and len(expected) == 3 and expected[2] in (1, 3):
        height, width, channels = expected
        if height is not None and width is not None:
            project.data.image_size = [int(height), int(width)]
        project.data.color_mode = "grayscale" if channels == 1 else "rgb"
        notes.append(f"Images are read as {project.data.image_size[0]}x"
                     f"{project.data.image_size[1]} {project.data.color_mode}, the input the "
                     f"model expects {_shape(expected)}.")
        return load_dataset(project)
    what = "numbers per row" if project.data.kind == "csv" else "values per sample"
    raise KerasImportError(
        f"{model_file.name} expects inputs of shape {_shape(expected)}, but "
        f"{Path(project.data.path).name} gives {_shape(given)} {what} after dlstudio's "
        "preprocessing (numbers normalized, categories one-hot, missing values flagged). Fix: "
        "use data with the same feature columns the model was trained on (mark extra columns "
        "as ignored, pick --target), or rebuild the model's first layer for this data")


def _fits(expected: tuple[int | None, ...], given: tuple[int | None, ...]) -> bool:
    if not expected:
        return True
    return len(expected) == len(given) and all(
        want is None or have is None or want == have
        for want, have in zip(expected, given, strict=True))


def _shape(shape: tuple[int | None, ...]) -> str:
    return "(" + ", ".join("any" if item is None else str(item) for item in shape) + \
        ("," if len(shape) == 1 else "") + ")"


def _write_weights(model_file: Path, converted: ConvertedModel, weights_path: Path) -> None:
    from dlstudio.core.training.initial_weights import write_initial_weights

    attributes = {name: {"source_layer": group} for name, group in converted.sources.items()}
    if "output" in attributes:
        attributes["output"]["target_units"] = converted.head_units
    weights_path.parent.mkdir(parents=True, exist_ok=True)
    with keras_import.opened_weights(model_file) as weights:
        missing = [group for group in converted.sources.values() if group not in weights]
        if missing:
            raise KerasImportError(f"{model_file.name}: model.weights.h5 has no arrays for "
                                   f"{', '.join(missing)}; save the model again with "
                                   "model.save('name.keras')")
        groups = {name: group for name, group in converted.sources.items()
                  if _has_arrays(weights[group])}
        write_initial_weights(weights_path, weights, groups, attributes,
                              origin=model_file.name)


def _has_arrays(group: Any) -> bool:
    """Whether a layer's group holds any array (Dropout, Flatten, … hold none)."""
    found: list[str] = []
    group.visit(lambda name: found.append(name) if hasattr(group[name], "shape") else None)
    return bool(found)


def _check_build(project: Project, dataset: Dataset) -> WeightsReport:
    """Build the model on the data once and load the weights, as a run will."""
    from dlstudio.core.model.builder import build_model
    from dlstudio.core.training.initial_weights import apply_initial_weights

    weights_path = project.initial_weights_path()
    assert weights_path is not None
    model = build_model(project, dataset)
    return apply_initial_weights(model, weights_path)
