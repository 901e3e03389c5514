"""Data health checks of CSV tables: each check finds what was planted, and clean data gives
no finding at all."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dlstudio.core.data.health import apply_fix, check_health, fix_applied, fix_edits
from dlstudio.core.project.from_data import new_project
from dlstudio.core.project.project import ColumnSpec


def clean_frame(rows: int = 200, seed: int = 0) -> pd.DataFrame:
    """Two noisy numbers, a category and a label that depends on them only in part."""
    generator = np.random.default_rng(seed)
    x1, x2 = generator.normal(size=rows), generator.normal(size=rows)
    noisy = x1 + x2 + generator.normal(scale=1.0, size=rows)
    return pd.DataFrame({"x1": x1.round(4), "x2": x2.round(4),
                         "city": generator.choice(["paris", "rome", "oslo"], size=rows),
                         "label": np.where(noisy > 0, "up", "down")})


def report_of(tmp_path: Path, frame: pd.DataFrame, target: str = "label",
              features: tuple[str, ...] = (), **project_settings):
    """The health report of ``frame`` read by a new project; ``features`` are listed as
    features whatever inference says (constant and id columns are ignored by default)."""
    path = tmp_path / "data.csv"
    frame.to_csv(path, index=False)
    project = new_project(str(path), target=target)
    for name in features:
        project.data.columns = [c for c in project.data.columns if c.name != name]
        project.data.columns.append(ColumnSpec(name, "feature", "numeric" if pd.api.types
                                               .is_numeric_dtype(frame[name]) else "categorical"))
    for key, value in project_settings.items():
        setattr(project.data, key, value)
    return project, check_health(project)


def checks(report) -> list[str]:
    return [finding.check for finding in report.findings]


def test_clean_data_has_no_finding(tmp_path):
    _project, report = report_of(tmp_path, clean_frame())

    assert report.findings == []
    assert report.headline().startswith("no problems found")
    assert "leaky_column" in report.checks


def test_clean_regression_has_no_finding(tmp_path):
    frame = clean_frame().drop(columns="label")
    frame["price"] = frame["x1"] * 3 + np.random.default_rng(1).normal(size=len(frame))

    _project, report = report_of(tmp_path, frame, target="price")

    assert report.findings == []


def test_duplicate_rows_are_found_even_with_a_new_id(tmp_path):
    frame = clean_frame()
    frame = pd.concat([frame, frame.iloc[:10]], ignore_index=True)
    frame.insert(0, "id", np.arange(len(frame)))  # every copy has its own id

    _project, report = report_of(tmp_path, frame)

    [found] = report.by_check("duplicate_rows")
    assert found.count == 10
    assert found.items[0] == "row 201"
    assert "row 201 repeats row 1" in found.message


def test_near_repeats_differ_in_case_spacing_or_float_noise(tmp_path):
    frame = clean_frame()
    copy = frame.iloc[[5]].copy()
    copy["city"] = " " + copy["city"].str.upper() + "  "
    copy["x1"] = copy["x1"] + 1e-9
    frame = pd.concat([frame, copy], ignore_index=True)

    _project, report = report_of(tmp_path, frame)

    [found] = report.by_check("near_duplicate_rows")
    assert found.items == ("row 201",) and "row 6 ≈ row 201" in found.message
    assert report.by_check("duplicate_rows") == []


def test_rows_shared_between_splits_are_critical(tmp_path):
    frame = clean_frame()
    frame = pd.concat([frame, frame.iloc[:40]], ignore_index=True)

    _project, report = report_of(tmp_path, frame)

    shared = report.by_check("shared_between_splits")
    assert shared and {finding.severity for finding in shared} == {"critical"}
    assert all("also appear in the training split" in finding.message for finding in shared)
    assert report.findings[0].severity == "critical"  # most serious first


def test_rows_in_a_separate_test_file_are_named_by_file(tmp_path):
    frame = clean_frame()
    frame.to_csv(tmp_path / "data.csv", index=False)
    frame.iloc[:5].to_csv(tmp_path / "test.csv", index=False)
    project = new_project(str(tmp_path / "data.csv"), target="label",
                          test_path=str(tmp_path / "test.csv"))

    [found] = check_health(project).by_check("shared_between_splits")

    assert found.count == 5
    assert found.items[0] == "test.csv row 1"
    assert "remove them from" in found.message


def test_same_features_with_another_target(tmp_path):
    frame = clean_frame()
    clash = frame.iloc[[3]].copy()
    clash["label"] = "down" if frame.loc[3, "label"] == "up" else "up"
    frame = pd.concat([frame, clash], ignore_index=True)

    _project, report = report_of(tmp_path, frame)

    [found] = report.by_check("conflicting_targets")
    assert set(found.items) == {"row 4", "row 201"}


def test_constant_column_listed_as_feature(tmp_path):
    frame = clean_frame().assign(flag="x")

    _project, report = report_of(tmp_path, frame, features=("flag",))

    [found] = report.by_check("constant_column")
    assert found.columns == ("flag",)
    assert found.fix is not None and found.fix.ignore_columns == {"flag": "categorical"}


def test_a_nearly_constant_column_is_a_note(tmp_path):
    frame = clean_frame().assign(country=["fr"] * 199 + ["de"])  # 99.5% the same

    _project, report = report_of(tmp_path, frame)

    [found] = report.by_check("near_constant_column")
    assert found.severity == "note" and found.columns == ("country",)
    assert "99.5%" in found.message


@pytest.mark.parametrize("name, values", [
    ("customer_no", np.sort(np.random.default_rng(2).choice(10**6, 200, replace=False))),
    ("ref", [str(uuid.UUID(int=int(i) * 7919 + 1)) for i in range(200)]),
    ("ticket", [f"T-{i * 37 % 1000:04d}x" for i in range(200)]),
])
def test_identifier_columns(tmp_path, name, values):
    frame = clean_frame().assign(**{name: values})

    _project, report = report_of(tmp_path, frame, features=(name,))

    [found] = report.by_check("id_column")
    assert found.columns == (name,)
    assert "Ignore column" in found.fix.label
    assert not report.by_check("leaky_column")  # an identifier is not reported twice


def test_a_column_that_gives_the_answer_away(tmp_path):
    frame = clean_frame().assign(refund=lambda f: np.where(f["label"] == "up", 1.0, 0.0))

    _project, report = report_of(tmp_path, frame)

    [found] = report.by_check("leaky_column")
    assert found.severity == "critical" and found.columns == ("refund",)
    assert "leakage" in found.message


def test_a_number_computed_from_a_regression_target(tmp_path):
    frame = clean_frame().drop(columns="label")
    frame["price"] = np.random.default_rng(3).normal(size=len(frame)) * 10
    frame["price_with_tax"] = frame["price"] * 1.2 + 0.01

    _project, report = report_of(tmp_path, frame, target="price")

    [found] = report.by_check("leaky_column")
    assert found.columns == ("price_with_tax",)


def test_mostly_empty_columns(tmp_path):
    frame = clean_frame()
    frame["sparse"] = np.where(np.arange(200) % 10 < 7, np.nan, np.arange(200) % 7)
    frame["gappy"] = np.where(np.arange(200) % 10 < 3, np.nan, np.arange(200) % 5)

    _project, report = report_of(tmp_path, frame)

    found = {f.columns[0]: f for f in report.by_check("missing_values")}
    assert found["sparse"].severity == "warning" and found["sparse"].fix is not None
    assert found["gappy"].severity == "note" and found["gappy"].fix is None


def test_imbalance_has_the_balanced_weights_fix(tmp_path):
    frame = clean_frame()
    frame["label"] = np.where(np.arange(200) < 180, "common", "rare")

    project, report = report_of(tmp_path, frame)

    [found] = report.by_check("class_imbalance")
    assert "9 to 1" in found.title
    assert dict(found.fix.settings) == {"training.class_weights": "balanced"}
    assert not fix_applied(project, found.fix)
    apply_fix(project, found.fix)
    assert project.training.class_weights == "balanced"
    assert fix_applied(project, found.fix)
    assert "    fix (applied): set training.class_weights to balanced" in report.lines(project)


def test_classes_with_few_rows_and_look_alike_names(tmp_path):
    frame = clean_frame()
    labels = np.where(np.arange(200) % 2 == 0, "Big cat", "dog").astype(object)
    labels[:12:3] = "big_Cat"  # four rows: too few, and only case and spacing differ
    frame["label"] = labels

    _project, report = report_of(tmp_path, frame)

    [thin] = report.by_check("few_samples")
    assert thin.items == ("big_Cat",)
    [alike] = report.by_check("look_alike_classes")
    assert set(alike.items) == {"Big cat", "big_Cat"}


def test_ignore_fix_lists_an_unlisted_column_and_keeps_the_others(tmp_path):
    frame = clean_frame().assign(refund=lambda f: np.where(f["label"] == "up", 1.0, 0.0))
    project, report = report_of(tmp_path, frame)
    project.data.columns = [ColumnSpec("x1", "feature", "numeric")]
    [found] = report.by_check("leaky_column")

    edits = fix_edits(project, found.fix)

    assert [(c.name, c.role) for c in edits["data.columns"]] == [("x1", "feature"),
                                                                  ("refund", "ignored")]
    assert project.data.columns == [ColumnSpec("x1", "feature", "numeric")]  # not changed
    apply_fix(project, found.fix)
    assert check_health(project).by_check("leaky_column") == []


def test_report_as_json(tmp_path):
    frame = clean_frame().assign(refund=lambda f: np.where(f["label"] == "up", 1.0, 0.0))

    _project, report = report_of(tmp_path, frame)

    data = json.loads(json.dumps(report.to_json()))
    assert data["counts"]["critical"] == 1
    [finding] = data["findings"]
    assert finding["check"] == "leaky_column"
    assert finding["fix"] == {"label": "Ignore column 'refund'", "settings": {},
                              "ignore_columns": ["refund"]}


def test_a_time_series_gets_no_row_checks(tmp_path):
    from dlstudio.core.project.project import SeriesSpec

    project, _report = report_of(tmp_path, clean_frame())
    project.data.series = SeriesSpec()

    report = check_health(project)

    assert report.findings == [] and report.checks == []
