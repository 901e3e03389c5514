"""“Try it” for a forecasting run: the steps after the last row of a series file.

A forecast starts from a window of the series, not from one typed row, so the dialog takes a CSV
file (the run's own data by default: its next steps after the last row) and shows the forecast
per step, computed off the GUI thread by the core's
:func:`~dlstudio.core.evaluation.forecast_predict.forecast_with` (as ``dlstudio predict RUN
--data FILE`` does).
"""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from dlstudio.core.runs.folder import RunFolder
from dlstudio.gui.background import prepare_keras, run_in_background
from dlstudio.gui.theme import icon


def forecast_file(run_dir: Path, data_path: Path) -> Any:
    """The forecast table of ``run_dir`` after the last row of ``data_path`` (the worker)."""
    from dlstudio.core.evaluation.forecast_predict import forecast_with

    prepare_keras()
    return forecast_with(run_dir, data_path, backtest=False)


class ForecastTryDialog(QDialog):
    """Forecast the steps after a series file's last row with a trained run.

    Args:
        run_dir: The forecasting run folder (it must have a trained model).
        parent: The Qt parent.
    """

    def __init__(self, run_dir: str | Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.run_dir = Path(run_dir)
        project = RunFolder(self.run_dir).load_project()
        self.series = project.data.series
        self.busy = False
        self.setWindowTitle(f"Try {self.run_dir.name}")
        self.resize(640, 480)
        name = RunFolder(self.run_dir).display_name()
        steps = self.series.horizon if self.series else 1
        heading = QLabel(f"Try run {name}: forecast the {steps} step(s) after the last row of "
                         "a series file (the same columns as its training data; the last "
                         "window of rows is what the model reads).", wordWrap=True)
        heading.setProperty("role", "heading")
        self.path = QLineEdit(str(project.data_path()) if project.data.path else "")
        self.path.setToolTip("A CSV file of the series, oldest row first")
        choose = QPushButton("Choose…")
        choose.clicked.connect(self._choose)
        self.forecast_button = QPushButton(icon("train"), "Forecast")
        self.forecast_button.setProperty("role", "primary")
        self.forecast_button.clicked.connect(self.forecast)
        self.table = QTableWidget(0, 0)
        self.status = QLabel(wordWrap=True)
        self.status.setProperty("role", "hint")
        row = QHBoxLayout()
        row.addWidget(self.path, 1)
        row.addWidget(choose)
        row.addWidget(self.forecast_button)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addLayout(row)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.status)

    def _choose(self) -> None:
        chosen, _filter = QFileDialog.getOpenFileName(self, "A series file", self.path.text(),
                                                      "CSV files (*.csv *.tsv *.txt)")
        if chosen:
            self.path.setText(chosen)

    def forecast(self) -> None:
        """Forecast after the chosen file's last row, off the GUI thread."""
        if self.busy:
            return
        path = Path(self.path.text().strip()).expanduser()
        if not path.is_file():
            self.status.setText(f"There is no file {path}; choose the series' CSV file.")
            return
        self.busy = True
        self.forecast_button.setEnabled(False)
        self.status.setText("Forecasting… (the first forecast loads the model and TensorFlow, "
                            "a few seconds)")
        run_in_background(partial(forecast_file, self.run_dir, path), self._show, self._failed,
                          receiver=self)

    def _show(self, frame: Any) -> None:
        self.busy = False
        self.forecast_button.setEnabled(True)
        if frame is None:
            self.status.setText("This run does not forecast a series.")
            return
        self.status.setText("The forecast of each step after the file's last row.")
        columns = [str(name) for name in frame.columns]
        self.table.setColumnCount(len(columns))
        self.table.setHorizontalHeaderLabels(columns)
        self.table.setRowCount(len(frame))
        for row, values in enumerate(frame.itertuples(index=False)):
            for column, value in enumerate(values):
                text = f"{value:.6g}" if isinstance(value, float) else str(value)
                self.table.setItem(row, column, QTableWidgetItem(text))
        self.table.resizeColumnsToContents()

    def _failed(self, error: Exception) -> None:
        self.busy = False
        self.forecast_button.setEnabled(True)
        self.status.setText(f"Could not forecast: {error}")
