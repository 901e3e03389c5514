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
                "365.25, hour / 24, times 2π; the example makes them from the time column, "
                "for the window and for the steps ahead (\"future\")."
                if series["calendar_features"] else "")
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


CALENDAR_CODE = '''
def calendar(times):
    """The calendar inputs dlstudio makes from the time column: the sine and cosine of each
    feature's place in its cycle (times 2 pi)."""
    index = pd.DatetimeIndex(times)
    phases = {"day_of_week": index.dayofweek / 7.0, "month": (index.month - 1) / 12.0,
              "day_of_year": (index.dayofyear - 1) / 365.25,
              "hour": (index.hour + index.minute / 60.0) / 24.0}
    return np.column_stack([wave(2 * np.pi * np.asarray(phases[name], np.float64))
                            for name in CALENDAR for wave in (np.sin, np.cos)]).astype(np.float32)
'''


def example_code(metadata: dict[str, Any], export_path: Path) -> str:
    """A complete program: read a CSV, take its last window (with its calendar inputs, made
    from the time column), forecast, print per step."""
    series = metadata["series"]
    columns = [name for name in series["columns"] if name in series["file_columns"]]
    known = list(series["known_covariates"])
    calendar = series.get("calendar_features") or []
    head, setup, future = "", "", ""
    if calendar:
        head = "import pandas as pd\n"
        setup = (f"TIME, CALENDAR = {json.dumps(series['time_column'])}, {json.dumps(calendar)}"
                 f"\nSTEP = {_step_code(series['step'])}  # one row to the next\n"
                 f"{CALENDAR_CODE}")
        future = ("\n# The calendar inputs go beside the window's columns, and over the "
                  "forecast's steps\ntimes = pd.to_datetime([row[TIME] for row in rows])\n"
                  "window = np.concatenate([window, calendar(times)], axis=1)\n"
                  "ahead = pd.date_range(times[-1], periods=HORIZON + 1, freq=STEP)[1:]\n")
        if known:
            future += (f"known = np.zeros(({series['horizon']}, {len(known)}), np.float32)  "
                       f"# put {', '.join(known)} over the steps ahead here\n"
                       "future = np.concatenate([known, calendar(ahead)], axis=1)\n")
        else:
            future += "future = calendar(ahead)\n"
        future += "inputs = {\"window\": tf.constant(window[None]), " \
            "\"future\": tf.constant(future[None])}\n"
    elif known:
        future = ("inputs = {\"window\": tf.constant(window[None])}\n"
                  "# The model also takes the known inputs over the forecast's steps:\n"
                  f"# inputs[\"future\"] = <float32 array [1, {series['horizon']}, "
                  f"{len(series['known_columns'])}]>\n")
    else:
        future = "inputs = {\"window\": tf.constant(window[None])}\n"
    return f'''import csv

import numpy as np
{head}import tensorflow as tf

EXPORT = {json.dumps(str(export_path))}
DATA = "series.csv"  # the history, one row per time step, oldest first
COLUMNS = {json.dumps(columns)}
WINDOW, HORIZON, TARGETS = {series["window"]}, {series["horizon"]}, {json.dumps(series["targets"])}
{setup}
with open(DATA, newline="", encoding="utf-8") as stream:
    rows = list(csv.DictReader(stream))[-WINDOW:]
window = np.array([[float(row[name]) for name in COLUMNS] for row in rows], np.float32)
{future}serve = tf.saved_model.load(EXPORT).signatures["{metadata['signature']}"]
outputs = serve(**inputs)["{metadata['output']}"].numpy().reshape(HORIZON, len(TARGETS))
for step, values in enumerate(outputs, start=1):
    print(f"t+{{step}}", dict(zip(TARGETS, values.tolist())))'''


def _step_code(step: str) -> str:
    """The pandas frequency of the time column (``"MS"``), or a fixed ``pd.Timedelta``."""
    from pandas.tseries.frequencies import to_offset

    try:
        to_offset(step)
    except ValueError:
        return f"pd.Timedelta({json.dumps(step)})"
    return json.dumps(step)
