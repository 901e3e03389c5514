"""The report of a CSV data source: JSON-ready for the GUI and ``--json``, text for ``info``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from dlstudio.core.data.base import SPLITS
from dlstudio.core.data.csv_reading import DELIMITERS
from dlstudio.core.project.project import ColumnSpec

if TYPE_CHECKING:
    from dlstudio.core.data.tabular import TabularDataset

TOP_VALUES = 5
SHOWN_VALUE_CHARS = 40


def describe_dataset(dataset: TabularDataset) -> dict[str, Any]:
    """Return the dataset's summary (see :meth:`TabularDataset.summary`)."""
    table = dataset.table
    summary: dict[str, Any] = {
        "kind": "csv",
        "path": str(table.path),
        "encoding": table.encoding,
        "delimiter": DELIMITERS[table.delimiter],
        "rows": len(table.frame),
        "dropped_rows": len(dataset.dropped_rows),
        "rows_used": len(dataset.row_numbers),
        "repeats_left_out": len(table.frame) - len(dataset.dropped_rows) - len(dataset.row_numbers),
        "target": dataset.target,
        "task": dataset.task,
        "classes": list(dataset.class_names),
        "columns": [describe_column(table.frame[spec.name], spec,
                                    dataset.input_names.get(spec.name))
                    for spec in dataset.columns],
        "input_names": dict(dataset.input_names),
        "split_sizes": {split: dataset.split_size(split) for split in SPLITS},
        "class_counts": {split: dataset.class_counts(split) for split in SPLITS}
        if dataset.class_names and dataset.has_targets else {},
        "warnings": list(dataset.warnings),
        "split_files": [{"split": split, "path": path,
                         "rows": int((dataset.origins == origin).sum())}
                        for origin, (split, path) in enumerate(dataset.split_paths.items(),
                                                               start=1)],
    }
    if not dataset.evaluation_only:
        summary["feature_shape"] = list(dataset.feature_shape())
    return summary


def describe_column(series: pd.Series, spec: ColumnSpec, input_name: str | None) -> dict[str, Any]:
    """Return one column's role, kind, input name, missing and distinct counts, and either
    its range and mean (numeric) or its most frequent values."""
    entry: dict[str, Any] = {
        "name": spec.name,
        "role": spec.role,
        "kind": spec.kind,
        "input": input_name,
        "missing": int(series.isna().sum()),
        "distinct": int(series.nunique()),
    }
    if spec.kind == "numeric":
        numbers = pd.to_numeric(series, errors="coerce").dropna()
        if len(numbers):
            entry.update(min=float(numbers.min()), max=float(numbers.max()),
                         mean=float(numbers.mean()))
        return entry
    counts = series.dropna().astype(str).value_counts().head(TOP_VALUES)
    entry["top_values"] = [[_shorten(value), int(count)] for value, count in counts.items()]
    return entry


def summary_lines(summary: dict[str, Any]) -> list[str]:
    """Return a summary as text lines for ``dlstudio info``."""
    lines = [
        f"Data: {summary['path']} (CSV, {summary['encoding']}, {summary['delimiter']}-separated)",
    ]
    files = summary.get("split_files", [])
    lines += [f"{item['split'].capitalize()} data: {item['path']} ({item['rows']} rows, the "
              f"whole {item['split']} split)" for item in files]
    in_files = "".join(f", {item['rows']} from the {item['split']} file" for item in files)
    lines += [
        f"Rows: {summary['rows']} read{in_files}, {summary['dropped_rows']} dropped (empty "
        f"target), {_repeats(summary)}{summary['rows_used']} used",
        _task_line(summary),
        "Split: " + ", ".join(f"{split} {size}" for split, size in
                              summary["split_sizes"].items()),
    ]
    for split, counts in summary["class_counts"].items():
        lines.append(f"  {split}: " + ", ".join(f"{name} {count}" for name, count in
                                                 counts.items()))
    if "feature_shape" in summary:
        lines.append(f"Preprocessed features: {tuple(summary['feature_shape'])}")
    lines.append("Columns:")
    lines += _column_table(summary["columns"])
    if summary["warnings"]:
        lines.append("Warnings:")
        lines += [f"  - {warning}" for warning in summary["warnings"]]
    return lines


def _repeats(summary: dict[str, Any]) -> str:
    repeats = summary.get("repeats_left_out", 0)
    return f"{repeats} repeats left out (data.drop_duplicates), " if repeats else ""


def _task_line(summary: dict[str, Any]) -> str:
    target = f"'{summary['target']}'" if summary["target"] else "(absent)"
    if summary["task"] != "classification":
        return f"Target: {target}, {summary['task']}"
    classes = summary["classes"]
    return f"Target: {target}, classification, {len(classes)} classes: {', '.join(classes)}"


def _column_table(columns: list[dict[str, Any]]) -> list[str]:
    header = ("name", "input", "role", "kind", "missing", "distinct", "details")
    rows = [header] + [(column["name"], column["input"] or "-", column["role"], column["kind"],
                        str(column["missing"]), str(column["distinct"]), _details(column))
                       for column in columns]
    widths = [max(len(row[i]) for row in rows) for i in range(len(header) - 1)]
    return ["  " + "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=False))
            + "  " + row[-1] for row in rows]


def _details(column: dict[str, Any]) -> str:
    if "mean" in column:
        return f"{column['min']:g} to {column['max']:g}, mean {column['mean']:.4g}"
    values = column.get("top_values", [])
    return ", ".join(f"{value} ({count})" for value, count in values[:3])


def _shorten(value: str) -> str:
    return value if len(value) <= SHOWN_VALUE_CHARS else value[: SHOWN_VALUE_CHARS - 1] + "…"
