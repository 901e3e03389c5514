"""The Monitor tab: new data compared with a run's training data (drift), column by column.

A run is chosen on the Runs tab ("Check drift…"); the person picks a CSV file or an image
folder, and :func:`dlstudio.core.monitoring.drift.check_data` compares it with the run's
reference statistics on the background thread (it may import Keras for image runs). The view
shows the verdict, the PSI table sorted by drift, and for the selected column the reference and
new distributions as overlaid histograms.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from dlstudio.gui import settings as app_settings
from dlstudio.gui.background import prepare_keras, run_in_background
from dlstudio.gui.widgets.tables import fill_table, read_only_table, titled

HEADERS = ("column", "verdict", "PSI", "test", "p-value", "missing", "why")
REFERENCE_BRUSH, NEW_BRUSH = (31, 119, 180, 140), (255, 127, 14, 140)


def check_in_background(run_dir: str, data_path: str) -> Any:
    """Compare ``data_path`` with the run's reference, off the GUI thread."""
    prepare_keras()
    from dlstudio.core.monitoring.drift import check_data

    return check_data(run_dir, data_path)


class MonitorView(QWidget):
    """Drift of new data against a run's training data.

    Signals:
        checked: The data path, once a comparison is shown.
    """

    checked = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.run_dir: str | None = None
        self.data_path: str | None = None
        self.report: Any = None
        self.busy = False
        self._build()
        self.set_run(None)

    def _build(self) -> None:
        self.run_label = QLabel(wordWrap=True)
        self.run_label.setProperty("role", "heading")
        self.file_button = QPushButton("Check a CSV file…")
        self.file_button.clicked.connect(lambda: self._choose(folder=False))
        self.folder_button = QPushButton("Check an image folder…")
        self.folder_button.clicked.connect(lambda: self._choose(folder=True))
        self.verdict_label = QLabel(wordWrap=True)
        self.verdict_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.table = read_only_table(HEADERS)
        self.table.itemSelectionChanged.connect(self._show_selected)
        self.plot = pg.PlotWidget(background="w")
        self.plot.addLegend(offset=(-10, 10))
        self.plot.setLabel("left", "share of rows")
        self.plot.getAxis("left").enableAutoSIPrefix(False)
        buttons = QHBoxLayout()
        for button in (self.file_button, self.folder_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(titled("Columns, most drifted first", self.table))
        splitter.addWidget(titled("Training data against the new data", self.plot))
        splitter.setSizes([620, 520])
        layout = QVBoxLayout(self)
        layout.addWidget(self.run_label)
        layout.addLayout(buttons)
        layout.addWidget(self.verdict_label)
        layout.addWidget(splitter, 1)

    def set_run(self, run_dir: str | None) -> None:
        """Compare data with ``run_dir`` from now on (``None``: no run chosen)."""
        self.run_dir = run_dir
        self.report = None
        self.table.setRowCount(0)
        self.plot.clear()
        name = Path(run_dir).name if run_dir else None
        self.run_label.setText(f"Drift against the training data of {name}" if name else
                               "Choose a run on the Runs tab (Check drift…) to compare new "
                               "data with its training data")
        self.verdict_label.setText("")
        for button in (self.file_button, self.folder_button):
            button.setEnabled(run_dir is not None)

    def _choose(self, folder: bool) -> None:
        start = app_settings.last_folder()
        if folder:
            path = QFileDialog.getExistingDirectory(self, "Image folder to check", start)
        else:
            path, _ = QFileDialog.getOpenFileName(self, "CSV file to check", start,
                                                  "CSV files (*.csv *.tsv *.txt);;All files (*)")
        if path:
            app_settings.remember_folder(path)
            self.check(path)

    def check(self, data_path: str) -> None:
        """Compare ``data_path`` with the run's training data (in the background)."""
        if self.run_dir is None or self.busy:
            return
        self.busy, self.data_path = True, data_path
        self.verdict_label.setText(f"Comparing {Path(data_path).name} with the training data…")
        run_dir = self.run_dir
        run_in_background(lambda: check_in_background(run_dir, data_path), self.show_report,
                          self._failed, receiver=self)

    def _failed(self, error: Exception) -> None:
        self.busy = False
        self.verdict_label.setText(f"Could not compare: {error}")

    def show_report(self, report: Any) -> None:
        """Show a :class:`~dlstudio.core.monitoring.drift.DriftReport`."""
        self.busy, self.report = False, report
        names = ", ".join(report.drifted_names)
        verdict = (f"Drift in {names}." if report.drifted else "No drift: the new data looks "
                   "like the training data.")
        note = f" Note: {report.note}." if report.note else ""
        self.verdict_label.setText(f"{verdict} {report.rows} rows compared with "
                                   f"{Path(self.data_path or '').name}.{note}")
        fill_table(self.table, [_row(column) for column in report.columns],
                   numeric_columns=(2, 4))
        if report.columns:
            self.table.selectRow(0)
        self.checked.emit(self.data_path or "")

    def _show_selected(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if self.report is None or not rows:
            return
        self.show_column(self.report.columns[rows[0].row()])

    def show_column(self, column: Any) -> None:
        """Draw one column's reference and new distributions, overlaid."""
        self.plot.clear()
        histogram = column.histogram
        if not histogram:
            return
        reference = np.asarray(histogram["reference"], float)
        new = np.asarray(histogram["new"], float)
        if "edges" in histogram:
            edges = np.asarray(histogram["edges"], float)
            centres, width = (edges[:-1] + edges[1:]) / 2, float(np.diff(edges).min())
            self.plot.getAxis("bottom").setTicks(None)
        else:
            centres, width = np.arange(len(reference), dtype=float), 0.8
            labels = [(i, str(name)[:16]) for i, name in enumerate(histogram["categories"])]
            self.plot.getAxis("bottom").setTicks([labels])
        self.plot.addItem(pg.BarGraphItem(x=centres, height=reference, width=width,
                                          brush=REFERENCE_BRUSH, name="training data"))
        self.plot.addItem(pg.BarGraphItem(x=centres, height=new, width=width * 0.6,
                                          brush=NEW_BRUSH, name="new data"))
        self.plot.setTitle(f"{column.name}: PSI {column.psi:.3f} ({column.verdict})")


def _row(column: Any) -> list[str]:
    missing = f"{column.missing_reference:.0%} → {column.missing_new:.0%}"
    return [column.name, column.verdict, f"{column.psi:.3f}", column.test or "–",
            f"{column.p_value:.2g}" if column.test else "–", missing, "; ".join(column.reasons)]
