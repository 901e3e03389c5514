"""The README of a forecasting SavedModel: what a window is and how to forecast with it.

A forecasting export takes ``window`` — the last ``window`` rows of the input columns, raw, in
the order the metadata's ``series.columns`` lists them (the targets first) — and, when the
model uses known inputs, ``future`` — their values over the ``horizon`` steps ahead. It returns
``[batch, horizon × targets]`` forecasts in the targets' units, step-major.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any


def forecast_readme_text(metadata: dict[str, Any], export_path: Path) -> str:
    """Return the README for a forecasting SavedModel described by ``metadata``."""
    series = metadata["series"]
    window, horizon = series["window"], series["horizon"]
    targets = series["targets"]
    future = (f" and \"future\", [batch, {horizon}, {len(series['known_columns'])}]: the known "
              f"inputs over the {horizon} steps ahead, columns {', '.join(series['known_columns'])}"
              if series["known_columns"] else "")
    calendar = (" Calendar inputs (name_sin, name_cos) are the sine and cosine of the time's "
                "place in its cycle: day_of_week / 7, (month - 1) / 12, (day_of_year - 1) / "
                "365.25, hour / 24, times 2π." if series["calendar_features"] else "")
    lines = [
        f"dlstudio export of run \"{metadata['run']['name']}\" (forecasting)",
        "",
        textwrap.fill(
            f"A TensorFlow SavedModel that forecasts {', '.join(targets)} {horizon} step(s) "
            f"ahead (one step = {series['step']}). It takes \"window\", [batch, {window}, "
            f"{len(series['columns'])}]: the last {window} rows of the columns "
            f"{', '.join(series['columns'])}, raw values as float32 in time order{future}."
            f"{calendar} Normalization happens inside the model; fill missing values first "
            f"(training filled them by: {series['missing']}).", width=92),
        "",
        textwrap.fill(
            f"Output \"{metadata['output']}\": [batch, {horizon * len(targets)}] forecasts in "
            f"the targets' units, step-major: {', '.join(metadata['class_names'])}.", width=92),
        "",
        "Example (Python, TensorFlow only): forecast the steps after the last row of a CSV",
        "",
        "```python",
        example_code(metadata, export_path),
        "```",
        "",
        f"With dlstudio installed: dlstudio predict {export_path} --data series.csv -o "
        "forecast.csv",
    ]
    return "\n".join(lines) + "\n"


def example_code(metadata: dict[str, Any], export_path: Path) -> str:
    """A complete program: read a CSV, take its last window, forecast, print per step."""
    series = metadata["series"]
    columns = [name for name in series["columns"] if name in series["file_columns"]]
    future = ""
    if series["known_columns"]:
        future = ("# The model also takes the known inputs over the forecast's steps:\n"
                  f"# inputs[\"future\"] = <float32 array [1, {series['horizon']}, "
                  f"{len(series['known_columns'])}]>\n")
    return f'''import csv

import numpy as np
import tensorflow as tf

EXPORT = {json.dumps(str(export_path))}
DATA = "series.csv"  # the history, one row per time step, oldest first
COLUMNS = {json.dumps(columns)}
WINDOW, HORIZON, TARGETS = {series["window"]}, {series["horizon"]}, {json.dumps(series["targets"])}

with open(DATA, newline="", encoding="utf-8") as stream:
    rows = list(csv.DictReader(stream))[-WINDOW:]
window = np.array([[float(row[name]) for name in COLUMNS] for row in rows], np.float32)
inputs = {{"window": tf.constant(window[None])}}
{future}serve = tf.saved_model.load(EXPORT).signatures["{metadata['signature']}"]
outputs = serve(**inputs)["{metadata['output']}"].numpy().reshape(HORIZON, len(TARGETS))
for step, values in enumerate(outputs, start=1):
    print(f"t+{{step}}", dict(zip(TARGETS, values.tolist())))'''
