"""What a data source holds and what a model needs to know of it, for editors (no Qt).

:func:`read_source` reads a CSV table (with per-column statistics and guessed columns) or scans
an image folder, independent of the project's settings; :func:`data_info` opens the dataset
through the project's settings for the feature shape, task, classes and split sizes. The GUI's
data session calls both off its thread and caches the results.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from dlstudio.core.data.statistics import ColumnStatistics, column_statistics
from dlstudio.core.project.project import ColumnSpec, Project

if TYPE_CHECKING:
    import pandas as pd

    from dlstudio.core.data.base import Dataset
    from dlstudio.core.data.image_scan import ImageFolderScan


@dataclass
class SourceData:
    """What the data source holds, independent of the project's settings.

    Attributes:
        frame: The CSV table (``None`` for an image folder).
        read_warnings: Warnings from reading the CSV.
        statistics: Per-column statistics of the table.
        inferred: The columns' roles and kinds as guessed from the table (no target).
        scan: The image folder scan (``None`` for a CSV).
    """

    frame: pd.DataFrame | None = None
    read_warnings: list[str] = field(default_factory=list)
    statistics: list[ColumnStatistics] = field(default_factory=list)
    inferred: list[ColumnSpec] = field(default_factory=list)
    scan: ImageFolderScan | None = None


@dataclass(frozen=True)
class DataInfo:
    """What the model needs to know about the data.

    Attributes:
        feature_shape: Shape of one preprocessed sample (the first layer's input).
        task: ``classification`` or ``regression``.
        class_names: The classes, in output order.
        split_sizes: Samples per split.
        warnings: Things worth knowing from opening the dataset.
        input_shapes: Each input group's shape, for projects whose groups have stacks of
            their own (``model.inputs``).
    """

    feature_shape: tuple[int | None, ...]
    task: str
    class_names: tuple[str, ...]
    split_sizes: dict[str, int]
    warnings: tuple[str, ...] = ()
    input_shapes: dict[str, tuple[int | None, ...]] = field(default_factory=dict)


def read_source(kind: str, path: str) -> SourceData:
    """Read a CSV table (with statistics and guessed columns) or scan an image folder.

    Raises:
        DataError: The source cannot be read.
    """
    if kind == "images":
        from dlstudio.core.data.image_scan import scan_image_folder
        from dlstudio.core.errors import DataError

        try:
            return SourceData(scan=scan_image_folder(path))
        except DataError as error:  # images without class folders: an autoencoder's data
            scan = scan_image_folder(path, evaluation_only=True)
            scan.warnings.append(f"a classifier cannot learn from this folder: {error}")
            return SourceData(scan=scan)
    from dlstudio.core.data.csv_reading import infer_columns, read_csv

    frame, warnings = read_csv(path)
    return SourceData(frame=frame, read_warnings=warnings,
                      statistics=column_statistics(frame), inferred=infer_columns(frame))


def data_info(project: Project, dataset: Dataset | None = None) -> DataInfo:
    """Open the project's dataset (unless given opened) and return what the model needs to
    know of it.

    Raises:
        DataError: The data cannot be read through the project's settings.
    """
    from dlstudio.core.data import SPLITS, load_dataset

    dataset = load_dataset(project) if dataset is None else dataset
    return DataInfo(tuple(dataset.feature_shape()), dataset.task, tuple(dataset.class_names),
                    {split: dataset.split_size(split) for split in SPLITS},
                    tuple(dataset.warnings), dict(dataset.input_shapes()))


def image_split_sizes(scan: ImageFolderScan, project: Project) -> dict[str, int]:
    """Images per split as the project's split settings divide the scanned folder."""
    from dlstudio.core.data.statistics import split_counts

    if scan.predefined_split:
        return {split: sum(1 for f in scan.files if f.split == split)
                for split in ("train", "validation", "test")}
    labels = [f.class_name for f in scan.files]
    return split_counts(labels, project.split)
