"""The training form shows, for the project's task, only the settings that can matter."""

from __future__ import annotations

from dlstudio.gui.document import Document
from dlstudio.gui.widgets.training_settings import TrainingSettingsView


def test_a_gan_project_shows_its_two_rates_not_the_settings_it_ignores(qtbot):
    document = Document()
    view = TrainingSettingsView(document)
    qtbot.addWidget(view)
    view.show()
    assert view.fields["learning_rate"].isVisible()
    assert view._boxes["Early stopping"].isVisible()
    document.set_value("data.task", "gan")
    assert not view.fields["learning_rate"].isVisible()  # the GAN's own two rates replace it
    assert view.fields["gan.generator_learning_rate"].isVisible()
    assert not view._boxes["Early stopping"].isVisible()  # a GAN's loss does not fall
    assert not view.fields["class_weights"].isVisible()
