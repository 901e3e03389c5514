"""The reference encoder that ONNX and LiteRT table exports ship (NumPy only)."""

import math

import numpy as np
import pytest

from dlstudio.core.export.reference_encoder import encode_columns, encode_rows, text

SPEC = {"missing_cells": ["", "NA"], "inputs": [
    {"name": "numeric", "kind": "numeric", "columns": ["a", "b"], "fill": [1.0, 2.0],
     "mean": [1.0, 0.0], "variance": [4.0, 1.0], "clip": 0.0},
    {"name": "numeric_missing", "kind": "missing", "columns": ["a"]},
    {"name": "colour", "kind": "one_hot", "column": "colour", "vocabulary": ["", "red"]},
    {"name": "city", "kind": "index", "column": "city", "vocabulary": ["x", "y"]},
    {"name": "note", "kind": "tf_idf", "column": "note", "vocabulary": ["good", "bad"],
     "idf": [0.5, 1.0, 2.0]},
    {"name": "words", "kind": "token_ids", "column": "note", "vocabulary": ["good"],
     "length": 3},
]}


def test_rows_of_a_csv_become_the_graph_inputs():
    rows = [{"a": "5", "b": "NA", "colour": "red", "city": "y", "note": "Good, good BAD zzz"},
            {"a": "", "b": "3", "colour": "", "city": "q", "note": ""}]

    encoded = encode_rows(SPEC, rows)

    np.testing.assert_allclose(encoded["numeric"], [[2.0, 2.0], [0.0, 3.0]])
    np.testing.assert_array_equal(encoded["numeric_missing"], [[0.0], [1.0]])
    np.testing.assert_array_equal(encoded["colour"], [[0, 0, 1], [0, 1, 0]])
    np.testing.assert_array_equal(encoded["city"], [[2], [0]])
    np.testing.assert_allclose(encoded["note"], [[0.5, 2.0, 2.0], [0, 0, 0]])
    np.testing.assert_array_equal(encoded["words"], [[2, 2, 1], [0, 0, 0]])
    assert {values.dtype.name for values in encoded.values()} <= {"float32", "int64"}


def test_smooth_clip_bounds_large_values():
    spec = {"inputs": [{"name": "n", "kind": "numeric", "columns": ["a"], "fill": [0.0],
                        "mean": [0.0], "variance": [1.0], "clip": 3.0}]}
    (values,) = encode_columns(spec, {"a": [1000.0, math.nan]}).values()
    assert values[0, 0] == pytest.approx(3.0, abs=1e-4) and values[1, 0] == 0.0


def test_cells_read_like_training_read_them():
    assert text(" 3.0 ") == "3" and text(2.5) == "2.5" and text(None) == ""
    assert text("NA", missing={"NA"}) == "" and text(math.nan) == ""
