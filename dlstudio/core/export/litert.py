"""LiteRT (TensorFlow Lite) export: float32, float16, dynamic-range int8 or full-integer int8,
checked with the LiteRT interpreter (the ``ai-edge-litert`` package).

The converter reads the model's inference function (``training=False``). Quantization:

- ``float32``: no quantization;
- ``float16``: weights stored as float16, computed in float32;
- ``dynamic``: weights stored as int8, activations quantized on the fly;
- ``int8``: weights and activations int8 (``TFLITE_BUILTINS_INT8``), calibrated on up to
  :data:`CALIBRATION_SAMPLES` samples of the training split; input and output stay float32
  (quantized and dequantized at the graph's edges), so it is fed like the others.

Recurrent layers (LSTM, GRU) convert only with a fixed batch size: when the free-batch graph
fails to convert, the graph is converted for one sample at a time and the interpreter runs a
batch row by row. Table models take encoded inputs (:mod:`dlstudio.core.export.graph`). A file
is loaded only if its SHA-256 matches the metadata and every op is a LiteRT builtin (no custom
or TensorFlow "Flex" ops, which could run code outside the builtin kernels).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from dlstudio.core.export.file_integrity import read_verified, sha256
from dlstudio.core.export.formats import ExportJob, missing_packages
from dlstudio.core.export.graph import encoder, frozen_function, graph_inputs, graph_model
from dlstudio.core.export.savedmodel_safety import UnsafeModelError

NAME = "litert"
TITLE = "LiteRT / TensorFlow Lite (a folder: model.tflite + metadata)"
FOLDER = True
QUANTIZATIONS = ("float32", "float16", "dynamic", "int8")
TOLERANCE: tuple[float, float] | None = (1e-4, 1e-4)
MODEL_FILE = "model.tflite"
CALIBRATION_SAMPLES = 128


def tolerance(quantize: str) -> tuple[float, float] | None:
    """Float32 must match the model; quantized variants report what they lost instead."""
    return TOLERANCE if quantize == "float32" else None


def refusal(job: ExportJob) -> str | None:
    """Tables and images convert (what cannot is refused while writing, with the reason);
    the packages must be installed."""
    if job.run.model is not None and isinstance(job.run.model.output, dict):
        return ("this model returns several outputs (an autoencoder's reconstruction and "
                "score); export it as a SavedModel or a .keras file")
    return missing_packages("ai_edge_litert")


def write(job: ExportJob, staging: Path) -> dict[str, Any]:
    """Convert the graph to ``staging/model.tflite`` and return its metadata."""
    model, specs = graph_model(job, staging)
    representative = _representative(job, staging) if job.quantize == "int8" else None
    try:
        content, fixed = _convert(model, specs, job.quantize, representative, None), False
    except Exception:  # noqa: BLE001 - recurrent layers need a fixed batch size
        content, fixed = _convert(model, specs, job.quantize, representative, 1), True
    (staging / MODEL_FILE).write_bytes(content)
    inputs = graph_inputs(specs)
    if fixed:
        for item in inputs:
            item["shape"][0] = 1
    return {"inputs": None, "graph_inputs": inputs, "model_file": MODEL_FILE,
            "quantize": job.quantize, "fixed_batch": fixed,
            "sha256": sha256(staging / MODEL_FILE)}


def _convert(model: Any, specs: list[Any], quantize: str, representative: Any,
             batch: int | None) -> bytes:
    import tensorflow as tf

    specs = [tf.TensorSpec([batch, *spec.shape[1:]], spec.dtype, name=spec.name)
             for spec in specs]
    converter = tf.lite.TFLiteConverter.from_concrete_functions(
        [frozen_function(model, specs)])
    if quantize != "float32":
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
    if quantize == "float16":
        converter.target_spec.supported_types = [tf.float16]
    if quantize == "int8":
        converter.representative_dataset = representative
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    return converter.convert()


def _representative(job: ExportJob, staging: Path) -> Any:
    """Return the calibration samples (training split), encoded as the graph takes them."""
    metadata = {"data_kind": job.dataset.kind,
                "inputs": [{"name": name, "column": column}
                           for name, column in _columns(job).items()],
                "graph_inputs": [{"name": "image", "shape": [None,
                                                             *job.run.project.data.image_size]}]}
    encoded = encoder(staging, metadata)(job.representative)
    count = len(next(iter(encoded.values())))

    def samples() -> Any:
        for row in range(min(count, CALIBRATION_SAMPLES)):
            yield [np.asarray(values[row:row + 1]).astype(np.float32)
                   if np.asarray(values).dtype.kind == "f" else np.asarray(values[row:row + 1])
                   for values in encoded.values()]

    return samples


def _columns(job: ExportJob) -> dict[str, str]:
    from dlstudio.core.export.graph import input_columns

    columns = input_columns(job.dataset)
    return {name: columns.get(name, name) for name in job.representative}


def check_tflite(interpreter: Any, where: Path) -> set[str]:
    """Refuse a model with ops outside LiteRT's builtins; return the op names."""
    names = {detail["op_name"] for detail in interpreter._get_ops_details()}
    foreign = sorted(name for name in names
                     if name.startswith("Flex") or name.upper() == "CUSTOM")
    if foreign:
        raise UnsafeModelError(f"{where} uses {', '.join(foreign)}, which are not LiteRT "
                               "builtin ops; dlstudio loads only builtin ops — export the run "
                               "again with dlstudio")
    return names


def load(path: Path, metadata: dict[str, Any]) -> Any:
    """Return a call on raw inputs through the LiteRT interpreter, after the checks above."""
    from ai_edge_litert.interpreter import Interpreter

    content = read_verified(path / metadata["model_file"], metadata)
    interpreter = Interpreter(model_content=content)
    check_tflite(interpreter, path / metadata["model_file"])
    details = _by_name(interpreter.get_input_details(), metadata["graph_inputs"])
    output_index = interpreter.get_output_details()[0]["index"]
    encode = encoder(path, metadata)
    state = {"batch": None}

    def run(encoded: dict[str, Any], rows: int) -> np.ndarray:
        if state["batch"] != rows:
            for name, detail in details.items():
                interpreter.resize_tensor_input(detail["index"],
                                                [rows, *np.asarray(encoded[name]).shape[1:]])
            interpreter.allocate_tensors()
            state["batch"] = rows
        for name, detail in details.items():
            interpreter.set_tensor(detail["index"],
                                   np.asarray(encoded[name]).astype(detail["dtype"]))
        interpreter.invoke()
        return np.array(interpreter.get_tensor(output_index))

    def call(inputs: dict[str, Any]) -> np.ndarray:
        encoded = encode(inputs)
        rows = len(next(iter(encoded.values())))
        if not metadata.get("fixed_batch"):
            return run(encoded, rows)
        return np.concatenate([run({name: values[row:row + 1]
                                    for name, values in encoded.items()}, 1)
                               for row in range(rows)])

    return call


def _by_name(details: list[dict[str, Any]], wanted: list[dict[str, Any]]
             ) -> dict[str, dict[str, Any]]:
    """Match the interpreter's inputs (``serving_default_<name>:0``) to the graph's names."""
    found = {}
    for item in wanted:
        matches = [detail for detail in details
                   if detail["name"].split(":")[0].removeprefix("serving_default_")
                   == item["name"]]
        found[item["name"]] = matches[0] if matches else details[len(found)]
    return found
