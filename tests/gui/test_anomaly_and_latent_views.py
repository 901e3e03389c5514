"""The Evaluate pages of an autoencoder (errors, threshold slider, detection scores, originals
beside reconstructions) and of a VAE (latent scatter, prior samples, interpolation strip)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from dlstudio.core.project.project import DataSpec, Project
from dlstudio.core.tasks import get_task
from dlstudio.gui.widgets.anomaly_view import AnomalyView
from dlstudio.gui.widgets.latent_view import LatentView


def anomaly_result():
    task = get_task("reconstruction").bind(Project(data=DataSpec(normal_classes=["ok"])))
    scores = np.array([[0.1], [0.2], [0.15], [0.9], [0.8], [0.12]])
    true = np.array([1, 1, 1, 0, 0, 1])
    result = task.report(scores, true, [f"row {i}" for i in range(6)], ["bad", "ok"], 0.5)
    return {"task": "reconstruction", **result}


def test_the_slider_moves_the_threshold_and_recounts_the_flags(qtbot):
    view = AnomalyView()
    qtbot.addWidget(view)
    view.set_result(anomaly_result(), None)
    assert view.threshold == 0.5 and abs(view.line.value() - np.log10(0.5)) < 1e-9
    assert "2 of 6 samples" in view.summary.text() and "100%" in view.summary.text()
    view.slider.setValue(0)  # the lowest error: every other sample is flagged
    assert abs(view.threshold - 0.1) < 1e-9
    assert "5 of 6" in view.summary.text()
    saved = []
    view.save_requested.connect(saved.append)
    view.save_button.click()
    assert len(saved) == 1 and abs(saved[0] - 0.1) < 1e-9
    view._show_pairs({"kind": "csv", "ids": ["row 3"], "scores": [0.9],
                      "originals": pd.DataFrame({"a": [1.0]}),
                      "reconstructions": pd.DataFrame({"a": [0.5]})})
    assert view.rows.rowCount() == 1 and view.rows.item(0, 4).text() == "0.5"
    assert "rows with the largest errors" in view.pairs_status.text()
    assert view.originals.isHidden()  # no empty image grids above a table
    view._show_pairs({"kind": "images", "ids": ["x.png"], "scores": [0.3],
                      "originals": np.zeros((1, 8, 8, 1)),
                      "reconstructions": np.ones((1, 8, 8, 1))})
    assert len(view.originals.cells) == 1 and len(view.rebuilt.cells) == 1


class FakeOpened:
    """What latent_in_background hands over: interpolation through a fake decoder."""

    class dataset:  # noqa: N801  (an attribute namespace)
        kind = "images"

    def interpolate(self, first, second, steps=8):
        return np.linspace(0, 1, steps)[:, None, None, None] * np.ones((steps, 8, 8, 1))


def test_the_latent_page_colours_codes_by_label_and_walks_between_two_samples(qtbot):
    view = LatentView()
    qtbot.addWidget(view)
    codes = np.array([[0.0, 0.0], [0.1, 0.0], [3.0, 3.0], [3.1, 2.9]])
    found = {"opened": FakeOpened(), "kind": "images", "ids": ["a/1.png", "a/2.png", "b/1.png",
                                                               "b/2.png"],
             "labels": ["a", "a", "b", "b"], "codes": codes, "points": codes,
             "axes": "dimensions 1 and 2", "prior": np.zeros((6, 8, 8, 1))}
    view.show_found(found)
    assert len(view.scatter.listDataItems()) == 2  # one colour per label
    assert len(view.prior.cells) == 6
    assert view.first.currentText() == "1.png (a)" and view.second.currentText() == "2.png (b)"
    qtbot.waitUntil(lambda: len(view.strip.cells) == 8, timeout=5000)


def test_the_error_axis_reads_errors_and_the_roc_hides_without_known_anomalies(qtbot):
    from dlstudio.gui.widgets.anomaly_view import ErrorAxis

    assert ErrorAxis().tickStrings([-2.0, -0.45], 1.0, 0.05) == ["0.01", "0.355"]
    view = AnomalyView()
    qtbot.addWidget(view)
    view.show()
    view.set_result(anomaly_result(), None)
    assert view.roc_box.isVisible()
    unlabelled = {key: value for key, value in anomaly_result().items() if key != "detection"}
    unlabelled["predictions"] = [{"score": record["score"]}
                                 for record in anomaly_result()["predictions"]]
    view.set_result(unlabelled, None)
    assert not view.roc_box.isVisible()  # no ROC heading over an empty space


def test_the_latent_axes_are_named_and_the_legend_sits_under_the_plot(qtbot):
    from dlstudio.gui.widgets.latent_view import axis_labels

    assert axis_labels("first two principal components") == ("principal component 1",
                                                             "principal component 2")
    view = LatentView()
    qtbot.addWidget(view)
    codes = np.array([[0.0, 0.0], [3.0, 3.0]])
    view.show_found({"opened": FakeOpened(), "kind": "images", "ids": ["a/1.png", "b/1.png"],
                     "labels": ["a", "b"], "codes": codes, "points": codes,
                     "axes": "dimensions 1 and 2", "prior": np.zeros((2, 8, 8, 1))})
    plot = view.scatter.getPlotItem()
    assert plot.getAxis("bottom").labelText == "dimension 1"
    assert plot.getAxis("left").labelText == "dimension 2"
    assert "a" in view.legend.text() and "b" in view.legend.text()
    assert plot.legend is None  # no legend drawn over the points


def test_every_detection_score_fits_in_the_table_without_scrolling(qtbot):
    view = AnomalyView()
    qtbot.addWidget(view)
    view.resize(1100, 700)
    view.show()
    view.set_result(anomaly_result(), None)
    table = view.metrics
    assert table.rowCount() == 7  # threshold, flagged, precision, recall, found, normal, AUC
    qtbot.waitUntil(lambda: table.viewport().height() >= sum(
        table.rowHeight(row) for row in range(table.rowCount())), timeout=2000)


def test_the_latent_page_computes_itself_when_first_shown_and_keeps_runs_apart(qtbot,
                                                                                monkeypatch,
                                                                                tmp_path):
    import dlstudio.gui.widgets.latent_view as latent_module

    computed = []
    monkeypatch.setattr(latent_module, "run_in_background",
                        lambda work, done, failed, receiver=None: computed.append(done))
    view = LatentView()
    qtbot.addWidget(view)
    view.set_run(tmp_path / "run-a")
    view.show()
    assert len(computed) == 1  # shown: computed without a click
    view.compute()
    assert len(computed) == 1  # not twice for the same run
    view.set_run(tmp_path / "run-b")
    codes = np.array([[0.0, 0.0], [1.0, 1.0]])
    computed[0]({"opened": FakeOpened(), "kind": "images", "ids": ["a.png", "b.png"],
                 "labels": [], "codes": codes, "points": codes, "axes": "dimensions 1 and 2",
                 "prior": np.zeros((2, 8, 8, 1))})
    assert view.found is None  # run a's codes are not shown for run b
    assert len(computed) == 2  # run b, shown on an open page, is computed too
