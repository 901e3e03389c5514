"""How each column of a CSV file is read: the project's column settings merged with inference,
and the conversion of pandas columns into the arrays a model takes.

Columns listed in ``project.data.columns`` are read as listed; the others are inferred (see
:func:`infer_columns`). When data is opened for evaluation, the project's listed features are
the model's inputs: a listed feature missing from the file is an error and unlisted columns
are ignored.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from dlstudio.core.data.csv_reading import CsvFile, infer_columns
from dlstudio.core.errors import DataError, name_list, quote_name
from dlstudio.core.project.project import ColumnSpec, DataSpec

TARGET_KINDS = ("categorical", "numeric")
UNUSABLE_FEATURE_KINDS = ("identifier", "constant")


def target_name(data: DataSpec) -> str | None:
    """Return the target column: ``data.target``, else the column listed with role target."""
    listed = next((spec.name for spec in data.columns if spec.role == "target"), None)
    return data.target or listed


def resolve_columns(table: CsvFile, data: DataSpec, evaluation_only: bool = False,
                    warnings: list[str] | None = None,
                    separate_inputs: bool = False) -> list[ColumnSpec]:
    """Return how to read every column of ``table``, in file order.

    Args:
        table: The file as read.
        data: The project's data settings (target, listed columns, text encoding).
        evaluation_only: Read new data for a trained model (see the module description).
        warnings: Where to append notes about columns set aside.
        separate_inputs: The model gives each input group its own stack (``model.inputs``):
            in sequence mode every feature column is kept (the text columns as token ids, the
            others as one vector) instead of the one text column alone.

    Raises:
        DataError: The target is unset or not in the file (unless ``evaluation_only``), a
            listed feature is missing from the file, no feature is left, or sequence mode
            lacks its one text column.
    """
    notes = warnings if warnings is not None else []
    present = list(table.frame.columns)
    target = target_name(data)
    if len(present) == 1 and not evaluation_only:
        raise DataError(f"{table.path}: reads as a single column (no comma, semicolon, tab or "
                        "pipe separates the values of its first line), so there is no feature "
                        "and target to learn from; check that data.path names the CSV file you "
                        "mean")
    _check_target(table, target, evaluation_only or (target is None and _learns_from_inputs(data)))
    _check_listed_present(table, data, target, evaluation_only)
    inferred = {spec.name: spec for spec in infer_columns(table.frame, target)}
    closed = evaluation_only and bool(data.columns)
    specs = []
    for name in present:
        listed = data.column(name)
        if name == target:
            kind = listed.kind if listed and listed.kind in TARGET_KINDS else inferred[name].kind
            specs.append(ColumnSpec(name, "target", kind))
        elif listed is not None:
            specs.append(_listed_spec(listed, notes))
        else:
            spec = inferred[name]
            specs.append(ColumnSpec(name, "ignored", spec.kind) if closed else spec)
    if data.text_encoding == "sequence":
        _keep_one_text(specs, notes, table, separate_inputs)
    if not evaluation_only and not any(spec.role == "feature" for spec in specs):
        raise DataError(f"{table.path}: no column is left to learn from (every column besides "
                        "the target is ignored); set a column's role to feature in data.columns")
    return specs


def _learns_from_inputs(data: DataSpec) -> bool:
    """Whether the project's task needs no target (an autoencoder: a CSV without one trains)."""
    from dlstudio.core.tasks import get_task, task_names

    return data.task in task_names() and not get_task(data.task).needs_targets


def _check_target(table: CsvFile, target: str | None, evaluation_only: bool) -> None:
    if evaluation_only or (target is not None and target in table.frame.columns):
        return
    columns = name_list(table.frame.columns)
    if target is None:
        raise DataError(f"{table.path}: no target column is set; set data.target to the "
                        f"column to predict, one of: {columns}")
    raise DataError(f"{table.path}: target column {quote_name(target)} is not in the file; its "
                    f"columns are: {columns} — set data.target to one of them")


def _check_listed_present(table: CsvFile, data: DataSpec, target: str | None,
                          evaluation_only: bool) -> None:
    needed = [spec.name for spec in data.columns
              if spec.role == "feature" and spec.kind not in UNUSABLE_FEATURE_KINDS]
    missing = [name for name in needed if name not in table.frame.columns and name != target]
    if not missing:
        return
    names = name_list(missing)
    fix = ("add the column (its values may be empty)" if evaluation_only
           else "add the column, or remove it from data.columns")
    raise DataError(f"{table.path}: feature column {names} is not in the file; {fix}; the "
                    f"file's columns are: {name_list(table.frame.columns)}")


def _listed_spec(listed: ColumnSpec, notes: list[str]) -> ColumnSpec:
    if listed.role == "target":
        notes.append(f"column '{listed.name}' is marked as a target, but data.target names "
                     "another column; it is ignored")
        return ColumnSpec(listed.name, "ignored", listed.kind)
    if listed.role == "feature" and listed.kind in UNUSABLE_FEATURE_KINDS:
        notes.append(f"column '{listed.name}' is a feature of kind {listed.kind}, which has "
                     "nothing to learn from; it is ignored — set its kind to numeric or "
                     "categorical to use it")
        return ColumnSpec(listed.name, "ignored", listed.kind)
    return ColumnSpec(listed.name, listed.role, listed.kind)


def _keep_one_text(specs: list[ColumnSpec], notes: list[str], table: CsvFile,
                   separate_inputs: bool = False) -> None:
    """In sequence mode the model reads one text column's token ids and nothing else — unless
    its input groups have their own stacks, which read every text column and the rest too."""
    features = [spec for spec in specs if spec.role == "feature"]
    texts = [spec.name for spec in features if spec.kind == "text"]
    if separate_inputs:
        if not texts:
            raise DataError(f"{table.path}: data.text_encoding 'sequence' reads text columns as "
                            "token ids, but there is no text feature column; mark one as text "
                            "or use 'tfidf'")
        return
    if len(texts) != 1:
        found = name_list(texts) if texts else "none"
        raise DataError(f"{table.path}: data.text_encoding 'sequence' needs exactly one text "
                        f"feature column, found {found}; ignore the others or use 'tfidf'")
    others = [spec for spec in features if spec.kind != "text"]
    for spec in others:
        spec.role = "ignored"
    if others:
        notes.append(f"sequence mode reads only the text column '{texts[0]}'; columns "
                     f"{', '.join(spec.name for spec in others)} are not used (set "
                     "data.text_encoding to 'tfidf' to use them)")


def as_numbers(series: pd.Series) -> tuple[np.ndarray, list[int]]:
    """Return the values as float64 (NaN for missing) and the positions that were not numbers."""
    numbers = pd.to_numeric(series, errors="coerce")
    bad = np.flatnonzero(series.notna().to_numpy() & numbers.isna().to_numpy())
    return numbers.to_numpy(dtype=np.float64, na_value=np.nan), bad.tolist()


def as_strings(series: pd.Series) -> np.ndarray:
    """Return the values as an object array of ``str``: ``""`` for missing, numbers written
    without a needless ``.0`` (so ``3`` reads the same in a column with and without gaps)."""
    return np.array([_text(value) for value in series.tolist()], dtype=object)


def sort_classes(names: set[str] | list[str]) -> list[str]:
    """Return class names sorted: numerically when all are numbers, else alphabetically."""
    try:
        return sorted(names, key=float)
    except ValueError:
        return sorted(names)


def _text(value: object) -> str:
    if pd.isna(value):
        return ""
    if isinstance(value, float | np.floating) and float(value).is_integer() \
            and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, float | np.floating):
        return format(float(value), ".15g")
    return str(value).strip()
