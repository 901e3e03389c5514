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


def test_heat_maps_come_a_few_at_a_time_and_stop_for_a_newer_list(qtbot, tmp_path):
    import threading

    from dlstudio.gui.widgets.sample_list import HEAT_MAP_BATCH

    for index in range(3 * HEAT_MAP_BATCH):
        Image.fromarray(np.full((10, 10, 3), 90, np.uint8)).save(tmp_path / f"{index}.png")
    samples = SampleList()
    qtbot.addWidget(samples)
    asked, gate = [], threading.Event()

    def explainer(path):
        asked.append(path.name)
        if len(asked) == HEAT_MAP_BATCH + 1:  # the second batch waits for the test
            gate.wait(10)
        return np.zeros((10, 10, 3), np.uint8)

    records = [{"sample": f"{index}.png", "true": "a", "predicted": "b", "confidence": 0.9}
               for index in range(3 * HEAT_MAP_BATCH)]
    samples.set_explainer(explainer)
    samples.explain_box.setChecked(True)
    samples.show_samples("mistakes", records, tmp_path, images=True)
    def grey(row):
        icon = samples.thumbnails.item(row).icon()
        return None if icon.isNull() else icon.pixmap(32, 32).toImage().pixelColor(16, 16).red()

    qtbot.waitUntil(lambda: len(asked) == HEAT_MAP_BATCH + 1 and grey(0) == 0, timeout=10_000)
    assert grey(HEAT_MAP_BATCH - 1) == 0 and grey(HEAT_MAP_BATCH) == 90  # maps of batch one
    samples.show_samples("another cell", records[:1], tmp_path, images=True)
    gate.set()

    qtbot.waitUntil(lambda: asked[-1] == "0.png" and len(asked) > HEAT_MAP_BATCH + 1,
                    timeout=10_000)
    qtbot.wait(300)
    assert len(asked) == 2 * HEAT_MAP_BATCH + 1  # the old list's third batch never ran
