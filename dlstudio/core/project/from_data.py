"""Start a project from data: ``dlstudio init`` and the GUI's "start from data".

:func:`new_project` reads a CSV file or scans an image folder, lists how every column is read,
settles the task, picks a template that fits, and sizes the training so that small datasets
get enough steps (with early stopping to keep the best epoch).
"""

from __future__ import annotations

import difflib
import math
import os
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from PIL import Image

from dlstudio.core.data import Dataset, load_dataset
from dlstudio.core.data.target_choice import suggested_target
from dlstudio.core.errors import DataError, UserInputError, name_list, quote_name
from dlstudio.core.model.templates import TEMPLATES, Template, choose_template, get_template
from dlstudio.core.project.project import (
    DataSpec,
    ModelSpec,
    Project,
    SeriesSpec,
    split_shares,
)
from dlstudio.core.tasks import get_task

TARGET_STEPS = 2000  # optimizer steps a new project aims for, within MIN/MAX_EPOCHS
MIN_EPOCHS, MAX_EPOCHS = 20, 200
MIN_BATCH, MAX_BATCH = 32, 256  # tables: the batch grows with the rows (ROWS_PER_STEP)
ROWS_PER_STEP = 64
LABEL_SMOOTHING = 0.1
REGRESSION_DROPOUT_ROWS = 2000
"""A regression with at least this many training rows gets the MLP without dropout: on the
benchmark's tables dropout cost diamonds (36,700 rows) 0.029 R² and txhousing (4,800) 0.013,
and gained diabetes (300), mpg (160) and midwest (300) 0.03 to 0.13 (seed 0, 2026-11-29)."""
WEIGHT_DECAY = 0.01
LEARNING_RATE = 1e-3
"""A table's learning rate at the smallest batch (:data:`MIN_BATCH`); a larger batch gets this
times the square root of how many times larger it is (2.8e-3 at 256), the square-root scaling
rule of adaptive optimizers: fewer, less noisy steps per epoch take larger ones. Measured on
diamonds_cut (36,700 training rows, 20 epochs at batch 256): 0.7768 accuracy over 3 seeds
against 0.7282 at 1e-3, in the same time; diamonds_price, fair and txhousing level or better
(``benchmarks/README.md``, § Tabular defaults)."""
IMAGE_SAMPLE = 64  # images opened to choose the input size
MIN_IMAGE_SIDE, MAX_IMAGE_SIDE = 32, 128


@dataclass(frozen=True)
class SeriesChoice:
    """What ``init`` was told about reading a CSV file as a series.

    Attributes:
        task: ``forecasting`` to read it as a series, ``classification`` or ``regression`` to
            read it as a table; ``None``: a series when the file looks like one;
            ``auto_table``: a table whatever it looks like (the task from the target).
        window: The window length (default: sized to the data).
        horizon: The steps forecast (default 1).
    """

    task: str | None = None
    window: int | None = None
    horizon: int | None = None

    @property
    def given(self) -> bool:
        """Whether a window or horizon was given (they make the file a series)."""
        return self.window is not None or self.horizon is not None


def new_project(data_path: str | os.PathLike[str], target: str | None = None,
                template: str | None = None, *,
                test_path: str | os.PathLike[str] | None = None,
                validation_path: str | os.PathLike[str] | None = None,
                series: SeriesChoice | None = None) -> Project:
    """Return a new project for a CSV file or an image folder.

    Args:
        data_path: The CSV file or image folder (stored as an absolute path; saving the project
            makes it relative to the project file).
        target: The CSV column to predict; default the likeliest by name and kind (see
            :func:`dlstudio.core.data.target_choice.rank_targets`). Not used for image folders.
        template: A template name; default the one that fits the data.
        test_path: A CSV file with the same columns whose rows are the test split: the main
            file is then divided 85/15 into training and validation, and evaluation uses
            this file.
        validation_path: Likewise a CSV file whose rows are the validation split.
        series: Whether to read a CSV file as a time series for forecasting, and its window
            and horizon (default: a series when a column orders the rows in time and the
            others are numbers; see :mod:`dlstudio.core.data.series_detection`).

    Raises:
        DataError: The data cannot be read, or ``target`` is not a column.
        UserInputError: The template is unknown or does not fit the data.
    """
    return _make_project(data_path, target, template, lenient=False, test_path=test_path,
                         validation_path=validation_path, series=series).project


@dataclass
class DraftProject:
    """A new project that may still need the person's help before it can train.

    Attributes:
        project: The project (its data and columns as read; a template when one fits).
        problems: What stops it from training as it is, in words (empty when nothing does).
    """

    project: Project
    problems: list[str] = field(default_factory=list)


def draft_project(data_path: str | os.PathLike[str], target: str | None = None, *,
                  series: SeriesChoice | None = None) -> DraftProject:
    """Like :func:`new_project`, but a file that can be read is never refused for its columns.

    The GUI opens the data view on the result and lets the person fix what :attr:`problems`
    lists (no column to predict, every column read as an identifier, …) there. ``target``
    ``""`` means no target yet (the person decides later); ``None`` takes the likeliest.
    ``series``: read a CSV file as a time series when it is one (``SeriesChoice()``) or as
    asked; ``None`` reads it as a table (the data view's columns), as before forecasting.

    Raises:
        DataError: The file or folder cannot be read at all.
    """
    choice = series if series is not None else SeriesChoice(task="auto_table")
    return _make_project(data_path, target, None, lenient=True, series=choice)


def _make_project(data_path: str | os.PathLike[str], target: str | None,
                  template: str | None, lenient: bool, *,
                  test_path: str | os.PathLike[str] | None = None,
                  validation_path: str | os.PathLike[str] | None = None,
                  series: SeriesChoice | None = None) -> DraftProject:
    path = Path(data_path).expanduser().resolve()
    if not path.exists():
        raise DataError(f"{path} does not exist; pass a CSV file or an image folder")
    if path.is_dir():
        if test_path is not None or validation_path is not None:
            raise UserInputError("--test and --validation files are for CSV data; an image "
                                 "folder is split by split fractions")
        if target is not None:
            raise UserInputError("--target is for CSV files; in an image folder the class "
                                 "folders are the target")
        project = Project(name=path.name, data=DataSpec(kind="images", path=str(path)))
    else:
        project = Project(name=path.stem, data=_csv_data(path, target, lenient,
                                                          _series_choice(series, template),
                                                          needs_target=_needs_target(template)))
        if project.data.series is not None and (test_path or validation_path):
            raise UserInputError("a time series is split in time order within its file; leave "
                                 "out --test and --validation")
        _use_split_files(project, test_path, validation_path)
        if template is not None:
            _read_text_for(get_template(template), project.data)
    if template is not None and get_template(template).task is not None:
        project.data.task = get_template(template).task  # read the data as its task does
    try:
        dataset = load_dataset(project)
        if project.data.kind == "images":
            smallest = get_template(template).min_image_side if template else None
            _fit_image_settings(project.data, dataset, smallest or MIN_IMAGE_SIDE)
            dataset = load_dataset(project)
    except DataError as error:
        if not lenient or project.data.kind == "images":
            raise
        fallback = "series_gru" if project.data.series else "mlp"
        project.model = ModelSpec(layers=TEMPLATES[fallback].layers_for(project.data),
                                  template=fallback)
        return DraftProject(project, [str(error)])
    project.data.task = dataset.task
    chosen = _template(template, project, dataset)
    project.model = chosen.model_for(project.data)
    _size_training(project, dataset)
    if chosen.settings:
        _template_settings(project, chosen)
    return DraftProject(project)


def _use_split_files(project: Project, test_path: str | os.PathLike[str] | None,
                     validation_path: str | os.PathLike[str] | None) -> None:
    """Record the separate test and validation files and give their shares to training."""
    for split, given in (("test", test_path), ("validation", validation_path)):
        if given is None:
            continue
        resolved = Path(given).expanduser().resolve()
        if not resolved.is_file():
            raise DataError(f"the {split} file {resolved} does not exist; pass a CSV file with "
                            "the same columns as the training file")
        setattr(project.data, f"{split}_path", str(resolved))
    project.split.train, project.split.validation, project.split.test = split_shares(
        project.split, test_file=test_path is not None,
        validation_file=validation_path is not None)


def _read_text_for(chosen: Template, data: DataSpec) -> None:
    """Read the text column as token sequences when the template is a text-sequence one."""
    if "text" not in chosen.kinds or "table" in chosen.kinds:
        return
    if not any(c.role == "feature" and c.kind == "text" for c in data.columns):
        raise UserInputError(f"template {chosen.name!r} reads a text column as a sequence of "
                             "words, but this CSV has no text feature column; use --template "
                             "mlp, or mark a column's kind as text")
    data.text_encoding = "sequence"


def _fit_image_settings(data: DataSpec, dataset: Dataset,
                        smallest: int = MIN_IMAGE_SIDE) -> None:
    """Size the input to the images' typical size and use grayscale when all are gray (see
    :func:`typical_image_size`)."""
    fitted = typical_image_size(dataset.root, dataset.scan.files, smallest)
    if fitted is not None:
        data.image_size, gray = fitted
        data.color_mode = "grayscale" if gray else "rgb"


def typical_image_size(root: Path, files: Sequence[Any],
                       smallest: int = MIN_IMAGE_SIDE) -> tuple[list[int], bool] | None:
    """Return the input size for a folder's images and whether they are all gray.

    A sample of the images is opened (headers only). The median size is rounded to a multiple
    of 8 and kept within 32-128 pixels a side (``smallest``-128 for a template that keeps
    small images small: dcgan's 8x8 digits), so a new CNN neither upsamples small images nor
    spends the CPU on large ones; the user can raise it in the project.

    Args:
        root: The image folder.
        files: Its scanned files (each with a ``path`` relative to ``root``).
        smallest: The smallest side to choose.

    Returns:
        ``([height, width], all gray)``, or ``None`` without images.
    """
    sample = files[:: max(1, len(files) // IMAGE_SAMPLE)][:IMAGE_SAMPLE]
    sizes, gray = [], True
    for item in sample:
        with Image.open(Path(root) / item.path) as image:
            sizes.append(image.size)
            gray = gray and image.mode in ("1", "L", "LA", "I", "I;16")
    if not sizes:
        return None
    width, height = (int(statistics.median(values)) for values in zip(*sizes, strict=True))
    return [_side(height, smallest), _side(width, smallest)], gray


def _side(pixels: int, smallest: int = MIN_IMAGE_SIDE) -> int:
    return max(smallest, min(MAX_IMAGE_SIDE, round(pixels / 8) * 8))


def _needs_target(template: str | None) -> bool:
    """Whether the template's task learns a target (an autoencoder's does not: without
    ``--target`` every column is a feature)."""
    from dlstudio.core.tasks import get_task

    task = get_template(template).task if template is not None else None
    return task is None or get_task(task).needs_targets


def _series_choice(series: SeriesChoice | None, template: str | None) -> SeriesChoice:
    """How to read a CSV file: as asked, else a series when it is one — unless a template
    for other data was chosen (``--template mlp`` reads even a series as a table)."""
    choice = series or SeriesChoice()
    if template is not None and choice.task is None and not choice.given \
            and "series" not in get_template(template).kinds:
        return SeriesChoice(task="auto_table")
    return choice


def _csv_data(path: Path, target: str | None, lenient: bool = False,
              choice: SeriesChoice = SeriesChoice(), *, needs_target: bool = True) -> DataSpec:
    from dlstudio.core.data.tabular import infer_columns, read_csv

    frame, _warnings = read_csv(path)
    names = [str(name) for name in frame.columns]
    if target and target not in names:
        _no_column(path, target, names)
    series = _series_for(frame, target or None, choice)
    if series is not None:
        return DataSpec(kind="csv", path=str(path), task="forecasting", series=series)
    if (target == "" and lenient) or (target is None and not needs_target):
        target = None  # the person chose to decide later, or the task needs none
    elif target is None:
        target = suggested_target(infer_columns(frame))
        if target is None and not lenient:
            raise DataError("no column can be predicted (every column is an identifier or a "
                            "constant); check the file")
    task = choice.task if choice.task in ("classification", "regression") else "auto"
    return DataSpec(kind="csv", path=str(path), target=target,
                    columns=infer_columns(frame, target), task=task)


def _no_column(path: Path, target: str, names: list[str]) -> None:
    close = difflib.get_close_matches(target, names, n=1)
    hint = f"did you mean {quote_name(close[0])}? " if close else ""
    raise DataError(f"{path.name} has no column {quote_name(target)}; {hint}the columns "
                    f"are: {name_list(names)}")


def _series_for(frame: pd.DataFrame, target: str | None,
                choice: SeriesChoice) -> SeriesSpec | None:
    """The series settings when the file is read as a series (asked, or detected)."""
    from dlstudio.core.data.series_detection import detect_series, series_settings

    if choice.task == "auto_table":
        return None
    if choice.task not in (None, "auto", "forecasting"):
        if choice.given:
            raise UserInputError(f"--window and --horizon are for forecasting, but --task is "
                                 f"{choice.task}; leave them out or use --task forecasting")
        return None
    wanted = choice.task == "forecasting" or choice.given
    series = series_settings(frame, target) if wanted else detect_series(frame, target)
    if series is None:
        return None
    if not series.targets:
        raise DataError("no column holds numbers to forecast; check the file")
    series.window = choice.window or series.window
    series.horizon = choice.horizon or series.horizon
    return series


def _template(name: str | None, project: Project, dataset: Dataset) -> Template:
    kind = "images" if project.data.kind == "images" else "series" if project.data.series \
        else "text" if project.data.text_encoding == "sequence" else "table"
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
    rows = dataset.split_size("train")
    if project.data.kind == "csv" and project.data.series is None:
        _table_defaults(project, dataset, rows)
    task = get_task(dataset.task)
    training.epochs = epochs_for(dataset.task, rows, training.batch_size)
    if not task.loss_falls:
        return  # a GAN's losses do not fall as it learns: nothing for early stopping to watch
    training.early_stopping.enabled = True
    training.early_stopping.patience = max(5, training.epochs // 10)
    if training.schedule.kind == "cosine":  # the rate is still useful late: be patient
        training.early_stopping.patience = max(10, training.epochs // 5)


def epochs_for(task_name: str, rows: int, batch_size: int) -> int:
    """Return the epochs a new project of ``task_name`` trains for on ``rows`` training
    samples: enough for the task's target number of steps (a GAN's 15000, else
    :data:`TARGET_STEPS`), within :data:`MIN_EPOCHS` and the task's most epochs (a GAN's 300,
    else :data:`MAX_EPOCHS`)."""
    task = get_task(task_name)
    steps = max(1, math.ceil(rows / batch_size))
    target = task.target_steps or TARGET_STEPS
    most = task.most_epochs or MAX_EPOCHS
    return max(MIN_EPOCHS, min(most, math.ceil(target / steps)))


def _template_settings(project: Project, template: Template) -> None:
    """The training settings a template starts with (``transfer``: a few head epochs on the
    frozen backbone — fast, its features are computed once — then a few fine-tuning its top
    layers at a ten times lower rate), with early stopping patient enough for them."""
    training = project.training
    for path, value in template.settings:
        target = training
        *parents, name = path.split(".")
        for parent in parents:
            target = getattr(target, parent)
        setattr(target, name, value)
    training.early_stopping.patience = min(training.early_stopping.patience,
                                           max(3, training.epochs // 2))


def _table_defaults(project: Project, dataset: Dataset, rows: int) -> None:
    """Training settings of the strong tabular defaults (issue 9; RealMLP and TabM use the
    same ideas): AdamW with weight decay, cosine decay of the rate (no warm-up, so
    ``train --epochs 1`` still runs), label smoothing
    for classes, batches that grow with the data (``rows / 64`` rounded to a power of two,
    32 to 256) so large tables train in seconds per epoch, a learning rate that grows with the
    batch (:data:`LEARNING_RATE`), and no dropout for a regression of
    :data:`REGRESSION_DROPOUT_ROWS` training rows or more."""
    training = project.training
    power = 2 ** round(math.log2(max(1, rows / ROWS_PER_STEP)))
    training.batch_size = max(MIN_BATCH, min(MAX_BATCH, power))
    rate = LEARNING_RATE * math.sqrt(training.batch_size / MIN_BATCH)
    training.learning_rate = float(f"{rate:.3g}")  # 0.00283, not 0.0028284271247461905
    training.optimizer = "adamw"
    training.weight_decay = WEIGHT_DECAY
    training.schedule.kind = "cosine"
    if dataset.task == "classification":
        training.label_smoothing = LABEL_SMOOTHING
    elif rows >= REGRESSION_DROPOUT_ROWS and project.model.template == "mlp":
        # dropout's noise biases a large regression more than it regularizes it
        project.model.layers = [layer for layer in project.model.layers
                                if layer.type != "Dropout"]
