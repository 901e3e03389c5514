"""The ``README.txt`` of an ONNX or LiteRT export: what goes in, and a complete example.

For tables it says plainly what could not go inside the graph (string lookups, text
vectorization, and the numeric encoding with them), shows ``encoding.json``'s role and calls
``encode.py``'s reference function on raw CSV rows; for images it says the fixed input size.
The example between the ```` ```python ```` fences is a complete program.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

from dlstudio.core.export.readme import print_results

RUNTIMES = {
    "onnx": ("onnxruntime", "pip install onnxruntime numpy"),
    "litert": ("the LiteRT interpreter", "pip install ai-edge-litert numpy"),
}


def graph_readme_text(metadata: dict[str, Any], export_path: Path) -> str:
    """Return the README of an ONNX or LiteRT export described by ``metadata``."""
    fmt = metadata["format"]
    runtime, install = RUNTIMES[fmt]
    quantize = metadata.get("quantize", "float32")
    what = "An ONNX model (model.onnx)" if fmt == "onnx" else \
        f"A LiteRT model (model.tflite, {quantize})"
    lines = [f"dlstudio export of run \"{metadata['run']['name']}\" ({metadata['task']})", "",
             textwrap.fill(f"{what}, run with {runtime} ({install}).", width=92), ""]
    if metadata["data_kind"] == "csv":
        lines += [textwrap.fill(
            "What cannot go inside this format: string lookups (categories) and text "
            "vectorization cannot live inside an ONNX or LiteRT graph, so the model takes "
            "ENCODED numbers. The vocabularies and the numeric normalisation (missing-value "
            "fill, median/spread scaling, clipping) are in encoding.json, and encode.py (Python "
            "and NumPy only) is the reference function that turns raw CSV rows into the "
            "model's inputs.", width=92), ""]
    else:
        size = metadata["graph_inputs"][0]["shape"]
        lines += [textwrap.fill(
            f"Input: decoded pixels, float32 in 0..255, shape {size} (batch, height, width, "
            "channels). Resize other images to that size first (bilinear); rescaling happens "
            "inside the model.", width=92), ""]
    if metadata.get("fixed_batch"):
        lines += ["The graph takes one sample at a time (recurrent layers need a fixed batch).",
                  ""]
    lines += ["Graph inputs:", ""]
    lines += [f"    {item['name']}  {item['dtype']}  {item['shape']}"
              for item in metadata["graph_inputs"]]
    lines += ["", _output(metadata), "", "Example (Python):", "", "```python",
              example_code(metadata, export_path), "```", "",
              f"With dlstudio installed: dlstudio predict {export_path} --data NEW_DATA "
              "-o out.csv"]
    return "\n".join(lines) + "\n"


def _output(metadata: dict[str, Any]) -> str:
    names = metadata["class_names"]
    if metadata["task"] != "classification":
        return "Output: the predicted value, shape [batch, 1]."
    if len(names) == 2 and metadata.get("output_units") == 1:
        return f"Output: the probability of class \"{names[1]}\", shape [batch, 1]."
    return f"Output: one probability per class, in this order: {', '.join(names)}."


def example_code(metadata: dict[str, Any], export_path: Path) -> str:
    """Return a complete program that predicts with the export (no TensorFlow needed)."""
    if metadata["data_kind"] == "csv":
        feed = f'''import csv
import json
import sys

import numpy as np

EXPORT = {json.dumps(str(export_path))}
sys.path.insert(0, EXPORT)
from encode import encode_rows  # noqa: E402  (the reference function, in the export folder)

with open(EXPORT + "/encoding.json", encoding="utf-8") as stream:
    spec = json.load(stream)
with open("new_data.csv", newline="", encoding="utf-8-sig") as stream:
    rows = list(csv.DictReader(stream, delimiter={json.dumps(metadata.get("csv", {}).get(
            "delimiter", ","))}, skipinitialspace=True))
inputs = encode_rows(spec, rows)  # {{input name: array}}, in the graph's input order
'''
    else:
        shape = metadata["graph_inputs"][0]["shape"]
        feed = f'''import numpy as np
from PIL import Image

EXPORT = {json.dumps(str(export_path))}
image = Image.open("photo.jpg").convert({json.dumps("L" if shape[-1] == 1 else "RGB")})
image = image.resize(({shape[2]}, {shape[1]}), Image.BILINEAR)
pixels = np.asarray(image, dtype=np.float32).reshape(1, {shape[1]}, {shape[2]}, {shape[-1]})
inputs = {{{json.dumps(metadata["graph_inputs"][0]["name"])}: pixels}}
'''
    run = _onnx_run() if metadata["format"] == "onnx" else _litert_run(metadata)
    names = f"CLASS_NAMES = {json.dumps(metadata['class_names'], ensure_ascii=False)}\n"
    return feed + run + names + print_results(metadata) + "\n"


def _onnx_run() -> str:
    return '''
import onnxruntime

session = onnxruntime.InferenceSession(EXPORT + "/model.onnx")
feeds = {}
for item in session.get_inputs():  # graph input "name:0" takes inputs["name"]
    value = np.asarray(inputs[item.name.split(":")[0]])
    feeds[item.name] = value.astype(np.int64 if "int64" in item.type else np.float32)
outputs = session.run(None, feeds)[0]
'''


def _litert_run(metadata: dict[str, Any]) -> str:
    resize = "" if metadata.get("fixed_batch") else \
        "    interpreter.resize_tensor_input(detail[\"index\"], np.shape(value))\n"
    return f'''
from ai_edge_litert.interpreter import Interpreter

interpreter = Interpreter(model_path=EXPORT + "/model.tflite")
details = interpreter.get_input_details()  # not in a fixed order: match them by name


def value_for(detail):
    """inputs["name"] for the interpreter's input "serving_default_name:0"."""
    return inputs[detail["name"].split(":")[0].removeprefix("serving_default_")]


for detail in details:
    value = value_for(detail)
{resize}interpreter.allocate_tensors()
for detail in details:
    interpreter.set_tensor(detail["index"], np.asarray(value_for(detail)).astype(detail["dtype"]))
interpreter.invoke()
outputs = interpreter.get_tensor(interpreter.get_output_details()[0]["index"])
'''
