"""The ``README.txt`` written into a SavedModel export: how to call it with TensorFlow only.

The text is generated from the export's metadata (``dlstudio_export.json``), so the example
names the real serving inputs, CSV columns and class names. The example between the
```` ```python ```` fence lines is a complete program; the tests run it in a fresh Python that
imports nothing but TensorFlow and the standard library.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

# Cells that pandas (and so dlstudio's training) reads as missing.
PANDAS_MISSING = ("", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan",
                  "1.#IND", "1.#QNAN", "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan",
                  "null")

_CSV_HELPERS = '''MISSING = {missing}


def number(cell):
    """A numeric cell as the model expects it: a float, NaN when empty or not a number."""
    try:
        return float(cell)
    except ValueError:
        return float("nan")


def text(cell):
    """A category or text cell as training read it: trimmed, "" when missing, whole numbers
    without a trailing ".0"."""
    cell = cell.strip()
    if cell in MISSING:
        return ""
    try:
        value = float(cell)
    except ValueError:
        return cell
    return str(int(value)) if value.is_integer() else format(value, ".15g")
'''


def readme_text(metadata: dict[str, Any], export_path: Path) -> str:
    """Return the README for a SavedModel export described by ``metadata``."""
    if metadata.get("generates"):
        return _generator_readme(metadata, export_path)
    if metadata.get("series"):
        from dlstudio.core.export.forecast_readme import forecast_readme_text

        return forecast_readme_text(metadata, export_path)
    task = metadata["task"]
    takes = (
        "the CSV's feature columns as they are in the file: numbers as float32 (NaN when "
        "missing), categories and text as strings. Missing values, normalization, category "
        "lookup and text vectorization happen inside the model."
        if metadata["data_kind"] == "csv" else
        "decoded image pixels, float32 in 0..255, of any size: resizing and rescaling happen "
        "inside the model.")
    lines = [
        f"dlstudio export of run \"{metadata['run']['name']}\" ({task})",
        "",
        textwrap.fill(f"A TensorFlow SavedModel that takes raw inputs: {takes} It needs only "
                      "TensorFlow (pip install tensorflow).", width=92),
        "",
        f"Serving signature \"{metadata['signature']}\", inputs (a batch along the first axis):",
        "",
        *_input_table(metadata["inputs"], metadata["data_kind"] == "csv"),
        "",
        textwrap.fill(f"Output \"{metadata['output']}\": {_output_meaning(metadata)}", width=92),
        "",
        "Example (Python):",
        "",
        "```python",
        example_code(metadata, export_path),
        "```",
        "",
        "dlstudio_export.json holds the same details; labels.txt the class names in output order.",
        f"With dlstudio installed: dlstudio predict {export_path} --data NEW_DATA -o out.csv",
    ]
    return "\n".join(lines) + "\n"


def _input_table(inputs: list[dict[str, Any]], with_columns: bool) -> list[str]:
    rows = [["name", "dtype", "shape"] + (["CSV column"] if with_columns else [])]
    rows += [[spec["name"], spec["dtype"], str(spec["shape"])]
             + ([spec.get("column") or ""] if with_columns else []) for spec in inputs]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return ["    " + "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
            .rstrip() for row in rows]


def _output_meaning(metadata: dict[str, Any]) -> str:
    names = metadata["class_names"]
    if metadata["task"] != "classification":
        return "the predicted value, shape [batch, 1]."
    if _is_sigmoid(metadata):
        return (f"the probability of class \"{names[1]}\", shape [batch, 1] "
                f"(below 0.5 the prediction is \"{names[0]}\").")
    return f"one probability per class, shape [batch, {len(names)}], in this order: " \
           f"{', '.join(names)}."


def _is_sigmoid(metadata: dict[str, Any]) -> bool:
    return metadata["task"] == "classification" and len(metadata["class_names"]) == 2 \
        and metadata.get("output_units") == 1


def example_code(metadata: dict[str, Any], export_path: Path) -> str:
    """Return a complete Python program that loads the export and predicts, TensorFlow only.

    It ends with ``outputs`` (a NumPy array, one row per sample) computed and printed.
    """
    if metadata["data_kind"] == "csv":
        body = _csv_example(metadata, export_path)
    else:
        body = _image_example(metadata, export_path)
    return body + "\n" + print_results(metadata)


def _csv_example(metadata: dict[str, Any], export_path: Path) -> str:
    delimiter = metadata.get("csv", {}).get("delimiter", ",")
    feeds = "\n".join(_csv_feed(spec) for spec in metadata["inputs"])
    return f'''import csv

import tensorflow as tf

EXPORT = {json.dumps(str(export_path))}
DATA = "new_data.csv"  # a CSV with the same columns (the target column may be absent)
CLASS_NAMES = {json.dumps(metadata["class_names"], ensure_ascii=False)}

{_CSV_HELPERS.format(missing=_set_literal(PANDAS_MISSING))}

model = tf.saved_model.load(EXPORT)
serve = model.signatures[{json.dumps(metadata["signature"])}]
with open(DATA, newline="", encoding="utf-8-sig") as stream:
    rows = list(csv.DictReader(stream, delimiter={json.dumps(delimiter)}, skipinitialspace=True))
inputs = {{
{feeds}
}}
outputs = serve(**inputs)[{json.dumps(metadata["output"])}].numpy()
'''


def _set_literal(values: tuple[str, ...]) -> str:
    items = textwrap.fill(", ".join(json.dumps(value) for value in values), width=90,
                          initial_indent="    ", subsequent_indent="    ",
                          break_on_hyphens=False, break_long_words=False)
    return "{\n" + items + ",\n}"


def _csv_feed(spec: dict[str, Any]) -> str:
    column = json.dumps(spec["column"], ensure_ascii=False)
    if spec["dtype"] == "string":
        return (f"    {json.dumps(spec['name'])}: "
                f"tf.constant([[text(row[{column}])] for row in rows], tf.string),")
    return (f"    {json.dumps(spec['name'])}: "
            f"tf.constant([[number(row[{column}])] for row in rows], tf.float32),")


def _image_example(metadata: dict[str, Any], export_path: Path) -> str:
    grayscale = metadata.get("image", {}).get("channels") == 1
    to_gray = "    pixels = tf.image.rgb_to_grayscale(pixels)  # the model reads grayscale\n" \
        if grayscale else ""
    (spec,) = metadata["inputs"]
    return f'''import tensorflow as tf

EXPORT = {json.dumps(str(export_path))}
IMAGES = ["photo.jpg"]  # PNG, JPEG, BMP or GIF files of any size
CLASS_NAMES = {json.dumps(metadata["class_names"], ensure_ascii=False)}

model = tf.saved_model.load(EXPORT)
serve = model.signatures[{json.dumps(metadata["signature"])}]
results = []
for path in IMAGES:
    pixels = tf.io.decode_image(tf.io.read_file(path), channels=3, expand_animations=False)
{to_gray}    image = tf.cast(pixels, tf.float32)[tf.newaxis]  # a batch of one, values 0..255
    output = serve(**{{{json.dumps(spec["name"])}: image}})[{json.dumps(metadata["output"])}]
    results.append(output.numpy()[0])
outputs = tf.stack(results).numpy()
'''


def print_results(metadata: dict[str, Any]) -> str:
    """Return code that prints each row of ``outputs`` as a class (with the run's decision
    threshold) or a value; it expects ``CLASS_NAMES`` defined."""
    if metadata["task"] != "classification":
        return "for value in outputs[:, 0]:\n    print(value)"
    threshold = metadata.get("threshold") or 0.5
    if _is_sigmoid(metadata):
        return (f"THRESHOLD = {threshold!r}  # the run's decision threshold\n"
                "for probability in outputs[:, 0]:\n"
                "    print(CLASS_NAMES[int(probability >= THRESHOLD)], probability)")
    if len(metadata["class_names"]) == 2:
        return (f"THRESHOLD = {threshold!r}  # the run's decision threshold\n"
                "for probabilities in outputs:\n"
                "    print(CLASS_NAMES[int(probabilities[1] >= THRESHOLD)], probabilities[1])")
    return ("for probabilities in outputs:\n"
            "    print(CLASS_NAMES[probabilities.argmax()], probabilities.max())")


def _generator_readme(metadata: dict[str, Any], export_path: Path) -> str:
    """The README of a generator's export: noise in, images out."""
    latent = metadata["latent_dim"]
    code = f'''import numpy as np
import tensorflow as tf

EXPORT = {json.dumps(str(export_path))}
LATENT_DIM = {latent}

model = tf.saved_model.load(EXPORT)
serve = model.signatures[{json.dumps(metadata["signature"])}]
noise = np.random.default_rng(0).standard_normal((16, LATENT_DIM)).astype("float32")
outputs = serve(noise=tf.constant(noise))[{json.dumps(metadata["output"])}].numpy()
print(outputs.shape, outputs.min(), outputs.max())  # 16 images, pixels 0..255
'''
    lines = [
        f"dlstudio export of run \"{metadata['run']['name']}\" ({metadata['task']}): the "
        "generator",
        "",
        textwrap.fill(f"A TensorFlow SavedModel that turns noise into images: input \"noise\" "
                      f"is float32 of shape [batch, {latent}], numbers drawn from a standard "
                      f"normal distribution; output \"{metadata['output']}\" is the images, "
                      "float32 pixels in 0..255 of shape [batch, height, width, channels]. "
                      "The same noise gives the same images. It needs only TensorFlow.",
                      width=92),
        "",
        "Example (Python):",
        "",
        "```python",
        code.rstrip("\n"),
        "```",
        "",
        "With dlstudio installed, dlstudio generate RUN -n 64 -o DIR writes PNG files.",
    ]
    return "\n".join(lines) + "\n"
