"""A transfer-learning project in the window: the palette's Pretrained category, and the
Backbone row with its weight count and whether it trains."""

from __future__ import annotations

from dlstudio.core.project.from_data import new_project
from dlstudio.core.project.project import save_project


def test_the_backbone_row_shows_its_weights_and_frozen_state(window, image_folder, tmp_path,
                                                             wait_for_info, wait_for_report,
                                                             qtbot) -> None:
    project = new_project(image_folder, template="transfer")
    path = save_project(project, tmp_path / "transfer.dlstudio.json")
    window.open_path(str(path))
    wait_for_info(window.data_session)
    wait_for_report(window.inference)

    item = window.palette.item_for("Backbone")
    assert item is not None and item.parent().text(0).startswith("Pretrained")
    model = window.layer_stack.model
    assert model.index(1, 0).data() == "Backbone"
    assert "MobileNetV3Small" in model.index(1, 1).data()
    assert model.index(1, 2).data() == "(7, 7, 576)"
    assert model.index(1, 3).data() == "939,120 · frozen"
    window.document.set_layer_param(project.model.layers[0].id, "trainable", "all")
    wait_for_report(window.inference)
    qtbot.waitUntil(lambda: model.index(1, 3).data() == "939,120 · 914,896 train")


def test_the_templates_menu_sets_transfer_learning_and_its_two_phases_in_one_step(
        window, image_folder, tmp_path, wait_for_info) -> None:
    from dlstudio.core.model.templates import TEMPLATES
    from dlstudio.gui.main_menus import _apply_template

    path = save_project(new_project(image_folder), tmp_path / "cnn.dlstudio.json")
    window.open_path(str(path))
    wait_for_info(window.data_session)
    before = window.document.project.training.fine_tune.epochs

    _apply_template(window, TEMPLATES["transfer"])

    project = window.document.project
    assert [row.type for row in project.model.layers][0] == "Backbone"
    assert (project.training.epochs, project.training.fine_tune.epochs) == (10, 5)
    window.document.undo_stack.undo()
    assert window.document.project.training.fine_tune.epochs == before
    assert window.document.project.model.layers[0].type != "Backbone"
