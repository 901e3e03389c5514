"""The Evaluate tab of a forecasting run: scores beside the baselines, forecast and residuals."""

from __future__ import annotations

import json

import numpy as np

from dlstudio.gui.widgets.evaluation_view import EvaluationView


def forecasting_result(model_error: float = 0.2) -> dict:
    """Ten test windows of a horizon of 2 on a yearly series, in the shape of the core's
    forecast report; persistence repeats the last value."""
    years = np.arange(1900, 1940)
    values = 10 + (years % 6).astype(float)
    starts = np.arange(28, 38)
    truth = np.array([[values[s], values[s + 1]] for s in starts])
    forecast = truth + model_error
    persistence = np.repeat(values[starts - 1][:, None], 2, axis=1)

    def scores(predicted):
        errors = np.abs(truth - predicted)
        return {"mae": float(errors.mean()), "rmse": float(errors.mean()), "smape": 1.0,
                "mase": float(errors.mean() / 2),
                "per_step": [{"step": k + 1, "mae": float(errors[:, k].mean())}
                             for k in range(2)]}

    model, naive = scores(forecast), scores(persistence)
    windows = [{"origin": str(years[s]), "timestamps": [str(years[s]), str(years[s + 1])],
                "truth": {"VALUE": truth[i].tolist()},
                "forecast": {"VALUE": forecast[i].tolist()},
                "baselines": {"persistence": {"VALUE": persistence[i].tolist()}}}
               for i, s in enumerate(starts)]
    return {
        "run": {"id": "r", "name": "gru run", "folder": "x"}, "data": "yearly.csv",
        "split": "test", "samples": 10, "task": "forecasting", "warnings": [],
        "created": "2026-01-01T10:00:00+00:00", "targets": ["VALUE"], "window": 8,
        "horizon": 2, **model, "baselines": {"persistence": naive},
        "beats_persistence": model["mae"] < naive["mae"],
        "verdict": "The model beats persistence." if model["mae"] < naive["mae"] else
                   "The model does not beat persistence (repeating the last value).",
        "history": {"timestamps": [str(year) for year in years],
                    "values": {"VALUE": values.tolist()}},
        "windows": windows, "windows_total": 10, "windows_every": 1,
    }


def test_a_forecasting_run_shows_scores_baselines_and_the_forecast_plot(qtbot, tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    (run / "model.keras").write_text("model")
    (run / "project.dlstudio.json").write_text(json.dumps(
        {"data": {"kind": "csv", "task": "forecasting"}}))
    (run / "evaluation.json").write_text(json.dumps(forecasting_result()))
    view = EvaluationView()
    qtbot.addWidget(view)
    view.resize(1280, 760)
    view.set_run(run)
    assert view.pages.currentIndex() == 3
    scores = view.forecast_scores
    assert scores.overall.item(1, 0).text() == "Persistence"
    assert scores.overall.item(0, 1).text() == "0.2"  # the model's MAE
    assert scores.verdict.text() == "✓ The model beats persistence."
    plot = view.forecast_plot
    assert plot.slider.maximum() == 9 and plot.step.maximum() == 2
    x, y = plot.items["history"].getData()
    assert x[0] == 1900 and len(y) == 40
    assert not view.sections.isTabVisible(view.sections.indexOf(view.robustness))
    assert not view.sections.isTabVisible(view.sections.indexOf(view.importance))
    assert view.forecast_target.isHidden()


def test_a_forecast_worse_than_persistence_is_flagged(qtbot):
    view = EvaluationView()
    qtbot.addWidget(view)
    view.show_result(forecasting_result(model_error=5.0))
    verdict = view.forecast_scores.verdict
    assert verdict.text().startswith("⚠ The model does not beat persistence")
    assert verdict.property("role") == "error"
    view.show_result({**forecasting_result(), "windows": []})
    assert "no test windows" in view.status.text()
    assert view.forecast_plot.data is None
