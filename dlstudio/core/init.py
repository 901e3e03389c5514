"""Start a project from data: ``dlstudio init`` and the GUI's "start from data".

:func:`new_project` reads a CSV file or scans an image folder, lists how every column is read,
settles the task, picks a template that fits, and sizes the training so that small datasets
get enough steps (with early stopping to keep the best epoch).
"""

from __future__ import annotations

import difflib
import math
import os
from pathlib import Path

from dlstudio.core.data import Dataset, load_dataset
from dlstudio.core.errors import DataError, UserInputError
from dlstudio.core.project import DataSpec, ModelSpec, Project
from dlstudio.core.templates import Template, choose_template, get_template

TARGET_STEPS = 2000  # optimizer steps a new project aims for, within MIN/MAX_EPOCHS
MIN_EPOCHS, MAX_EPOCHS = 20, 200


def new_project(data_path: str | os.PathLike[str], target: str | None = None,
                template: str | None = None) -> Project:
    """Return a new project for a CSV file or an image folder.

    Args:
        data_path: The CSV file or image folder (stored as an absolute path; saving the project
            makes it relative to the project file).
        target: The CSV column to predict; default the last column that is neither an
            identifier nor a constant. Not used for image folders.
        template: A template name; default the one that fits the data.

    Raises:
        DataError: The data cannot be read, or ``target`` is not a column.
        UserInputError: The template is unknown or does not fit the data.
    """
    path = Path(data_path).expanduser().resolve()
    if not path.exists():
        raise DataError(f"{path} does not exist; pass a CSV file or an image folder")
    if path.is_dir():
        if target is not None:
            raise UserInputError("--target is for CSV files; in an image folder the class "
                                 "folders are the target")
        project = Project(name=path.name, data=DataSpec(kind="images", path=str(path)))
    else:
        project = Project(name=path.stem, data=_csv_data(path, target))
    dataset = load_dataset(project)
    project.data.task = dataset.task
    chosen = _template(template, project, dataset)
    project.model = ModelSpec(layers=chosen.layers(project.data.max_tokens),
                              template=chosen.name)
    _size_training(project, dataset)
    return project


def _csv_data(path: Path, target: str | None) -> DataSpec:
    from dlstudio.core.data.tabular import infer_columns, read_csv

    frame, _warnings = read_csv(path)
    names = [str(name) for name in frame.columns]
    if target is None:
        target = _default_target(frame)
    elif target not in names:
        close = difflib.get_close_matches(target, names, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        raise DataError(f"{path.name} has no column {target!r}; {hint}the columns are: "
                        f"{', '.join(names)}")
    return DataSpec(kind="csv", path=str(path), target=target,
                    columns=infer_columns(frame, target))


def _default_target(frame: object) -> str:
    from dlstudio.core.data.tabular import infer_columns

    usable = [spec.name for spec in infer_columns(frame)
              if spec.kind not in ("identifier", "constant")]
    if not usable:
        raise DataError("no column can be predicted (every column is an identifier or a "
                        "constant); check the file")
    return usable[-1]


def _template(name: str | None, project: Project, dataset: Dataset) -> Template:
    kind = "images" if project.data.kind == "images" else (
        "text" if project.data.text_encoding == "sequence" else "table")
    if name is None:
        return choose_template(kind, dataset.task, dataset.feature_shape())
    chosen = get_template(name)
    if kind not in chosen.kinds:
        raise UserInputError(f"template {name!r} is for {' or '.join(chosen.kinds)} data, "
                             f"but {project.data.path} is {kind} data; leave --template out "
                             "to get one that fits")
    return chosen


def _size_training(project: Project, dataset: Dataset) -> None:
    training = project.training
    steps = max(1, math.ceil(dataset.split_size("train") / training.batch_size))
    training.epochs = max(MIN_EPOCHS, min(MAX_EPOCHS, math.ceil(TARGET_STEPS / steps)))
    training.early_stopping.enabled = True
    training.early_stopping.patience = max(5, training.epochs // 10)
