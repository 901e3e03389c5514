"""The Evaluate tab from fixed evaluation.json files: tables, heat map, samples, regression."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image

from dlstudio.gui.widgets.evaluation_view import EvaluationView


def classification_result(data: str) -> dict:
    predictions = [
        {"sample": "row 1", "true": "no", "predicted": "no", "confidence": 0.9},
        {"sample": "row 2", "true": "no", "predicted": "yes", "confidence": 0.6},
        {"sample": "row 3", "true": "no", "predicted": "yes", "confidence": 0.95},
        {"sample": "row 4", "true": "yes", "predicted": "yes", "confidence": 0.8},
    ]
    scores = {"precision": 0.75, "recall": 0.75, "f1": 0.7, "support": 4}
    return {
        "run": {"id": "r", "name": "churn run", "folder": "x"}, "data": data, "split": "test",
        "samples": 4, "task": "classification", "created": "2025-01-01T10:00:00+00:00",
        "warnings": [], "class_names": ["no", "yes"], "accuracy": 0.5,
        "per_class": [{"class": "no", "precision": 1.0, "recall": 1 / 3, "f1": 0.5,
                       "support": 3},
                      {"class": "yes", "precision": 1 / 3, "recall": 1.0, "f1": 0.5,
                       "support": 1}],
        "macro_avg": scores, "weighted_avg": scores,
        "confusion_matrix": {"labels": ["no", "yes"], "matrix": [[1, 2], [0, 1]]},
        "confident_mistakes": [], "predictions": predictions,
    }


@pytest.fixture
def run_dir(tmp_path):
    folder = tmp_path / "run"
    folder.mkdir()
    (folder / "model.keras").write_text("model")
    return folder


@pytest.fixture
def view(qtbot):
    widget = EvaluationView()
    qtbot.addWidget(widget)
    widget.resize(1280, 760)
    return widget


def test_classification_tables_and_heat_map(view, run_dir, tmp_path):
    csv = tmp_path / "data.csv"
    csv.write_text("age,plan\n31,basic\n45,pro\n27,basic\n52,pro\n")
    (run_dir / "evaluation.json").write_text(json.dumps(classification_result(str(csv))))
    view.set_run(run_dir)
    assert "churn run" in view.heading.text() and "4 samples" in view.heading.text()
    assert view.metrics.item(0, 0).text() == "accuracy" and view.metrics.item(0, 1).text() == \
        "0.5000"
    assert [view.per_class.item(row, 0).text() for row in range(2)] == ["no", "yes"]
    assert view.per_class.item(0, 2).text() == "0.333"
    assert view.matrix.count("no", "yes") == 2
    wrong = view.matrix.item(0, 1).background().color()
    empty = view.matrix.item(1, 0).background().color()
    assert wrong.red() > wrong.blue() and empty.lightness() > wrong.lightness()
    assert view.evaluate_button.text() == "Evaluate again"


def test_clicking_a_cell_lists_its_rows_most_confident_first(view, run_dir, tmp_path, qtbot):
    csv = tmp_path / "data.csv"
    csv.write_text("age,plan\n31,basic\n45,pro\n27,basic\n52,pro\n")
    (run_dir / "evaluation.json").write_text(json.dumps(classification_result(str(csv))))
    view.set_run(run_dir)
    view.matrix.cellClicked.emit(0, 1)
    rows = view.samples.rows
    assert "True no, predicted yes (wrong): 2 sample(s)" in view.samples.title.text()
    assert [rows.item(row, 0).text() for row in range(2)] == ["row 3", "row 2"]
    qtbot.waitUntil(lambda: rows.columnCount() == 6, timeout=10000)
    assert rows.item(0, 4).text() == "27" and rows.item(1, 5).text() == "pro"
    view.worst_button.click()
    assert "All 2 mistakes" in view.samples.title.text()


def test_image_samples_show_as_thumbnails(view, run_dir, tmp_path, qtbot):
    images = tmp_path / "images"
    (images / "cat").mkdir(parents=True)
    for number in (1, 2, 3):
        Image.fromarray(np.full((20, 20, 3), 40 * number, np.uint8)).save(
            images / "cat" / f"{number}.png")
    result = classification_result(str(images))
    for number, record in enumerate(result["predictions"][:3], start=1):
        record["sample"] = f"cat/{number}.png"
    (run_dir / "evaluation.json").write_text(json.dumps(result))
    view.set_run(run_dir)
    view.show_cell("no", "yes")
    thumbnails = view.samples.thumbnails
    assert thumbnails.count() == 2 and "95% sure" in thumbnails.item(0).text()
    qtbot.waitUntil(lambda: not thumbnails.item(0).icon().isNull(), timeout=10000)


def test_regression_metrics_scatter_and_histogram(view, run_dir):
    true = np.linspace(0, 10, 30)
    predicted = true + np.sin(true)
    result = {
        "run": {"name": "prices"}, "data": "d.csv", "split": "test", "samples": 30,
        "task": "regression", "created": "2025-01-01T10:00:00", "warnings": ["2 rows dropped"],
        "mse": 0.5, "rmse": 0.7071, "mae": 0.6, "r2": 0.93,
        "worst_residuals": [{"sample": "row 9", "true": 3.0, "predicted": 4.0,
                             "residual": -1.0}],
        "predictions": [{"sample": f"row {i + 1}", "true": t, "predicted": p}
                        for i, (t, p) in enumerate(zip(true, predicted, strict=True))],
    }
    (run_dir / "evaluation.json").write_text(json.dumps(result))
    view.set_run(run_dir)
    assert view.pages.currentIndex() == 2
    assert view.regression_metrics.item(3, 0).text() == "R²"
    assert view.regression_metrics.item(3, 1).text() == "0.93"
    assert view.residuals.item(0, 3).text() == "-1"
    assert "2 rows dropped" in view.status.text()
    points = view.scatter.getPlotItem().listDataItems()[0]
    assert len(points.xData) == 30
    bars = view.histogram.getPlotItem().listDataItems()[0]
    assert bars.yData.sum() == 30


def test_a_run_without_model_or_evaluation_says_what_to_do(view, tmp_path, run_dir):
    unfinished = tmp_path / "unfinished"
    unfinished.mkdir()
    view.set_run(unfinished)
    assert "no trained model" in view.status.text() and not view.evaluate_button.isEnabled()
    view.set_run(run_dir)
    assert "Not evaluated yet" in view.status.text() and view.evaluate_button.isEnabled()
    (run_dir / "evaluation.json").write_text("{broken")
    view.set_run(run_dir)
    assert "cannot be read" in view.status.text()


def test_evaluating_runs_off_the_gui_thread_and_reports_failure(view, run_dir, qtbot):
    view.set_run(run_dir)
    with qtbot.waitSignal(view.evaluate_button.clicked):
        view.evaluate_button.click()
    assert view.busy and not view.evaluate_button.isEnabled()
    qtbot.waitUntil(lambda: not view.busy, timeout=60000)
    assert "Evaluation failed" in view.status.text()


def binary_result(data: str) -> dict:
    """A two-class result with probabilities, curves and calibration, as evaluate writes it."""
    from dlstudio.core.evaluation import metrics, probability_metrics

    positive = np.array([0.1, 0.35, 0.45, 0.7, 0.2, 0.9])
    true = np.array([0, 1, 1, 1, 0, 0])
    probabilities = np.c_[1 - positive, positive]
    names = ["no", "yes"]
    predicted = (positive >= 0.5).astype(int)
    result = classification_result(data)
    result.update(metrics.classification_report(true, predicted, names))
    result.update(probability_metrics.ranking_report(probabilities, true, names))
    result["calibration"] = probability_metrics.calibration(probabilities, true)
    result["top_k"] = {}
    result["threshold"] = {"value": 0.5, "saved": False, "positive_class": "yes",
                           "best_f1": probability_metrics.best_f1_threshold(positive, true)}
    result["samples"] = len(true)
    result["predictions"] = [
        {"sample": f"row {i + 1}", "true": names[t], "predicted": names[p],
         "confidence": float(probabilities[i, p]), "probability": float(positive[i])}
        for i, (t, p) in enumerate(zip(true, predicted, strict=True))]
    return result


def test_the_threshold_slider_recomputes_scores_and_matrix_live(view, run_dir, tmp_path):
    result = binary_result(str(tmp_path / "data.csv"))
    (run_dir / "evaluation.json").write_text(json.dumps(result))
    (run_dir / "run.json").write_text(json.dumps({"schema_version": 1, "id": "run",
                                                  "state": "finished",
                                                  "class_names": ["no", "yes"]}))
    view.set_run(run_dir)
    assert not view.threshold.isHidden() and "0.500" in view.threshold.value_label.text()
    assert "(the default)" in view.threshold.scores.text()
    assert view.threshold.save_button.isEnabled()
    assert view.matrix.count("yes", "yes") == 1 and view.matrix.count("no", "yes") == 1

    view.threshold.set_threshold(0.3)  # 0.35 and 0.45 become "yes"

    assert view.matrix.count("yes", "yes") == 3 and view.matrix.count("yes", "no") == 0
    assert "recall 1.000" in view.threshold.scores.text()
    assert view.metrics.item(0, 1).text() == "0.8333"  # 5 of 6 right
    view.matrix.cellClicked.emit(1, 1)
    assert "True yes, predicted yes (right): 3 sample(s)" in view.samples.title.text()

    view.evaluate = lambda: None  # saving evaluates again; the model is fake here
    view.threshold.save_button.click()
    assert json.loads((run_dir / "run.json").read_text())["threshold"] == 0.3
    assert "(saved with the run)" in view.threshold.scores.text()


def test_the_curves_page_draws_roc_pr_and_reliability(view, run_dir, tmp_path):
    (run_dir / "evaluation.json").write_text(json.dumps(binary_result(str(tmp_path / "d.csv"))))
    view.set_run(run_dir)

    view.sections.setCurrentWidget(view.curves)

    roc_lines = view.curves.roc.listDataItems()
    assert len(roc_lines) == 2  # the diagonal and the positive class
    assert "AUC" in view.curves.roc.plotItem.legend.items[0][1].text
    assert view.curves.reliability.listDataItems()
    assert "Expected calibration error" in view.curves.summary.text()


def test_a_result_without_curves_asks_to_evaluate_again(view, run_dir, tmp_path):
    (run_dir / "evaluation.json").write_text(json.dumps(classification_result(str(tmp_path))))
    view.set_run(run_dir)

    assert view.threshold.isHidden()
    assert "Evaluate again" in view.curves.summary.text()


def test_a_table_runs_columns_page_draws_its_importance(view, run_dir, tmp_path):
    (run_dir / "project.dlstudio.json").write_text(json.dumps({"data": {"kind": "csv"}}))
    (run_dir / "importance.json").write_text(json.dumps({
        "run": {"id": "r", "name": "r"}, "split": "validation", "samples": 30,
        "metric": "accuracy", "baseline": 0.9, "repeats": 5,
        "columns": [{"column": "plan", "importance": 0.3, "spread": 0.02},
                    {"column": "age", "importance": -0.01, "spread": 0.01}]}))
    view.set_run(run_dir)

    assert view.sections.isTabVisible(view.sections.indexOf(view.importance))
    assert "relies most on plan" in view.importance.status.text()
    ticks = view.importance.plot.getAxis("left")._tickLevels[0]
    assert [label for _, label in ticks] == ["age", "plan"]  # the largest on top
    assert view.importance.compute_button.text() == "Compute again"


def test_an_image_run_has_no_columns_page(view, run_dir):
    (run_dir / "project.dlstudio.json").write_text(json.dumps({"data": {"kind": "images"}}))
    view.set_run(run_dir)

    assert not view.sections.isTabVisible(view.sections.indexOf(view.importance))


def test_the_robustness_page_draws_three_lines_and_the_summary(view, run_dir):
    (run_dir / "robustness.json").write_text(json.dumps({
        "run": {"id": "r", "name": "r"}, "split": "test", "samples": 20, "metric": "accuracy",
        "unit": "pixel values (0-255)", "epsilons": [0, 4, 16], "fgsm": [0.9, 0.6, 0.3],
        "pgd": [0.9, 0.5, 0.1], "noise": [0.9, 0.88, 0.8],
        "summary": "Accuracy 0.90 on clean inputs falls to 0.10."}))
    view.set_run(run_dir)

    assert len(view.robustness.plot.listDataItems()) == 3
    assert view.robustness.status.text().startswith("Accuracy 0.90")
    assert view.robustness.compute_button.text() == "Run again"
