"""The numeric graph that ONNX and LiteRT exports hold, and how raw inputs reach it.

Table models are cut after their encoding (:mod:`dlstudio.core.export.encoding`): the graph
takes encoded numbers, and ``encoding.json`` + ``encode.py`` in the export folder encode raw
CSV cells. Image models keep every layer, with the pixel input fixed to the training image
size (``Resizing`` inside is then exact; other sizes are resized before the graph).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sys
import tempfile
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from dlstudio.core.export import reference_encoder
from dlstudio.core.export.encoding import ENCODER_FILE, ENCODING_FILE, numeric_model
from dlstudio.core.export.formats import ExportJob


def input_columns(dataset: Any) -> dict[str, str]:
    """Return which CSV column each model input takes (empty for image folders)."""
    names = getattr(dataset, "input_names", {}) if dataset.kind == "csv" else {}
    return {name: column for column, name in names.items()}


def graph_model(job: ExportJob, staging: Path) -> tuple[Any, list[Any]]:
    """Return the Keras model the graph holds and its input specs (batch size free).

    For a table, write ``encoding.json`` and ``encode.py`` into ``staging``.
    """
    import tensorflow as tf

    model = job.run.model
    if job.dataset.kind != "csv":
        size = list(job.run.project.data.image_size)
        (tensor,) = model.inputs
        spec = tf.TensorSpec([None, *size, tensor.shape[-1]], tf.float32, name=tensor.name)
        return model, [spec]
    cut, spec = numeric_model(model, input_columns(job.dataset))
    (staging / ENCODING_FILE).write_text(json.dumps(spec, indent=1, ensure_ascii=False) + "\n",
                                         encoding="utf-8")
    shutil.copyfile(reference_encoder.__file__, staging / ENCODER_FILE)
    specs = [tf.TensorSpec([None, *tensor.shape[1:]], tensor.dtype, name=entry["name"])
             for entry, tensor in zip(spec["inputs"], cut.inputs, strict=True)]
    return cut, specs


def graph_inputs(specs: list[Any]) -> list[dict[str, Any]]:
    """Return the graph's inputs for the metadata: name, dtype, shape."""
    return [{"name": spec.name, "dtype": spec.dtype.name, "shape": spec.shape.as_list()}
            for spec in specs]


def encoder(path: Path, metadata: dict[str, Any]) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """Return the function that turns raw inputs (keyed by model input name) into the graph's
    inputs: the reference encoder for tables, a resize to the fixed size for images."""
    if metadata["data_kind"] == "csv":
        spec = json.loads((path / ENCODING_FILE).read_text(encoding="utf-8"))
        columns = {item["name"]: item["column"] for item in metadata["inputs"]}

        def encode(inputs: dict[str, Any]) -> dict[str, Any]:
            cells = {columns[name]: [_cell(value) for value in np.asarray(values).reshape(-1)]
                     for name, values in inputs.items()}
            return reference_encoder.encode_columns(spec, cells)

        return encode
    (graph_input,) = metadata["graph_inputs"]

    def pixels(inputs: dict[str, Any]) -> dict[str, Any]:
        (values,) = inputs.values()
        values = np.asarray(values, dtype=np.float32)
        wanted = graph_input["shape"][1:3]
        if list(values.shape[1:3]) != wanted:
            import tensorflow as tf

            values = tf.image.resize(values, wanted).numpy()
        return {graph_input["name"]: values}

    return pixels


def _cell(value: Any) -> Any:
    if isinstance(value, bytes):
        return value.decode("utf-8")
    if isinstance(value, np.floating):
        return float(value)
    return value


def frozen_function(model: Any, specs: list[Any]) -> Any:
    """Return the model's inference function (``training=False``) on ``specs`` with every
    variable folded into a constant, so converters see a self-contained graph."""
    import tensorflow as tf
    from tensorflow.python.framework.convert_to_constants import (
        convert_variables_to_constants_v2,
    )

    names = [tensor.name for tensor in model.inputs]
    as_dict = isinstance(model.input, dict)

    def infer(*inputs: Any) -> Any:
        if as_dict:
            return model(dict(zip(names, inputs, strict=True)), training=False)
        return model(list(inputs) if len(inputs) > 1 else inputs[0], training=False)

    return convert_variables_to_constants_v2(tf.function(infer).get_concrete_function(*specs))


@contextlib.contextmanager
def quiet_native_output() -> Iterator[None]:
    """Keep converters' chatter (tf2onnx logs, the LiteRT converter's native prints, Keras
    warnings) off the terminal: descriptors 1 and 2 go to a temporary file for the block."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    with tempfile.TemporaryFile() as sink:
        os.dup2(sink.fileno(), 1)
        os.dup2(sink.fileno(), 2)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                yield
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            os.close(saved[0])
            os.close(saved[1])
