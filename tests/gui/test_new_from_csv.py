"""New from CSV: the target is asked for with a suggestion, and no file is refused before the
data view opens (issue 16, GUI items 3 and 4)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QMessageBox

from dlstudio.gui.widgets.data_models import PROBLEM_ROLE, set_column_kind, set_column_role
from dlstudio.gui.widgets.target_dialog import TargetDialog


def _write(path, header, rows):
    path.write_text(header + "\n" + "".join(row + "\n" for row in rows), encoding="utf-8")
    return path


def _iris_like(tmp_path):
    rows = [f"{i % 7 + 0.5},{['setosa', 'virginica'][i % 2]},{i % 5 * 0.1:.1f}"
            for i in range(40)]
    return _write(tmp_path / "flowers.csv", "petal,species,z", rows)


def _started(window, qtbot):
    qtbot.waitUntil(lambda: window.document.project.data.path != "", timeout=20_000)


def test_the_target_is_asked_for_with_a_suggestion_by_name(window, tmp_path, qtbot,
                                                           monkeypatch):
    shown = []

    def answer(dialog):
        shown.append([dialog.list.item(row).text() for row in range(dialog.list.count())])
        shown.append(dialog.chosen())
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(TargetDialog, "exec", answer)
    window.start_from_data(str(_iris_like(tmp_path)))
    _started(window, qtbot)

    items, suggested = shown
    assert suggested == "species"
    assert items[0].startswith("species") and "suggested" in items[0]
    assert any(item.startswith("z ") for item in items)
    assert window.document.project.data.target == "species"
    view = window.data_panel.csv_view
    qtbot.waitUntil(lambda: "species" in view.target_banner.text(), timeout=20_000)
    assert "Predicting" in view.target_banner.text() and not view.target_banner.isHidden()


def test_the_person_can_choose_another_target_or_cancel(window, tmp_path, qtbot, monkeypatch):
    path = _iris_like(tmp_path)

    def pick_z(dialog):
        for row in range(dialog.list.count()):
            if dialog.list.item(row).data(Qt.ItemDataRole.UserRole) == "z":
                dialog.list.setCurrentRow(row)
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(TargetDialog, "exec", lambda dialog: QDialog.DialogCode.Rejected)
    window.start_from_data(str(path))
    qtbot.wait(1500)
    assert window.document.project.data.path == ""

    monkeypatch.setattr(TargetDialog, "exec", pick_z)
    window.start_from_data(str(path))
    _started(window, qtbot)
    assert window.document.project.data.target == "z"


def test_a_table_of_identifier_like_columns_opens_the_data_view_with_the_problem_marked(
        window, tmp_path, qtbot, monkeypatch, wait_for_info):
    # CODE is not named like time, so this is no time series (YEAR,VALUE is one: it opens as
    # a forecast, tests/gui/test_new_series_from_csv.py).
    warned = []
    monkeypatch.setattr(QMessageBox, "warning", lambda *args: warned.append(args))
    path = _write(tmp_path / "codes.csv", "CODE,VALUE",
                  [f"{1950 + i},{100 + i}" for i in range(30)])
    window.start_from_data(str(path))
    _started(window, qtbot)

    assert not warned
    assert window.tabs.tabText(window.tabs.currentIndex()) == "Data"
    view = window.data_panel.csv_view
    qtbot.waitUntil(lambda: view.columns_model.rowCount() == 2, timeout=20_000)
    model = view.columns_model
    marked = {model.index(row, 0).data(): model.index(row, 0).data(PROBLEM_ROLE)
              for row in range(model.rowCount())}
    assert marked["CODE"] and "CODE" in marked["CODE"] and "role to feature" in marked["CODE"]
    assert "No target yet" in view.target_banner.text()
    assert "data.columns" not in view.messages.text()
    qtbot.waitUntil(lambda: window.data_session.info_error is not None, timeout=20_000)
    qtbot.waitUntil(lambda: window.inference.waiting_for != "data", timeout=20_000)
    assert "data.target" not in window.inference.waiting_for  # the model's Input row
    assert "Target on the Data tab" in window.inference.waiting_for

    session = window.data_session
    set_column_role(session, "VALUE", "target")
    set_column_role(session, "CODE", "feature")
    set_column_kind(session, "CODE", "numeric")
    wait_for_info(session)
    qtbot.waitUntil(lambda: session.info is not None, timeout=20_000)
    assert all(model.index(row, 0).data(PROBLEM_ROLE) is None for row in range(2))
    assert "VALUE" in view.target_banner.text()


def test_the_target_question_shows_each_line_whole(qtbot):
    from dlstudio.core.data.target_choice import TargetCandidate
    from dlstudio.gui.widgets.target_dialog import TargetDialog

    reason = "the only category among numbers; the last column"
    candidates = [TargetCandidate("cultivar", "categorical", 5.0, reason)] + [
        TargetCandidate(f"od280/od315_of_diluted_wines_{n}", "numeric", 1.0, "a number")
        for n in range(12)]
    dialog = TargetDialog("wine_train.csv", candidates)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    assert dialog.list.horizontalScrollBar().maximum() == 0  # nothing cut at the right
    assert dialog.list.item(0).text().endswith("— suggested")
