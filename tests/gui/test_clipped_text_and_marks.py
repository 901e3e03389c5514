"""Nothing clipped, templates undoable with a word in the status bar, file dialogs in the
last-used folder, a clicked confusion-matrix cell that stays marked (issue 16, GUI item 10)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QFileDialog, QLabel

from dlstudio.gui import settings as app_settings
from dlstudio.gui.widgets.confusion_matrix import ConfusionMatrixView


def test_the_target_header_in_the_rows_table_is_not_clipped(window, csv_project, qtbot,
                                                            wait_for_info):
    window.open_path(str(csv_project))
    window.show_workbench("Data")
    view = window.data_panel.csv_view
    qtbot.waitUntil(lambda: view.rows_model.columnCount() == 4, timeout=20_000)
    wait_for_info(window.data_session)
    model, header = view.rows_model, view.rows_table.horizontalHeader()
    column = next(c for c in range(model.columnCount())
                  if model.headerData(c, Qt.Orientation.Horizontal).startswith("◎"))
    text = model.headerData(column, Qt.Orientation.Horizontal)
    assert text == "◎ kind"
    assert header.sectionSize(column) >= QFontMetrics(header.font()).horizontalAdvance(text)


def test_the_empty_project_help_is_not_clipped(window, qtbot):
    window.new_project()
    window.show()
    hint = next(label for label in window.data_panel.empty.findChildren(QLabel)
                if label.text().startswith("Choose a CSV file"))
    qtbot.waitUntil(hint.isVisible, timeout=5000)
    assert hint.height() >= hint.heightForWidth(hint.width())


def test_a_template_says_in_the_status_bar_that_undo_brings_the_model_back(window, csv_project):
    window.open_path(str(csv_project))
    menu = next(a.menu() for a in window.menuBar().actions() if a.text() == "&Templates")
    next(a for a in menu.actions() if a.text().startswith("Small convolutional")).trigger()
    message = window.statusBar().currentMessage()
    assert "replaced the model's 3 layer(s)" in message and "Undo" in message


def test_file_dialogs_open_in_the_last_used_folder(window, csv_path, tmp_path, monkeypatch):
    starts = []
    (tmp_path / "elsewhere").mkdir()
    chosen = [str(csv_path)]

    def dialog(parent, title, start, filters):
        starts.append(start)
        return chosen[0], filters

    monkeypatch.setattr(QFileDialog, "getOpenFileName", dialog)
    monkeypatch.setattr(window, "start_from_data", lambda path: None)
    window.start_from_data_dialog("csv")
    chosen[0] = ""
    window.open_dialog()
    assert starts[1] == str(csv_path.parent) == app_settings.last_folder()


def test_a_clicked_confusion_matrix_cell_stays_marked(qtbot):
    matrix = ConfusionMatrixView()
    qtbot.addWidget(matrix)
    matrix.resize(400, 300)
    matrix.set_matrix(["a", "b"], [[3, 1], [0, 4]])
    matrix.show()
    chosen = []
    matrix.cell_chosen.connect(lambda true, predicted: chosen.append((true, predicted)))
    rect = matrix.visualRect(matrix.model().index(0, 1))
    qtbot.mouseClick(matrix.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    matrix.clearSelection()
    matrix.clearFocus()
    image = matrix.viewport().grab().toImage()

    assert chosen == [("a", "b")] and matrix.chosen == (0, 1)
    edge = image.pixelColor(rect.left() + 2, rect.center().y())
    assert edge.name() == "#f59e0b"
    matrix.set_matrix(["a", "b"], [[3, 1], [0, 4]])
    assert matrix.chosen is None


def test_a_long_export_result_scrolls_instead_of_being_cut_off(qtbot, tmp_path):
    from dlstudio.gui.widgets.export_dialog import ExportDialog

    dialog = ExportDialog(tmp_path / "run-1")
    qtbot.addWidget(dialog)
    dialog.show()
    inputs = ", ".join(f"column_{n} (float32, column 'column_{n}')" for n in range(40))
    dialog._show_result(f"✔ exported keras to {tmp_path}/model.keras\ninputs: {inputs}", True)
    qtbot.wait(50)
    text = dialog.result_text
    assert dialog.result_scroll.widget() is text
    assert text.height() >= text.heightForWidth(text.width())  # all of it, scrolled into view
    assert dialog.result_scroll.height() >= 150
