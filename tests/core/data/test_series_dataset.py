"""A CSV read as a series: windows streamed by tf.data, normalization from training rows."""

import numpy as np
import pandas as pd
import pytest

from dlstudio.core.data import load_dataset, load_rows
from dlstudio.core.errors import DataError
from dlstudio.core.project.project import DataSpec, Project, SeriesSpec


def _series_project(tmp_path, rows=120, **series) -> Project:
    t = np.arange(rows)
    frame = pd.DataFrame({"date": pd.date_range("2000-01-01", periods=rows, freq="D")
                          .strftime("%Y-%m-%d"),
                          "sales": 100 + 10 * np.sin(2 * np.pi * t / 7) + t,
                          "price": t * 0.5})
    path = tmp_path / "sales.csv"
    frame.to_csv(path, index=False)
    spec = SeriesSpec(time_column="date", targets=["sales"], window=14, horizon=3, **series)
    return Project(data=DataSpec(path=str(path), task="forecasting", series=spec))


def test_windows_and_targets_are_the_rows_of_the_file(tmp_path):
    dataset = load_dataset(_series_project(tmp_path, past_covariates=["price"]))
    # each target's change within the window, then the two columns
    assert dataset.task == "forecasting" and dataset.feature_shape() == (14, 3)
    assert dataset.class_names == ["sales t+1", "sales t+2", "sales t+3"]
    inputs, targets = next(iter(dataset.tf_dataset("test", 4)))
    start = dataset.starts["test"][0]
    np.testing.assert_allclose(inputs["window"][0].numpy(), dataset.values[start:start + 14])
    np.testing.assert_allclose(targets[0].numpy(), dataset.values[start + 14:start + 17, 0])
    np.testing.assert_allclose(dataset.targets("test")[0], targets[0].numpy())
    assert dataset.sample_ids("test")[0] == f"from {dataset.axis.labels()[start + 14]}"
    assert dataset.split_size("train") + dataset.split_size("validation") + \
        dataset.split_size("test") < 120


def test_normalization_and_change_scaling_come_from_training_rows_only(tmp_path):
    dataset = load_dataset(_series_project(tmp_path))
    mean, _variance = dataset.normalization()
    assert mean[0] == pytest.approx(dataset.values[:dataset.train_rows, 0].mean(), rel=1e-5)
    assert mean[0] < dataset.values[:, 0].mean()  # the series grows: later rows are higher
    offsets, scales = dataset.change_scaling()
    assert len(offsets) == 3 and offsets[0] == pytest.approx(1.0, abs=0.1)  # one a day
    assert all(scale > 0 for scale in scales)


def test_known_inputs_and_calendar_inputs_reach_the_forecast_steps(tmp_path):
    project = _series_project(tmp_path, known_covariates=["price"],
                              calendar_features=["day_of_week"])
    dataset = load_dataset(project)
    assert dataset.known_names == ["price", "day_of_week_sin", "day_of_week_cos"]
    assert dataset.feature_shape() == (14 + 3, 1 + 4 + 1)  # the change, the columns, the flag
    inputs, _targets = next(iter(dataset.tf_dataset("train", 2)))
    assert inputs["future"].shape == (2, 3, 3)
    start = dataset.starts["train"][0]
    np.testing.assert_allclose(inputs["future"][0].numpy(),
                               dataset.values[start + 14:start + 17, 1:])


def test_a_training_pipeline_holds_start_rows_not_windows(tmp_path):
    dataset = load_dataset(_series_project(tmp_path, rows=3000))
    pipeline = dataset.tf_dataset("train", 32, shuffle=True, seed=1)
    assert pipeline.element_spec[0]["window"].shape.as_list() == [None, 14, 1]
    first = next(iter(pipeline))[1].numpy()
    again = next(iter(dataset.tf_dataset("train", 32, shuffle=True, seed=1)))[1].numpy()
    np.testing.assert_allclose(first, again)  # seeded


def test_single_rows_and_bad_columns_are_refused_in_words(tmp_path):
    project = _series_project(tmp_path)
    with pytest.raises(DataError, match="forecasts from a series"):
        load_rows(project, [{"date": "2001-01-01", "sales": "3"}])
    project.data.series.targets = ["visits"]
    with pytest.raises(DataError, match="visits are not in the file"):
        load_dataset(project)
