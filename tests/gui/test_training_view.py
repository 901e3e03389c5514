"""The Train tab against a fake worker: progress, log, pause, crash and resume, closing."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from dlstudio.core.project.project import Project, load_project, save_project
from dlstudio.core.runs.folder import RunFolder
from dlstudio.core.training import events
from dlstudio.gui.document import Document
from dlstudio.gui.run_client import RunClient
from dlstudio.gui.widgets.training_progress import ProgressClock, format_duration
from dlstudio.gui.widgets.training_view import TrainingView

FAKE_WORKER = str(Path(__file__).with_name("fake_worker.py"))


@pytest.fixture
def document(tmp_path):
    project = Project(name="Fake")
    save_project(project, tmp_path / "fake.dlstudio.json")
    document = Document()
    document.replace(project)
    return document


def training_view(qtbot, document, tmp_path, *options: str) -> TrainingView:
    client = RunClient(program=[sys.executable, FAKE_WORKER, *options])
    view = TrainingView(document, client)
    view.runs_dir = tmp_path / "runs"
    view.ask = lambda question: True
    qtbot.addWidget(view)
    view.resize(1100, 700)
    return view


@pytest.mark.slow
def test_a_run_shows_devices_progress_curves_and_log(qtbot, document, tmp_path):
    view = training_view(qtbot, document, tmp_path, "--epochs", "2", "--steps", "3")
    with qtbot.waitSignal(view.run_ended, timeout=20000):
        view.train_button.click()
    assert "CPU (fake)" in view.devices_label.text()
    assert "No GPU found" in view.devices_label.text()
    assert view.progress.value() == 1000
    assert view.state_label.text().startswith("Finished. Best epoch 2")
    log = view.log.plain_text()
    assert "epoch 1: loss 0.5" in log and "fake worker starting" in log
    assert list(view.history.epochs["loss"].x) == [1, 2]
    assert view.speed_label.text() == "320 samples/s"
    qtbot.waitUntil(lambda: view.client.state == "idle", timeout=5000)
    assert view.train_button.isEnabled() and not view.stop_button.isEnabled()
    assert view.banner.isHidden()


@pytest.mark.slow
def test_pause_resume_and_stop_buttons(qtbot, document, tmp_path):
    view = training_view(qtbot, document, tmp_path, "--epochs", "40", "--steps", "10",
                         "--delay", "0.02")
    with qtbot.waitSignal(view.client.batch, timeout=20000):
        view.train()
    assert view.pause_button.isEnabled() and not view.train_button.isEnabled()
    view.pause_button.click()
    assert view.state_label.text() == "Paused" and view.resume_button.isEnabled()
    assert not view.pause_button.isEnabled()
    view.resume_button.click()
    assert view.state_label.text() == "Training…"
    with qtbot.waitSignal(view.run_ended, timeout=10000) as ended:
        view.stop_button.click()
    label = view.state_label.text()
    # after an epoch ended the best one is named; inside the first there is no model yet
    assert label.startswith(("Stopped. Best epoch ", "Stopped before the first epoch ended")), label
    assert '"state": "stopped"' in (Path(ended.args[0]) / "run.json").read_text()


@pytest.mark.slow
def test_a_killed_worker_leaves_a_banner_that_resumes_the_run(qtbot, document, tmp_path):
    view = training_view(qtbot, document, tmp_path, "--epochs", "3", "--steps", "3",
                         "--crash-at-epoch", "2")
    with qtbot.waitSignal(view.run_ended, timeout=20000) as ended:
        view.train()
    run = RunFolder(ended.args[0])
    assert not view.banner.isHidden()
    assert "killed" in view.banner_text.text()
    assert view.banner_button.text() == "Resume after epoch 1"
    assert run.read_record().state == "failed"
    with qtbot.waitSignal(view.client.finished, timeout=20000):
        view.banner_button.click()
    assert view.banner.isHidden()
    assert list(view.history.epochs["loss"].x) == [2, 3]
    assert view.history.planned_epochs == 3


@pytest.mark.slow
def test_an_error_event_is_shown_without_resume_when_resuming_cannot_help(
        qtbot, document, tmp_path):
    view = training_view(qtbot, document, tmp_path, "--fail")
    with qtbot.waitSignal(view.run_ended, timeout=20000):
        view.train()
    assert "NaN" in view.banner_text.text()
    assert view.banner_button.isHidden()


@pytest.mark.slow
def test_closing_during_a_run_stops_it_cleanly(qtbot, document, tmp_path):
    view = training_view(qtbot, document, tmp_path, "--epochs", "40", "--steps", "10",
                         "--delay", "0.02")
    with qtbot.waitSignal(view.client.batch, timeout=20000):
        view.train()
    finished = []
    view.client.finished.connect(finished.append)
    with qtbot.waitSignal(view.ready_to_close, timeout=10000):
        assert not view.confirm_close()  # not yet: the worker is saving
        assert view.stopping_dialog is not None
    assert view.confirm_close() and view.stopping_dialog is None
    assert finished and finished[0].state == "stopped"  # saved: the window need not wait


def test_closing_can_be_refused(qtbot, document, tmp_path):
    view = training_view(qtbot, document, tmp_path)
    view.client.is_active = lambda: True
    view.ask = lambda question: False
    assert not view.confirm_close()


def test_unsaved_changes_are_saved_before_training(qtbot, document, tmp_path):
    view = training_view(qtbot, document, tmp_path)
    document.set_value("training.epochs", 3)
    started = []
    view.client.start = lambda path, runs_dir=None, resume_from=None: started.append(path)
    view.train()
    assert started == [document.path] and not document.is_dirty()
    assert "\"epochs\": 3" in document.path.read_text()


def test_progress_clock_counts_steps_and_excludes_pauses():
    now = [100.0]
    clock = ProgressClock(lambda: now[0])
    from dlstudio.core.training import events
    clock.start(events.Started("r", ["CPU"], "default", 4, 10, 8, initial_epoch=2))
    now[0] += 10
    clock.batch(events.Batch(3, 5, 10, {}, 1.0))
    assert clock.fraction() == pytest.approx(25 / 40)
    assert clock.time_left() == pytest.approx(10 / 5 * 15)
    clock.set_paused(True)
    now[0] += 100
    clock.set_paused(False)
    assert clock.elapsed() == pytest.approx(10)
    clock.epoch_done(events.Epoch(3, {}, 0.1, 55.0, 3))
    now[0] += 5
    assert clock.elapsed() == pytest.approx(60)
    assert format_duration(3725) == "1:02:05" and format_duration(42) == "0:42"


def test_the_log_hides_tensorflow_start_up_noise_until_asked(qtbot):
    from dlstudio.gui.widgets.log_panel import LogPanel

    panel = LogPanel()
    qtbot.addWidget(panel)
    panel.add("info: No GPU found")
    panel.add_output("I0000 00:00:1795252670.114232 15153 cudart_stub.cc:31] Could not find "
                     "cuda drivers on your machine, GPU will not be used.")
    panel.add_output("UserWarning: the dataset ran out of data")
    assert "cuda drivers" not in panel.plain_text()
    assert "No GPU found" in panel.plain_text() and "UserWarning" in panel.plain_text()
    panel.details.setChecked(True)
    assert "cuda drivers" in panel.plain_text()


def test_the_devices_are_named_once(qtbot, document, tmp_path):
    view = training_view(qtbot, document, tmp_path)
    view._on_message(events.Message("info", "No GPU found: training on the CPU (2 cores)."))
    view._on_started(events.Started(str(tmp_path), ["CPU (2 cores)"], "default", 3, 4, 32))
    assert view.devices_label.text() == "No GPU found: training on the CPU (2 cores)."
    view._begin("again")
    view._on_started(events.Started(str(tmp_path), ["GPU 0: NVIDIA H100"], "default", 3, 4, 32))
    assert view.devices_label.text() == "Training on GPU 0: NVIDIA H100."


@pytest.mark.slow
def test_out_of_memory_offers_to_halve_the_batch_size_and_train_again(
        qtbot, document, tmp_path):
    document.set_value("training.batch_size", 64)
    view = training_view(qtbot, document, tmp_path, "--fail", "--fail-kind", "out_of_memory")
    with qtbot.waitSignal(view.run_ended, timeout=20000):
        view.train()
    assert "ran out of memory" in view.banner_text.text()
    assert "same batch size (64)" in view.banner_text.text()
    assert view.banner_button.text() == "Halve batch size to 32 and train again"
    qtbot.waitUntil(lambda: view.client.state == "idle", timeout=5000)
    with qtbot.waitSignal(view.run_started, timeout=20000):
        view.banner_button.click()
    assert document.project.training.batch_size == 32
    assert load_project(document.path).training.batch_size == 32
    assert not document.is_dirty()
    assert view.history.label == "Fake"
    qtbot.waitUntil(lambda: view.client.state == "idle", timeout=20000)
    assert "same batch size (32)" in view.banner_text.text()  # the fake fails every time
    document.undo_stack.undo()
    assert document.project.training.batch_size == 64


def test_out_of_memory_with_a_batch_of_one_explains_instead(qtbot, document, tmp_path):
    view = training_view(qtbot, document, tmp_path)
    view._on_started(events.Started(str(tmp_path), ["CPU"], "default", 3, 4, 1))
    view._on_error(events.Error("Out of memory.", "out_of_memory", ""))
    assert "even with a batch size of 1" in view.banner_text.text()
    assert view.banner_button.isHidden()


def test_the_fine_tuning_phase_is_marked_on_the_curves_and_logged(qtbot, document, tmp_path):
    view = training_view(qtbot, document, tmp_path)
    view._begin("transfer")
    client = view.client
    client.started.emit(events.Started(str(tmp_path / "run"), ["CPU"], "default", 3, 2, 8))
    for epoch in (1, 2):
        client.epoch.emit(events.Epoch(epoch, {"loss": 1.0 / epoch}, 0.001, epoch, epoch))
    client.phase.emit(events.Phase("fine_tune", 2, "Fine-tuning: the last 20 layers of "
                                   "MobileNetV3Small now train too.", 0.0001, 1000))
    client.epoch.emit(events.Epoch(3, {"loss": 0.3}, 0.0001, 3, 3))
    view.curves.redraw()

    assert view.curves.phase_marks("loss") == [2.0]
    assert "after epoch 2: Fine-tuning: the last 20 layers" in view.log.plain_text()


def test_a_run_stopped_before_its_first_epoch_says_so(qtbot, document):
    view = TrainingView(document)
    qtbot.addWidget(view)
    view._on_finished(events.Finished("", 0, {}, "stopped"))
    assert view.state_label.text() == ("Stopped before the first epoch ended: there is no "
                                       "model to keep yet.")


def test_a_refit_phase_lengthens_the_run_and_is_marked(qtbot, document, tmp_path):
    view = training_view(qtbot, document, tmp_path)
    view._begin("mlp")
    client = view.client
    client.started.emit(events.Started(str(tmp_path / "run"), ["CPU"], "default", 10, 2, 8))
    client.epoch.emit(events.Epoch(1, {"loss": 1.0, "val_loss": 1.1}, 0.001, 1, 1))
    client.phase.emit(events.Phase("refit", 1, "Refit: a fresh model now trains on the "
                                   "training and validation rows together.", 0.001, 100,
                                   epochs=2))
    client.epoch.emit(events.Epoch(2, {"loss": 0.9}, 0.0, 2, 1))
    view.curves.redraw()

    assert view.clock.epochs == 2 and view.history.planned_epochs == 2
    assert view.curves.phase_marks("loss") == [1.0]
    assert "after epoch 1: Refit: a fresh model" in view.log.plain_text()
