"""Real training from the Train tab: the real worker on tiny data, a kill, and a resume."""

from __future__ import annotations

from pathlib import Path

import pytest

from dlstudio.core.project.project import load_project, save_project
from dlstudio.core.runs.folder import RunFolder
from dlstudio.gui.document import Document
from dlstudio.gui.widgets.runs_view import RunsView
from dlstudio.gui.widgets.training_view import TrainingView

pytestmark = pytest.mark.slow
WORKER_START = 120_000  # ms: the worker imports TensorFlow on a busy 2-core machine


def document_for(project_path: Path, epochs: int) -> Document:
    project = load_project(project_path)
    project.training.epochs = epochs
    project.training.batch_size = 8
    save_project(project, project_path)
    document = Document()
    document.open(project_path)
    return document


def test_a_real_run_trains_and_shows_its_curves(qtbot, csv_project):
    document = document_for(csv_project, epochs=2)
    view = TrainingView(document)
    view.ask = lambda question: True
    runs = RunsView(document)
    view.run_ended.connect(lambda _run: runs.refresh())
    qtbot.addWidget(view)
    qtbot.addWidget(runs)
    with qtbot.waitSignal(view.run_ended, timeout=WORKER_START) as ended:
        view.train()
    run = RunFolder(ended.args[0])
    assert run.read_record().state == "finished" and run.model_path.is_file()
    assert view.state_label.text().startswith("Finished. Best epoch")
    assert view.progress.value() == 1000
    assert "CPU" in view.devices_label.text()
    assert list(view.history.epochs["loss"].x) == [1, 2]
    assert "val_loss" in view.history.epochs
    assert "epoch 2: loss" in view.log.plain_text()
    assert [summary.path for summary in runs.runs] == [run.path]
    assert runs.table.item(0, 1).text() == "finished"


def test_killing_the_worker_leaves_the_view_alive_and_offers_resume(qtbot, csv_project):
    document = document_for(csv_project, epochs=400)
    view = TrainingView(document)
    view.ask = lambda question: True
    qtbot.addWidget(view)
    view.show()
    with qtbot.waitSignal(view.client.epoch, timeout=WORKER_START):
        view.train()
    with qtbot.waitSignal(view.run_ended, timeout=30_000) as ended:
        view.client.kill()
    run = RunFolder(ended.args[0])
    assert view.isVisible() and view.banner.isVisible()
    assert "killed" in view.banner_text.text()
    assert view.banner_button.isVisible() and view.banner_button.isEnabled()
    assert view.banner_button.text().startswith("Resume after epoch")
    assert run.read_record().state == "failed"
    done = run.read_state().epochs_done
    with qtbot.waitSignal(view.client.started, timeout=WORKER_START) as started:
        view.banner_button.click()
    assert started.args[0].initial_epoch == done
    assert view.banner.isHidden()
    with qtbot.waitSignal(view.client.epoch, timeout=30_000):
        pass
    view.ready_to_close.connect(view.close)  # as the main window is wired (training_tabs)
    with qtbot.waitSignal(view.ready_to_close, timeout=30_000):
        assert not view.confirm_close()  # not yet: the worker finishes its batch and saves
        assert view.stopping_dialog is not None and view.stopping_dialog.isVisible()
        assert "Stopping" in view.stopping_dialog.windowTitle()
    qtbot.waitUntil(lambda: not view.isVisible(), timeout=10_000)  # closed once it stopped
    assert view.stopping_dialog is None and view.confirm_close()
    assert run.read_record().state == "stopped"  # saved before the window closed
    qtbot.waitUntil(lambda: not view.client.is_active(), timeout=30_000)  # then it exits
    assert view.history.epochs["loss"].x[0] == done + 1
