"""The numeric part of a table model, for formats that cannot hold strings (ONNX, LiteRT).

A dlstudio table model takes raw columns and encodes them inside (missing values, robust
scaling, ``StringLookup``, ``TextVectorization``). ONNX and LiteRT graphs cannot hold string
lookups, so :func:`numeric_model` cuts the model after its encoding layers: the exported
graph takes the encoded numbers, and :func:`encoding_spec` describes the cut-off encoding as
JSON that :mod:`dlstudio.core.export.reference_encoder` (NumPy only, shipped with the export)
applies to raw CSV cells. Numeric columns are encoded outside too, so an int8 graph never sees
a NaN. Image models need no cut: their inputs are pixels.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from dlstudio.core.errors import UserInputError
from dlstudio.core.export.readme import PANDAS_MISSING

ENCODING_FILE = "encoding.json"
ENCODER_FILE = "encode.py"


class FormatNotOffered(UserInputError):
    """A format cannot represent this model; the message says why."""


def numeric_model(model: Any, input_columns: dict[str, str]) -> tuple[Any, dict[str, Any]]:
    """Return ``model`` cut after its encoding layers, and the encoding spec of the cut.

    Args:
        model: The trained table model (raw column inputs).
        input_columns: The CSV column of each model input name.

    Raises:
        FormatNotOffered: An input is read by a layer this cut does not know.
    """
    import keras

    layers = {layer.name: layer for layer in model.layers}
    inputs: list[Any] = []
    entries: list[dict[str, Any]] = []
    numeric = _numeric_entries(layers, input_columns)
    for entry, tensor in numeric:
        inputs.append(tensor)
        entries.append(entry)
    numeric_names = {name for entry, _ in numeric for name in entry["inputs"]}
    for tensor in model.inputs:
        name = tensor.name
        if name in numeric_names:
            continue
        consumer = _single_consumer(model, tensor)
        entry = _text_entry(consumer, name, input_columns.get(name, name))
        inputs.append(consumer.output)
        entries.append(entry)
    for entry, tensor in zip(entries, inputs, strict=True):
        entry.pop("inputs", None)
        # TextVectorization declares (batch, 1, width) for TF-IDF: the graph wants that rank.
        entry["shape"] = [int(size) for size in tensor.shape[1:]]
    cut = keras.Model(inputs, model.outputs, name="encoded_inputs_model")
    spec = {"dlstudio_encoding": 1, "missing_cells": list(PANDAS_MISSING), "inputs": entries}
    return cut, spec


def _numeric_entries(layers: dict[str, Any], input_columns: dict[str, str]
                     ) -> list[tuple[dict[str, Any], Any]]:
    if "impute_numeric" not in layers:
        return []
    impute, normalize = layers["impute_numeric"], layers["normalize_numeric"]
    clip = layers.get("clip_numeric")
    concat = layers.get("numeric_values")
    sources = concat.input if concat is not None else [impute.input]
    names = [tensor.name for tensor in sources]
    columns = [input_columns.get(name, name) for name in names]
    entry = {
        "name": "numeric", "kind": "numeric", "columns": columns, "inputs": names,
        "fill": [float(value) for value in impute.fill_values],
        "mean": _floats(normalize.mean), "variance": _floats(normalize.variance),
        "clip": float(clip.limit) if clip is not None else 0.0,
    }
    found = [(entry, (clip or normalize).output)]
    if "missing_numeric" in layers:
        indicator = layers["missing_numeric"]
        found.append(({"name": "numeric_missing", "kind": "missing", "inputs": [],
                       "columns": [columns[i] for i in indicator.indices]}, indicator.output))
    return found


def _floats(values: Any) -> list[float]:
    import keras

    return [float(value) for value in np.asarray(keras.ops.convert_to_numpy(values)).ravel()]


def _single_consumer(model: Any, tensor: Any) -> Any:
    consumers = [layer for layer in model.layers
                 if any(node_input is tensor for node_input in _flat_inputs(layer))]
    if len(consumers) != 1:
        raise FormatNotOffered(
            f"the input {tensor.name} is read by {len(consumers)} layers; ONNX and LiteRT "
            "exports cut the model after the one layer that encodes each text input — use "
            "the SavedModel or .keras format for this model")
    return consumers[0]


def _flat_inputs(layer: Any) -> list[Any]:
    try:
        value = layer.input
    except (AttributeError, ValueError):
        return []
    return list(value) if isinstance(value, list | tuple) else [value]


def _text_entry(layer: Any, name: str, column: str) -> dict[str, Any]:
    kind = type(layer).__name__
    config = layer.get_config()
    if kind == "StringLookup":
        mode = {"one_hot": "one_hot", "int": "index"}.get(config["output_mode"])
        if mode is None or config.get("num_oov_indices", 1) != 1 or config.get("mask_token"):
            raise FormatNotOffered(f"the input {name} uses a StringLookup that ONNX and LiteRT "
                                   "exports cannot encode outside the graph; use the "
                                   "SavedModel or .keras format")
        vocabulary = [str(word) for word in layer.get_vocabulary(include_special_tokens=False)]
        return {"name": name, "kind": mode, "column": column, "vocabulary": vocabulary}
    if kind == "TextVectorization":
        vocabulary = [str(word) for word in layer.get_vocabulary(include_special_tokens=False)]
        if config["output_mode"] == "int":
            return {"name": name, "kind": "token_ids", "column": column,
                    "vocabulary": vocabulary, "length": int(config["output_sequence_length"])}
        if config["output_mode"] == "tf_idf":
            idf = [float(value) for value in config["idf_weights"]]
            return {"name": name, "kind": "tf_idf", "column": column, "vocabulary": vocabulary,
                    "idf": [float(np.mean(idf)), *idf]}
    raise FormatNotOffered(
        f"the input {name} is read by a {kind} layer, which ONNX and LiteRT exports cannot "
        "move outside the graph; use the SavedModel or .keras format for this model")
