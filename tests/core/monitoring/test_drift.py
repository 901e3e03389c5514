"""Drift checks on made-up data: a shifted number and a new category are flagged, a fresh
sample of the same distribution passes, and a trained run stores its reference."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dlstudio.core.data import load_dataset
from dlstudio.core.monitoring import drift, reference
from dlstudio.core.project.project import ColumnSpec, DataSpec, Project


def _frame(rows: int, seed: int, shift: float = 0.0, new_colour: bool = False) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    colours = ["blue", "green", "red"] + (["purple"] if new_colour else [])
    return pd.DataFrame({"x": (rng.normal(10, 2, rows) + shift).round(3),
                         "colour": rng.choice(colours, rows),
                         "label": rng.choice(["a", "b"], rows)})


def _project(tmp_path: Path) -> Project:
    data = tmp_path / "train.csv"
    _frame(400, 0).to_csv(data, index=False)
    return Project(name="drift", data=DataSpec(kind="csv", path=str(data), target="label",
                                               columns=[ColumnSpec("x", "feature", "numeric"),
                                                        ColumnSpec("colour", "feature",
                                                                   "categorical"),
                                                        ColumnSpec("label", "target",
                                                                   "categorical")]))


def _compare(project: Project, frame: pd.DataFrame, path: Path) -> drift.DriftReport:
    stats = reference.reference_from_dataset(load_dataset(project))
    frame.to_csv(path, index=False)
    new = load_dataset(project, path=path, evaluation_only=True, class_names=["a", "b"])
    return drift.compare_table(stats, new)


def test_a_fresh_sample_of_the_same_distribution_does_not_drift(tmp_path):
    report = _compare(_project(tmp_path), _frame(300, 7), tmp_path / "same.csv")
    assert not report.drifted, drift.report_lines(report)
    assert {column.name for column in report.columns} == {"x", "colour"}


def test_a_shifted_column_and_a_new_category_are_named(tmp_path):
    report = _compare(_project(tmp_path), _frame(300, 7, shift=3.0, new_colour=True),
                      tmp_path / "shifted.csv")
    assert report.drifted
    assert set(report.drifted_names) == {"x", "colour"}
    by_name = {column.name: column for column in report.columns}
    assert by_name["x"].psi > drift.PSI_DRIFT and by_name["x"].p_value < 1e-6
    assert "purple" in by_name["colour"].new_categories
    assert report.columns[0].psi >= report.columns[-1].psi  # sorted by drift
    assert any("DRIFT in" in line for line in drift.report_lines(report))


def test_a_missing_rate_change_drifts(tmp_path):
    frame = _frame(300, 7)
    frame.loc[:100, "x"] = np.nan
    report = _compare(_project(tmp_path), frame, tmp_path / "gaps.csv")
    (column,) = [c for c in report.columns if c.name == "x"]
    assert column.verdict == "drift" and column.missing_new > 0.3


def test_the_tests_agree_with_known_values():
    assert drift.psi(np.array([0.5, 0.5]), np.array([0.5, 0.5])) == 0.0
    assert drift.chi_square_p(3.84, 1) == pytest.approx(0.05, abs=0.01)
    assert drift.kolmogorov_p(0.0, 100) == 1.0
    statistic, p_value = drift.ks_against_percentiles(
        list(np.linspace(0, 1, 101)), np.linspace(0.5, 1.5, 200), 1000)
    assert statistic == pytest.approx(0.5, abs=0.02) and p_value < 1e-10


@pytest.mark.slow
def test_a_trained_run_stores_its_reference_and_checks_new_data(csv_run, tmp_path):
    path = reference.reference_path(csv_run.run)
    stored = json.loads(path.read_text())
    assert stored["split"] == "train" and set(stored["columns"]) == {"size", "colour"}
    same = drift.check_data(csv_run.run, csv_run.data)
    assert same.note == "" and {c.name for c in same.columns} == {"size", "colour"}
    old_run = csv_run.run.parent / f"old-{tmp_path.name}"  # the snapshot's data path is relative
    shutil.copytree(csv_run.run, old_run)
    reference.reference_path(old_run).unlink()  # a run trained before the feature
    shifted = pd.read_csv(csv_run.data)
    shifted["size"] = shifted["size"] + 40
    shifted.to_csv(tmp_path / "shifted.csv", index=False)
    report = drift.check_data(old_run, tmp_path / "shifted.csv")
    assert report.note == reference.ON_THE_FLY_NOTE
    assert "size" in report.drifted_names


@pytest.mark.slow
def test_brighter_images_drift_in_pixels_and_embedding(image_run, write_image, tmp_path):
    stored = json.loads(reference.reference_path(image_run.run).read_text())
    assert len(stored["pixels"]["channels"]) == 3 and stored["embedding"]["dimensions"] == 4
    for index in range(24):
        write_image(tmp_path / "new" / "light" / f"{index}.png", 250, (20, 20), 300 + index)
    report = drift.check_data(image_run.run, tmp_path / "new")
    assert report.drifted and "pixels (channel 1)" in report.drifted_names
    assert "embedding" in {column.name for column in report.columns}


def test_whole_numbers_with_many_ties_do_not_look_shifted():
    rng = np.random.default_rng(3)
    stats = reference.numeric_statistics(rng.integers(0, 8, 500).astype(float))
    column = drift.compare_numeric("calls", stats, rng.integers(0, 8, 600).astype(float))
    assert column.verdict == "ok" and column.p_value > 0.05, column.reasons
