"""Predict on new data with a run folder or an export, and write the results as CSV.

:func:`predict_to_csv` accepts three sources:

- a run folder: the data is read through the run's project snapshot (same columns, same image
  size) with ``evaluation_only`` (targets optional), and the run's ``model.keras`` predicts;
- a SavedModel folder written by :func:`dlstudio.core.export.exporter.export_run`, loaded only
  after every op in it passed :mod:`dlstudio.core.export.savedmodel_safety`; its
  ``dlstudio_export.json`` names each serving input and the CSV column it takes, so a CSV is read
  with pandas and fed column by column, and images are decoded and fed one at a time at their
  own size (the model resizes them);
- an ONNX or LiteRT export folder (``dlstudio export --format onnx|litert``), read the same way;
  its model file must have the SHA-256 recorded in the metadata and only standard ops
  (:mod:`dlstudio.core.export.onnx`, :mod:`dlstudio.core.export.litert`), and CSV cells are
  encoded by the export's own ``encode.py`` reference before the graph sees them;
- a ``.keras`` export, read the same way through the ``<name>.dlstudio_export.json`` written
  beside it, and loaded with ``safe_mode`` on
  (:func:`dlstudio.core.evaluation.evaluate.load_keras_model`).

The CSV written has one row per input row or image: ``sample`` (``row N`` counting data rows
below the header, or the image path inside the folder), ``prediction`` (a class name or a value)
and, for classification, ``prob_<class>`` per class. A two-class run (or its export) predicts
its second class when that class's probability reaches the run's saved decision threshold
(``dlstudio evaluate RUN --threshold T``; 0.5 when none was saved).
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from dlstudio.core.data import load_dataset
from dlstudio.core.data.csv_reading import read_csv_file
from dlstudio.core.data.image_scan import scan_image_folder
from dlstudio.core.data.tabular_columns import as_numbers, as_strings
from dlstudio.core.errors import DataError, UserInputError, name_list, writing_into
from dlstudio.core.evaluation.evaluate import is_run_folder, open_run, predict_outputs
from dlstudio.core.export.formats import METADATA_FILE, format_module, keras_metadata_path
from dlstudio.core.output_paths import check_output_path
from dlstudio.core.project.project import atomic_write_text
from dlstudio.core.tasks import get_task

LOGGER = logging.getLogger("dlstudio.drift")
CSV_BATCH_ROWS = 1024
METADATA_KEYS = ("format", "task", "class_names", "data_kind", "inputs")
FOLDER_FORMATS = ("savedmodel", "onnx", "litert")


def predict_to_csv(run_or_export: str | Path, data_path: str | Path,
                   out_csv: str | Path, *, force: bool = False, backtest: bool = False) -> int:
    """Predict on ``data_path`` and write one CSV row per sample to ``out_csv``.

    Args:
        run_or_export: A run folder, or a SavedModel folder or ``.keras`` file made by
            ``dlstudio export``.
        data_path: A CSV file or an image folder (targets are not needed).
        out_csv: The CSV file to write (replaced atomically); never one of the inputs.
        force: Replace ``out_csv`` when it exists.
        backtest: For a forecasting model, forecast every test window of the file instead
            of the steps after its last row (see
            :mod:`dlstudio.core.evaluation.forecast_predict`).

    Returns:
        The number of rows written.

    Raises:
        UserInputError: ``run_or_export`` is neither a run folder nor a dlstudio export, a
            ``.keras`` file lacks the metadata written beside it, or ``out_csv`` is an input,
            a folder, or exists without ``force``.
        DataError: The data cannot be read the way the model expects.
    """
    source = Path(run_or_export)
    inputs = [source, Path(data_path)]
    if source.suffix == ".keras":
        inputs.append(keras_metadata_path(source))
    target = check_output_path(out_csv, inputs=inputs, force=force)
    from dlstudio.core.evaluation.forecast_predict import forecast_with

    forecast = forecast_with(source, Path(data_path), backtest)
    if forecast is not None:
        with writing_into(target.resolve().parent, "the forecast"):
            atomic_write_text(target, forecast.to_csv(index=False))
        return len(forecast)
    if backtest:
        raise UserInputError("--backtest is for forecasting models; leave it out")
    if is_run_folder(source):
        predicted = _predict_with_run(source, Path(data_path))
    elif source.suffix == ".keras" and source.is_file():
        predicted = _predict_with_keras(source, Path(data_path))
    elif (source / METADATA_FILE).is_file():
        predicted = _predict_with_export(source, Path(data_path))
    else:
        raise UserInputError(
            f"{source} is neither a run folder (with run.json) nor a SavedModel exported by "
            f"dlstudio (with {METADATA_FILE}) nor a .keras file; pass the folder `dlstudio "
            "train` wrote, or what `dlstudio export` wrote")
    table = prediction_table(*predicted)
    with writing_into(target.resolve().parent, "the predictions"):
        atomic_write_text(target, table.to_csv(index=False))
    return len(table)


def prediction_table(sample_ids: list[str], outputs: np.ndarray, task: str,
                     class_names: list[str], threshold: float | None = None) -> pd.DataFrame:
    """Return the predictions as the task's table (``sample``, ``prediction`` and, for
    classification, ``prob_<class>``; see :meth:`~dlstudio.core.tasks.Task.prediction_table`).

    ``threshold``: with two classes, the second is predicted when its probability is at least
    this (``None``: the most probable class).

    Raises:
        UserInputError: ``task`` is not a task dlstudio knows.
    """
    return get_task(task).prediction_table(sample_ids, outputs, class_names, threshold)


Predicted = tuple[list[str], np.ndarray, str, list[str], float | None]


def _predict_with_run(run_dir: Path, data_path: Path) -> Predicted:
    run = open_run(run_dir)
    dataset = load_dataset(run.project, path=data_path, class_names=run.class_names or None,
                           evaluation_only=True)
    outputs = predict_outputs(run.model, dataset, "test", run.project.training.batch_size)
    warn_if_drifted(run_dir, dataset, run.model)
    return dataset.sample_ids("test"), outputs, run.task, run.class_names, run.threshold


def warn_if_drifted(run_dir: Path, dataset: Any, model: Any = None) -> str | None:
    """Log (and return) a warning when ``dataset``'s test split drifted from the run's stored
    reference statistics; runs without them are not checked here (``dlstudio drift`` is)."""
    from dlstudio.core.monitoring.drift import batch_warning
    from dlstudio.core.monitoring.reference import read_reference, reference_path

    path = reference_path(run_dir)
    if not path.is_file():
        return None
    try:
        message = batch_warning(read_reference(path), dataset, model)
    except (UserInputError, KeyError, ValueError) as error:
        LOGGER.warning("the drift check was skipped: %s", error)
        return None
    if message:
        LOGGER.warning(message)
    return message


def _predict_with_export(export_dir: Path, data_path: Path) -> Predicted:
    raw = _metadata_json(export_dir / METADATA_FILE, "savedmodel")
    fmt = raw.get("format") if isinstance(raw, dict) and raw.get("format") in FOLDER_FORMATS \
        else "savedmodel"
    metadata = read_export_metadata(export_dir / METADATA_FILE, fmt)
    # Each format's loader checks what it loads first: the SavedModel op allow-list, the
    # SHA-256 and op checks of ONNX and LiteRT files.
    call = format_module(fmt).load(export_dir, metadata)
    return _predict_raw(metadata, data_path, call)


def _predict_with_keras(model_path: Path, data_path: Path) -> Predicted:
    metadata_path = keras_metadata_path(model_path)
    if not metadata_path.is_file():
        raise UserInputError(
            f"{model_path} has no {metadata_path.name} beside it; predict needs that file for "
            "the task, the class names and which CSV column each input takes. Export the run "
            f"again with `dlstudio export RUN --format keras -o {model_path} --force` (it "
            "writes both), or predict with the run folder")
    metadata = read_export_metadata(metadata_path, "keras")
    return _predict_raw(metadata, data_path, format_module("keras").load(model_path, metadata))


def _predict_raw(metadata: dict[str, Any], data_path: Path, call: Any) -> Predicted:
    """Feed ``data_path`` to an export's ``call`` as the metadata describes its inputs."""
    if metadata["data_kind"] == "csv":
        sample_ids, outputs = _predict_table(metadata, data_path, call)
    else:
        sample_ids, outputs = _predict_images(metadata, data_path, call)
    threshold = metadata.get("threshold")
    return (sample_ids, outputs, metadata["task"], list(metadata["class_names"]),
            float(threshold) if isinstance(threshold, int | float) else None)


def read_export_metadata(path: Path, fmt: str) -> dict[str, Any]:
    """Return an export's ``dlstudio_export.json`` (``path``), checked to describe ``fmt``.

    Args:
        path: The metadata file.
        fmt: The export format it must describe: ``savedmodel`` or ``keras``.

    Raises:
        UserInputError: The file is not valid JSON or does not describe such an export.
    """
    again = f"export the run again with `dlstudio export RUN --format {fmt} --force`"
    metadata = _metadata_json(path, fmt)
    if not isinstance(metadata, dict):
        raise UserInputError(f"{path} holds no dlstudio export description; {again}")
    missing = [key for key in METADATA_KEYS if key not in metadata]
    if missing:
        raise UserInputError(f"{path} lacks {', '.join(missing)}; {again}")
    if metadata["format"] != fmt:
        raise UserInputError(f"{path} describes a {metadata['format']!r} export, not a {fmt} "
                             f"one; {again}")
    return metadata


def _metadata_json(path: Path, fmt: str) -> Any:
    again = f"export the run again with `dlstudio export RUN --format {fmt} --force`"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError) as error:
        raise UserInputError(f"{path} cannot be read ({error}); {again}") from None


def _predict_table(metadata: dict[str, Any], data_path: Path,
                   call: Any) -> tuple[list[str], np.ndarray]:
    frame = read_csv_file(data_path).frame
    missing = [spec["column"] for spec in metadata["inputs"] if spec["column"] not in frame]
    if missing:
        wanted = name_list(spec["column"] for spec in metadata["inputs"])
        raise DataError(f"{data_path}: column {name_list(missing)} is not in the "
                        f"file; the model reads {wanted} — add the missing columns (their "
                        "values may be empty)")
    columns = {spec["name"]: _column_values(frame[spec["column"]], spec["dtype"])
               for spec in metadata["inputs"]}
    outputs = [call({name: values[start:start + CSV_BATCH_ROWS]
                     for name, values in columns.items()})
               for start in range(0, len(frame), CSV_BATCH_ROWS)]
    sample_ids = [f"row {number}" for number in range(1, len(frame) + 1)]
    return sample_ids, np.concatenate(outputs).reshape(len(frame), -1)


def _column_values(series: pd.Series, dtype: str) -> Any:
    import tensorflow as tf

    if dtype == "string":
        return tf.constant(as_strings(series).astype(str).reshape(-1, 1), dtype=tf.string)
    values, _ = as_numbers(series)
    return tf.constant(values.astype(np.float32).reshape(-1, 1))


def _predict_images(metadata: dict[str, Any], data_path: Path,
                    call: Any) -> tuple[list[str], np.ndarray]:
    import tensorflow as tf

    scan = scan_image_folder(data_path, evaluation_only=True)
    (spec,) = metadata["inputs"]
    grayscale = metadata.get("image", {}).get("channels") == 1
    outputs = []
    for file in scan.files:
        pixels = tf.io.decode_image(tf.io.read_file(str(scan.root / file.path)), channels=3,
                                    expand_animations=False)
        if grayscale:
            pixels = tf.image.rgb_to_grayscale(pixels)
        outputs.append(call({spec["name"]: tf.cast(pixels, tf.float32)[tf.newaxis]}))
    if not outputs:
        raise DataError(f"{data_path}: no usable images to predict on")
    return [file.path for file in scan.files], np.concatenate(outputs)
