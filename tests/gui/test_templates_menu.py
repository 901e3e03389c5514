"""The Templates menu lists the templates that fit the project's data first, one suggested."""

from __future__ import annotations

from PIL import Image

from dlstudio.core.model.templates import TEMPLATES
from dlstudio.core.project.project import DataSpec, Project, SeriesSpec, save_project
from dlstudio.gui.main_menus import template_data_kind


def templates_menu(window):
    menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Templates")
    menu.aboutToShow.emit()
    return menu


def listed(menu) -> list[tuple[str, str]]:
    """(section or template name, text) in menu order."""
    return [("section", a.text()) if a.isSeparator() else (a.data(), a.text())
            for a in menu.actions()]


def test_a_tables_templates_come_first_with_the_suggested_one_marked(window, csv_project):
    window.open_path(str(csv_project))
    entries = listed(templates_menu(window))
    assert entries[0] == ("section", "For a table")
    fitting = entries[1:entries.index(("section", "For other kinds of data"))]
    assert fitting and all("table" in TEMPLATES[name].kinds for name, _text in fitting)
    suggested = [name for name, text in fitting if text.endswith("— suggested")]
    assert suggested == ["mlp"]
    others = entries[entries.index(("section", "For other kinds of data")) + 1:]
    assert ("cnn" in [name for name, _text in others])


def test_a_series_asks_for_the_templates_of_a_series(window, tmp_path):
    csv = tmp_path / "yearly.csv"
    csv.write_text("YEAR,VALUE\n" + "".join(f"{1900 + i},{i % 7}\n" for i in range(40)))
    project = Project(name="Yearly", data=DataSpec(
        kind="csv", path=str(csv), task="forecasting",
        series=SeriesSpec(time_column="YEAR", targets=["VALUE"], window=8, horizon=2)))
    window.open_path(str(save_project(project, tmp_path / "yearly.dlstudio.json")))
    assert template_data_kind(window) == "series"
    entries = listed(templates_menu(window))
    series = [name for name in TEMPLATES if "series" in TEMPLATES[name].kinds]
    assert {"series_gru", "series_lstm", "series_tcn", "series_transformer"} <= set(series)
    assert entries[0] == ("section", "For a time series")  # the series templates come first
    assert [name for name, _text in entries[1:len(series) + 1]] == series
    suggested = [name for name, text in entries if text.endswith("— suggested")]
    assert suggested == ["series_gru"]  # what the core chooses for a series
    gru = next(a for a in templates_menu(window).actions() if a.data() == "series_gru")
    gru.trigger()
    assert window.document.project.model.template == "series_gru"
    assert [layer.type for layer in window.document.project.model.layers][0] == "GRU"


def test_the_autoencoder_template_brings_its_parts_and_task_in_one_undo_step(window,
                                                                           csv_project):
    window.open_path(str(csv_project))
    document = window.document
    before = [row.id for row in document.project.model.layers]
    action = next(a for a in templates_menu(window).actions() if a.data() == "autoencoder")
    action.trigger()
    model = document.project.model
    assert document.project.data.task == "reconstruction"
    assert set(model.parts) == {"encoder", "decoder"} and not model.layers
    assert document.shown_part == "encoder"
    next(a for a in templates_menu(window).actions() if a.data() == "mlp").trigger()
    assert document.project.data.task == "auto" and not document.project.model.parts
    document.undo_stack.undo()
    document.undo_stack.undo()
    assert not document.project.model.parts
    assert [row.id for row in document.project.model.layers] == before


def test_dcgan_is_offered_for_images_only_and_sets_the_parts_and_task(window, csv_project,
                                                                     image_folder, tmp_path):
    window.open_path(str(csv_project))
    assert "dcgan" not in [name for name, _text in listed(templates_menu(window))]

    project = Project(name="Pictures", data=DataSpec(kind="images", path=str(image_folder),
                                                     image_size=[16, 16]))
    window.open_path(str(save_project(project, tmp_path / "pictures.dlstudio.json")))
    menu = templates_menu(window)
    fitting = listed(menu)[1:listed(menu).index(("section", "For other kinds of data"))]
    assert "dcgan" in [name for name, _text in fitting]
    next(action for action in menu.actions() if action.data() == "dcgan").trigger()

    document = window.document
    assert document.project.data.task == "gan"
    assert set(document.project.model.parts) == {"generator", "discriminator"}
    assert document.project.model.template == "dcgan"
    document.undo_stack.undo()  # one undo step puts the classifier back
    assert document.project.data.task != "gan" and not document.project.model.parts


def test_after_dcgan_the_shapes_follow_the_gan_not_a_classifier(window, image_folder, tmp_path,
                                                                 qtbot):
    project = Project(name="Pictures", data=DataSpec(kind="images", path=str(image_folder),
                                                     image_size=[16, 16]))
    window.open_path(str(save_project(project, tmp_path / "pictures.dlstudio.json")))
    next(a for a in templates_menu(window).actions() if a.data() == "dcgan").trigger()

    qtbot.waitUntil(lambda: window.data_session.info is not None
                    and window.data_session.info.task == "gan", timeout=5000)
    inference = window.inference
    qtbot.waitUntil(lambda: inference.report is not None and not inference.is_busy()
                    and inference.report.rows[0].output_shape == (16,), timeout=60000)
    inputs = inference.rows_of_role("input")
    assert [(row.part, row.output_shape) for row in inputs] == [
        ("generator", (16,)), ("discriminator", (16, 16, 3))]
    assert inference.report.first_error() is None


def test_dcgan_reads_small_images_at_their_own_size_as_init_does(window, tmp_path, qtbot):
    folder = tmp_path / "digits"
    for label in ("0", "1"):
        (folder / label).mkdir(parents=True)
        for number in range(4):
            Image.new("L", (8, 8), 40 * number).save(folder / label / f"{number}.png")
    project = Project(name="Digits", data=DataSpec(kind="images", path=str(folder),
                                                   image_size=[32, 32], color_mode="grayscale"))
    window.open_path(str(save_project(project, tmp_path / "digits.dlstudio.json")))
    qtbot.waitUntil(lambda: window.data_session.source.scan is not None, timeout=5000)

    next(a for a in templates_menu(window).actions() if a.data() == "dcgan").trigger()

    document = window.document
    assert document.project.data.image_size == [8, 8]
    assert "8x8" in window.statusBar().currentMessage()
    generator = document.project.model.parts["generator"]
    strides = [row.params["strides"] for row in generator if row.type == "Conv2DTranspose"]
    assert strides == [[2, 2], [1, 1]]  # one stride-2 block (4x4 -> 8x8), then the pixels
    document.undo_stack.undo()  # the size comes back with the classifier
    assert document.project.data.image_size == [32, 32]
    next(a for a in templates_menu(window).actions() if a.data() == "cnn").trigger()
    assert document.project.data.image_size == [32, 32]  # a CNN keeps the size set


def test_a_template_that_changes_the_task_sizes_the_epochs_as_init_does(window, image_folder,
                                                                        tmp_path, qtbot):
    from dlstudio.core.project.from_data import epochs_for

    project = Project(name="Pictures", data=DataSpec(kind="images", path=str(image_folder),
                                                     image_size=[16, 16]))
    project.training.epochs = 7
    window.open_path(str(save_project(project, tmp_path / "pictures.dlstudio.json")))
    qtbot.waitUntil(lambda: window.data_session.info is not None, timeout=5000)
    rows = window.data_session.info.split_sizes["train"]

    next(a for a in templates_menu(window).actions() if a.data() == "dcgan").trigger()

    document = window.document
    assert document.project.training.epochs == epochs_for("gan", rows, 32) != 7
    document.undo_stack.undo()  # one step: the epochs come back with the classifier
    assert document.project.training.epochs == 7
