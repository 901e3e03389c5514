"""dlstudio's forecasting templates against persistence, seasonal naive and a linear AR (issue 11).

Every series ships inside statsmodels (the ``bench`` extra; public domain), so nothing is
downloaded: the yearly sunspot numbers (309 years), the yearly Nile flow (100 years), the
Mauna Loa CO2 record (weekly, averaged to months: 526 months) and the monthly El Niño sea
temperatures (61 years × 12 months). Each series is written as a CSV and goes the code path of
``dlstudio init SERIES.csv --horizon H --template T``, ``dlstudio train`` and ``dlstudio
evaluate`` (``new_project``, ``run_training``, ``evaluate_run``) with nothing changed: the
time-ordered split, the default window (two seasons, at most a quarter of the training rows),
the default training (early stopping on the validation windows). The baselines come from the
same evaluation, on the same test windows. Each series is forecast one step ahead and
multi-step (3 years for yearly series, 6 months for monthly ones); the table shows the test MAE
of each template and baseline and, per row, the best.

Goal (the issue): every template beats persistence on every series, and the best template
beats the linear AR baseline on at least half of them.

Run: ``PYTHONPATH=. python benchmarks/bench_forecast.py`` (all series and templates; about
20 minutes on two busy CPU cores with ``--epochs 60``, longer with the default epochs),
``--series sunspots --templates series_gru`` for a part,
``--smoke`` for the quick check the tests run. It always exits 0: the verdict line is
information, not a test.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

TEMPLATES = ("series_gru", "series_lstm", "series_tcn", "series_transformer")
BASELINES = ("persistence", "seasonal_naive", "linear_ar")


@dataclass(frozen=True)
class Series:
    """One benchmark series: a loader giving ``(time, value)`` columns and its horizons."""

    name: str
    load: Callable[[], pd.DataFrame]
    horizons: tuple[int, ...]
    source: str


def _sunspots() -> pd.DataFrame:
    from statsmodels.datasets import sunspots

    frame = sunspots.load_pandas().data
    return pd.DataFrame({"YEAR": frame["YEAR"].astype(int), "SUNACTIVITY": frame["SUNACTIVITY"]})


def _nile() -> pd.DataFrame:
    from statsmodels.datasets import nile

    frame = nile.load_pandas().data
    return pd.DataFrame({"year": frame["year"].astype(int), "volume": frame["volume"]})


def _co2() -> pd.DataFrame:
    from statsmodels.datasets import co2

    weekly = co2.load_pandas().data["co2"]
    monthly = weekly.resample("MS").mean().interpolate()
    return pd.DataFrame({"month": monthly.index.strftime("%Y-%m"), "co2": monthly.round(3)})


def _elnino() -> pd.DataFrame:
    from statsmodels.datasets import elnino

    frame = elnino.load_pandas().data
    months = frame.columns[1:]
    long = frame.melt(id_vars="YEAR", value_vars=list(months), var_name="MONTH",
                      value_name="TEMPERATURE")
    long["NUMBER"] = long["MONTH"].map({name: index + 1 for index, name in enumerate(months)})
    long = long.sort_values(["YEAR", "NUMBER"])
    return pd.DataFrame({"month": [f"{int(y)}-{m:02d}" for y, m in
                                   zip(long["YEAR"], long["NUMBER"], strict=True)],
                         "temperature": long["TEMPERATURE"].to_numpy()})


SERIES = {series.name: series for series in (
    Series("sunspots", _sunspots, (1, 3), "statsmodels sunspots (yearly, 1700-2008)"),
    Series("nile", _nile, (1, 3), "statsmodels nile (yearly flow, 1871-1970)"),
    Series("co2", _co2, (1, 6), "statsmodels co2 (Mauna Loa, weekly averaged to months)"),
    Series("elnino", _elnino, (1, 6), "statsmodels elnino (monthly sea temperature, 1950-2010)"),
)}


def _smoke_series() -> pd.DataFrame:
    t = np.arange(120)
    return pd.DataFrame({"YEAR": 1900 + t, "VALUE": 50 + 20 * np.sin(2 * np.pi * t / 9)})


def run_one(frame: pd.DataFrame, horizon: int, template: str, folder: Path,
            epochs: int | None) -> dict:
    """Init, train and evaluate one template on one series; return the evaluation."""
    from dlstudio.core.evaluation.evaluate import evaluate_run
    from dlstudio.core.model.templates import get_template
    from dlstudio.core.project.from_data import SeriesChoice, new_project
    from dlstudio.core.project.project import ModelSpec, save_project
    from dlstudio.core.training.run import run_training

    folder.mkdir(parents=True, exist_ok=True)
    csv = folder / "series.csv"
    frame.to_csv(csv, index=False)
    project = new_project(csv, series=SeriesChoice(horizon=horizon))
    chosen = get_template(template)
    project.model = ModelSpec(layers=chosen.layers_for(project.data), template=template)
    if epochs is not None:
        project.training.epochs = epochs
    save_project(project, folder / "series.dlstudio.json")
    with contextlib.redirect_stdout(io.StringIO()):
        run = run_training(project, lambda event: None, runs_dir=folder / "runs").run.path
        return evaluate_run(run)


def table(rows: list[dict], templates: tuple[str, ...]) -> list[str]:
    """The MAE of every template and baseline per series and horizon, best marked ``*``."""
    columns = [*BASELINES, *templates]
    header = ["series", "h", "window", *(name.replace("series_", "") for name in columns),
              "time s"]
    lines = [header]
    for row in rows:
        values = {name: row["mae"].get(name) for name in columns}
        best = min((value for value in values.values() if value is not None), default=None)
        cells = [f"{value:.4g}{'*' if value == best else ''}" if value is not None else "-"
                 for value in values.values()]
        lines.append([row["series"], str(row["horizon"]), str(row["window"]), *cells,
                      f"{row['seconds']:.0f}"])
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    return ["  ".join(cell.rjust(width) for cell, width in zip(line, widths, strict=True))
            for line in lines]


def verdict(rows: list[dict], templates: tuple[str, ...]) -> str:
    """How many template forecasts beat persistence, and where the best beats the AR."""
    beats = sum(row["mae"][name] < row["mae"]["persistence"] for row in rows
                for name in templates)
    best_beats_ar = sum(min(row["mae"][name] for name in templates) < row["mae"]["linear_ar"]
                        for row in rows)
    total = len(rows) * len(templates)
    return (f"verdict: templates beat persistence in {beats} of {total} forecasts; the best "
            f"template beats the linear AR in {best_beats_ar} of {len(rows)} (goal: all, and "
            "at least half)")


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark and print its table and verdict."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", default=",".join(SERIES))
    parser.add_argument("--templates", default=",".join(TEMPLATES))
    parser.add_argument("--epochs", type=int, default=None,
                        help="train this many epochs (default: the project's, early stopping)")
    parser.add_argument("--smoke", action="store_true", help="one tiny series, two epochs")
    args = parser.parse_args(argv)
    templates = tuple(args.templates.split(","))
    if args.smoke:
        plan = [Series("smoke", _smoke_series, (2,), "a made sine")]
        templates, epochs = ("series_gru",), 2
    else:
        plan = [SERIES[name] for name in args.series.split(",")]
        epochs = args.epochs
    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        for series in plan:
            frame = series.load()
            for horizon in series.horizons:
                row = {"series": series.name, "horizon": horizon, "mae": {}}
                started = time.perf_counter()
                for template in templates:
                    folder = Path(scratch) / f"{series.name}-{horizon}-{template}"
                    result = run_one(frame, horizon, template, folder, epochs)
                    row["mae"][template] = result["mae"]
                    row["window"] = result["window"]
                    for name in BASELINES:
                        row["mae"][name] = result["baselines"].get(name, {}).get("mae")
                row["seconds"] = time.perf_counter() - started
                rows.append(row)
                maes = ", ".join(f"{name} {value:.4g}" for name, value in row["mae"].items()
                                 if value is not None)
                print(f"{series.name} h={horizon} ({row['seconds']:.0f} s): {maes}", flush=True)
    print("\nTest MAE (lower is better; * the best of the row; the time trains every template)")
    print("\n".join(table(rows, templates)))
    print(verdict(rows, templates))
    return 0


if __name__ == "__main__":
    sys.exit(main())
