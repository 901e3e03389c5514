"""Compare new data with a run's reference statistics: a verdict per column and overall.

Numbers: the population stability index (PSI) over the reference deciles and a
Kolmogorov–Smirnov test against the reference percentiles. Categories: PSI and a chi-square
test over the reference categories, categories never seen in training, and the change of the
missing rate. Images: PSI of each channel's pixel histogram and of the model's penultimate
layer projected on the reference's principal components. The tests are NumPy arithmetic
(asymptotic p-values), so nothing beyond NumPy is needed.

Verdicts: ``ok``, ``warning`` (worth a look) or ``drift``; the whole data drifted when any
column did (:attr:`DriftReport.drifted`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from dlstudio.core.monitoring import reference as ref

PSI_WARNING, PSI_DRIFT = 0.1, 0.25
P_VALUE = 0.01
KS_DRIFT = 0.1
MISSING_WARNING, MISSING_DRIFT = 0.05, 0.1
NEW_CATEGORY_DRIFT = 0.01  # share of rows in unseen categories that counts as drift
MIN_ROWS = 20  # fewer rows say too little to judge (predict and serve stay quiet)
EPSILON = 1e-4
DISPLAY_EXTRA_BINS = 40  # bins added either side of the reference's for new values


@dataclass
class ColumnDrift:
    """How one column (or image channel, or embedding) compares with the reference.

    Attributes:
        name: The column, ``pixels (channel N)`` or ``embedding``.
        kind: ``numeric``, ``categorical``, ``text``, ``pixels`` or ``embedding``.
        psi: Population stability index (0 = same distribution).
        test: ``KS`` or ``chi-square`` (empty when not computed).
        statistic: The test statistic.
        p_value: Its asymptotic p-value.
        missing_reference: Missing rate in the reference.
        missing_new: Missing rate in the new data.
        new_categories: Categories never seen in training, with their share of rows.
        verdict: ``ok``, ``warning`` or ``drift``.
        reasons: Why the verdict, in words.
        histogram: ``edges``, ``reference`` and ``new`` shares for plots.
    """

    name: str
    kind: str
    psi: float = 0.0
    test: str = ""
    statistic: float = 0.0
    p_value: float = 1.0
    missing_reference: float = 0.0
    missing_new: float = 0.0
    new_categories: dict[str, float] = field(default_factory=dict)
    verdict: str = "ok"
    reasons: list[str] = field(default_factory=list)
    histogram: dict[str, list[Any]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """The comparison as a JSON-ready dict."""
        return dict(self.__dict__)


@dataclass
class DriftReport:
    """The comparison of new data with a run's reference.

    Attributes:
        columns: One entry per column, sorted by PSI (most drifted first).
        rows: Rows or images in the new data.
        note: Said about the reference (computed on the fly for old runs), or empty.
    """

    columns: list[ColumnDrift]
    rows: int
    note: str = ""

    @property
    def drifted(self) -> bool:
        """Whether any column drifted."""
        return any(column.verdict == "drift" for column in self.columns)

    @property
    def drifted_names(self) -> list[str]:
        """The names of the drifted columns."""
        return [column.name for column in self.columns if column.verdict == "drift"]

    def as_dict(self) -> dict[str, Any]:
        """The report as a JSON-ready dict."""
        return {"drifted": self.drifted, "rows": self.rows, "note": self.note,
                "columns": [column.as_dict() for column in self.columns]}


def psi(reference: np.ndarray, new: np.ndarray) -> float:
    """Population stability index between two vectors of shares over the same bins."""
    p = np.clip(np.asarray(reference, np.float64), EPSILON, None)
    q = np.clip(np.asarray(new, np.float64), EPSILON, None)
    return float(np.sum((q - p) * np.log(q / p)))


def ks_against_percentiles(percentiles: list[float], values: np.ndarray,
                           reference_rows: int) -> tuple[float, float]:
    """Two-sample KS statistic and asymptotic p-value, the reference given by its percentiles."""
    points = np.sort(np.asarray(values, np.float64))
    grid = np.asarray(percentiles, np.float64)
    levels = np.linspace(0.0, 1.0, grid.size)
    unique_grid, first = np.unique(grid, return_index=True)
    last = np.searchsorted(grid, unique_grid, side="right") - 1
    values_at = np.unique(points)  # ties are judged once, at each distinct value
    below = np.interp(values_at, unique_grid, levels[first], left=0.0, right=1.0)
    at = np.interp(values_at, unique_grid, levels[last], left=0.0, right=1.0)
    count = points.size
    new_at = np.searchsorted(points, values_at, side="right") / count
    new_below = np.searchsorted(points, values_at, side="left") / count
    statistic = float(max(np.max(np.abs(new_at - at)), np.max(np.abs(new_below - below))))
    effective = count * reference_rows / (count + reference_rows)
    return statistic, kolmogorov_p(statistic, effective)


def kolmogorov_p(statistic: float, effective_rows: float) -> float:
    """The asymptotic Kolmogorov distribution's tail (Numerical Recipes' ``probks``)."""
    root = math.sqrt(max(effective_rows, 1.0))
    lam = (root + 0.12 + 0.11 / root) * statistic
    if lam < 1e-3:
        return 1.0
    total = sum(2 * (-1) ** (j - 1) * math.exp(-2 * j * j * lam * lam) for j in range(1, 101))
    return float(min(1.0, max(0.0, total)))


def chi_square_p(statistic: float, dof: int) -> float:
    """Chi-square tail probability (Wilson–Hilferty approximation)."""
    if dof <= 0:
        return 1.0
    z = ((statistic / dof) ** (1 / 3) - (1 - 2 / (9 * dof))) / math.sqrt(2 / (9 * dof))
    return 0.5 * math.erfc(z / math.sqrt(2))


def compare_numeric(name: str, reference: dict[str, Any], values: np.ndarray,
                    kind: str = "numeric") -> ColumnDrift:
    """Compare numbers (NaN = missing) with a column's reference statistics."""
    values = np.asarray(values, np.float64).reshape(-1)
    present = values[np.isfinite(values)]
    result = ColumnDrift(name, kind, missing_reference=reference["missing_rate"],
                         missing_new=_rate(values.size - present.size, values.size))
    if present.size and reference["percentiles"]:
        edges = np.asarray(reference["bin_edges"])
        counts = np.bincount(np.searchsorted(edges, present, side="right"),
                             minlength=edges.size + 1)
        result.psi = psi(np.asarray(reference["bin_shares"]), counts / present.size)
        result.test = "KS"
        result.statistic, result.p_value = ks_against_percentiles(
            reference["percentiles"], present, max(1, round(
                reference["rows"] * (1 - reference["missing_rate"]))))
        result.histogram = _display_histogram(reference, present)
    _judge(result, ks=True)
    return result


def compare_categorical(name: str, reference: dict[str, Any], values: np.ndarray
                        ) -> ColumnDrift:
    """Compare categories (``""`` = missing) with a column's reference frequencies."""
    texts = np.asarray(values, dtype=object).reshape(-1).astype(str)
    present = texts[texts != ""]
    result = ColumnDrift(name, "categorical", missing_reference=reference["missing_rate"],
                         missing_new=_rate(texts.size - present.size, texts.size))
    known = list(reference["frequencies"])
    names, counts = np.unique(present, return_counts=True)
    observed = dict(zip(names.tolist(), counts.tolist(), strict=True))
    if not reference["categories_truncated"] and present.size:
        result.new_categories = {str(category): count / present.size
                                 for category, count in observed.items() if category not in known}
    if present.size and known:
        expected = np.array([reference["frequencies"][c] for c in known] + [0.0])
        seen = np.array([observed.get(c, 0) for c in known]
                        + [present.size - sum(observed.get(c, 0) for c in known)], np.float64)
        shares = seen / present.size
        result.psi = psi(expected, shares)
        smoothed = np.clip(expected, EPSILON, None)
        smoothed = smoothed / smoothed.sum() * present.size
        result.test, result.statistic = "chi-square", float(
            np.sum((seen - smoothed) ** 2 / smoothed))
        result.p_value = chi_square_p(result.statistic, len(known))
        labels = [*known, "(new or other)"]
        result.histogram = {"categories": labels, "reference": expected.tolist(),
                            "new": shares.tolist()}
    _judge(result, ks=False)
    return result


def compare_table(reference: dict[str, Any], dataset: Any, split: str = "test",
                  note: str = "") -> DriftReport:
    """Compare the feature columns of a table ``split`` with a reference."""
    inputs = dataset.inputs(split)
    columns = []
    for spec in dataset.features:
        column_ref = reference["columns"].get(spec.name)
        if column_ref is None:
            continue
        values = inputs[dataset.input_names[spec.name]]
        if column_ref["kind"] == "categorical":
            columns.append(compare_categorical(spec.name, column_ref, values))
        else:
            if column_ref["kind"] == "text":
                texts = np.asarray(values, dtype=object).reshape(-1).astype(str)
                values = np.array([len(t.split()) if t else np.nan for t in texts])
            columns.append(compare_numeric(spec.name, column_ref, values, column_ref["kind"]))
    return _report(columns, dataset.split_size(split), note)


def compare_images(reference: dict[str, Any], dataset: Any, model: Any = None,
                   split: str = "test", note: str = "") -> DriftReport:
    """Compare images of ``split`` (pixels, and the embedding when the model is given)."""
    images, embeddings = ref.image_arrays(dataset, split, model)
    pixels = ref.pixel_statistics(images)
    columns = []
    for index, (old, new) in enumerate(zip(reference["pixels"]["channels"],
                                           pixels["channels"], strict=False)):
        column = ColumnDrift(f"pixels (channel {index + 1})", "pixels",
                             psi=psi(np.asarray(old["histogram"]), np.asarray(new["histogram"])))
        column.histogram = {"edges": np.linspace(0, 255, ref.PIXEL_BINS + 1).tolist(),
                            "reference": old["histogram"], "new": new["histogram"]}
        column.reasons.append(f"mean {old['mean']:.1f} → {new['mean']:.1f}")
        _judge(column, ks=False)
        columns.append(column)
    summary = reference.get("embedding")
    if summary is not None and embeddings is not None:
        columns.append(compare_embedding(summary, embeddings))
    return _report(columns, len(images), note)


def compare_embedding(summary: dict[str, Any], embeddings: np.ndarray) -> ColumnDrift:
    """Compare embeddings with the reference's PCA summary: the largest PSI of a component."""
    centred = np.asarray(embeddings, np.float64) - np.asarray(summary["mean"])
    projected = centred @ np.asarray(summary["components"]).T
    scores = [compare_numeric(f"component {i + 1}", stats, projected[:, i])
              for i, stats in enumerate(summary["projections"])]
    worst = max(scores, key=lambda score: score.psi)
    shift = float(np.linalg.norm(centred.mean(axis=0))
                  / math.sqrt(max(summary["total_variance"], EPSILON)))
    column = ColumnDrift("embedding", "embedding", psi=worst.psi, test="KS",
                         statistic=worst.statistic, p_value=worst.p_value,
                         histogram=worst.histogram)
    column.reasons.append(f"mean moved {shift:.2f} standard deviations; most changed: "
                          f"{worst.name}")
    _judge(column, ks=True)
    return column


def check_data(run_dir: str | Path, data_path: str | Path, model: Any = None) -> DriftReport:
    """Compare a CSV file or image folder with a run's reference statistics.

    Raises:
        UserInputError: The run cannot be opened.
        DataError: The data cannot be read as the run's data.
    """
    from dlstudio.core.data import load_dataset
    from dlstudio.core.runs.folder import RunFolder

    folder = RunFolder.open(run_dir)
    project = folder.load_project()
    reference, note = ref.reference_for_run(folder.path, model)
    dataset = load_dataset(project, path=Path(data_path), evaluation_only=True,
                           class_names=list(folder.read_record().class_names) or None)
    if dataset.kind == "csv":
        return compare_table(reference, dataset, note=note or "")
    if model is None and reference.get("embedding") and folder.model_path.is_file():
        from dlstudio.core.model.loading import load_keras_file

        model = load_keras_file(folder.model_path)
    return compare_images(reference, dataset, model, note=note or "")


def batch_warning(reference: dict[str, Any] | None, dataset: Any, model: Any = None,
                  split: str = "test") -> str | None:
    """A one-line warning when a batch of at least :data:`MIN_ROWS` samples drifted."""
    if reference is None or dataset.split_size(split) < MIN_ROWS:
        return None
    if dataset.kind == "csv":
        report = compare_table(reference, dataset, split)
    else:
        report = compare_images(reference, dataset, model, split)
    if not report.drifted:
        return None
    return (f"the data drifted from the training data in {', '.join(report.drifted_names)} "
            f"({report.rows} rows); run `dlstudio drift RUN --data PATH` for details")


def report_lines(report: DriftReport) -> list[str]:
    """The report as aligned text lines for the terminal."""
    lines = [f"Note: {report.note}"] if report.note else []
    width = max([len(column.name) for column in report.columns] + [6])
    lines.append(f"{'column':<{width}}  verdict  {'PSI':>6}  {'test':<10} {'p':>8}  "
                 "missing  details")
    for column in report.columns:
        missing = f"{column.missing_reference:.0%}→{column.missing_new:.0%}"
        lines.append(f"{column.name:<{width}}  {column.verdict:<7}  {column.psi:6.3f}  "
                     f"{column.test or '-':<10} {column.p_value:8.2g}  {missing:<7}  "
                     f"{'; '.join(column.reasons)}")
    overall = (f"DRIFT in {', '.join(report.drifted_names)}" if report.drifted
               else "no drift")
    lines.append(f"Overall: {overall} ({report.rows} rows compared)")
    return lines


def _judge(column: ColumnDrift, ks: bool) -> None:
    levels = {"ok": 0, "warning": 1, "drift": 2}
    verdict = "ok"

    def raise_to(level: str, reason: str) -> None:
        nonlocal verdict
        column.reasons.append(reason)
        if levels[level] > levels[verdict]:
            verdict = level

    if column.psi >= PSI_DRIFT:
        raise_to("drift", f"PSI {column.psi:.2f} ≥ {PSI_DRIFT}")
    elif column.psi >= PSI_WARNING:
        raise_to("warning", f"PSI {column.psi:.2f} ≥ {PSI_WARNING}")
    if column.test and column.p_value < P_VALUE and (not ks or column.statistic >= KS_DRIFT):
        raise_to("drift" if column.psi >= PSI_WARNING else "warning",
                 f"{column.test} p = {column.p_value:.2g}")
    change = abs(column.missing_new - column.missing_reference)
    if change >= MISSING_WARNING:
        raise_to("drift" if change >= MISSING_DRIFT else "warning",
                 f"missing {column.missing_reference:.0%} → {column.missing_new:.0%}")
    if column.new_categories:
        share = sum(column.new_categories.values())
        names = ", ".join(repr(name) for name in list(column.new_categories)[:5])
        raise_to("drift" if share >= NEW_CATEGORY_DRIFT else "warning",
                 f"new categories {names} ({share:.0%} of rows)")
    column.verdict = verdict


def _display_histogram(reference: dict[str, Any], present: np.ndarray) -> dict[str, list[Any]]:
    edges = np.asarray(reference["histogram_edges"])
    counts = np.asarray(reference["histogram_counts"], np.float64)
    width = edges[1] - edges[0]
    low = min(edges[0], float(present.min()))
    high = max(edges[-1], float(present.max()))
    before = min(DISPLAY_EXTRA_BINS, int(math.ceil((edges[0] - low) / width)))
    after = min(DISPLAY_EXTRA_BINS, int(math.ceil((high - edges[-1]) / width)))
    wide = np.concatenate([edges[0] - width * np.arange(before, 0, -1), edges,
                           edges[-1] + width * np.arange(1, after + 1)])
    reference_counts = np.concatenate([np.zeros(before), counts, np.zeros(after)])
    new_counts, _ = np.histogram(np.clip(present, wide[0], wide[-1]), bins=wide)
    return {"edges": wide.tolist(),
            "reference": (reference_counts / max(1.0, reference_counts.sum())).tolist(),
            "new": (new_counts / max(1, present.size)).tolist()}


def _report(columns: list[ColumnDrift], rows: int, note: str) -> DriftReport:
    columns.sort(key=lambda column: (-{"drift": 2, "warning": 1, "ok": 0}[column.verdict],
                                     -column.psi))
    return DriftReport(columns, rows, note)


def _rate(part: int, whole: int) -> float:
    return float(part) / whole if whole else 0.0
