"""Data health: what in the data will make training worse or its scores misleading.

:func:`check_health` opens a project's data (or takes it opened) and runs every check that
fits its kind; the result is one :class:`HealthReport` of :class:`Finding`\\ s that the data
view, ``dlstudio info`` and ``dlstudio info --json`` all show. Checks, one module per family:

- ``table_rows``: exact and near duplicate rows (numbers rounded, text folded), the same
  features with a different target, rows shared between the training split and the
  validation or test split;
- ``table_columns``: constant and nearly constant columns, identifiers, mostly empty columns;
- ``leakage``: a column that alone predicts the target almost perfectly;
- ``image_files``: unreadable files, copies by content hash (also across classes and splits),
  near copies (small thumbnails), tiny images, squashed shapes, unusual sizes, grayscale and
  transparency;
- ``classes`` (tables and images): imbalance, classes with very few samples, class names that
  differ only in case or spacing.

The checks never change data files; a fix (:class:`Fix`) changes the project.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

import numpy as np

from dlstudio.core.data.base import SPLITS
from dlstudio.core.data.health.findings import (
    SEVERITIES,
    Finding,
    Fix,
    HealthReport,
    apply_fix,
    fix_applied,
    fix_edits,
)

if TYPE_CHECKING:
    from dlstudio.core.data.base import Dataset
    from dlstudio.core.data.health.image_files import ImageFacts
    from dlstudio.core.data.image_scan import ImageFolderScan
    from dlstudio.core.data.images import ImageDataset
    from dlstudio.core.data.tabular import TabularDataset
    from dlstudio.core.project.project import Project

__all__ = ["SEVERITIES", "Finding", "Fix", "HealthReport", "apply_fix", "check_health",
           "fix_applied", "fix_edits", "image_health", "table_health"]

TABLE_CHECKS = ("duplicate_rows", "near_duplicate_rows", "conflicting_targets",
                "shared_between_splits", "constant_column", "near_constant_column", "id_column",
                "missing_values", "leaky_column", "class_imbalance", "few_samples",
                "look_alike_classes")
IMAGE_CHECKS = ("unreadable_images", "duplicate_images", "conflicting_images",
                "near_duplicate_images", "shared_between_splits", "tiny_images",
                "odd_image_sizes", "odd_image_shapes", "colour_mode",
                "class_imbalance", "few_samples", "look_alike_classes")


def check_health(project: Project, dataset: Dataset | None = None) -> HealthReport:
    """Run every check that fits the project's data.

    A table read as a time series (``data.series``) gets an empty report for now: its rows
    are windows in time order, which the row checks do not model.

    Args:
        project: The project (its data, split and image settings).
        dataset: The project's data already opened with :func:`load_dataset` (opened here
            when ``None``).

    Raises:
        DataError: The data cannot be opened through the project's settings.
    """
    if project.data.series is not None:
        return HealthReport()  # a series is split in time order: these checks assume rows
    if dataset is None:
        from dlstudio.core.data import load_dataset

        dataset = load_dataset(project)
    from dlstudio.core.data.images import ImageDataset
    from dlstudio.core.data.tabular import TabularDataset

    if isinstance(dataset, TabularDataset):
        return table_health(dataset)
    if isinstance(dataset, ImageDataset):
        return image_health(dataset.scan, project, dataset=dataset)
    return HealthReport()  # a kind of data with no checks yet


def table_health(dataset: TabularDataset) -> HealthReport:
    """Check an opened CSV table (every split, the rows with a target)."""
    from dlstudio.core.data.health.classes import class_findings
    from dlstudio.core.data.health.leakage import leakage_findings
    from dlstudio.core.data.health.table_columns import column_findings
    from dlstudio.core.data.health.table_rows import TableRows, row_findings

    started = time.perf_counter()
    rows = TableRows.of(dataset)
    columns = column_findings(rows)
    identifiers = {finding.columns[0] for finding in columns
                   if finding.check in ("id_column", "constant_column")}
    findings = [*row_findings(rows, identifiers), *columns,
                *leakage_findings(rows, identifiers)]
    if rows.task == "classification" and rows.targets is not None:
        counts = np.bincount(rows.targets.astype(np.int64), minlength=len(rows.class_names))
        findings += class_findings(dict(zip(rows.class_names, counts.tolist(), strict=True)))
    return HealthReport(findings, list(TABLE_CHECKS), time.perf_counter() - started)


def image_health(scan: ImageFolderScan, project: Project, *,
                 facts: dict[str, ImageFacts] | None = None,
                 dataset: ImageDataset | None = None) -> HealthReport:
    """Check an image folder as the project splits it.

    Args:
        scan: The folder scan.
        project: Its split and image settings.
        facts: The images' hashes, sizes and modes when already read
            (:func:`~dlstudio.core.data.health.image_files.read_image_facts`: the GUI keeps
            them while only settings change).
        dataset: The folder opened as a dataset, whose split is used (else split here).
    """
    from dlstudio.core.data.health.classes import class_findings
    from dlstudio.core.data.health.image_files import image_findings, read_image_facts
    from dlstudio.core.data.images import split_files

    started = time.perf_counter()
    if dataset is not None:
        splits = {split: dataset.sample_ids(split) for split in SPLITS}
    else:
        splits = {split: [f.path for f in files]
                  for split, files in split_files(project, scan).items()}
    facts = read_image_facts(scan) if facts is None else facts
    data = project.data
    findings = image_findings(scan, splits, facts, tuple(data.image_size), data.color_mode)
    if scan.class_names:
        findings += class_findings(scan.class_counts(), "image")
    return HealthReport(findings, list(IMAGE_CHECKS), time.perf_counter() - started)
