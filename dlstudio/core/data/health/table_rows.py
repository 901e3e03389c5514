"""A CSV table's rows as the health checks see them, and the checks of whole rows: exact
duplicates, the same features with different targets, and rows shared between splits."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from dlstudio.core.data.base import SPLITS
from dlstudio.core.data.health.findings import MAX_ITEMS, Finding, Fix, count_words, listing
from dlstudio.core.project.project import ColumnSpec

if TYPE_CHECKING:
    from dlstudio.core.data.tabular import TabularDataset

NATURAL_REPEATS = 0.5
"""When the features take fewer distinct combinations than this share of the rows, repeats
are how the data is (few categories, coarse numbers), not a copying mistake."""
NEAR_DIGITS = 6
"""Numbers equal in this many significant digits count as the same for near repeats (float
noise and formatting, not chance: at 3 digits, 0.3% of 100,000 random rows matched)."""
LEAKED_SHARE = 0.01
LEAVE_OUT_REPEATS = Fix("Leave out repeated rows", {"data.drop_duplicates": True})
"""Reading leaves out rows that repeat an earlier row; the file stays as it is."""
"""A held-out split with at least this share of its rows also in training is critical."""


@dataclass
class TableRows:
    """The rows a table's model would see: rows with a target, in file order.

    Attributes:
        frame: The kept rows (index ``0..n-1``).
        features: The feature columns as read.
        target: The target column (``None`` without one).
        task: ``classification`` or ``regression``.
        targets: Class index or value per row (``None`` without a target).
        class_names: The classes, in index order.
        split: Per row, the index of its split in :data:`SPLITS`.
        split_files: Split name to the separate file that gives it.
    """

    frame: pd.DataFrame
    features: list[ColumnSpec]
    target: str | None
    task: str
    targets: np.ndarray | None
    class_names: list[str]
    split: np.ndarray
    split_files: dict[str, str] = field(default_factory=dict)
    _names: np.ndarray | None = None
    _row_hashes: dict[frozenset[str], np.ndarray] = field(default_factory=dict)
    _dataset: TabularDataset | None = None

    @classmethod
    def of(cls, dataset: TabularDataset) -> TableRows:
        """The rows of an opened table, split as the project splits them."""
        frame = dataset.table.frame.iloc[dataset.kept_rows].reset_index(drop=True)
        split = np.zeros(len(frame), dtype=np.int8)
        targets = None
        if dataset.has_targets:
            first = dataset.targets(SPLITS[0])
            targets = np.zeros(len(frame), dtype=first.dtype)
        for position, name in enumerate(SPLITS):
            rows = dataset.splits[name]
            split[rows] = position
            if targets is not None:
                targets[rows] = dataset.targets(name)
        return cls(frame, list(dataset.features), dataset.target, dataset.task, targets,
                   list(dataset.class_names), split, dict(dataset.split_paths),
                   _dataset=dataset)

    def names(self, rows: np.ndarray) -> list[str]:
        """Return how reports name the given rows (``row 17``, ``test.csv row 3``)."""
        if self._names is None:
            names = np.empty(len(self.frame), dtype=object)
            if self._dataset is not None:
                for name in SPLITS:
                    names[self._dataset.splits[name]] = self._dataset.sample_ids(name)
            else:
                names[:] = [f"row {number}" for number in range(1, len(self.frame) + 1)]
            self._names = names
        return [str(name) for name in self._names[np.asarray(rows)[:MAX_ITEMS]]]

    def feature_hashes(self, skip: set[str]) -> np.ndarray:
        """Return one 64-bit hash per row of its feature values (``skip`` left out)."""
        return _hashes(self.frame, [spec.name for spec in self.features
                                    if spec.name not in skip])

    def row_hashes(self, skip: set[str]) -> np.ndarray:
        """Return one 64-bit hash per row of its feature and target values (kept: three
        checks ask)."""
        key = frozenset(skip)
        if key not in self._row_hashes:
            names = [spec.name for spec in self.features if spec.name not in skip]
            self._row_hashes[key] = _hashes(self.frame,
                                            names + ([self.target] if self.target else []))
        return self._row_hashes[key]


def _hashes(frame: pd.DataFrame, names: list[str]) -> np.ndarray:
    if not names:
        return np.zeros(len(frame), dtype=np.uint64)
    return pd.util.hash_pandas_object(frame[names], index=False).to_numpy()


def row_findings(rows: TableRows, skip: set[str]) -> list[Finding]:
    """Run the row checks, comparing rows without the columns in ``skip`` (identifiers:
    copies of a row often get a new id)."""
    if not [spec for spec in rows.features if spec.name not in skip] or len(rows.frame) < 2:
        return []
    features = rows.feature_hashes(skip)
    natural = len(np.unique(features)) < NATURAL_REPEATS * len(features)
    return [*duplicate_rows(rows, skip, natural), *near_duplicate_rows(rows, skip),
            *conflicting_targets(rows, features),
            *shared_between_splits(rows, features, natural, skip)]


def duplicate_rows(rows: TableRows, skip: set[str], natural: bool) -> list[Finding]:
    """Rows equal to an earlier row in every feature and the target."""
    hashes = pd.Series(rows.row_hashes(skip))
    repeats = np.flatnonzero(hashes.duplicated(keep="first").to_numpy())
    if not len(repeats):
        return []
    first = hashes.drop_duplicates(keep="first")
    first_of = pd.Series(first.index, index=first.to_numpy())
    originals = first_of.loc[hashes.iloc[repeats[:3]].to_numpy()].to_numpy()
    pairs = [f"{later} repeats {earlier}" for later, earlier in
             zip(rows.names(repeats[:3]), rows.names(originals), strict=True)]
    share = len(repeats) / len(hashes)
    why = ("The features take few distinct values, so some repeats are expected; "
           if natural else "")
    fix = ("" if natural else " or leave them out when reading (the file stays as it is)")
    message = (f"{count_words(len(repeats), 'row')} ({share:.1%}) exactly repeat an earlier row "
               f"({listing(pairs, 3)}). {why}Repeated rows weigh more in training, and a "
               "copy that lands in the test split is scored as if it were new. Fix: remove "
               f"the copies from the file if they are not separate, real samples{fix}.")
    severity = "note" if natural or share < 0.01 else "warning"
    return [Finding("duplicate_rows", severity,
                    f"{count_words(len(repeats), 'row')} repeat another row exactly", message,
                    items=tuple(rows.names(repeats)), count=len(repeats),
                    fix=None if natural else LEAVE_OUT_REPEATS)]


def near_duplicate_rows(rows: TableRows, skip: set[str]) -> list[Finding]:
    """Rows that equal an earlier row once numbers are rounded to
    :data:`NEAR_DIGITS` significant digits and text is compared without case or extra
    spaces, but are not exact repeats (the same sample typed or exported twice)."""
    names = [spec.name for spec in rows.features if spec.name not in skip]
    names += [rows.target] if rows.target else []
    near = pd.Series(pd.util.hash_pandas_object(
        pd.DataFrame({name: _coarse(rows.frame[name]) for name in names}), index=False)
        .to_numpy())
    if near.nunique() < NATURAL_REPEATS * len(near):
        return []  # coarse values repeat by nature
    exact = pd.Series(rows.row_hashes(skip))
    later = np.flatnonzero((near.duplicated(keep="first") & ~exact.duplicated(keep="first"))
                           .to_numpy())
    if not len(later):
        return []
    first = near.drop_duplicates(keep="first")
    originals = pd.Series(first.index, index=first.to_numpy()).loc[
        near.iloc[later[:2]].to_numpy()].to_numpy()
    pairs = [f"{one} ≈ {other}" for one, other in
             zip(rows.names(originals), rows.names(later[:2]), strict=True)]
    message = (f"{count_words(len(later), 'row')} equal an earlier row once numbers are "
               f"rounded to {NEAR_DIGITS} significant digits and text is compared without case "
               f"or extra spaces ({listing(pairs, 2)}): likely the same sample recorded twice. "
               "Fix: check them and remove the copies from the file if they are.")
    return [Finding("near_duplicate_rows", "note",
                    f"{count_words(len(later), 'row')} nearly repeat another row", message,
                    items=tuple(rows.names(later)), count=len(later))]


def _coarse(series: pd.Series) -> pd.Series:
    """Numbers rounded to :data:`NEAR_DIGITS` significant digits; text folded in case and
    spacing."""
    if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
        values = series.to_numpy(dtype=np.float64)
        with np.errstate(divide="ignore", invalid="ignore"):
            scale = 10.0 ** (np.floor(np.log10(np.abs(values))) - (NEAR_DIGITS - 1))
            rounded = np.where(values == 0, 0.0, np.round(values / scale) * scale)
        return pd.Series(rounded)
    codes, values = pd.factorize(series)  # fold each distinct value once
    folded = pd.Series(values).astype(str).str.casefold().str.replace(r"\s+", " ", regex=True)
    same = pd.factorize(folded.str.strip())[0]
    return pd.Series(np.where(codes < 0, -1, same[codes]))


def conflicting_targets(rows: TableRows, features: np.ndarray) -> list[Finding]:
    """Rows whose features equal another row's while the target differs."""
    if rows.targets is None:
        return []
    table = pd.DataFrame({"features": features, "target": rows.targets})
    targets_per_features = table.groupby("features")["target"].nunique()
    clashing = targets_per_features.index[targets_per_features.to_numpy() > 1]
    if not len(clashing):
        return []
    members = np.flatnonzero(table["features"].isin(clashing).to_numpy())
    message = (f"{count_words(len(members), 'row')} share every feature value with another row "
               f"whose target differs (such as {listing(rows.names(members), 2)}); the model "
               "cannot tell them apart, so some must be wrong whatever it learns. Fix: check "
               "those labels, or add a column that tells the cases apart.")
    return [Finding("conflicting_targets", "warning",
                    f"{count_words(len(members), 'row')} with the same features but a "
                    "different target", message, items=tuple(rows.names(members)),
                    count=len(members))]


def shared_between_splits(rows: TableRows, features: np.ndarray, natural: bool,
                          skip: set[str]) -> list[Finding]:
    """Validation and test rows whose features also appear in a training row (leakage)."""
    in_training = np.isin(features, features[rows.split == 0])
    held_out = rows.split > 0
    leaked = np.flatnonzero(held_out & in_training)
    if not len(leaked):
        return []
    whole = rows.row_hashes(skip)
    copies = int(np.isin(whole[leaked], whole[rows.split == 0]).sum())
    parts, worst = [], 0.0
    for position, split in enumerate(SPLITS[1:], start=1):
        size = int((rows.split == position).sum())
        count = int((rows.split[leaked] == position).sum())
        if count:
            parts.append((split, count, size))
            worst = max(worst, count / size)
    severity = "note" if natural else ("critical" if worst >= LEAKED_SHARE else "warning")
    files = [rows.split_files[split] for split, _count, _size in parts
             if split in rows.split_files]
    where = (f"remove them from {' and '.join(files)} or from the main file" if files else
             "remove the copies from the file (keep one of each), so every row lands in one "
             "split only")
    fix = None if natural or not copies else LEAVE_OUT_REPEATS
    if fix is not None:
        where += (", or leave out repeated rows when reading (the file stays as it is"
                  f"{'' if copies == len(leaked) else f'; it removes the {copies} exact copies'})")
    expected = (" The features take few distinct values, so some of this is expected."
                if natural else "")
    splits = ", ".join(f"{split}: {count} of {size}" for split, count, size in parts)
    scores = " and ".join(split for split, _count, _size in parts)
    message = (f"{count_words(len(leaked), 'held-out row')} ({splits}) also appear in the "
               f"training split with the same features (such as "
               f"{listing(rows.names(leaked), 2)}): the model has seen them, so the {scores} "
               f"score{'s overstate' if len(parts) > 1 else ' overstates'} how it does on new "
               f"data.{expected} Fix: {where}.")
    title = " and ".join(split for split, _count, _size in parts)
    return [Finding("shared_between_splits", severity,
                    f"{count_words(len(leaked), title + ' row')} also in training",
                    message, items=tuple(rows.names(leaked)), count=len(leaked), fix=fix)]
