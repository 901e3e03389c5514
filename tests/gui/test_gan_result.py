"""The Evaluate tab's GAN page: the discriminator's view of the test images and the last grid."""

import numpy as np

from dlstudio.core.training.sample_grid import write_grid
from dlstudio.gui.widgets.gan_result import GanResultView


def test_the_gan_page_shows_the_scores_and_the_runs_last_grid(qtbot, tmp_path):
    view = GanResultView()
    qtbot.addWidget(view)
    result = {"task": "gan", "real_score": 0.62, "judged_real": 0.75, "predictions": []}

    view.set_result(result, tmp_path)
    assert "0.620" in view.report.text() and "75.0%" in view.report.text()
    assert "no sample grid" in view.caption.text()

    write_grid(np.random.default_rng(0).random((4, 8, 8, 1)), tmp_path / "samples" / "latest.png")
    view.set_result(result, tmp_path)
    assert not view.grid.pixmap().isNull()
    assert "end of training" in view.caption.text()
