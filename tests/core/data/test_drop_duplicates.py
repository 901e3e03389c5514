"""``data.drop_duplicates``: repeated rows left out when a table is read, the file unchanged."""

from __future__ import annotations

import numpy as np
import pandas as pd

from dlstudio.core.data import load_dataset
from dlstudio.core.data.health import apply_fix, check_health
from dlstudio.core.project.from_data import new_project
from dlstudio.core.project.project import Project, load_project, save_project


def repeated_table(tmp_path):
    generator = np.random.default_rng(0)
    frame = pd.DataFrame({"x": generator.normal(size=100).round(4),
                          "label": np.where(np.arange(100) % 2 == 0, "a", "b")})
    frame = pd.concat([frame, frame.iloc[:20]], ignore_index=True)
    frame.insert(0, "id", np.arange(len(frame)))  # copies with their own id are still repeats
    path = tmp_path / "table.csv"
    frame.to_csv(path, index=False)
    return path


def test_repeats_are_left_out_before_the_split(tmp_path):
    project = new_project(str(repeated_table(tmp_path)), target="label")
    project.data.drop_duplicates = True

    dataset = load_dataset(project)

    assert sum(dataset.split_size(split) for split in ("train", "validation", "test")) == 100
    assert any("left out 20 rows that repeat" in warning for warning in dataset.warnings)
    assert dataset.summary()["repeats_left_out"] == 20
    assert "20 repeats left out" in dataset.summary_lines()[1]
    ids = sorted(int(name.split()[-1]) for split in ("train", "validation", "test")
                 for name in dataset.sample_ids(split))
    assert ids == list(range(1, 101))  # rows keep their numbers in the file


def test_data_read_for_evaluation_keeps_every_row(tmp_path):
    path = repeated_table(tmp_path)
    project = new_project(str(path), target="label")
    project.data.drop_duplicates = True

    dataset = load_dataset(project, path=path, class_names=["a", "b"], evaluation_only=True)

    assert dataset.split_size("test") == 120


def test_the_health_fix_turns_it_on_and_the_findings_go(tmp_path):
    project = new_project(str(repeated_table(tmp_path)), target="label")
    report = check_health(project)
    [repeats] = report.by_check("duplicate_rows")
    [shared] = report.by_check("shared_between_splits")
    assert repeats.fix == shared.fix and dict(repeats.fix.settings) == {
        "data.drop_duplicates": True}

    apply_fix(project, repeats.fix)

    assert project.data.drop_duplicates
    after = check_health(project)
    assert after.by_check("duplicate_rows") == [] == after.by_check("shared_between_splits")


def test_written_to_the_project_file_only_when_on(tmp_path):
    project = Project()
    assert "drop_duplicates" not in project.to_dict()["data"]
    project.data.drop_duplicates = True
    path = save_project(project, tmp_path / "p.dlstudio.json")

    assert '"drop_duplicates": true' in path.read_text()
    assert load_project(path).data.drop_duplicates is True
