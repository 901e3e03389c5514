"""The start view's examples and the layer palette's search."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QPushButton

from dlstudio.gui import settings as app_settings
from dlstudio.gui.widgets.palette import LayerPalette

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def test_the_bundled_examples_are_listed():
    found = {Path(path).name: (title, description)
             for title, description, path in app_settings.examples()}
    assert set(found) >= {"churn.dlstudio.json", "shapes.dlstudio.json"}
    assert found["churn.dlstudio.json"][1].startswith("CSV table")
    assert found["shapes.dlstudio.json"][1].startswith("image folder")


def test_clicking_an_example_opens_it(window, qtbot):
    window.show_start_view()
    cards = {button.toolTip(): button for button in window.start_view.findChildren(QPushButton)}
    churn = str(EXAMPLES / "churn.dlstudio.json")
    assert churn in cards and str(EXAMPLES / "shapes.dlstudio.json") in cards
    cards[churn].click()
    assert window.document.path == Path(churn)
    assert window.document.project.name == "Customer churn"
    assert window.central.currentWidget() is window.tabs
    assert window.tabs.tabText(window.tabs.currentIndex()) == "Model"
    assert not window.document.is_dirty()


def visible_layers(palette: LayerPalette) -> set[str]:
    names = set()
    for group_index in range(palette.tree.topLevelItemCount()):
        group = palette.tree.topLevelItem(group_index)
        for child_index in range(group.childCount()):
            child = group.child(child_index)
            if not child.isHidden() and not group.isHidden():
                names.add(child.text(0))
    return names


def test_palette_search_filters_by_name_category_and_description(qtbot):
    palette = LayerPalette()
    qtbot.addWidget(palette)
    everything = visible_layers(palette)
    assert {"Dense", "Dropout", "Conv2D"} <= everything
    qtbot.keyClicks(palette.search, "conv")
    shown = visible_layers(palette)
    assert "Conv2D" in shown and "Dense" not in shown
    groups = [palette.tree.topLevelItem(i) for i in range(palette.tree.topLevelItemCount())]
    assert any(group.isHidden() for group in groups)  # categories without a match hide
    palette.search.setText("zeroes OVERFITTING")  # words of Dropout's description, any case
    assert "Dropout" in visible_layers(palette) and "Conv2D" not in visible_layers(palette)
    palette.search.setText("regularization")  # a category
    assert "Dropout" in visible_layers(palette)
    palette.search.setText("no layer is called this")
    assert visible_layers(palette) == set()
    palette.search.clear()
    assert visible_layers(palette) == everything
