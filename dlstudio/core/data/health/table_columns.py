"""Checks of a table's feature columns, one at a time: constant columns, identifiers, and
columns that are mostly empty. Each suggests ignoring the column where that is the fix."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from dlstudio.core.data.csv_reading import ID_NAME
from dlstudio.core.data.health.findings import Finding, Fix
from dlstudio.core.data.health.table_rows import TableRows
from dlstudio.core.project.project import ColumnSpec

MIN_ROWS = 10
"""Fewer rows than this are too few to call a column an identifier."""
MISSING_WARNING = 0.5
MISSING_NOTE = 0.2
NEAR_CONSTANT = 0.99
NEAR_CONSTANT_MIN_ROWS = 100
_UUID = re.compile(r"^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?"
                   r"[0-9a-fA-F]{12}$")
UUID_SHARE = 0.9


def ignore_fix(spec: ColumnSpec) -> Fix:
    """The fix that reads a column with role ``ignored``."""
    return Fix(f"Ignore column '{spec.name}'", ignore_columns={spec.name: spec.kind})


def column_findings(rows: TableRows) -> list[Finding]:
    """Run the column checks on every feature column."""
    findings = []
    for spec in rows.features:
        series = rows.frame[spec.name]
        found = constant(spec, series) or identifier(spec, series)
        findings += found or near_constant(spec, series)
        findings += mostly_missing(spec, series)
    return findings


def constant(spec: ColumnSpec, series: pd.Series) -> list[Finding]:
    """A column with one value (or none) on every row."""
    values = series.dropna()
    if values.nunique() > 1:
        return []
    what = f"the value '{values.iloc[0]}'" if len(values) else "no value"
    message = (f"Column '{spec.name}' holds {what} on every row, so it cannot tell rows "
               "apart and only adds an input. Fix: ignore it.")
    return [Finding("constant_column", "warning", f"Column '{spec.name}' is constant", message,
                    columns=(spec.name,), fix=ignore_fix(spec))]


def near_constant(spec: ColumnSpec, series: pd.Series) -> list[Finding]:
    """A column with one value on nearly every row (a note: a rare value may still matter)."""
    if len(series) < NEAR_CONSTANT_MIN_ROWS:
        return []
    counts = series.value_counts(dropna=False)
    share = counts.iloc[0] / len(series)
    if share < NEAR_CONSTANT:
        return []
    message = (f"Column '{spec.name}' holds '{counts.index[0]}' on {share:.1%} of the rows; the "
               "rest are too few to learn much from. Keep it if the rare values matter, else "
               "ignore it.")
    return [Finding("near_constant_column", "note", f"Column '{spec.name}' is nearly constant",
                    message, columns=(spec.name,), fix=ignore_fix(spec))]


def identifier(spec: ColumnSpec, series: pd.Series) -> list[Finding]:
    """A column that names rows rather than describing them: unique whole numbers that grow
    row by row (or under an id-like name), UUIDs, or a category that differs on every row."""
    values = series.dropna()
    if len(values) < MIN_ROWS:
        return []
    reason = _identifier_reason(spec, values, len(series))
    if reason is None:
        return []
    message = (f"Column '{spec.name}' {reason}: it names each row instead of describing it. "
               "A model can only memorise such values; on new rows they mean nothing. Fix: "
               "ignore it.")
    return [Finding("id_column", "warning", f"Column '{spec.name}' looks like an identifier",
                    message, columns=(spec.name,), fix=ignore_fix(spec))]


def _identifier_reason(spec: ColumnSpec, values: pd.Series, rows: int) -> str | None:
    distinct = values.nunique()
    unique = distinct == len(values) == rows
    id_name = bool(ID_NAME.search(spec.name))
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        numbers = values.to_numpy(dtype=float)
        if not unique or not np.all(np.mod(numbers, 1) == 0):
            return None
        if np.all(np.diff(numbers) > 0):
            return "holds whole numbers that differ on every row and grow row by row"
        return "is named like an identifier and differs on every row" if id_name else None
    if distinct >= UUID_SHARE * len(values) and _uuid_share(values.head(200)) >= UUID_SHARE \
            and _uuid_share(values) >= UUID_SHARE:  # the sample first: the regex is slow
        return "holds UUIDs"
    if spec.kind == "text":
        return None
    if unique:
        return "holds a different value on every row"
    if id_name and distinct >= 0.9 * len(values):
        return "is named like an identifier and almost every value is different"
    return None


def _uuid_share(values: pd.Series) -> float:
    return float(values.astype(str).str.match(_UUID).mean())


def mostly_missing(spec: ColumnSpec, series: pd.Series) -> list[Finding]:
    """A column empty on many rows."""
    share = float(series.isna().mean()) if len(series) else 0.0
    if share < MISSING_NOTE or share == 1.0:  # an empty column is reported as constant
        return []
    if share >= MISSING_WARNING:
        message = (f"Column '{spec.name}' is empty on {share:.0%} of the rows. Empty cells are "
                   "filled in (numbers with the median, categories as a value of their "
                   "own), so most of what the model sees there is made up. Fix: ignore "
                   "it, unless being empty means something.")
        return [Finding("missing_values", "warning",
                        f"Column '{spec.name}' is mostly empty ({share:.0%})", message,
                        columns=(spec.name,), fix=ignore_fix(spec))]
    message = (f"Column '{spec.name}' is empty on {share:.0%} of the rows; they are filled in "
               "(numbers with the median, categories as a value of their own). Fine if "
               "being empty is random; if the data can be completed, complete it.")
    return [Finding("missing_values", "note", f"Column '{spec.name}' is {share:.0%} empty",
                    message, columns=(spec.name,))]
