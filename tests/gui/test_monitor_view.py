"""The Monitor tab: a drift report fills the PSI table (most drifted first) and the overlaid
histograms; without a run its buttons are off and it says where to choose one."""

from __future__ import annotations

import pytest

from dlstudio.core.monitoring.drift import ColumnDrift, DriftReport, _judge


def _report() -> DriftReport:
    shifted = ColumnDrift("x", "numeric", psi=1.7, test="KS", statistic=0.6, p_value=1e-12,
                          histogram={"edges": [0, 1, 2, 3], "reference": [0.5, 0.5, 0.0],
                                     "new": [0.0, 0.2, 0.8]})
    _judge(shifted, ks=True)
    colour = ColumnDrift("colour", "categorical", psi=0.02, test="chi-square", p_value=0.6,
                         histogram={"categories": ["red", "blue", "(other)"],
                                    "reference": [0.5, 0.5, 0.0], "new": [0.45, 0.55, 0.0]})
    _judge(colour, ks=False)
    return DriftReport([shifted, colour], rows=120)


def test_without_a_run_the_view_says_where_to_choose_one(qtbot):
    from dlstudio.gui.widgets.monitor_view import MonitorView

    view = MonitorView()
    qtbot.addWidget(view)
    assert not view.file_button.isEnabled()
    assert "Runs tab" in view.run_label.text()


def test_a_report_fills_the_table_and_the_histograms(qtbot, tmp_path):
    import pyqtgraph as pg

    from dlstudio.gui.widgets.monitor_view import MonitorView

    view = MonitorView()
    qtbot.addWidget(view)
    view.set_run(str(tmp_path / "run-1"))
    assert view.file_button.isEnabled()
    view.data_path = str(tmp_path / "new.csv")
    view.show_report(_report())
    assert "Drift in x" in view.verdict_label.text()
    assert [view.table.item(row, 0).text() for row in range(2)] == ["x", "colour"]
    assert view.table.item(0, 1).text() == "drift" and view.table.item(1, 1).text() == "ok"
    bars = [item for item in view.plot.getPlotItem().items if isinstance(item, pg.BarGraphItem)]
    assert len(bars) == 2 and "PSI 1.700" in view.plot.getPlotItem().titleLabel.text
    view.table.selectRow(1)
    assert "colour" in view.plot.getPlotItem().titleLabel.text


@pytest.mark.slow
def test_the_runs_tab_opens_a_run_on_the_monitor_tab(qtbot, tmp_path):
    from dlstudio.gui.main_window import MainWindow

    window = MainWindow()
    qtbot.addWidget(window)
    window.training_tabs.monitor(str(tmp_path / "run-7"))
    assert window.tabs.tabText(window.tabs.currentIndex()) == "Monitor"
    assert "run-7" in window.training_tabs.monitoring.run_label.text()
