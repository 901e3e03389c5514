"""Heat maps over the worst errors' thumbnails (a fake explainer; no model)."""

from __future__ import annotations

import numpy as np
from PIL import Image

from dlstudio.gui.widgets.sample_list import SampleList


def test_checking_the_box_puts_the_explainers_maps_on_the_thumbnails(qtbot, tmp_path):
    Image.fromarray(np.full((10, 10, 3), 90, np.uint8)).save(tmp_path / "a.png")
    samples = SampleList()
    qtbot.addWidget(samples)
    asked = []

    def explainer(path):
        asked.append(path.name)
        return np.tile(np.array([220, 38, 38], np.uint8), (10, 10, 1))  # all red

    records = [{"sample": "a.png", "true": "cat", "predicted": "dog", "confidence": 0.9}]
    samples.show_samples("mistakes", records, tmp_path, images=True)
    assert samples.explain_box.isHidden()
    samples.set_explainer(explainer)
    assert not samples.explain_box.isHidden()

    samples.explain_box.setChecked(True)
    qtbot.waitUntil(lambda: asked == ["a.png"], timeout=10_000)

    def red() -> bool:
        icon = samples.thumbnails.item(0).icon()
        if icon.isNull():
            return False
        colour = icon.pixmap(32, 32).toImage().pixelColor(16, 16)
        return colour.red() > 200 and colour.blue() < 80

    qtbot.waitUntil(red, timeout=10_000)
    samples.set_explainer(None)
    assert samples.explain_box.isHidden() and not samples.explain_box.isChecked()
