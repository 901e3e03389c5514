"""The Train tab's live sample grid: shown when a run sends samples, cleared for a new run."""

import numpy as np

from dlstudio.core.project.project import Project
from dlstudio.core.training import events
from dlstudio.core.training.sample_grid import write_grid
from dlstudio.gui.document import Document
from dlstudio.gui.widgets.training_view import TrainingView


def test_a_samples_event_shows_the_grid_with_its_epoch_and_diversity(qtbot, tmp_path):
    document = Document()
    document.replace(Project(name="Gan"))
    view = TrainingView(document)
    qtbot.addWidget(view)
    view.resize(1100, 700)
    view.show()
    assert not view.samples.isVisible()  # a run without samples shows none
    path = write_grid(np.random.default_rng(0).random((9, 8, 8, 1)), tmp_path / "grid.png")

    view.client.samples.emit(events.Samples(3, str(path), 0.87))

    assert view.samples.isVisible()
    assert view.samples.epoch == 3
    assert "epoch 3" in view.samples.caption.text() and "0.87" in view.samples.caption.text()
    assert not view.samples.picture.pixmap().isNull()
    view.reset()
    assert not view.samples.isVisible() and view.samples.epoch == 0
