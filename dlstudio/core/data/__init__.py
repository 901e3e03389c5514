"""Data sources: CSV tables and image folders, read through a project's data settings.

:func:`load_dataset` is the one entry point; it returns a :class:`Dataset` whatever the source,
so the builder, training, evaluation and export never branch on the kind of data.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from dlstudio.core.data.base import SPLITS, Dataset
from dlstudio.core.errors import DataError

if TYPE_CHECKING:
    from dlstudio.core.project.project import Project

__all__ = ["SPLITS", "Dataset", "load_dataset", "load_images", "load_rows"]


def load_dataset(
    project: Project,
    *,
    path: Path | None = None,
    class_names: list[str] | None = None,
    evaluation_only: bool = False,
) -> Dataset:
    """Read the project's data source (or another file read the same way).

    Args:
        project: The project; its ``data`` settings say how to read the source.
        path: Read this CSV file or image folder instead of the project's own source,
            through the same column settings (for evaluating or predicting on new data).
        class_names: The class order the model was trained with; required with ``path`` for
            classification so that class indices match the model.
        evaluation_only: Put every row or image into the ``test`` split (no split, no
            adaptation); the target may then be absent (``Dataset.has_targets`` is False).

    The project's own CSV source also reads ``data.test_path`` and ``data.validation_path``
    when set: their rows are that split, and the main file is divided among the others.

    Raises:
        DataError: The source cannot be used; the message names the file and the fix.
    """
    kind = project.data.kind
    source = Path(path) if path is not None else project.data_path()
    if project.data.series is not None:
        from dlstudio.core.data.series import SeriesDataset

        if project.split_file_paths() and path is None:
            raise DataError("a time series is split in time order within its file; remove "
                            "data.test_path and data.validation_path, or evaluate on another "
                            "file with --data")
        return SeriesDataset.open(project, source, evaluation_only=evaluation_only)
    options = {"class_names": class_names, "evaluation_only": evaluation_only}
    if kind == "csv":
        from dlstudio.core.data.tabular import TabularDataset

        split_files = project.split_file_paths() if path is None and not evaluation_only else {}
        return TabularDataset.open(project, source, split_files=split_files, **options)
    from dlstudio.core.data.images import ImageDataset

    return ImageDataset.open(project, source, **options)


def load_rows(project: Project, rows: Sequence[Mapping[str, str]],
              class_names: list[str] | None = None) -> Dataset:
    """Rows held in memory (column name → text), read as rows of the project's CSV would be.

    Every row goes into the ``test`` split, as with ``evaluation_only``; the target may be
    absent. Nothing is written to disk.

    Raises:
        DataError: The project does not read a table, or the rows cannot be read as asked.
    """
    from dlstudio.core.data.csv_reading import rows_as_csv
    from dlstudio.core.data.tabular import TabularDataset

    if project.data.kind != "csv":
        raise DataError(f"this project reads {project.data.kind}, not table rows; give an image")
    if project.data.series is not None:
        raise DataError("a forecasting project forecasts from a series, not from single rows; "
                        "use `dlstudio predict RUN --data series.csv`")
    return TabularDataset.from_table(project, rows_as_csv(rows), class_names,
                                     evaluation_only=True)


def load_images(project: Project, paths: Sequence[Path],
                class_names: list[str] | None = None) -> Dataset:
    """Image files read as the project's image folder would be, all in ``test``, no targets.

    Raises:
        DataError: The project does not read images, or a file is not a usable image.
    """
    from dlstudio.core.data.images import ImageDataset

    if project.data.kind != "images":
        raise DataError(f"this project reads {project.data.kind} tables, not images; give a row")
    return ImageDataset.of_files(project, list(paths), class_names)
