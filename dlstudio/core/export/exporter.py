"""Export a trained run as a TensorFlow SavedModel or a ``.keras`` file, checked by reloading it.

``savedmodel``: a folder written through ``keras.export.ExportArchive`` (what
``model.export(format="tf_saved_model")`` uses), with the model called as
``model(inputs, training=False)``: ``model.export`` calls it without ``training``, and Keras 3's
random augmentation layers (``RandomFlip``, …) default to training mode, so its export would
flip and rotate images at inference. The ``serving_default`` signature takes raw inputs — a
CSV's feature columns as they are in the file (numbers as float32 with NaN for missing values,
categories and text as strings), or an image's decoded pixels (float32 in 0..255, any size:
resized inside). dlstudio adds to the folder:

- ``dlstudio_export.json``: task, class names, each serving input (name, dtype, shape and the
  CSV column it takes), the output name, the run it came from and the check below;
- ``labels.txt``: the class names in output order, one per line;
- ``README.txt``: how to call it from Python with TensorFlow only.

``keras``: the run's ``model.keras`` copied to a ``.keras`` path, with
``<name>.dlstudio_export.json`` beside it (``dlstudio predict`` reads the data through it). It
loads with ``keras.saving.load_model(path, safe_mode=True)`` once ``dlstudio.core.model.layers`` is
imported (dlstudio's own layers).

Every export is written to a temporary name, reloaded (``tf.saved_model.load`` or
``load_model(safe_mode=True)``) and must predict what the trained model predicts on a batch of
validation samples (computed on the CPU; :mod:`dlstudio.core.export.reload_check`) within
``|export - model| <= CHECK_ATOL + CHECK_RTOL * |model|`` (1e-5 each); only then is it moved
to its path, with the permissions of a newly made file or folder (:func:`new_mode`).
Otherwise :class:`ExportCheckError` is raised and nothing is left.
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

from dlstudio.core.data import Dataset, load_dataset
from dlstudio.core.errors import UserInputError, writing_into
from dlstudio.core.evaluation.evaluate import TrainedRun, load_keras_model, open_run
from dlstudio.core.export.readme import readme_text
from dlstudio.core.export.reload_check import (
    CheckBatch,
    ExportCheck,
    ExportCheckError,
    as_array,
    compare,
    on_cpu,
    reference_batch,
    require_passed,
)
from dlstudio.core.output_paths import check_output_path
from dlstudio.core.project.project import atomic_write_text

EXPORT_FORMATS = ("savedmodel", "keras")
METADATA_FILE = "dlstudio_export.json"
LABELS_FILE = "labels.txt"
README_FILE = "README.txt"
SIGNATURE = "serving_default"


@dataclass
class ExportResult:
    """What :func:`export_run` wrote.

    Attributes:
        path: The SavedModel folder or ``.keras`` file.
        format: ``savedmodel`` or ``keras``.
        check: The reload check.
        inputs: The serving inputs: ``name``, ``dtype``, ``shape`` and ``column`` (CSV only).
        metadata_path: The ``dlstudio_export.json`` written with it.
        readme_path: How to call it (SavedModel only).
    """

    path: Path
    format: str
    check: ExportCheck
    inputs: list[dict[str, Any]] = field(default_factory=list)
    metadata_path: Path | None = None
    readme_path: Path | None = None

    def summary_lines(self) -> list[str]:
        """Return what was written and how it was checked, as lines for the terminal."""
        lines = [f"exported {self.format} to {self.path}"]
        if self.inputs:
            described = ", ".join(_describe_input(spec) for spec in self.inputs)
            kind = "serving inputs" if self.format == "savedmodel" else "inputs"
            lines.append(f"{kind}: {described}")
        lines.append(f"check: {self.check.describe()}")
        if self.readme_path:
            lines.append(f"how to call it: {self.readme_path}")
        return lines


def _describe_input(spec: dict[str, Any]) -> str:
    column = f", column '{spec['column']}'" if spec.get("column") is not None else ""
    return f"{spec['name']} ({spec['dtype']}{column})"


def export_run(run_dir: str | Path, fmt: str, out_path: str | Path | None = None, *,
               overwrite: bool = False) -> ExportResult:
    """Export a run's trained model and check the export by reloading it.

    Args:
        run_dir: The run folder.
        fmt: ``savedmodel`` or ``keras``.
        out_path: The SavedModel folder or ``.keras`` file to write (an existing folder gets
            ``model.keras`` inside for ``keras``); default ``exports/savedmodel`` or
            ``exports/model.keras`` in the run folder.
        overwrite: Replace an existing export at ``out_path``.

    Raises:
        UserInputError: Unknown format, not a trained run, or a path that cannot be written.
        DataError: The run's data (needed for the check batch) cannot be read.
        ExportCheckError: The reloaded export predicts differently from the trained model.
    """
    if fmt not in EXPORT_FORMATS:
        raise UserInputError(f"unknown export format {fmt!r}; expected one of "
                             f"{', '.join(EXPORT_FORMATS)}")
    run = open_run(run_dir)
    if fmt == "savedmodel":
        target = Path(out_path) if out_path else run.folder.exports_dir / "savedmodel"
    else:
        target = _keras_target(Path(out_path)) if out_path else \
            run.folder.exports_dir / "model.keras"
    _check_target(target, overwrite, fmt == "savedmodel", run_inputs(run))
    dataset = load_dataset(run.project, class_names=run.class_names or None)
    inputs, split = reference_batch(dataset)
    with on_cpu():
        batch = CheckBatch(inputs, split, as_array(run.model(inputs, training=False)))
    with writing_into(target.parent, "the export"):
        if fmt == "savedmodel":
            return _export_savedmodel(run, dataset, batch, target)
        return _export_keras(run, dataset, batch, target)


def _export_savedmodel(run: TrainedRun, dataset: Dataset, batch: CheckBatch,
                       target: Path) -> ExportResult:
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        write_savedmodel(run.model, staging)
        inputs, output, check = _check_savedmodel(staging, batch)
        metadata = export_metadata(run, dataset, "savedmodel", check, inputs, output)
        _write_json(staging / METADATA_FILE, metadata)
        atomic_write_text(staging / LABELS_FILE, "".join(f"{c}\n" for c in run.class_names))
        atomic_write_text(staging / README_FILE, readme_text(metadata, target.resolve()))
        os.chmod(staging, new_mode(folder=True))
        _replace(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return ExportResult(target, "savedmodel", check, inputs, target / METADATA_FILE,
                        target / README_FILE)


def write_savedmodel(model: Any, path: Path) -> None:
    """Write ``model`` as a SavedModel whose ``serve``/``serving_default`` endpoint runs it in
    inference mode, one input per model input, named like the model's inputs."""
    import keras
    import tensorflow as tf

    def spec(tensor: Any) -> Any:
        return tf.TensorSpec(shape=tensor.shape, dtype=tensor.dtype, name=tensor.name)

    archive = keras.export.ExportArchive()
    archive.track(model)
    archive.add_endpoint("serve", lambda inputs: model(inputs, training=False),
                         input_signature=[keras.tree.map_structure(spec, model.input)])
    archive.write_out(str(path), verbose=False)


def _check_savedmodel(path: Path, batch: CheckBatch
                      ) -> tuple[list[dict[str, Any]], str, ExportCheck]:
    import tensorflow as tf

    loaded = tf.saved_model.load(str(path))
    serve = loaded.signatures[SIGNATURE]
    specs = serve.structured_input_signature[1]
    missing = sorted(set(specs) - set(batch.inputs))
    if missing:
        raise ExportCheckError(f"the SavedModel's serving signature asks for {missing}, which "
                               f"the data does not provide (it gives {sorted(batch.inputs)})")
    (output,) = serve.structured_outputs
    with on_cpu():
        actual = serve(**{name: tf.cast(batch.inputs[name], spec.dtype)
                          for name, spec in specs.items()})
    check = compare(batch.expected, actual[output].numpy(), batch.split)
    require_passed(check)
    inputs = [{"name": name, "dtype": spec.dtype.name, "shape": list(spec.shape.as_list())}
              for name, spec in specs.items()]
    return inputs, output, check


def export_metadata(run: TrainedRun, dataset: Dataset, fmt: str, check: ExportCheck,
                    inputs: list[dict[str, Any]], output: str | None) -> dict[str, Any]:
    """Return the ``dlstudio_export.json`` contents: what the export takes and gives."""
    columns = input_columns(dataset)
    for spec in inputs:
        spec["column"] = columns.get(spec["name"])
    metadata: dict[str, Any] = {
        "dlstudio_export": 1,
        "format": fmt,
        "task": run.task,
        "class_names": run.class_names,
        "threshold": run.threshold,
        "data_kind": dataset.kind,
        "signature": SIGNATURE if fmt == "savedmodel" else None,
        "output": output,
        "output_units": int(run.model.outputs[0].shape[-1]),
        "inputs": inputs,
        "run": {"id": run.record.id, "name": run.name,
                "folder": str(run.folder.path)},
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "check": {"samples": check.samples, "split": check.split,
                  "max_abs_diff": check.max_abs_diff, "atol": check.atol, "rtol": check.rtol},
    }
    if dataset.kind == "csv":
        metadata["csv"] = {"delimiter": dataset.table.delimiter}
    if dataset.kind == "images":
        metadata["image"] = {"channels": dataset.channels,
                             "color_mode": run.project.data.color_mode,
                             "size": list(run.project.data.image_size)}
    return metadata


def input_columns(dataset: Dataset) -> dict[str, str]:
    """Return which CSV column each model input takes (empty for image folders)."""
    names = getattr(dataset, "input_names", {}) if dataset.kind == "csv" else {}
    return {name: column for column, name in names.items()}


def _export_keras(run: TrainedRun, dataset: Dataset, batch: CheckBatch,
                  target: Path) -> ExportResult:
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=".keras", dir=target.parent)
    os.close(handle)
    staging = Path(name)
    try:
        shutil.copyfile(run.folder.model_path, staging)
        os.chmod(staging, new_mode(folder=False))
        reloaded = load_keras_model(staging)
        with on_cpu():
            outputs = as_array(reloaded(batch.inputs, training=False))
        check = compare(batch.expected, outputs, batch.split)
        require_passed(check)
        inputs = [{"name": tensor.name, "dtype": str(tensor.dtype), "shape": list(tensor.shape)}
                  for tensor in reloaded.inputs]
        os.replace(staging, target)
    except BaseException:
        staging.unlink(missing_ok=True)
        raise
    metadata = export_metadata(run, dataset, "keras", check, inputs, None)
    metadata["load"] = ("import keras, dlstudio.core.model.layers; "
                        "keras.saving.load_model(path, safe_mode=True)")
    metadata_path = keras_metadata_path(target)
    _write_json(metadata_path, metadata)
    return ExportResult(target, "keras", check, inputs, metadata_path)


def keras_metadata_path(model_path: Path) -> Path:
    """Return the ``<name>.dlstudio_export.json`` written beside a ``.keras`` export."""
    return model_path.with_name(f"{model_path.stem}.{METADATA_FILE}")


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
    folder = run.folder
    inputs = [folder.model_path, folder.project_path, folder.info_path, folder.events_path,
              folder.metrics_path, folder.checkpoint_dir, folder.evaluation_path]
    if run.project.data.path:
        inputs.append(run.project.data_path())
    return inputs


def _check_target(target: Path, overwrite: bool, folder: bool,
                  inputs: list[Path] | None = None) -> None:
    check_output_path(target, inputs=inputs or [], force=overwrite, folder=folder,
                      force_hint="pass --force (dlstudio export --force)")
    if folder and target.is_dir() and any(target.iterdir()) \
            and not (target / "saved_model.pb").exists():
        raise UserInputError(f"{target} is a folder that holds other files; give a new or "
                             "empty folder path for the SavedModel")


def _replace(staging: Path, target: Path) -> None:
    if target.exists():
        shutil.rmtree(target)
    os.replace(staging, target)


def _write_json(path: Path, body: dict[str, Any]) -> None:
    atomic_write_text(path, json.dumps(body, indent=2, ensure_ascii=False) + "\n")
