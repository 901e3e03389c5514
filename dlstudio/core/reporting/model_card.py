"""The model card: one self-contained HTML page about a trained run (``dlstudio report``).

The page holds the data summary and splits, the model (a layer table and the parameter count),
the training settings, the curves, the evaluation (confusion matrix and per-class table, or
regression plots), every export found in the run's ``exports/`` folder with its check results
and SHA-256, and the versions of Python, TensorFlow, Keras and dlstudio. CSS is inline, plots are
inline SVG (:mod:`dlstudio.core.reporting.svg_plots`), and the page names no web address, so it
opens offline and can be mailed or archived as one file.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import platform
from datetime import UTC, datetime
from html import escape
from pathlib import Path
from typing import Any

from dlstudio import __version__
from dlstudio.core.errors import UserInputError
from dlstudio.core.reporting import svg_plots

STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:2em auto;max-width:980px;
color:#222;line-height:1.4;padding:0 1em}
h1{border-bottom:3px solid #1f77b4;padding-bottom:.2em}h2{margin-top:1.6em;color:#1f4e79}
table{border-collapse:collapse;margin:.5em 0;font-size:.92em}
th,td{border:1px solid #ccc;padding:3px 8px;text-align:left}th{background:#eef3f8}
td.n{text-align:right;font-variant-numeric:tabular-nums}
pre{background:#f6f6f6;padding:.6em;overflow-x:auto;font-size:.88em}
figure{display:inline-block;margin:.4em 1em .4em 0}figcaption{font-size:.85em;color:#555}
.note{color:#8a5a00}code{font-size:.9em}
"""


def write_model_card(run_dir: str | Path, out_path: str | Path, *, force: bool = False,
                     exports: list[Path] | None = None) -> Path:
    """Write the model card of a run folder to ``out_path`` and return the path.

    Args:
        run_dir: The run folder.
        out_path: The HTML file to write.
        force: Replace ``out_path`` when it exists.
        exports: Exports of the run kept outside its ``exports/`` folder, to list as well.

    Raises:
        UserInputError: The run has no trained model, or ``out_path`` is an input, a folder,
            or exists without ``force``.
    """
    from dlstudio.core.output_paths import check_output_path
    from dlstudio.core.project.project import atomic_write_text

    target = check_output_path(out_path, inputs=[Path(run_dir)], force=force)
    atomic_write_text(target, model_card_html(run_dir, exports))
    return target


def model_card_html(run_dir: str | Path, exports: list[Path] | None = None) -> str:
    """Return the model card of a run folder (and of ``exports`` kept elsewhere) as HTML."""
    from dlstudio.core.evaluation.evaluate import open_run

    run = open_run(run_dir)
    sections = [_overview(run), _data(run), _model(run.model), _training(run.project),
                _curves(run.folder.read_metrics()), _evaluation(run),
                _exports(_export_entries(run.folder.exports_dir, exports)), _versions()]
    title = escape(f"Model card: {run.name}")
    return ("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{title}</title><style>{STYLE}</style></head><body>"
            f"<h1>{title}</h1>{''.join(sections)}"
            f"<p class=\"note\">Written by dlstudio {escape(__version__)} on "
            f"{datetime.now(UTC).isoformat(timespec='seconds')}.</p></body></html>\n")


def _overview(run: Any) -> str:
    record = run.record
    rows = [("run", run.name), ("folder", str(run.folder.path)), ("state", record.state),
            ("task", run.task), ("classes", ", ".join(run.class_names) or "–"),
            ("epochs done", record.epochs_done), ("best epoch", record.best_epoch),
            ("best metrics", ", ".join(f"{k} {v:.4g}" for k, v in
                                       (record.best_metrics or {}).items()) or "–"),
            ("started", getattr(record, "created", "") or ""), ("ended", record.ended or "")]
    notes = getattr(record, "notes", "")
    return _section("Overview", _pairs(rows) + (f"<p>{escape(notes)}</p>" if notes else ""))


def _data(run: Any) -> str:
    data = run.project.data
    parts = [_pairs([("kind", data.kind), ("path", data.path),
                     ("target", getattr(data, "target", None) or "–"),
                     ("split", _split_text(run.project.split))])]
    if data.kind == "csv":
        parts.append(_table(["column", "role", "kind"],
                            [[c.name, c.role, c.kind] for c in data.columns]))
    try:
        from dlstudio.core.data import load_dataset

        dataset = load_dataset(run.project, class_names=run.class_names or None)
        sizes = [[split, dataset.split_size(split)] for split in ("train", "validation", "test")]
        parts.append(_table(["split", "samples"], sizes))
        parts.append(f"<pre>{escape(chr(10).join(dataset.summary_lines()))}</pre>")
    except UserInputError as error:
        parts.append(f"<p class=\"note\">The data could not be read now: {escape(str(error))}"
                     "</p>")
    return _section("Data", "".join(parts))


def _split_text(split: Any) -> str:
    try:
        return ", ".join(f"{k} {v}" for k, v in dataclasses.asdict(split).items())
    except TypeError:
        return str(split)


def _model(model: Any) -> str:
    rows = []
    for layer in model.layers:
        try:
            shape = str(layer.output.shape)
        except (AttributeError, ValueError):
            shape = "–"
        rows.append([layer.name, type(layer).__name__, shape, f"{layer.count_params():,}"])
    trainable = sum(int(w.numpy().size) for w in model.trainable_weights)
    total = model.count_params()
    summary = _pairs([("parameters", f"{total:,}"), ("trainable", f"{trainable:,}"),
                      ("layers", len(model.layers))])
    return _section("Model", summary + _table(["layer", "type", "output shape", "parameters"],
                                              rows, numeric={3}))


def _training(project: Any) -> str:
    flat = _flatten(dataclasses.asdict(project.training))
    return _section("Training settings", _pairs(sorted(flat.items())))


def _flatten(values: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in values.items():
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def _curves(rows: list[dict[str, float]]) -> str:
    if not rows:
        return _section("Curves", "<p>No epochs were recorded.</p>")
    names = [name for name in rows[0] if name not in ("epoch",)]
    plots = []
    for name in [n for n in names if not n.startswith("val_")]:
        series = {name: [row.get(name, float("nan")) for row in rows]}
        if f"val_{name}" in rows[0]:
            series[f"val_{name}"] = [row.get(f"val_{name}", float("nan")) for row in rows]
        plots.append(svg_plots.line_chart(name, series))
    return _section("Curves", "".join(plots))


def _evaluation(run: Any) -> str:
    path = run.folder.evaluation_path
    note = ""
    if path.is_file():
        result = json.loads(path.read_text(encoding="utf-8"))
    else:
        from dlstudio.core.evaluation.evaluate import evaluate_run

        try:
            result = evaluate_run(run.folder.path)
            note = "<p class=\"note\">Evaluated on the test split for this report.</p>"
        except UserInputError as error:
            return _section("Evaluation", f"<p class=\"note\">Not evaluated: "
                                          f"{escape(str(error))}</p>")
    head = _pairs([("data", result.get("data", "")), ("split", result.get("split", "")),
                   ("samples", result.get("samples", ""))])
    if result.get("task") == "classification":
        body = _classification(result)
    elif "baselines" in result:
        body = _forecast(result)
    else:
        body = _regression(result)
    return _section("Evaluation", note + head + body)


def _classification(result: dict[str, Any]) -> str:
    parts = [_pairs([("accuracy", f"{result.get('accuracy', 0):.4f}")])]
    matrix = result.get("confusion_matrix") or {}
    if matrix:
        parts.append(svg_plots.heat_map("Confusion matrix", matrix["labels"], matrix["matrix"]))
    rows = [[item["class"], f"{item['precision']:.3f}", f"{item['recall']:.3f}",
             f"{item['f1']:.3f}", item["support"]] for item in result.get("per_class", [])]
    parts.append(_table(["class", "precision", "recall", "F1", "support"], rows,
                        numeric={1, 2, 3, 4}))
    return "".join(parts)


def _forecast(result: dict[str, Any]) -> str:
    """A forecast beside its baselines on the same test windows, and the verdict."""
    names = ("mae", "rmse", "smape", "mase")
    rows = [["model", *(f"{result[name]:.4g}" for name in names)]]
    rows += [[baseline.replace("_", " "), *(f"{values[name]:.4g}" for name in names)]
             for baseline, values in result["baselines"].items()]
    return (_table(["forecast", "MAE", "RMSE", "sMAPE %", "MASE"], rows, numeric={1, 2, 3, 4})
            + f"<p>{escape(result.get('verdict', ''))}</p>")


def _regression(result: dict[str, Any]) -> str:
    parts = [_pairs([(key, f"{result[key]:.4g}") for key in ("r2", "rmse", "mae", "mse")
                     if key in result])]
    predictions = result.get("predictions", [])[:2000]
    true = [p["true"] for p in predictions]
    predicted = [p["predicted"] for p in predictions]
    parts.append(svg_plots.scatter("Predicted against true", true, predicted, "true",
                                   "predicted"))
    residuals = [t - p for t, p in zip(true, predicted, strict=True)]
    parts.append(svg_plots.scatter("Residual against true", true, residuals, "true",
                                   "residual"))
    return "".join(parts)


def _export_entries(folder: Path, extra: list[Path] | None) -> list[Path]:
    found = sorted(folder.iterdir()) if folder.is_dir() else []
    for path in extra or []:
        if not Path(path).exists():
            raise UserInputError(f"export {path} does not exist; give the SavedModel folder or "
                                 "the file that `dlstudio export` wrote")
        found.append(Path(path))
    return [entry for entry in found if not entry.name.endswith("dlstudio_export.json")]


def _exports(entries: list[Path]) -> str:
    if not entries:
        return _section("Exports", "<p>No exports yet (<code>dlstudio export RUN --format "
                                   "savedmodel</code> writes one into the run folder).</p>")
    rows = []
    for entry in entries:
        metadata = _export_metadata(entry)
        check = metadata.get("check") or {}
        checked = ", ".join(f"{k} {v:.3g}" if isinstance(v, float) else f"{k} {v}"
                            for k, v in check.items()) or "–"
        recorded = metadata.get("sha256")
        if isinstance(recorded, str) and entry.is_file():
            same = recorded == sha256_of(entry)
            checked += "; SHA-256 as recorded" if same else "; CHANGED since export"
        rows.append([entry.name, metadata.get("format", entry.suffix.lstrip(".") or "folder"),
                     f"{_size(entry):,}", checked, f"<code>{sha256_of(entry)}</code>"])
    return _section("Exports", _table(["export", "format", "bytes", "check", "SHA-256"],
                                      rows, numeric={2}, raw={4}))


def _export_metadata(entry: Path) -> dict[str, Any]:
    candidates = [entry / "dlstudio_export.json",
                  entry.with_name(f"{entry.stem}.dlstudio_export.json"),
                  entry.with_name(f"{entry.name}.dlstudio_export.json")]
    for path in candidates:
        if path.is_file():
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
                return data if isinstance(data, dict) else {}
            except (OSError, ValueError):
                return {}
    return {}


def sha256_of(path: Path) -> str:
    """SHA-256 of a file; for a folder, of every file's relative path and SHA-256 in order."""
    from dlstudio.core.export.file_integrity import sha256

    if path.is_file():
        return sha256(path)
    digest = hashlib.sha256()
    for file in sorted(p for p in path.rglob("*") if p.is_file()):
        digest.update(f"{file.relative_to(path).as_posix()}\0{sha256(file)}\n".encode())
    return digest.hexdigest()


def _size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def _versions() -> str:
    import keras
    import tensorflow as tf

    return _section("Versions", _pairs([
        ("dlstudio", __version__), ("Python", platform.python_version()),
        ("TensorFlow", tf.__version__), ("Keras", keras.__version__),
        ("platform", platform.platform())]))


def _section(title: str, body: str) -> str:
    return f"<section><h2>{escape(title)}</h2>{body}</section>"


def _pairs(rows: list[tuple[str, Any]]) -> str:
    cells = "".join(f"<tr><th>{escape(str(k))}</th><td>{escape(str(v))}</td></tr>"
                    for k, v in rows)
    return f"<table>{cells}</table>"


def _table(header: list[str], rows: list[list[Any]], numeric: set[int] | None = None,
           raw: set[int] | None = None) -> str:
    numeric, raw = numeric or set(), raw or set()
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(
            f"<td{' class=n' if i in numeric else ''}>"
            f"{value if i in raw else escape(str(value))}</td>"
            for i, value in enumerate(row)) + "</tr>" for row in rows)
    return f"<table><tr>{head}</tr>{body}</table>"
