"""The curves follow the events: per batch, per epoch, validation, learning rate, best epoch."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PySide6.QtCore import Qt

from dlstudio.core.runs.history import GrowingSeries, RunHistory, display_points
from dlstudio.core.training import events
from dlstudio.gui.widgets.curves import LEARNING_RATE_PLOT, CurvesView


def feed_epochs(history: RunHistory, epochs: int, steps: int = 4, start: int = 1) -> None:
    for epoch in range(start, start + epochs):
        for step in range(1, steps + 1):
            loss = 1.0 / (epoch + step / steps)
            history.add_event(events.Batch(epoch, step, steps, {"loss": loss, "accuracy": 1 - loss},
                                           100.0))
        loss = 1.0 / (epoch + 1)
        history.add_event(events.Epoch(epoch, {"loss": loss, "accuracy": 1 - loss,
                                               "val_loss": loss + 0.1, "val_accuracy": 0.5},
                                       learning_rate=0.01 / epoch, elapsed=epoch,
                                       best_epoch=min(epoch, 2)))


@pytest.fixture
def view(qtbot):
    widget = CurvesView()
    qtbot.addWidget(widget)
    widget.resize(900, 600)
    widget.show()
    return widget


def test_growing_series_keeps_every_point_and_truncates_by_x():
    series = GrowingSeries(capacity=2)
    for i in range(1000):
        series.append(i / 10, i)
    assert len(series) == 1000 and series.y[-1] == 999
    series.truncate(5.0)
    assert series.x[-1] == 5.0 and len(series) == 51


def test_one_plot_per_family_then_the_learning_rate(view):
    history = RunHistory("run")
    view.show_runs([history])
    feed_epochs(history, 3)
    view.mark_changed()
    view.redraw()
    assert view.plot_names() == ["loss", "accuracy", LEARNING_RATE_PLOT]
    batch = view.series_item(0, "loss", "batch")
    assert len(batch.xData) == 12 and batch.xData[-1] == pytest.approx(3.0)
    train = view.series_item(0, "loss", "train")
    validation = view.series_item(0, "loss", "validation")
    assert list(train.xData) == [1, 2, 3]
    assert list(validation.yData) == pytest.approx([0.6, 1 / 3 + 0.1, 0.35])
    assert list(view.series_item(0, LEARNING_RATE_PLOT, "rate").yData) == pytest.approx(
        [0.01, 0.005, 0.01 / 3])
    smoothed = view.series_item(0, "loss", "smoothed").yData
    assert np.all(np.diff(smoothed) < 0) and smoothed[-1] > batch.yData[-1]


def test_expected_plots_are_made_at_once_and_laid_out_in_reading_order(view):
    history = RunHistory("run")
    view.show_runs([history], expected=("loss", LEARNING_RATE_PLOT))
    assert view.plot_names() == ["loss", LEARNING_RATE_PLOT]
    feed_epochs(history, 1)
    view.mark_changed()
    assert view.plot_names() == ["loss", LEARNING_RATE_PLOT]  # new plots wait for the timer
    view.redraw()
    assert view.plot_names() == ["loss", "accuracy", LEARNING_RATE_PLOT]
    layout = view.graphics.ci
    assert layout.getItem(0, 1) is view.plot("accuracy")
    assert layout.getItem(1, 0) is view.plot(LEARNING_RATE_PLOT)


def test_events_redraw_on_the_timer_not_on_each_event(view, qtbot):
    history = RunHistory("run")
    view.show_runs([history])
    for epoch in range(1, 3):
        for step in range(1, 51):
            history.add_event(events.Batch(epoch, step, 50, {"loss": 1 / step}, 10.0))
            view.mark_changed()
    assert view.series_item(0, "loss", "batch") is None
    qtbot.waitUntil(lambda: view.series_item(0, "loss", "batch") is not None, timeout=2000)
    assert len(view.series_item(0, "loss", "batch").xData) == 100
    assert view.redraw_count <= 2


def test_the_x_axis_shows_the_planned_run(view):
    history = RunHistory("run")
    view.show_runs([history])
    history.add_event(events.Started("r", ["CPU"], "default", 30, 4, 8))
    feed_epochs(history, 2)
    view.mark_changed()
    view.redraw()
    low, high = view.plot("loss").vb.viewRange()[0]
    assert low < 0.5 and high > 29.5
    assert view.plot("accuracy").vb.viewRange()[0] == [low, high]
    view.plot("accuracy").setXRange(1, 2, padding=0)
    view.plot("accuracy").vb.sigRangeChangedManually.emit([True, False])
    assert view.plot("loss").vb.viewRange()[0] == pytest.approx([1, 2])
    assert view.plot(LEARNING_RATE_PLOT).vb.viewRange()[0] == pytest.approx([1, 2])


def test_the_x_axis_fits_the_epochs_reached_once_a_run_ends(view, tmp_path):
    history = RunHistory("run")
    view.show_runs([history])
    history.add_event(events.Started("r", ["CPU"], "default", 143, 4, 8))
    feed_epochs(history, 37)
    view.mark_changed()
    view.redraw()
    assert view.plot("loss").vb.viewRange()[0][1] > 142
    history.add_event(events.Finished("r", best_epoch=30, best_metrics={}, state="stopped"))
    view.mark_changed()
    view.redraw()
    for name in view.plot_names():
        low, high = view.plot(name).vb.viewRange()[0]
        assert low < 0.5 and 37 <= high < 38.5
    (tmp_path / "events.jsonl").write_text("\n".join(
        events.encode(event) for event in (
            events.Started("r", ["CPU"], "default", 143, 1, 8),
            events.Epoch(1, {"loss": 0.5}, 0.001, 1.0, 1))) + "\n")  # stopped without a word
    view.show_runs([RunHistory.from_folder(tmp_path)])
    view.redraw()
    assert view.plot("loss").vb.viewRange()[0][1] < 1.5


def test_long_batch_series_are_drawn_decimated_but_keep_their_peaks(view):
    history = RunHistory("run")
    view.show_runs([history])
    history.add_event(events.Started("r", ["CPU"], "default", 100, 1000, 8))
    rng = np.random.default_rng(0)
    values = rng.normal(1.0, 0.1, 100_000)
    values[54_321] = 9.0
    for index, value in enumerate(values):
        history.add_batch((index + 1) / 1000, {"loss": float(value)})
    view.mark_changed()
    view.redraw()
    item = view.series_item(0, "loss", "batch")
    assert len(item.xData) <= 4100
    assert item.yData.max() == 9.0 and item.yData.min() == values.min()
    assert item.xData[0] == pytest.approx(0.001) and item.xData[-1] == pytest.approx(100.0)
    view.plot("loss").setXRange(54, 55, padding=0)
    view.redraw()
    zoomed = view.series_item(0, "loss", "batch")
    assert 1000 <= len(zoomed.xData) < 1100 and zoomed.yData.max() == 9.0
    x, y = display_points(history.batches["loss"], 54, 55)
    assert np.array_equal(zoomed.xData, x) and np.array_equal(zoomed.yData, y)


def test_the_best_epoch_is_marked_and_read_out(view):
    history = RunHistory("run")
    view.show_runs([history])
    feed_epochs(history, 4)
    view.mark_changed()
    view.redraw()
    line = view._best_lines[(0, "loss")]
    assert line.value() == 2
    text = view.readout_text("loss", 2.2)
    assert "epoch 2" in text and "train 0.3333" in text and "(best epoch)" in text
    assert "learning rate 0.005" in view.readout_text(LEARNING_RATE_PLOT, 1.8)


def test_log_scale_and_per_batch_toggles(view):
    history = RunHistory("run")
    view.show_runs([history])
    feed_epochs(history, 2)
    view.mark_changed()
    view.redraw()
    view.log_scale.setChecked(True)
    assert all(view.plot(name).ctrl.logYCheck.isChecked() for name in view.plot_names())
    view.show_batches.setChecked(False)
    feed_epochs(history, 1, start=3)
    view.mark_changed()
    view.redraw()
    batch = view.series_item(0, "loss", "batch")
    assert not batch.isVisible() and len(batch.xData) == 8
    view.show_batches.setChecked(True)
    assert batch.isVisible() and len(batch.xData) == 12


def test_a_resumed_run_replaces_what_came_after_its_checkpoint():
    history = RunHistory("run")
    feed_epochs(history, 3)
    history.add_event(events.Batch(4, 1, 4, {"loss": 9.0}, 1.0))
    history.add_event(events.Started("r", ["CPU"], "default", 5, 4, 8, initial_epoch=3))
    assert history.batches["loss"].x[-1] == pytest.approx(3.0)
    feed_epochs(history, 1, start=4)
    assert list(history.epochs["loss"].x) == [1, 2, 3, 4]


def test_several_runs_overlay_in_their_own_colours(view, tmp_path):
    first, second = RunHistory("first"), RunHistory("second")
    feed_epochs(first, 3)
    feed_epochs(second, 2)
    view.show_runs([first, second])
    view.redraw()
    colours = {view.series_item(i, "loss", "train").opts["pen"].color().name() for i in (0, 1)}
    assert len(colours) == 2
    assert "first" in view.legend.text() and "second" in view.legend.text()
    assert not view.show_batches.isChecked()
    assert "first: train" in view.readout_text("loss", 2)


def test_history_reads_a_run_folder_from_events_or_metrics(tmp_path):
    with_events = tmp_path / "a"
    with_events.mkdir()
    lines = [events.encode(events.Batch(1, 1, 1, {"loss": 0.9}, 5.0)),
             events.encode(events.Epoch(1, {"loss": 0.8, "val_loss": 0.7}, 0.001, 1.0, 1)),
             "{half a line"]
    (with_events / "events.jsonl").write_text("\n".join(lines) + "\n")
    history = RunHistory.from_folder(with_events, "a")
    assert history.epochs["val_loss"].y[0] == pytest.approx(0.7) and history.best_epoch == 1
    metrics_only = tmp_path / "b"
    metrics_only.mkdir()
    (metrics_only / "metrics.csv").write_text(
        "epoch,loss,val_loss,learning_rate,elapsed\n1,0.5,0.6,0.01,1.5\n2,0.4,0.5,0.01,3.0\n")
    (metrics_only / "run.json").write_text(json.dumps({"best_epoch": 2}))
    history = RunHistory.from_folder(metrics_only)
    assert history.families() == ["loss"]
    assert list(history.epochs["loss"].x) == [1, 2] and history.best_epoch == 2
    assert list(history.learning_rate.y) == [0.01, 0.01]


def test_the_fine_tuning_phase_is_marked_on_every_plot_and_kept_when_read_back(view, tmp_path):
    history = RunHistory("transfer")
    feed_epochs(history, 3)
    history.add_event(events.Phase("fine_tune", 3, "Fine-tuning: …", 0.0001, 12345))
    feed_epochs(history, 2, start=4)
    view.show_runs([history])
    view.redraw()

    assert history.phases == {3: "fine_tune"}
    assert view.phase_marks("loss") == [3.0] and view.phase_marks(LEARNING_RATE_PLOT) == [3.0]
    history.truncate(2)  # a run resumed before the phase began forgets the mark
    assert history.phases == {}


def feed_gan_epochs(history: RunHistory, epochs: int) -> None:
    for epoch in range(1, epochs + 1):
        logs = {"d_loss": 1.3, "g_loss": 0.8 + epoch / 10, "d_real": 0.55, "d_fake": 0.45}
        history.add_event(events.Batch(epoch, 1, 1, logs, 100.0))
        history.add_event(events.Epoch(epoch, {**logs, "sample_diversity": 0.9,
                                               "val_d_loss": 1.35, "val_g_loss": 0.9},
                                       learning_rate=2e-4, elapsed=epoch, best_epoch=0))


def test_a_gans_two_losses_share_one_plot_and_the_empty_loss_plot_goes(view):
    history = RunHistory("gan")
    view.show_runs([history], expected=("loss", LEARNING_RATE_PLOT))
    view.redraw()
    assert "loss" in view.plot_names()
    feed_gan_epochs(history, 2)
    view.mark_changed()
    view.redraw()
    assert view.plot_names() == ["gan_losses", "gan_verdicts", "sample_diversity",
                                 LEARNING_RATE_PLOT]
    losses = view.plot("gan_losses")
    assert "discriminator" in losses.titleLabel.text and "generator" in losses.titleLabel.text
    assert "Healthy" in losses.toolTip()
    discriminator = view.series_item(0, "d_loss", "train")
    generator = view.series_item(0, "g_loss", "train")
    assert discriminator in losses.items and generator in losses.items
    assert discriminator.opts["pen"].color() != generator.opts["pen"].color()
    assert list(generator.yData) == pytest.approx([0.9, 1.0])
    dashed = view.series_item(0, "g_loss", "validation").opts["pen"].style()
    assert dashed == Qt.PenStyle.DashLine
    text = view.readout_text("gan_losses", 2)
    assert "discriminator 1.3" in text and "generator 1" in text
    assert view.graphics.ci.getItem(0, 0) is losses  # no empty plot before it
    assert "best epoch" not in view.legend.text()  # a GAN has none


def test_compared_gan_runs_keep_one_value_per_plot(view):
    first, second = RunHistory("a"), RunHistory("b")
    feed_gan_epochs(first, 2)
    feed_gan_epochs(second, 2)
    view.show_runs([first, second])
    view.redraw()
    assert "d_loss" in view.plot_names() and "gan_losses" not in view.plot_names()
    assert view.plot("d_loss").titleLabel.text == "discriminator loss"


def test_a_loss_that_falls_a_hundredfold_turns_the_log_scale_on_unless_chosen(view):
    history = RunHistory("autoencoder")
    view.show_runs([history])
    for epoch, loss in enumerate([0.7, 0.05, 0.004], start=1):
        history.add_event(events.Epoch(epoch, {"loss": loss}, learning_rate=1e-3,
                                       elapsed=epoch, best_epoch=epoch))
        view.mark_changed()
        assert view.log_scale.isChecked() == (epoch == 3)
    view.redraw()
    assert view.plot("loss").ctrl.logYCheck.isChecked()
    view.log_scale.click()  # the person's choice stands from now on
    view.show_runs([history])
    view.mark_changed()
    assert not view.log_scale.isChecked()


def test_on_a_log_axis_the_learning_rate_shows_at_least_a_decade(view):
    history = RunHistory("cosine")
    view.show_runs([history])
    for epoch, loss in enumerate([0.7, 0.05, 0.004], start=1):
        history.add_event(events.Epoch(epoch, {"loss": loss}, learning_rate=0.001 - epoch * 1e-5,
                                       elapsed=epoch, best_epoch=epoch))
    view.mark_changed()
    view.redraw()
    assert view.log_scale.isChecked()
    view.plot(LEARNING_RATE_PLOT).vb.autoRange()
    low, high = view.plot(LEARNING_RATE_PLOT).vb.viewRange()[1]
    assert high - low >= 0.99  # log10 units: a gentle decay is not drawn as a plunge
