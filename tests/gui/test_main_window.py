"""The window's documents: new, open, save, recent files, broken files, closing, drops."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QCloseEvent, QDropEvent
from PySide6.QtWidgets import QFileDialog, QMessageBox, QPushButton

from dlstudio.core.project.project import LayerSpec, load_project
from dlstudio.gui import settings as app_settings


def test_save_then_reopen_gives_the_same_project(window, csv_project, tmp_path, monkeypatch):
    assert window.open_path(str(csv_project))
    window.document.set_layer_param("dense_1", "units", 12)
    window.document.set_value("training.epochs", 3)
    target = tmp_path / "copy.dlstudio.json"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    assert window.save_as()
    assert not window.document.is_dirty()
    saved = window.document.project.copy()
    window.document.replace(load_project(csv_project))
    assert window.open_path(str(target))
    assert window.document.project == saved
    assert window.document.project.model.layers[0].params["units"] == 12


def test_a_broken_file_is_reported_and_left_untouched(window, tmp_path, monkeypatch):
    broken = tmp_path / "broken.dlstudio.json"
    content = b'{"schema_version": 1, "model": {"layers": [{"type": "Dense", ' \
              b'"params": {"units": -4}}]}}'
    broken.write_bytes(content)
    shown = []
    monkeypatch.setattr(QMessageBox, "warning",
                        lambda parent, title, text, *rest: shown.append((title, text)))
    before = window.document.project.copy()
    assert not window.open_path(str(broken))
    assert broken.read_bytes() == content
    assert shown and shown[0][0] == "Cannot open project"
    assert "model.layers[id=dense_1].params.units" in shown[0][1]  # v1 ids come in order
    assert window.document.project == before


def test_the_title_marks_unsaved_changes(window, csv_project):
    window.open_path(str(csv_project))
    assert window.windowTitle().startswith("Tiny table — tiny.dlstudio.json[*]")
    assert not window.isWindowModified()
    window.document.set_value("training.epochs", 2)
    assert window.isWindowModified()
    window.document.undo_stack.undo()
    assert not window.isWindowModified()


def test_closing_with_unsaved_changes_asks(window, csv_project, monkeypatch):
    window.open_path(str(csv_project))
    window.document.set_value("training.epochs", 2)
    asked = []

    def answer(*args, **kwargs):
        asked.append(args[1])
        return QMessageBox.StandardButton.Cancel

    monkeypatch.setattr(QMessageBox, "question", answer)
    event = QCloseEvent()
    window.closeEvent(event)
    assert asked == ["Unsaved changes"] and not event.isAccepted()
    monkeypatch.setattr(QMessageBox, "question",
                        lambda *a, **k: QMessageBox.StandardButton.Save)
    event = QCloseEvent()
    window.closeEvent(event)
    assert event.isAccepted()
    assert load_project(csv_project).training.epochs == 2


def test_recent_files_and_the_window_layout_persist(window, csv_project, qtbot):
    window.open_path(str(csv_project))
    assert app_settings.recent_files() == [str(csv_project.resolve())]
    window.save_settings()
    store = app_settings.settings()
    assert store.value("window/geometry") is not None
    from dlstudio.gui.main_window import MainWindow

    second = MainWindow()
    qtbot.addWidget(second)
    links = [button.toolTip() for button in second.start_view.findChildren(QPushButton)]
    assert str(csv_project.resolve()) in links
    assert [a.toolTip() for a in second.actions.recent_menu.actions()] == [
        str(csv_project.resolve())]


def test_starting_from_a_csv_makes_an_unsaved_project(window, csv_path, qtbot):
    window.start_from_data(str(csv_path))
    qtbot.waitUntil(lambda: window.document.project.data.path != "", timeout=20_000)
    project = window.document.project
    assert project.data.kind == "csv" and project.model.layers
    assert window.document.is_dirty() and window.document.path is None
    assert window.central.currentWidget() is window.tabs
    assert window.tabs.tabText(window.tabs.currentIndex()) == "Data"


def test_a_csv_dropped_on_the_window_starts_a_project(window, csv_path, qtbot):
    data = QMimeData()
    data.setUrls([QUrl.fromLocalFile(str(csv_path))])
    event = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, data,
                       Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    window.dropEvent(event)
    qtbot.waitUntil(lambda: window.document.project.data.path == str(csv_path.resolve()),
                    timeout=20_000)


def test_a_template_replaces_the_stack_in_one_undo_step(window, csv_project):
    window.open_path(str(csv_project))
    before = window.document.project.copy()
    menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Templates")
    cnn = next(a for a in menu.actions() if a.text().startswith("Small convolutional"))
    cnn.trigger()
    assert window.document.project.model.template == "cnn"
    assert window.document.project.model.layers[0].type == "Conv2D"
    window.actions["undo"].trigger()
    assert window.document.project == before


def test_a_template_covers_the_projects_sequence_length_and_vocabulary(window, csv_project):
    # The Templates menu sizes a template as `dlstudio init --template` does: a transformer's
    # positional embedding covers data.sequence_length, not the default 64 steps.
    window.open_path(str(csv_project))
    window.document.set_value("data.sequence_length", 200)
    window.document.set_value("data.max_tokens", 3000)
    menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Templates")
    next(a for a in menu.actions() if a.text().startswith("Transformer")).trigger()
    layers = {layer.type: layer for layer in window.document.project.model.layers}
    assert window.document.project.data.sequence_length == 200
    assert layers["PositionalEmbedding"].params["max_length"] == 200
    assert layers["Embedding"].params["input_dim"] == 3000


def test_new_project_and_choosing_its_data(window, csv_path, monkeypatch):
    window.new_project()
    assert window.data_panel.currentWidget() is window.data_panel.empty
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(csv_path), ""))
    window.data_panel.dataSourceRequested.emit("csv")
    assert window.document.project.data.path == str(Path(csv_path).resolve())
    assert window.data_panel.currentWidget() is window.data_panel.csv_view
    window.document.undo_stack.undo()
    assert window.data_panel.currentWidget() is window.data_panel.empty


def test_show_code_generates_the_script_off_the_gui_thread(window, csv_project, qtbot):
    window.open_path(str(csv_project))
    window.document.insert_layers(0, [LayerSpec.of("Dense", units=5)])
    window.show_code()
    editor = window.code_dialog.editor
    qtbot.waitUntil(lambda: "model.fit(" in editor.toPlainText(), timeout=20_000)
    text = editor.toPlainText()
    assert "layers.Dense(units=5" in text
    compile(text, "generated.py", "exec")
    window.code_dialog.close()


def test_switching_theme_applies_and_is_remembered(window, qapp):
    style, palette, sheet = qapp.style().name(), qapp.palette(), qapp.styleSheet()
    try:
        window.actions["theme_dark"].trigger()
        assert app_settings.settings().value("appearance/theme") == "dark"
        assert qapp.palette().color(qapp.palette().ColorRole.Window).lightness() < 128
        assert "QTabBar" in qapp.styleSheet()
    finally:
        qapp.setStyleSheet(sheet)
        qapp.setPalette(palette)
        qapp.setStyle(style)
