"""Which inputs of one row were empty, and what the model puts in their place (no Qt).

A model made by dlstudio takes raw column values and fills gaps itself: a number with the
training split's median (the ``impute_numeric`` layer), a category as the category of
missing values (or as an unseen one when training had none), a text as no words. A cell is
empty by the CSV reader's rules (:func:`~dlstudio.core.data.csv_reading.is_missing_cell`):
blank, or a missing marker such as ``NA``, ``?``, ``n/a``, ``-`` or ``null``. "Try it"
shows this next to a prediction, so a confident answer for a mostly empty row is not taken at
face value.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from dlstudio.core.data.csv_reading import is_missing_cell
from dlstudio.core.project.project import ColumnSpec

_CATEGORY_FILLS = {
    True: "the category for missing values, learned from the training data's own gaps",
    False: "the slot for unseen categories (the training data had no missing values in "
           "this column, so the model never learned what a gap means)",
    None: "the category for missing values (or the slot for unseen categories when the "
          "training data had no gaps)",
}


@dataclass(frozen=True)
class FilledInput:
    """One empty input and how the model fills it.

    Attributes:
        name: The column.
        how: In words (``the training median, 5.1``).
    """

    name: str
    how: str


def is_empty_input(column: ColumnSpec, text: object,
                   categories: Collection[str] = ()) -> bool:
    """Whether ``text`` typed for ``column`` counts as missing: blank or a missing marker
    (the CSV reader's :func:`~dlstudio.core.data.csv_reading.is_missing_cell`), unless it is
    one of the column's learned ``categories``."""
    return column.role == "feature" and is_missing_cell(text, categories)


def filled_inputs(columns: Sequence[ColumnSpec], values: Mapping[str, str],
                  medians: Sequence[float] | None = None,
                  vocabularies: Mapping[str, Sequence[str]] | None = None,
                  ) -> list[FilledInput]:
    """Return the feature columns that ``values`` leaves empty, each with how it is filled.

    Args:
        columns: The run's columns as it read them (the snapshot's ``data.columns``).
        values: The row, column name → text as typed; blank cells and missing markers
            (``NA``, ``?``, …, by :func:`is_empty_input`) are empty.
        medians: The model's fill values for its numeric features, in column order (from its
            ``impute_numeric`` layer), when known.
        vocabularies: The categories the model learned for each categorical column (``""``
            among them when the training data had missing values there), when known.
    """
    vocabularies = vocabularies or {}
    numeric = [c.name for c in columns if c.role == "feature" and c.kind == "numeric"]
    fills = dict(zip(numeric, medians, strict=True)) \
        if medians is not None and len(medians) == len(numeric) else {}
    filled = []
    for column in columns:
        learned = vocabularies.get(column.name)
        if not is_empty_input(column, values.get(column.name), learned or ()):
            continue
        if column.kind == "numeric":
            value = fills.get(column.name)
            how = "the training median" + (f", {value:.4g}" if value is not None else "")
        elif column.kind == "categorical":
            how = _CATEGORY_FILLS[None if learned is None else "" in learned]
        elif column.kind == "text":
            how = "no words"
        else:
            continue  # identifiers and constants are not read
        filled.append(FilledInput(column.name, how))
    return filled


def describe_filled(filled: Sequence[FilledInput], total: int) -> str:
    """One sentence for a person: which inputs were empty and how they were filled."""
    if not filled:
        return ""
    parts = "; ".join(f"{item.name} → {item.how}" for item in filled)
    return (f"{len(filled)} of {total} inputs were empty and were filled in: {parts}. "
            "The prediction and its confidence assume these values.")
