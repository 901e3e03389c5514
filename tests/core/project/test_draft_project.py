"""A draft project for the GUI: a readable file is never refused for its columns."""

import pytest

from dlstudio.core.errors import DataError
from dlstudio.core.project.from_data import SeriesChoice, draft_project, new_project


@pytest.fixture
def series_csv(tmp_path):
    path = tmp_path / "series.csv"
    path.write_text("YEAR,VALUE\n" + "".join(f"{1950 + i},{100 + i}\n" for i in range(30)),
                    encoding="utf-8")
    return path


def test_a_series_whose_columns_look_like_identifiers_gives_a_draft_with_its_problem(series_csv):
    draft = draft_project(series_csv)

    assert draft.project.data.path == str(series_csv)
    assert [c.name for c in draft.project.data.columns] == ["YEAR", "VALUE"]
    assert draft.project.data.target is None
    assert draft.problems and "target" in draft.problems[0]
    assert draft.project.model.layers  # a model to start from once the columns are fixed


def test_the_command_line_reads_it_as_a_series_to_forecast(series_csv):
    project = new_project(series_csv)
    assert project.data.task == "forecasting"
    assert project.data.series.time_column == "YEAR"
    assert project.data.series.targets == ["VALUE"]


def test_a_draft_asked_to_recognise_series_forecasts_it(series_csv):
    draft = draft_project(series_csv, series=SeriesChoice())
    assert draft.problems == [] and draft.project.data.task == "forecasting"
    assert draft.project.model.template == "series_gru"


def test_a_chosen_target_is_kept_even_when_nothing_is_left_to_learn_from(series_csv):
    draft = draft_project(series_csv, target="VALUE")

    assert draft.project.data.target == "VALUE"
    assert "no column is left to learn from" in draft.problems[0]


def test_a_good_table_gives_a_draft_without_problems(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("size,label\n" + "".join(f"{i % 7},{'ab'[i % 2]}\n" for i in range(30)),
                    encoding="utf-8")
    draft = draft_project(path)

    assert draft.problems == [] and draft.project.data.target == "label"
    assert draft.project.data.task == "classification"


def test_a_missing_file_is_still_an_error(tmp_path):
    with pytest.raises(DataError, match="does not exist"):
        draft_project(tmp_path / "nope.csv")
