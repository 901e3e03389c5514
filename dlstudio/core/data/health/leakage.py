"""Single-column leakage: a feature that alone predicts the target almost perfectly.

Such a column is often computed from the target or recorded after the outcome; the model then
scores well on this data and fails on real new rows. The check is cheap (NumPy counting, no
model): each feature's values are grouped (numbers with many values into
:data:`QUANTILE_BINS` bins of equal size), then

- classification: the share of rows whose group's most common class is theirs (purity),
  compared with the share of the most common class overall;
- regression: the share of the target's variance the groups explain (η²), or for a number
  the absolute Pearson correlation.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from dlstudio.core.data.health.findings import Finding
from dlstudio.core.data.health.table_columns import ignore_fix
from dlstudio.core.data.health.table_rows import TableRows
from dlstudio.core.project.project import ColumnSpec

MIN_ROWS = 20
QUANTILE_BINS = 20
MIN_GROUP = 5
"""Values seen on fewer rows than this are left out (they would predict their rows trivially);
a column whose values are mostly that rare is not judged."""
PURITY = 0.97
GAIN = 0.9
"""Purity must close this share of the gap between the majority class and perfection."""
CORRELATION = 0.99
EXPLAINED = 0.98


def leakage_findings(rows: TableRows, skip: set[str]) -> list[Finding]:
    """Check every feature column not in ``skip`` (identifiers and constants)."""
    if rows.targets is None or len(rows.frame) < MIN_ROWS:
        return []
    findings = []
    for spec in rows.features:
        if spec.name in skip:
            continue
        score = _score(rows, spec)
        if score is not None:
            findings.append(_finding(spec, *score))
    return findings


def _score(rows: TableRows, spec: ColumnSpec) -> tuple[str, str] | None:
    """Return the evidence (a sentence) and the headline number when the column leaks."""
    series = rows.frame[spec.name]
    if rows.task == "regression":
        return _regression(series, rows.targets.astype(np.float64), spec)
    codes = _groups(series, spec)
    if codes is None:
        return None
    kept = codes >= 0
    classes = rows.targets[kept].astype(np.int64)
    width = int(classes.max()) + 1
    table = np.bincount(codes[kept] * width + classes,
                        minlength=(int(codes.max()) + 1) * width).reshape(-1, width)
    purity = table.max(axis=1).sum() / kept.sum()
    baseline = np.bincount(classes).max() / kept.sum()
    if baseline >= 1.0 or purity < PURITY or (purity - baseline) / (1 - baseline) < GAIN:
        return None
    return (f"its value alone gives the right class for {purity:.1%} of the rows (the most "
            f"common class alone: {baseline:.0%})", f"{purity:.0%}")


def _regression(series: pd.Series, target: np.ndarray,
                spec: ColumnSpec) -> tuple[str, str] | None:
    if spec.kind == "numeric" and pd.api.types.is_numeric_dtype(series):
        values = series.to_numpy(dtype=np.float64)
        present = ~np.isnan(values)
        if present.sum() < MIN_ROWS or np.std(values[present]) == 0 or np.std(target) == 0:
            return None
        correlation = float(np.corrcoef(values[present], target[present])[0, 1])
        if abs(correlation) < CORRELATION:
            return None
        return (f"it follows the target almost exactly (correlation {correlation:.3f})",
                f"r = {correlation:.2f}")
    codes = _groups(series, spec)
    if codes is None:
        return None
    kept = codes >= 0
    values, groups = target[kept], codes[kept]
    total = float(((values - values.mean()) ** 2).sum())
    if total == 0:
        return None
    sums, counts = np.bincount(groups, values), np.bincount(groups)
    means = np.divide(sums, counts, out=np.zeros_like(sums), where=counts > 0)
    explained = 1.0 - float(((values - means[groups]) ** 2).sum()) / total
    if explained < EXPLAINED:
        return None
    return (f"its value alone explains {explained:.1%} of the target's variation",
            f"{explained:.0%}")


def _groups(series: pd.Series, spec: ColumnSpec) -> np.ndarray | None:
    """Return a group number per row (-1: left out), or ``None`` when the column is not
    judged."""
    numeric = spec.kind == "numeric" and pd.api.types.is_numeric_dtype(series)
    if numeric and series.nunique() > QUANTILE_BINS:
        values = series.to_numpy(dtype=np.float64)
        missing = np.isnan(values)
        edges = np.quantile(values[~missing], np.linspace(0, 1, QUANTILE_BINS + 1)[1:-1])
        codes = np.searchsorted(edges, values, side="right")
        codes[missing] = QUANTILE_BINS
        return codes.astype(np.int64)
    codes = pd.factorize(series, use_na_sentinel=False)[0].astype(np.int64)
    common = np.bincount(codes)[codes] >= MIN_GROUP
    if common.mean() < 0.5:
        return None
    return np.where(common, codes, -1)


def _finding(spec: ColumnSpec, evidence: str, headline: str) -> Finding:
    message = (f"Column '{spec.name}': {evidence}. A column this telling is often computed from "
               "the target or recorded after the outcome (leakage): the model then scores well "
               "here and fails on real new data. Fix: if its value will not be known when you "
               "predict, ignore it; if it will be, keep it — it is just a strong feature.")
    return Finding("leaky_column", "critical",
                   f"Column '{spec.name}' alone predicts the target ({headline})", message,
                   columns=(spec.name,), fix=ignore_fix(spec))
