"""The data views' "Data health" box: findings by severity, fix buttons that change the project
in one undo step, and the report kept up to date as the project changes."""

from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest
from PySide6.QtCore import Qt

from dlstudio.core.project.project import DataSpec, Project
from dlstudio.gui.background import wait_for_background
from dlstudio.gui.data_session import DataSession
from dlstudio.gui.document import Document
from dlstudio.gui.widgets.data_panel import DataPanel


@pytest.fixture
def open_panel(qtbot):
    """Return a function that shows a project in a data panel and waits for its health."""
    def open_project(project: Project) -> DataPanel:
        document = Document()
        document.replace(project)
        session = DataSession(document)
        panel = DataPanel(session)
        qtbot.addWidget(panel)
        session.setParent(panel)
        wait_for_health(qtbot, session)
        return panel

    return open_project


def wait_for_health(qtbot, session, timeout: int = 20_000) -> None:
    qtbot.waitUntil(lambda: session.health is not None or session.health_error is not None,
                    timeout=timeout)


def planted_csv(path, leaky: bool = True):
    generator = np.random.default_rng(0)
    label = np.where(np.arange(120) % 6 == 0, "rare", "common")
    frame = pd.DataFrame({"x1": generator.normal(size=120).round(4),
                          "city": generator.choice(["paris", "rome"], size=120),
                          "label": label})
    if leaky:
        frame["refund"] = np.where(label == "rare", 1, 0)
    frame.to_csv(path, index=False)
    return path


def csv_project(path) -> Project:
    return Project(data=DataSpec(kind="csv", path=str(path), target="label"))


def titles(panel_view) -> list[str]:
    return [row.finding.title for row in panel_view.health.rows]


def test_findings_are_listed_most_serious_first_with_their_fix(open_panel, tmp_path):
    panel = open_panel(csv_project(planted_csv(tmp_path / "planted.csv")))
    view = panel.csv_view

    assert titles(view) == ["Column 'refund' alone predicts the target (100%)",
                            "Classes are imbalanced (5 to 1)"]
    assert "1 critical, 1 warning" in view.health.headline.text()
    leak, imbalance = view.health.rows
    assert leak.fix_button.text() == "Ignore column 'refund'"
    assert imbalance.fix_button.text() == "Use balanced class weights"


def test_the_balanced_weights_button_is_one_undo_step(open_panel, tmp_path):
    panel = open_panel(csv_project(planted_csv(tmp_path / "planted.csv", leaky=False)))
    view = panel.csv_view
    document = view.document
    [row] = view.health.rows

    row.fix_button.click()

    assert document.project.training.class_weights == "balanced"
    assert row.fix_button.isHidden() and not row.applied.isHidden()
    document.undo_stack.undo()
    assert document.project.training.class_weights == "none"
    assert not row.fix_button.isHidden() and row.applied.isHidden()


def test_ignoring_a_column_checks_again_without_it(open_panel, qtbot, tmp_path):
    panel = open_panel(csv_project(planted_csv(tmp_path / "planted.csv")))
    view = panel.csv_view
    session = view.session

    view.health.rows[0].fix_button.click()

    assert view.document.project.data.column("refund").role == "ignored"
    qtbot.waitUntil(lambda: session.health is not None and titles(view) == [
        "Classes are imbalanced (5 to 1)"], timeout=20_000)
    assert view.columns_model.columns[-1].role == "ignored"  # the columns table shows it too


def test_clean_data_says_so(open_panel, tmp_path):
    path = tmp_path / "clean.csv"
    generator = np.random.default_rng(1)
    pd.DataFrame({"x1": generator.normal(size=60).round(4),
                  "x2": generator.normal(size=60).round(4),
                  "label": np.where(np.arange(60) % 2 == 0, "a", "b")}).to_csv(path, index=False)

    view = open_panel(csv_project(path)).csv_view

    assert view.health.rows == []
    assert view.health.headline.text().startswith("✓ No problems found")


def test_the_image_view_shows_copies_across_classes(open_panel, tmp_path):
    root = tmp_path / "images"
    generator = np.random.default_rng(2)
    from PIL import Image

    for name in ("cat", "dog"):
        (root / name).mkdir(parents=True)
        for number in range(12):
            pixels = generator.integers(0, 255, (16, 16, 3), dtype=np.uint8)
            Image.fromarray(pixels).save(root / name / f"{number}.png")
    shutil.copy(root / "cat" / "0.png", root / "dog" / "copy.png")
    project = Project(data=DataSpec(kind="images", path=str(root), image_size=[16, 16]))

    view = open_panel(project).image_view

    assert "1 image filed under two classes" in titles(view)
    assert "dog/copy.png" in view.health.rows[titles(view).index(
        "1 image filed under two classes")].toolTip()


def test_the_columns_table_marks_the_columns_a_finding_names(open_panel, tmp_path):
    view = open_panel(csv_project(planted_csv(tmp_path / "planted.csv"))).csv_view
    model = view.columns_model
    names = [column.name for column in model.columns]
    refund = model.index(names.index("refund"), 0)
    x1 = model.index(names.index("x1"), 0)

    assert "alone predicts the target" in refund.data(Qt.ItemDataRole.ToolTipRole)
    assert refund.data(Qt.ItemDataRole.DecorationRole) is not None
    assert x1.data(Qt.ItemDataRole.DecorationRole) is None


def test_leaving_out_repeats_shows_in_its_check_box(open_panel, qtbot, tmp_path):
    path = planted_csv(tmp_path / "planted.csv", leaky=False)
    frame = pd.read_csv(path)
    pd.concat([frame, frame.iloc[:30]], ignore_index=True).to_csv(path, index=False)
    view = open_panel(csv_project(path)).csv_view
    repeats = next(row for row in view.health.rows if row.finding.check == "duplicate_rows")
    assert not view.drop_repeats.isChecked()

    repeats.fix_button.click()

    assert view.document.project.data.drop_duplicates and view.drop_repeats.isChecked()
    qtbot.waitUntil(lambda: view.session.health is not None and not any(
        row.finding.check == "duplicate_rows" for row in view.health.rows), timeout=20_000)
    view.drop_repeats.click()
    assert not view.document.project.data.drop_duplicates


def test_an_augmentation_edit_keeps_the_report(open_panel, qtbot, tmp_path):
    root = tmp_path / "images"
    from PIL import Image

    for name in ("cat", "dog"):
        (root / name).mkdir(parents=True)
        for number in range(12):
            Image.new("RGB", (16, 16), (number * 20, 40, 90 if name == "cat" else 200)).save(
                root / name / f"{number}.png")
    view = open_panel(Project(data=DataSpec(kind="images", path=str(root),
                                            image_size=[16, 16]))).image_view
    report = view.session.health

    view.document.set_value("data.augmentation.zoom", 0.2)
    wait_for_background(30)
    qtbot.wait(50)
    assert view.session.health is report  # nothing the checks read changed: not checked again

    view.document.set_value("data.color_mode", "grayscale")
    assert view.session.health is report  # still shown while the new check runs
    qtbot.waitUntil(lambda: view.session.health is not report, timeout=20_000)


def test_show_selects_the_rows_or_the_column_a_finding_names(open_panel, tmp_path):
    path = planted_csv(tmp_path / "planted.csv")
    frame = pd.read_csv(path)
    pd.concat([frame, frame.iloc[:3]], ignore_index=True).to_csv(path, index=False)
    view = open_panel(csv_project(path)).csv_view
    rows = {row.finding.check: row for row in view.health.rows}

    rows["duplicate_rows"].show_button.click()

    selected = {index.row() for index in view.rows_table.selectionModel().selectedRows()}
    assert selected == {120, 121, 122}  # rows 121-123 of the file repeat rows 1-3
    assert rows["leaky_column"].show_button.text() == "Show the column"
    rows["leaky_column"].show_button.click()
    [chosen] = view.columns_table.selectionModel().selectedRows()
    assert view.columns_model.columns[chosen.row()].name == "refund"
    assert rows["class_imbalance"].show_button is None  # nothing in the tables to point at


def test_a_failed_check_is_said_and_the_rest_of_the_view_works(open_panel, monkeypatch,
                                                               tmp_path):
    import dlstudio.gui.data_session as data_session

    def broken(project, dataset=None):
        raise RuntimeError("boom")

    monkeypatch.setattr(data_session, "check_health", broken)

    view = open_panel(csv_project(planted_csv(tmp_path / "planted.csv"))).csv_view

    assert view.health.headline.text() == ("⚠ the data health check failed: "
                                           "RuntimeError: boom")
    assert view.session.info is not None and view.session.info.class_names == ("common", "rare")
