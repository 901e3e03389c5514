"""Opening or creating another project resets every view of the previous one (issue 16, GUI
item 5)."""

from __future__ import annotations

import sys
from pathlib import Path

from dlstudio.core.project.project import Project, save_project
from dlstudio.core.runs.folder import RunFolder

FAKE_WORKER = str(Path(__file__).with_name("fake_worker.py"))

RESULT = {
    "task": "classification", "split": "test", "samples": 4, "run": {"name": "first"},
    "accuracy": 0.5, "macro_avg": {"precision": 0.5, "recall": 0.5, "f1": 0.5},
    "weighted_avg": {"precision": 0.5, "recall": 0.5, "f1": 0.5},
    "per_class": [{"class": name, "precision": 0.5, "recall": 0.5, "f1": 0.5, "support": 2}
                  for name in ("setosa", "virginica")],
    "confusion_matrix": {"labels": ["setosa", "virginica"], "matrix": [[1, 1], [1, 1]]},
    "predictions": [],
}


def test_opening_a_second_project_resets_train_evaluate_and_runs(window, tmp_path, qtbot):
    first = save_project(Project(name="First"), tmp_path / "a" / "first.dlstudio.json")
    second = save_project(Project(name="Second"), tmp_path / "b" / "second.dlstudio.json")
    window.open_path(str(first), ask=False)
    tabs = window.training_tabs
    training = tabs.training
    training.client.program = [sys.executable, FAKE_WORKER, "--epochs", "2", "--steps", "2"]
    with qtbot.waitSignal(training.run_ended, timeout=20_000):
        tabs.train()
    run_dir = training.client.run_dir
    tabs.evaluation.set_run(run_dir)
    tabs.evaluation.show_result(RESULT)
    qtbot.waitUntil(lambda: len(tabs.runs.runs) == 1, timeout=5000)
    assert "epoch 1" in training.log.plain_text() and training.history is not None
    assert tabs.evaluation.per_class.rowCount() == 2

    window.open_path(str(second), ask=False)

    assert training.log.plain_text() == "" and training.history is None
    assert training.progress.text() == "Not started" and training.state_label.text() == "Ready"
    assert training.curves.runs == [] and training.speed_label.text() == ""
    evaluation = tabs.evaluation
    assert evaluation.run_dir is None and evaluation.result is None
    assert evaluation.per_class.rowCount() == 0 and evaluation.matrix.rowCount() == 0
    assert "choose one on the Runs tab" in evaluation.heading.text()
    assert tabs.runs.runs == []


def test_a_new_project_resets_the_views_too(window, tmp_path, qtbot):
    first = save_project(Project(name="First"), tmp_path / "first.dlstudio.json")
    window.open_path(str(first), ask=False)
    training = window.training_tabs.training
    training.log.add("a line of the first project")
    window.new_project()
    assert training.log.plain_text() == ""


def test_views_reset_while_a_finished_runs_process_is_still_exiting(window, tmp_path, qtbot):
    # The worker has reported `finished` but its process lingers (TensorFlow's exit takes
    # seconds): the run is over, so opening another project forgets it.
    first = save_project(Project(name="First"), tmp_path / "a" / "first.dlstudio.json")
    second = save_project(Project(name="Second"), tmp_path / "b" / "second.dlstudio.json")
    window.open_path(str(first), ask=False)
    training = window.training_tabs.training
    training.client.program = [sys.executable, FAKE_WORKER, "--epochs", "1", "--steps", "2",
                               "--linger", "5"]
    with qtbot.waitSignal(training.run_ended, timeout=20_000):
        window.training_tabs.train()
    assert training.client.is_active()  # the process has not exited yet
    window.open_path(str(second), ask=False)
    assert training.log.plain_text() == "" and training.history is None
    assert training.state_label.text() == "Ready"
    training.client.kill()
    training.client.wait_for_exit(5000)


def test_opening_another_project_during_a_run_asks_and_stops_it_first(window, tmp_path, qtbot):
    first = save_project(Project(name="First"), tmp_path / "a" / "first.dlstudio.json")
    second = save_project(Project(name="Second"), tmp_path / "b" / "second.dlstudio.json")
    window.open_path(str(first), ask=False)
    training = window.training_tabs.training
    training.client.program = [sys.executable, FAKE_WORKER, "--epochs", "50", "--steps", "5",
                               "--delay", "0.1"]
    with qtbot.waitSignal(training.client.epoch, timeout=20_000):
        window.training_tabs.train()
    questions = []
    training.ask = lambda question: questions.append(question) or False
    assert not window.open_path(str(second), ask=False)  # the person said no
    assert window.document.project.name == "First" and training.client.run_in_progress()
    run_dir = training.client.run_dir

    training.ask = lambda question: questions.append(question) or True
    assert window.open_path(str(second), ask=False)

    assert "training run is in progress" in questions[0] and len(questions) == 2
    assert window.document.project.name == "Second"
    assert not training.client.run_in_progress()
    assert RunFolder(run_dir).read_record().state == "stopped"
    assert training.log.plain_text() == "" and training.history is None
    training.client.wait_for_exit(10_000)
