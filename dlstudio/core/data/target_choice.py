"""Which column of a table is most likely the one to predict, and why (no Qt).

:func:`rank_targets` orders every column of a CSV file, best guess first: by its name (``target``,
``label``, ``class``, ``y``, ``outcome``, ``species``, …), then by its kind (a category or a
number can be predicted; an identifier, a constant or free text hardly), then by its place
(the last column is a common convention). ``dlstudio init`` takes the first; the GUI asks the
person, with the first one suggested and the reason shown. :func:`column_problems` says, per
column, what stops a table from training (no target, every column ignored), so the data view
can mark it on the column.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from dlstudio.core.project.project import ColumnSpec

# Whole names (after lowercasing and dropping punctuation) that usually mark the target,
# strongest first.
TARGET_NAMES = ("target", "label", "labels", "class", "y", "outcome", "species", "category",
                "result", "response", "diagnosis", "churn", "survived", "default", "price",
                "quality", "grade", "score", "type", "variety", "output", "dependent")
# Words inside a longer name (``is_fraud``, ``target_class``) that hint at a target.
TARGET_WORDS = ("target", "label", "class", "outcome", "species", "churn", "fraud", "survived",
                "diagnosis", "default", "price")
# Names that usually mark when or which row, rarely what to predict.
UNLIKELY_WORDS = ("id", "index", "year", "date", "time", "timestamp", "month", "day", "name")
UNLIKELY_KINDS = ("identifier", "constant")


@dataclass(frozen=True)
class TargetCandidate:
    """One column as a possible target.

    Attributes:
        name: The column.
        kind: How the column is read (``numeric``, ``categorical``, ``text``, ``identifier``…).
        score: Higher is likelier.
        reason: Why, in a few words (``named like a target``, ``an identifier``).
    """

    name: str
    kind: str
    score: float
    reason: str

    @property
    def usable(self) -> bool:
        """Whether the column can be predicted as it is read (not an identifier or constant)."""
        return self.kind not in UNLIKELY_KINDS


def rank_targets(columns: list[ColumnSpec]) -> list[TargetCandidate]:
    """Return every column as a target candidate, likeliest first.

    Args:
        columns: The columns as inferred (see
            :func:`dlstudio.core.data.csv_reading.infer_columns`), in file order.
    """
    count = len(columns)
    categorical = [c.name for c in columns if c.kind == "categorical"]
    lone = categorical[0] if len(categorical) == 1 and count > 2 else None
    candidates = []
    for position, column in enumerate(columns):
        by_name, why = _name_score(column.name)
        by_kind, kind_words = _kind_score(column.kind)
        if column.name == lone:  # one category among numbers: most likely the classes
            by_kind, kind_words = by_kind + 1.5, "the only category among numbers"
        reason = why or kind_words
        if not why and position == count - 1 and by_kind > 0:
            reason = f"{kind_words}; the last column"
        score = by_name + by_kind + position / max(count - 1, 1)
        candidates.append(TargetCandidate(column.name, column.kind, score, reason))
    return sorted(candidates, key=lambda candidate: -candidate.score)


def suggested_target(columns: list[ColumnSpec]) -> str | None:
    """The best usable candidate, or ``None`` when every column is an identifier or constant."""
    return next((c.name for c in rank_targets(columns) if c.usable), None)


def _name_score(name: str) -> tuple[float, str]:
    plain = re.sub(r"[^a-z0-9]+", " ", str(name).lower()).strip()
    if plain.replace(" ", "") in TARGET_NAMES or plain in TARGET_NAMES:
        rank = TARGET_NAMES.index(plain if plain in TARGET_NAMES else plain.replace(" ", ""))
        return 20.0 - rank * 0.2, "named like a target"
    words = plain.split()
    if any(word in TARGET_WORDS for word in words):
        return 10.0, "named like a target"
    if any(word in UNLIKELY_WORDS for word in words):
        return -2.0, "named like a date or a row's name"
    return 0.0, ""


def _kind_score(kind: str) -> tuple[float, str]:
    if kind == "categorical":
        return 1.5, "a category"
    if kind == "numeric":
        return 1.0, "a number"
    if kind == "text":
        return -5.0, "free text"
    return -30.0, _article(kind)


def column_problems(columns: list[ColumnSpec]) -> dict[str, str]:
    """What stops these columns from training, per column name, in words for the data view.

    Args:
        columns: Every column with the role and kind it is read with.

    Returns:
        ``{column: problem}``; the key ``""`` holds a problem of no one column (no target).
    """
    problems: dict[str, str] = {}
    target = next((column for column in columns if column.role == "target"), None)
    if target is None:
        problems[""] = "No column is the target yet: choose the column to predict."
    elif target.kind in UNLIKELY_KINDS:
        problems[target.name] = (f"The column {target.name} is read as {_article(target.kind)} "
                                 "and cannot be predicted as it is: set its kind to "
                                 "categorical or numeric, or choose another target.")
    if not any(column.role == "feature" for column in columns):
        for column in columns:
            if column.role == "ignored":
                problems[column.name] = (
                    f"The column {column.name} is read as {_article(column.kind)} and ignored, "
                    "so nothing is left to learn from. If it holds values (a year, a "
                    "measurement), set its role to feature and its kind to numeric.")
    return problems


def _article(kind: str) -> str:
    return f"{'an' if kind[:1] in 'aeiou' else 'a'} {kind}"
