"""Export a trained run in any format, each export checked in a fresh process.

:func:`export_run` writes the export under a temporary name beside its target (the format's
module does the writing: :mod:`~dlstudio.core.export.formats` lists them), writes the metadata
(``dlstudio_export.json``: task, class names, the inputs and the CSV column each takes, the
check), then reloads it **in a new Python process** through the same checked loader as
``dlstudio predict`` (:mod:`dlstudio.core.export.check`) and compares its outputs with the
trained model's on up to :data:`REPORT_SAMPLES` validation samples, computed on the CPU.
Float exports must agree within the format's tolerance (1e-5 for SavedModel and ``.keras``,
1e-4 for ONNX and float32 LiteRT) or :class:`ExportCheckError` is raised and nothing is left;
quantized LiteRT variants report the accuracy (or R²) they lost instead. Only then is the
export moved to its path, with the permissions of a newly made file or folder
(:func:`new_mode`).
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from dlstudio.core.data import Dataset, load_dataset
from dlstudio.core.errors import UserInputError, writing_into
from dlstudio.core.evaluation.evaluate import TrainedRun, open_run
from dlstudio.core.export.check import FreshCheckError, check_in_fresh_process
from dlstudio.core.export.encoding import ENCODER_FILE, FormatNotOffered
from dlstudio.core.export.formats import (
    EXPORT_FORMATS,
    METADATA_FILE,
    ExportJob,
    format_module,
    keras_metadata_path,
    size_on_disk,
)
from dlstudio.core.export.graph import input_columns, quiet_native_output
from dlstudio.core.export.graph_readme import graph_readme_text
from dlstudio.core.export.readme import readme_text
from dlstudio.core.export.reload_check import (
    ExportCheck,
    ExportCheckError,
    as_array,
    compare,
    on_cpu,
    require_passed,
)
from dlstudio.core.export.report import ExportReport, metric
from dlstudio.core.export.savedmodel import SIGNATURE, write_savedmodel
from dlstudio.core.output_paths import check_output_path
from dlstudio.core.project.project import atomic_write_text
from dlstudio.core.tasks import get_task

__all__ = ["EXPORT_FORMATS", "METADATA_FILE", "SIGNATURE", "ExportResult", "export_run",
           "keras_metadata_path", "write_savedmodel", "FormatNotOffered"]

LABELS_FILE = "labels.txt"
README_FILE = "README.txt"
REPORT_SAMPLES = 256
DEFAULT_NAMES = {"savedmodel": "savedmodel", "keras": "model.keras", "onnx": "onnx",
                 "litert": "litert"}


@dataclass
class ExportResult:
    """What :func:`export_run` wrote.

    Attributes:
        path: The export folder or ``.keras`` file.
        format: ``savedmodel``, ``keras``, ``onnx`` or ``litert``.
        check: The reload check (pass or fail, largest difference).
        inputs: The raw inputs: ``name``, ``dtype``, ``shape`` and ``column`` (CSV only).
        metadata_path: The ``dlstudio_export.json`` written with it.
        readme_path: How to call it (folder exports).
        report: The comparison report (metric, size, latency).
        graph_inputs: What an ONNX or LiteRT graph itself takes (encoded numbers for tables,
            pixels of the training size for images); empty for the other formats.
    """

    path: Path
    format: str
    check: ExportCheck
    inputs: list[dict[str, Any]] = field(default_factory=list)
    metadata_path: Path | None = None
    readme_path: Path | None = None
    report: ExportReport | None = None
    graph_inputs: list[dict[str, Any]] = field(default_factory=list)

    def summary_lines(self) -> list[str]:
        """Return what was written and how it was checked, as lines for the terminal."""
        lines = [f"exported {self.format} to {self.path}"]
        if self.inputs:
            described = ", ".join(_describe_input(spec) for spec in self.inputs)
            kind = "serving inputs" if self.format == "savedmodel" else "inputs"
            lines.append(f"{kind}: {described}")
        if self.graph_inputs:
            what = "graph inputs (encoded from those by encode.py)" \
                if (self.path / ENCODER_FILE).is_file() else "graph input"
            lines.append(f"{what}: " + ", ".join(f"{item['name']} ({item['dtype']} "
                                                  f"{item['shape']})"
                                                  for item in self.graph_inputs))
        lines.append(f"check: {self.check.describe()}")
        if self.report is not None:
            lines += self.report.table_lines()
        if self.readme_path:
            lines.append(f"how to call it: {self.readme_path}")
        return lines


def _describe_input(spec: dict[str, Any]) -> str:
    column = f", column '{spec['column']}'" if spec.get("column") is not None else ""
    return f"{spec['name']} ({spec['dtype']}{column})"


def export_run(run_dir: str | Path, fmt: str, out_path: str | Path | None = None, *,
               overwrite: bool = False, quantize: str | None = None,
               part: str | None = None) -> ExportResult:
    """Export a run's trained model and check the export in a fresh process.

    Args:
        run_dir: The run folder.
        fmt: ``savedmodel``, ``keras``, ``onnx`` or ``litert``.
        out_path: The folder (or ``.keras`` file) to write; an existing folder gets
            ``model.keras`` inside for ``keras``; default ``exports/<format>`` in the run.
        overwrite: Replace an existing export at ``out_path``.
        quantize: LiteRT only: ``float16``, ``dynamic`` or ``int8`` (default float32).
        part: Another network of the run to export on its own (a GAN's ``discriminator``);
            ``None``: the model the task exports (a GAN's generator).

    Raises:
        UserInputError: Unknown format or quantization, a format that cannot represent the
            model (:class:`FormatNotOffered`), not a trained run, or a path that cannot be
            written.
        DataError: The run's data (needed for the check) cannot be read.
        ExportCheckError: The reloaded export predicts differently from the trained model.
    """
    module = format_module(fmt)
    quantize = _quantization(module, quantize)
    run = open_run(run_dir)
    task = get_task(run.task)
    run.model = task.export_model(run.model, part)
    target = _target(run, module, quantize, out_path, part)
    _check_target(target, overwrite, module.FOLDER, run_inputs(run))
    dataset = load_dataset(run.project, class_names=run.class_names or None)
    own = task.export_samples(run.model, REPORT_SAMPLES)
    samples, targets, split = (own, None, "noise") if own else report_samples(dataset)
    job = ExportJob(run, dataset, quantize, training_samples(dataset) if quantize == "int8"
                    else {})
    reason = module.refusal(job)
    if reason:
        raise FormatNotOffered(reason)
    with on_cpu():
        expected = as_array(run.model(_tensors(samples), training=False),
                            get_task(run.task).compared_output)
    with writing_into(target.parent, "the export"):
        return _write_and_check(job, module, target, samples, (expected, targets, split))


def _write_and_check(job: ExportJob, module: Any, target: Path, samples: dict[str, Any],
                     reference: tuple[np.ndarray, Any, str]) -> ExportResult:
    expected, targets, split = reference
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = _staging(target, module.FOLDER)
    meta_file = staging / METADATA_FILE if module.FOLDER else keras_metadata_path(staging)
    try:
        try:
            with quiet_native_output():
                written = module.write(job, staging)
        except FormatNotOffered:
            raise
        except Exception as error:
            raise FormatNotOffered(_conversion_failed(module.NAME, error)) from None
        metadata = export_metadata(job.run, job.dataset, module.NAME, written)
        _write_json(meta_file, metadata)
        (result,) = check_in_fresh_process([staging], samples)
        actual = np.asarray(result["outputs"])
        check = compare(expected, actual, split)
        tolerance = _tolerance(module, job.quantize)
        report = _report(job, module.NAME, check, expected, actual, targets, result, staging,
                         tolerance)
        if tolerance is not None:
            check = _within(check, expected, actual, tolerance)
            require_passed(check)
        else:
            check = ExportCheck(check.samples, check.split, check.max_abs_diff,
                                quantized=True)
        metadata["check"] = {**report.as_json(), "passed": check.passed}
        _write_json(meta_file, metadata)
        _finish_files(staging, metadata, target, module.FOLDER)
        _move(staging, meta_file, target, module.FOLDER)
    except FreshCheckError as error:
        _remove(staging, meta_file)
        raise ExportCheckError(f"{error}; the export was not kept. Please report this with "
                               "the run folder") from None
    except BaseException:
        _remove(staging, meta_file)
        raise
    folder_meta = target / METADATA_FILE if module.FOLDER else keras_metadata_path(target)
    readme_path = target / README_FILE if module.FOLDER else None
    return ExportResult(target, module.NAME, check, metadata["inputs"], folder_meta,
                        readme_path, report, metadata.get("graph_inputs") or [])


def _conversion_failed(fmt: str, error: Exception) -> str:
    detail = (str(error).strip().splitlines() or [type(error).__name__])[-1][:200]
    return (f"this model cannot be converted to {fmt} ({detail}); export it as a SavedModel "
            "or .keras file instead")


def _tolerance(module: Any, quantize: str) -> tuple[float, float] | None:
    chooser = getattr(module, "tolerance", None)
    return chooser(quantize) if chooser else module.TOLERANCE


def _within(check: ExportCheck, expected: np.ndarray, actual: np.ndarray,
            tolerance: tuple[float, float]) -> ExportCheck:
    """Apply a format's own tolerance when it is looser than the default."""
    atol, rtol = tolerance
    if check.passed or (atol <= check.atol and rtol <= check.rtol):
        return ExportCheck(check.samples, check.split, check.max_abs_diff, atol, rtol,
                           check.passed)
    expected = np.asarray(expected, dtype=np.float64).reshape(len(expected), -1)
    actual = np.asarray(actual, dtype=np.float64).reshape(len(actual), -1)
    passed = expected.shape == actual.shape and bool(np.all(
        np.abs(expected - actual) <= atol + rtol * np.abs(expected)))
    return ExportCheck(check.samples, check.split, check.max_abs_diff, atol, rtol, passed)


def _report(job: ExportJob, fmt: str, check: ExportCheck, expected: np.ndarray,
            actual: np.ndarray, targets: Any, result: dict[str, Any], staging: Path,
            tolerance: tuple[float, float] | None) -> ExportReport:
    classes = len(job.run.class_names)
    name, model_value = metric(job.run.task, classes, expected, targets)
    _, export_value = metric(job.run.task, classes, actual, targets)
    return ExportReport(fmt, job.quantize, check.samples, check.split, check.max_abs_diff, name,
                        model_value, export_value, size_on_disk(staging), result["sample_ms"],
                        result["batch_ms"], tolerance)


def report_samples(dataset: Dataset) -> tuple[dict[str, np.ndarray], Any, str]:
    """Return up to :data:`REPORT_SAMPLES` raw inputs of the validation split (else test or
    train) as NumPy arrays, their targets (``None`` without) and the split's name."""
    from dlstudio.core.errors import DataError

    for split in ("validation", "test", "train"):
        if dataset.split_size(split):
            return (*_first_batch(dataset, split, REPORT_SAMPLES), split)
    raise DataError("the run's data has no samples to check the export with")


def training_samples(dataset: Dataset) -> dict[str, np.ndarray]:
    """Return up to :data:`REPORT_SAMPLES` raw training inputs, for int8 calibration."""
    return _first_batch(dataset, "train", REPORT_SAMPLES)[0]


def _first_batch(dataset: Dataset, split: str, size: int) -> tuple[dict[str, np.ndarray], Any]:
    element = next(iter(dataset.tf_dataset(split, size)))
    inputs, targets = element if dataset.has_targets else (element, None)
    arrays = {name: _numpy(value) for name, value in dict(inputs).items()}
    return arrays, None if targets is None else np.asarray(targets)


def _numpy(tensor: Any) -> np.ndarray:
    values = np.asarray(tensor)
    if values.dtype == object:
        return np.vectorize(lambda item: item.decode("utf-8") if isinstance(item, bytes)
                            else str(item), otypes=[str])(values)
    return values


def _tensors(samples: dict[str, np.ndarray]) -> dict[str, Any]:
    import tensorflow as tf

    return {name: tf.constant(values) for name, values in samples.items()}


def _quantization(module: Any, quantize: str | None) -> str:
    choices = module.QUANTIZATIONS
    if quantize in (None, "", "none", "float32"):
        return "float32"
    if quantize not in choices:
        offered = ", ".join(choice for choice in choices if choice != "float32")
        raise UserInputError(
            f"--quantize {quantize} does not apply to {module.NAME}; "
            + (f"choose one of {offered}" if offered else
               "only the litert format is quantized (float16, dynamic, int8)"))
    return quantize


def _target(run: TrainedRun, module: Any, quantize: str, out_path: str | Path | None,
            part: str | None = None) -> Path:
    if out_path:
        return _keras_target(Path(out_path)) if module.NAME == "keras" else Path(out_path)
    name = DEFAULT_NAMES[module.NAME]
    if quantize != "float32":
        name = f"{name}-{quantize}"
    if part:
        stem, dot, suffix = name.partition(".")
        name = f"{stem}-{part}{dot}{suffix}"
    return run.folder.exports_dir / name


def export_metadata(run: TrainedRun, dataset: Dataset, fmt: str,
                    written: dict[str, Any]) -> dict[str, Any]:
    """Return the ``dlstudio_export.json`` contents: what the export takes and gives."""
    columns = input_columns(dataset)
    inputs = written.pop("inputs", None) or [
        {"name": tensor.name, "dtype": "string" if str(tensor.dtype) == "string"
         else str(tensor.dtype), "shape": list(tensor.shape)} for tensor in run.model.inputs]
    for spec in inputs:
        spec["column"] = columns.get(spec["name"])
    metadata: dict[str, Any] = {
        "dlstudio_export": 1,
        "format": fmt,
        "task": run.task,
        "class_names": run.class_names,
        "threshold": run.threshold,
        "data_kind": dataset.kind,
        "signature": None,
        "output": None,
        "output_units": int(run.model.outputs[0].shape[-1]),
        "inputs": inputs,
        **get_task(run.task).export_metadata(run.model),
        **written,
        "run": {"id": run.record.id, "name": run.name, "folder": str(run.folder.path)},
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    if dataset.kind == "csv":
        metadata["csv"] = {"delimiter": getattr(dataset.table, "delimiter", ",")}
    describe_series = getattr(dataset, "export_description", None)
    if describe_series is not None:  # a forecast: what a window holds
        metadata["series"] = describe_series()
    if dataset.kind == "images":
        metadata["image"] = {"channels": dataset.channels,
                             "color_mode": run.project.data.color_mode,
                             "size": list(run.project.data.image_size)}
    return metadata


def _finish_files(staging: Path, metadata: dict[str, Any], target: Path, folder: bool) -> None:
    if not folder:
        os.chmod(staging, new_mode(folder=False))
        return
    atomic_write_text(staging / LABELS_FILE, "".join(f"{c}\n" for c in metadata["class_names"]))
    write_readme = readme_text if metadata["format"] == "savedmodel" else graph_readme_text
    atomic_write_text(staging / README_FILE, write_readme(metadata, target.resolve()))
    os.chmod(staging, new_mode(folder=True))


def _staging(target: Path, folder: bool) -> Path:
    if folder:
        return Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    handle, name = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=".keras",
                                    dir=target.parent)
    os.close(handle)
    return Path(name)


def _move(staging: Path, meta_file: Path, target: Path, folder: bool) -> None:
    if folder:
        _replace(staging, target)
        return
    os.replace(staging, target)
    os.replace(meta_file, keras_metadata_path(target))


def _remove(staging: Path, meta_file: Path) -> None:
    if staging.is_dir():
        shutil.rmtree(staging, ignore_errors=True)
    else:
        staging.unlink(missing_ok=True)
        meta_file.unlink(missing_ok=True)


def new_mode(folder: bool) -> int:
    """Return the permissions a new folder (``0o777``) or file (``0o666``) gets under the
    process's umask, as ``mkdir`` and ``open`` give them (``mkdtemp``/``mkstemp`` make them
    private, which an export must not stay)."""
    umask = os.umask(0)
    os.umask(umask)
    return (0o777 if folder else 0o666) & ~umask


def _keras_target(path: Path) -> Path:
    """Return ``path``, or ``model.keras`` inside it when it is a folder."""
    if path.is_dir():
        return path / "model.keras"
    if path.suffix != ".keras":
        raise UserInputError(f"{path}: a Keras export must be a file ending in .keras; "
                             f"use {path.with_suffix('.keras')}")
    return path


def run_inputs(run: TrainedRun) -> list[Path]:
    """Return what an export of ``run`` reads and must never write over: the run folder's own
    files (all but ``exports/``) and the data it was trained on."""
    inputs = run.folder.own_files()
    if run.project.data.path:
        inputs.append(run.project.data_path())
    return inputs


def _check_target(target: Path, overwrite: bool, folder: bool,
                  inputs: list[Path] | None = None) -> None:
    check_output_path(target, inputs=inputs or [], force=overwrite, folder=folder,
                      force_hint="pass --force (dlstudio export --force)")
    if folder and target.is_dir() and any(target.iterdir()) \
            and not (target / METADATA_FILE).exists() \
            and not (target / "saved_model.pb").exists():
        raise UserInputError(f"{target} is a folder that holds other files; give a new or "
                             "empty folder path for the export")


def _replace(staging: Path, target: Path) -> None:
    if target.exists():
        shutil.rmtree(target)
    os.replace(staging, target)


def _write_json(path: Path, body: dict[str, Any]) -> None:
    atomic_write_text(path, json.dumps(body, indent=2, ensure_ascii=False) + "\n")
