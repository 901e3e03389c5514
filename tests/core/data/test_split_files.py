"""Separate test and validation files (``init --test/--validation``): the data the user gives
is used as given, the main file is divided among the other splits, and evaluation reads the
test file."""

import numpy as np
import pandas as pd
import pytest

from dlstudio.core.data import load_dataset
from dlstudio.core.errors import DataError, ProjectError
from dlstudio.core.project.from_data import new_project
from dlstudio.core.project.project import load_project, project_from_json, save_project


def _tables(folder, rows=60, test_rows=20):
    generator = np.random.default_rng(0)

    def frame(count):
        x = generator.normal(size=count)
        return pd.DataFrame({"x": x, "colour": generator.choice(["red", "blue"], count),
                             "label": np.where(x > 0, "up", "down")})

    frame(rows).to_csv(folder / "train.csv", index=False)
    frame(test_rows).to_csv(folder / "test.csv", index=False)
    frame(10).to_csv(folder / "valid.csv", index=False)
    return folder / "train.csv", folder / "test.csv", folder / "valid.csv"


def test_a_test_file_is_the_test_split_and_the_main_file_is_split_85_15(tmp_path):
    train, test, _valid = _tables(tmp_path)
    project = new_project(train, test_path=test)
    assert (project.split.train, project.split.validation, project.split.test) == (0.85, 0.15, 0)
    saved = load_project(save_project(project, tmp_path / "p.dlstudio.json"))
    assert saved.data.test_path == "test.csv"
    dataset = load_dataset(saved)
    assert dataset.split_size("test") == 20
    assert dataset.split_size("train") + dataset.split_size("validation") == 60
    assert dataset.split_size("validation") == 9
    assert dataset.sample_ids("test")[0] == "test.csv row 1"


def test_validation_and_test_files_leave_the_whole_main_file_to_training(tmp_path):
    train, test, valid = _tables(tmp_path)
    project = new_project(train, test_path=test, validation_path=valid)
    assert project.split.train == 1.0
    dataset = load_dataset(project)
    sizes = {split: dataset.split_size(split) for split in ("train", "validation", "test")}
    assert sizes == {"train": 60, "validation": 10, "test": 20}


def test_a_split_file_and_a_share_of_the_main_file_for_the_same_split_is_refused(tmp_path):
    train, test, _valid = _tables(tmp_path)
    project = new_project(train, test_path=test)
    project.split.test, project.split.train = 0.15, 0.7
    text = save_project(project, tmp_path / "p.dlstudio.json").read_text()
    with pytest.raises(ProjectError, match=r"split.test: is 0.15, but data.test_path"):
        project_from_json(text)


def test_a_test_file_without_a_column_of_the_main_file_says_which(tmp_path):
    train, test, _valid = _tables(tmp_path)
    pd.read_csv(test).drop(columns=["colour"]).to_csv(test, index=False)
    with pytest.raises(DataError, match="lacks column.*colour"):
        new_project(train, test_path=test)


def test_info_names_the_test_and_validation_files_with_their_rows(tmp_path):
    train, test, valid = _tables(tmp_path)
    dataset = load_dataset(new_project(train, test_path=test, validation_path=valid))

    lines = dataset.summary_lines()

    assert f"Test data: {test.resolve()} (20 rows, the whole test split)" in lines
    assert f"Validation data: {valid.resolve()} (10 rows, the whole validation split)" in lines
    rows = next(line for line in lines if line.startswith("Rows:"))
    assert "20 from the test file" in rows and "10 from the validation file" in rows
    files = dataset.summary()["split_files"]
    assert [(item["split"], item["rows"]) for item in files] == [("test", 20),
                                                                  ("validation", 10)]


def test_split_shares_follow_the_files_given():
    from dlstudio.core.project.project import SplitSpec, split_shares

    assert split_shares(SplitSpec(), test_file=True, validation_file=False) == (0.85, 0.15, 0.0)
    assert split_shares(SplitSpec(), test_file=False, validation_file=True) == (0.85, 0.0, 0.15)
    assert split_shares(SplitSpec(), test_file=True, validation_file=True) == (1.0, 0.0, 0.0)
    assert split_shares(SplitSpec(0.6, 0.2, 0.2), test_file=False,
                        validation_file=False) == (0.6, 0.2, 0.2)
