"""The Train view's training doctor box: hints from message events, fix buttons, undo."""

from __future__ import annotations

import sys

import pytest

from dlstudio.core.project.project import Project, save_project
from dlstudio.core.training.events import Message
from dlstudio.gui.document import Document
from dlstudio.gui.run_client import RunClient
from dlstudio.gui.widgets.training_view import TrainingView

LOWER = {"label": "Set the learning rate to 0.1", "settings": {"training.learning_rate": 0.1},
         "ignore_columns": []}


@pytest.fixture
def view(qtbot, tmp_path):
    project = Project(name="Doctor")
    save_project(project, tmp_path / "doctor.dlstudio.json")
    document = Document()
    document.replace(project)
    view = TrainingView(document, RunClient(program=[sys.executable, "-c", "pass"]))
    qtbot.addWidget(view)
    view.show()
    return view


def test_a_hint_with_a_fix_applies_it_in_one_undo_step(view):
    view.client.message.emit(Message("warning", "Training doctor: the loss rose.", LOWER))

    row = view.hints.rows[0]
    assert view.hints.isVisible() and row.text.text() == "The loss rose."
    assert "doctor: the loss rose" in view.log.plain_text()  # the log keeps it too
    row.fix_button.click()
    assert view.document.project.training.learning_rate == 0.1
    assert row.applied.isVisible() and not row.fix_button.isVisible()
    view.document.undo_stack.undo()
    assert view.document.project.training.learning_rate == 1e-3
    assert row.fix_button.isVisible() and not row.applied.isVisible()


def test_a_hint_without_a_fix_has_no_button_and_other_messages_are_not_hints(view):
    view.client.message.emit(Message("info", "No GPU found: training on the CPU."))
    assert view.hints.isHidden()

    view.client.message.emit(Message("warning", "Training doctor: check the inputs."))

    assert len(view.hints.rows) == 1 and view.hints.rows[0].fix_button is None


def test_a_fix_the_project_has_shows_as_applied_and_a_new_run_clears_the_hints(view):
    view.document.set_value("training.learning_rate", 0.1)
    view.client.message.emit(Message("warning", "Training doctor: too high.", LOWER))

    assert view.hints.rows[0].applied.isVisible()
    view.reset()
    assert view.hints.isHidden() and not view.hints.rows


def test_a_stalled_loss_hint_opens_the_learning_rate_finder(view):
    from dlstudio.core.training.doctor import FINDER

    view.hints.finder_program = [sys.executable, "-c", "import sys; sys.exit(2)"]
    view.client.message.emit(Message("warning", "Training doctor: the loss has not "
                                                f"decreased. {FINDER}"))

    row = view.hints.rows[0]
    assert row.fix_button is None and row.finder_button.text() == "Find a learning rate…"
    dialog = view.hints.find_learning_rate()
    assert dialog.isVisible() and dialog.windowTitle() == "Find a learning rate"
    dialog.close()
