"""The learning-rate finder dialog against a fake range test process."""

from __future__ import annotations

import sys

import pytest

from dlstudio.core.project.project import Project
from dlstudio.gui.document import Document
from dlstudio.gui.widgets.training_settings import TrainingSettingsView

FAKE_RANGE_TEST = """
import json, sys
project = json.load(open(sys.argv[1]))
rate = project["training"]["learning_rate"]
print(json.dumps({"learning_rates": [1e-6, 1e-4, 1e-2, 1.0], "losses": [0.7, 0.6, 0.2, 3.0],
                  "raw_losses": [0.7, 0.6, 0.2, 3.0], "suggestion": 0.001, "current": rate,
                  "steps": 4, "diverged": True,
                  "summary": f"Suggested 0.001; the project uses {rate:g}."}))
"""
FAILING_RANGE_TEST = ("import sys; print('dlstudio: error: the training split is empty', "
                      "file=sys.stderr); sys.exit(2)")


@pytest.fixture
def settings(qtbot):
    document = Document()
    document.replace(Project(name="finder"))
    view = TrainingSettingsView(document)
    qtbot.addWidget(view)
    return view


def test_find_runs_the_test_on_the_edited_project_and_use_sets_the_rate(qtbot, settings):
    settings.document.set_value("training.learning_rate", 0.5)  # not saved anywhere
    settings.finder_program = [sys.executable, "-c", FAKE_RANGE_TEST]

    settings.find_rate_button.click()
    dialog = next(child for child in settings.children() if hasattr(child, "use_suggestion"))
    qtbot.waitUntil(dialog.use_button.isEnabled, timeout=20000)

    assert dialog.status.text() == "Suggested 0.001; the project uses 0.5."
    assert dialog.use_button.text() == "Use 0.001"
    dialog.use_button.click()
    assert settings.document.project.training.learning_rate == 0.001
    settings.document.undo_stack.undo()
    assert settings.document.project.training.learning_rate == 0.5


def test_a_failed_range_test_says_why(qtbot, settings):
    settings.finder_program = [sys.executable, "-c", FAILING_RANGE_TEST]

    dialog = settings.find_learning_rate()
    qtbot.waitUntil(dialog.again_button.isEnabled, timeout=20000)

    assert dialog.status.text() == ("The range test failed: dlstudio: error: the training "
                                    "split is empty")
    assert not dialog.use_button.isEnabled()
    dialog.close()
