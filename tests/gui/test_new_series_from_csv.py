"""New from CSV on a time series (YEAR,VALUE): asked what to forecast, opened as a series in the
data view with its plot and settings, never refused (issue 11)."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog

from dlstudio.gui.widgets.target_dialog import TargetDialog


def test_a_yearly_series_opens_in_the_data_view_as_a_forecast(window, tmp_path, qtbot,
                                                              monkeypatch):
    csv = tmp_path / "yearly.csv"
    csv.write_text("YEAR,VALUE\n" + "".join(f"{1871 + i},{1000 + (i * 37) % 200}\n"
                                            for i in range(100)), encoding="utf-8")
    asked = []

    def answer(dialog):
        asked.append((dialog.windowTitle(), [dialog.list.item(row).text()
                                             for row in range(dialog.list.count())]))
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(TargetDialog, "exec", answer)
    window.start_from_data(str(csv))
    qtbot.waitUntil(lambda: window.document.project.data.path != "", timeout=20_000)
    title, items = asked[0]
    assert title.startswith("What should the model forecast?")
    assert items[0].startswith("VALUE") and not any(item.startswith("YEAR") for item in items)
    data = window.document.project.data
    assert data.task == "forecasting"
    assert data.series.time_column == "YEAR" and data.series.targets == ["VALUE"]
    view = window.data_panel.csv_view
    assert window.data_panel.currentWidget() is view
    qtbot.waitUntil(lambda: "VALUE" in view.series_section.plot.curves, timeout=10_000)
    assert not view.series_section.isHidden()
    assert "Forecasting ◎ <b>VALUE</b>" in view.target_banner.text()
