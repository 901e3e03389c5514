"""The time-series settings (`data.series`): one schema, read with exact places, round-tripped."""

import dataclasses

import pytest

from dlstudio.core.errors import ProjectError
from dlstudio.core.project.project import (
    CALENDAR_FEATURES,
    DataSpec,
    Project,
    SeriesSpec,
    project_from_json,
    project_to_json,
)
from dlstudio.core.project.reading import project_from_dict
from dlstudio.core.project.settings_schema import SERIES_SETTINGS


def _series_project(**series) -> dict:
    return {"schema_version": 2, "data": {"path": "s.csv", "task": "forecasting", "series": {
        "time_column": "YEAR", "targets": ["VALUE"], **series}}}


def test_every_series_field_has_exactly_one_setting_and_its_default_is_valid():
    assert set(SERIES_SETTINGS) == {item.name for item in dataclasses.fields(SeriesSpec)}
    for setting in SERIES_SETTINGS.values():
        if setting.kind == "choice":
            assert setting.default in setting.choices, setting.path
        if setting.minimum is not None:
            assert setting.default >= setting.minimum, setting.path
    assert SERIES_SETTINGS["calendar_features"].choices == CALENDAR_FEATURES


def test_a_forecasting_project_round_trips_byte_for_byte():
    series = SeriesSpec(time_column="date", targets=["sales", "visits"],
                        past_covariates=["price"], known_covariates=["holiday"], window=48,
                        horizon=6, stride=2, calendar_features=["day_of_week", "month"],
                        missing="forward_fill", season_length=7)
    project = Project(data=DataSpec(path="s.csv", task="forecasting", series=series))
    text = project_to_json(project)
    again = project_from_json(text)
    assert again.data.series == series
    assert project_to_json(again) == text


def test_a_project_without_series_writes_no_series_field():
    assert '"series"' not in project_to_json(Project())
    assert project_from_json(project_to_json(Project())).data.series is None


def test_left_out_settings_take_their_defaults():
    project = project_from_dict(_series_project())
    assert project.data.series == SeriesSpec(time_column="YEAR", targets=["VALUE"])
    assert project.data.series.input_columns() == ["VALUE"]


def test_bad_values_are_reported_at_their_place():
    with pytest.raises(ProjectError) as caught:
        project_from_dict(_series_project(window=0, horizon="3", missing="mean",
                                          calendar_features=["week"], past_covariates=["VALUE"],
                                          colour=1))
    text = str(caught.value)
    assert "data.series.window: expected an integer >= 1" in text
    assert "data.series.horizon: expected an integer" in text
    assert "data.series.missing: expected one of" in text and "drop_windows" in text
    assert "data.series.calendar_features[0]: expected one of day_of_week" in text
    assert 'data.series.past_covariates: "VALUE" is already in targets' in text
    assert "data.series.colour: unknown setting" in text


def test_series_and_task_go_together():
    no_series = {"schema_version": 2, "data": {"path": "s.csv", "task": "forecasting"}}
    with pytest.raises(ProjectError, match="data.series: is missing, but data.task is "
                                           "forecasting"):
        project_from_dict(no_series)
    wrong_task = _series_project()
    wrong_task["data"]["task"] = "regression"
    with pytest.raises(ProjectError, match="set data.task to forecasting"):
        project_from_dict(wrong_task)


def test_a_series_needs_a_target_and_calendar_inputs_need_a_time_column():
    with pytest.raises(ProjectError) as caught:
        project_from_dict(_series_project(targets=[], time_column="",
                                          calendar_features=["month"]))
    text = str(caught.value)
    assert "data.series.targets: lists no column to forecast" in text
    assert "data.series.calendar_features: needs a time column" in text
