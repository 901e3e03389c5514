"""The data view of a CSV read as a time series: the plot, the gaps in words, the settings."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from dlstudio.core.project.project import DataSpec, Project, SeriesSpec, save_project
from dlstudio.gui.data_session import DataSession
from dlstudio.gui.document import Document
from dlstudio.gui.widgets.data_models import ColumnsModel
from dlstudio.gui.widgets.data_panel import DataPanel


def write_yearly(path, missing_year: int = 1930, skipped=(1900, 1901)):
    """YEAR,VALUE,RAIN from 1871 to 1950, one empty VALUE and two years left out."""
    lines = ["YEAR,VALUE,RAIN"]
    for number, year in enumerate(range(1871, 1951)):
        if year in skipped:
            continue
        value = "" if year == missing_year else f"{1000 + (number % 7) * 10}"
        lines.append(f"{year},{value},{number % 5}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def open_panel(qtbot, project_path):
    document = Document()
    document.open(project_path)
    session = DataSession(document)
    panel = DataPanel(session)
    qtbot.addWidget(panel)
    session.setParent(panel)
    panel.resize(1280, 760)
    qtbot.waitUntil(lambda: session.source.frame is not None, timeout=10_000)
    return panel


@pytest.fixture
def series_panel(qtbot, tmp_path):
    csv = write_yearly(tmp_path / "yearly.csv")
    project = Project(name="Yearly", data=DataSpec(
        kind="csv", path=str(csv), task="forecasting",
        series=SeriesSpec(time_column="YEAR", targets=["VALUE"], window=10, horizon=3)))
    return open_panel(qtbot, save_project(project, tmp_path / "yearly.dlstudio.json"))


def test_a_series_is_plotted_over_time_with_its_gaps_in_words(series_panel):
    view = series_panel.csv_view
    assert not view.series_section.isHidden() and not view.series_settings.isHidden()
    plot = view.series_section.plot
    assert plot.curves["VALUE"].isVisible() and not plot.curves["RAIN"].isVisible()
    x, _y = plot.curves["VALUE"].getData()
    assert x[0] == 1871 and x[-1] == 1950
    words = view.series_section.gaps_label.text()
    assert "1 empty value(s) in <b>VALUE</b> (at 1930)" in words
    assert "1 gap(s) in the time stamps (between 1899 and 1902" in words
    assert "interpolate" in words
    assert [region.getRegion() for region in plot.gap_regions] == [(1899.0, 1902.0)]
    assert "Forecasting ◎ <b>VALUE</b> — the next 3 steps from the last 10 rows" in \
        view.target_banner.text()
    assert view.columns_table.isColumnHidden(ColumnsModel.ROLE_COLUMN)
    assert "<b>10</b> consecutive rows" in view.series_settings.explanation.text()


def test_the_columns_table_calls_the_time_column_time_not_identifier(series_panel):
    model = series_panel.csv_view.columns_model
    kinds = {model.columns[row].name: model.index(row, ColumnsModel.KIND_COLUMN)
             for row in range(model.rowCount())}

    assert kinds["YEAR"].data() == "time" and kinds["VALUE"].data() == "numeric"
    assert not model.flags(kinds["YEAR"]) & Qt.ItemFlag.ItemIsEditable
    assert "series settings" in kinds["YEAR"].data(Qt.ItemDataRole.ToolTipRole)


def test_series_settings_edit_the_document_one_undo_step_each(series_panel):
    view = series_panel.csv_view
    document = view.document
    settings = view.series_settings
    settings.fields["horizon"].editor.committed.emit(6)
    assert document.project.data.series.horizon == 6
    assert "the next 6 steps" in view.target_banner.text()
    settings.set_role("RAIN", "past input")
    assert document.project.data.series.past_covariates == ["RAIN"]
    assert settings.role_boxes["RAIN"].currentText() == "past input"
    settings.set_role("RAIN", "forecast")
    assert document.project.data.series.targets == ["VALUE", "RAIN"]
    assert document.project.data.series.past_covariates == []
    assert view.series_section.plot.curves["RAIN"].isVisible()  # a target now
    settings.calendar["month"].setChecked(True)
    assert document.project.data.series.calendar_features == ["month"]
    for _ in range(4):
        document.undo_stack.undo()
    assert document.project.data.series == SeriesSpec(time_column="YEAR", targets=["VALUE"],
                                                      window=10, horizon=3)
    assert settings.role_boxes["RAIN"].currentText() == "not used"


def test_choosing_forecasting_reads_the_table_as_a_series_and_back(qtbot, tmp_path):
    csv = write_yearly(tmp_path / "yearly.csv")
    project = Project(name="Yearly", data=DataSpec(kind="csv", path=str(csv), target="VALUE"))
    panel = open_panel(qtbot, save_project(project, tmp_path / "yearly.dlstudio.json"))
    view = panel.csv_view
    assert view.series_section.isHidden()
    view._pick_task("forecasting")
    data = view.document.project.data
    assert data.task == "forecasting"
    assert data.series.time_column == "YEAR" and data.series.targets == ["VALUE"]
    assert not view.series_section.isHidden()
    view._pick_task("regression")
    assert view.document.project.data.series is None
    assert view.series_section.isHidden()


def test_a_series_is_split_in_time_order_without_seed_or_classes(series_panel):
    split = series_panel.csv_view.split_editor
    assert split.title() == "Split, in time order"
    assert not split.form.isRowVisible(split.seed)
    assert not split.form.isRowVisible(split.stratified)
    assert not split.form.isRowVisible(split.test_file)
    assert split.form.isRowVisible(split.time_order)
    assert split.form.isRowVisible(split.train)


def test_each_settings_explanation_keeps_its_lines_in_a_narrow_panel(series_panel, qtbot):
    series_panel.show()
    series_panel.csv_view.splitter.setSizes([900, 380])
    fields = series_panel.csv_view.series_settings.fields.values()
    qtbot.waitUntil(lambda: all(field.height() >= field.heightForWidth(field.width())
                                for field in fields), timeout=5000)
    missing = series_panel.csv_view.series_settings.fields["missing"]
    assert missing.explanation.geometry().bottom() <= missing.height()
