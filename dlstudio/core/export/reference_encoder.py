"""Turn raw CSV cells into the numeric inputs of an ONNX or LiteRT export (NumPy only).

String lookups and text vectorization cannot live inside an ONNX or LiteRT graph, so those
exports take encoded numbers; the vocabularies and the numeric normalisation are in
``encoding.json`` beside the model, and this file (copied there as ``encode.py``) is the
reference for turning rows of the CSV into those numbers. It needs Python and NumPy only::

    import csv, json
    from encode import encode_rows
    spec = json.load(open("encoding.json"))
    rows = list(csv.DictReader(open("new_data.csv", newline="")))
    inputs = encode_rows(spec, rows)  # {input name: float32/int64 array, one row per CSV row}

Each entry of ``spec["inputs"]`` is one model input, in the model's input order:

- ``numeric``: the numeric ``columns``; an empty cell becomes ``fill``, then
  ``(value - mean) / sqrt(variance)``, then ``v / sqrt(1 + (v / clip)^2)`` when ``clip`` > 0;
- ``missing``: 1.0 where the cell of each of ``columns`` is empty, else 0.0;
- ``one_hot``: slot 0 for a category not in ``vocabulary``, slot ``i + 1`` for
  ``vocabulary[i]`` (``""`` is the missing category); ``index``: that slot number (int64);
- ``tf_idf``: lower-cased words without punctuation; per word, its count times ``idf`` of its
  slot (slot 0 for unknown words); ``token_ids``: 0 pads, 1 is an unknown word, ``i + 2`` is
  ``vocabulary[i]``, cut or padded to ``length``.

Each entry's ``shape`` (when present) is the shape of one row as the graph declares it.
"""

from __future__ import annotations

import math
import re

import numpy as np

_PUNCTUATION = re.compile(r'[!"#$%&()\*\+,-\./:;<=>?@\[\\\]^_`{|}~\']')


def number(cell):
    """A numeric cell as training read it: a float, NaN when empty or not a number."""
    try:
        return float(cell)
    except (TypeError, ValueError):
        return math.nan


def text(cell, missing=()):
    """A category or text cell as training read it: trimmed, ``""`` when missing, whole
    numbers without a trailing ``.0``."""
    if cell is None or (isinstance(cell, float) and math.isnan(cell)):
        return ""
    cell = str(cell).strip()
    if cell in missing:
        return ""
    try:
        value = float(cell)
    except ValueError:
        return cell
    if math.isnan(value) or math.isinf(value):
        return cell
    return str(int(value)) if value.is_integer() and abs(value) < 1e15 else format(value, ".15g")


def words(cell):
    """Split text the way the model's vectorization did: ASCII lower case, no punctuation."""
    lowered = cell.encode("utf-8").lower().decode("utf-8")
    return _PUNCTUATION.sub("", lowered).split()


def encode_rows(spec, rows):
    """Encode CSV rows (dicts of column name to cell text, as ``csv.DictReader`` gives).

    Returns:
        A dict of input name to a NumPy array with one row per CSV row.
    """
    columns = {}
    for entry in spec["inputs"]:
        for column in entry.get("columns") or [entry["column"]]:
            columns[column] = [row.get(column) for row in rows]
    return encode_columns(spec, columns)


def encode_columns(spec, columns):
    """Encode whole columns (a dict of column name to a sequence of cells: strings, numbers or
    None) into the model's inputs."""
    missing = set(spec.get("missing_cells", ()))
    encoded = {}
    for entry in spec["inputs"]:
        kind = entry["kind"]
        if kind in ("numeric", "missing"):
            values = np.array([[number(text(cell, missing) or "nan") for cell in columns[name]]
                               for name in entry["columns"]], dtype=np.float64).T
            encoded[entry["name"]] = _numeric(entry, values) if kind == "numeric" \
                else np.isnan(values).astype(np.float32)
        else:
            cells = [text(cell, missing) for cell in columns[entry["column"]]]
            encoded[entry["name"]] = _encode_text(entry, cells)
        if "shape" in entry:  # the shape the graph declares for one row
            values = encoded[entry["name"]]
            encoded[entry["name"]] = values.reshape(len(values), *entry["shape"])
    return encoded


def _numeric(entry, values):
    filled = np.where(np.isnan(values), np.asarray(entry["fill"]), values)
    scaled = (filled - np.asarray(entry["mean"])) / np.maximum(
        np.sqrt(np.asarray(entry["variance"])), 1e-7)
    if entry.get("clip"):
        scaled = scaled / np.sqrt(1.0 + np.square(scaled / entry["clip"]))
    return scaled.astype(np.float32)


def _encode_text(entry, cells):
    kind = entry["kind"]
    slots = {word: position for position, word in enumerate(entry["vocabulary"])}
    if kind in ("one_hot", "index"):
        index = np.array([slots.get(cell, -1) + 1 for cell in cells], dtype=np.int64)
        if kind == "index":
            return index.reshape(-1, 1)
        return np.eye(len(slots) + 1, dtype=np.float32)[index]
    if kind == "token_ids":
        out = np.zeros((len(cells), entry["length"]), dtype=np.int64)
        for row, cell in enumerate(cells):
            ids = [slots.get(word, -1) + 2 for word in words(cell)][: entry["length"]]
            out[row, : len(ids)] = ids
        return out
    if kind == "tf_idf":
        idf = np.asarray(entry["idf"], dtype=np.float64)
        out = np.zeros((len(cells), len(idf)), dtype=np.float64)
        for row, cell in enumerate(cells):
            for word in words(cell):
                out[row, slots.get(word, -1) + 1] += 1.0
        return (out * idf).astype(np.float32)
    raise ValueError(f"unknown encoding kind {kind!r} in encoding.json")
