"""The forecasting export's README: its example program builds the inputs dlstudio builds."""

from __future__ import annotations

import sys
import types

import numpy as np
import pandas as pd
import pytest

from dlstudio.core.data import load_dataset
from dlstudio.core.data.series_calendar import calendar_columns
from dlstudio.core.export.forecast_readme import example_code, forecast_readme_text
from dlstudio.core.project.project import DataSpec, Project, SeriesSpec


def _fake_tensorflow(seen: dict) -> types.ModuleType:
    """A stand-in for TensorFlow that records what the example passes to the model."""
    def serve(**inputs):
        seen.update(inputs)
        return {"forecast": types.SimpleNamespace(numpy=lambda: np.zeros((1, 2)))}

    model = types.SimpleNamespace(signatures={"serving_default": serve})
    return types.SimpleNamespace(constant=np.asarray,
                                 saved_model=types.SimpleNamespace(load=lambda path: model))


@pytest.mark.parametrize("calendar", [["month"], []])
def test_the_example_makes_the_calendar_inputs_of_the_window_and_the_steps_ahead(
        calendar, tmp_path, monkeypatch, capsys):
    t = np.arange(40)
    pd.DataFrame({"month": pd.date_range("2001-01-01", periods=40, freq="MS")
                  .strftime("%Y-%m"), "sales": 100 + t}).to_csv(tmp_path / "series.csv",
                                                               index=False)
    series = SeriesSpec(time_column="month", targets=["sales"], window=6, horizon=2,
                        calendar_features=calendar)
    dataset = load_dataset(Project(data=DataSpec(path=str(tmp_path / "series.csv"),
                                                 task="forecasting", series=series)))
    metadata = {"run": {"name": "sales"}, "series": dataset.export_description(),
                "signature": "serving_default", "output": "forecast",
                "class_names": dataset.class_names}
    seen: dict = {}
    monkeypatch.setitem(sys.modules, "tensorflow", _fake_tensorflow(seen))
    monkeypatch.chdir(tmp_path)

    exec(example_code(metadata, tmp_path / "export"), {})  # noqa: S102 - our own program

    np.testing.assert_allclose(seen["window"][0], dataset.values[-6:], rtol=1e-6)
    assert "t+2" in capsys.readouterr().out
    readme = " ".join(forecast_readme_text(metadata, tmp_path / "export").split())
    assert ("the example makes them from the time column" in readme) == bool(calendar)
    if calendar:
        ahead = calendar_columns(dataset.axis.after_last(2), "dates", calendar)
        np.testing.assert_allclose(seen["future"][0], ahead, atol=1e-6)
    else:
        assert "future" not in seen
