"""The Evaluate tab's "Columns" page: which columns a table run relies on.

:class:`ColumnImportanceView` shows a run's ``importance.json`` (written by
:func:`dlstudio.core.evaluation.explain_columns.column_importance`, as ``dlstudio explain RUN``)
as horizontal bars, most important at the top, with a button that computes it off the GUI
thread when there is none yet.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from dlstudio.core.project.wording import in_gui_words
from dlstudio.gui.background import prepare_keras, run_in_background

IMPORTANCE_FILE = "importance.json"


def importance_in_background(run_dir: str) -> dict[str, Any]:
    """Compute a run's column importance (imports Keras: call it off the GUI thread)."""
    prepare_keras()
    from dlstudio.core.evaluation.explain_columns import column_importance

    return column_importance(run_dir)


class ColumnImportanceView(QWidget):
    """Bars of permutation importance, one per feature column."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.run_dir: Path | None = None
        self.result: dict[str, Any] | None = None
        self.busy = False
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setProperty("role", "hint")
        self.compute_button = QPushButton("Compute column importance")
        self.compute_button.setToolTip("Shuffle each column of the validation rows and measure "
                                       "how much worse the model does (as `dlstudio explain "
                                       "RUN`)")
        self.compute_button.clicked.connect(self.compute)
        self.plot = pg.PlotWidget(title="Permutation importance")
        self.plot.setBackground(None)
        self.plot.setMouseEnabled(False, False)
        top = QHBoxLayout()
        top.addWidget(self.status, 1)
        top.addWidget(self.compute_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.plot, 1)

    def set_run(self, run_dir: Path | None) -> None:
        """Show ``run_dir``'s importance.json, or offer to compute it."""
        self.run_dir = run_dir
        self.result = None
        self.plot.clear()
        path = run_dir / IMPORTANCE_FILE if run_dir else None
        if path is not None and path.is_file():
            try:
                self.show_result(json.loads(path.read_text(encoding="utf-8")))
                return
            except (OSError, ValueError, KeyError, TypeError) as error:
                self.status.setText(f"{path.name} cannot be read ({error}); compute it again.")
                return
        self.status.setText("Which columns does the model rely on? Press “Compute column "
                            "importance” (a few seconds: each column is shuffled 5 times).")
        self._update_button()

    def compute(self) -> None:
        """Compute the importance off the GUI thread."""
        if self.run_dir is None or self.busy:
            return
        self.busy = True
        self._update_button()
        self.status.setText("Shuffling each column of the validation rows…")
        run_dir = str(self.run_dir)
        run_in_background(lambda: importance_in_background(run_dir),
                          lambda result: self._computed(run_dir, result),
                          lambda error: self._failed(run_dir, error), receiver=self)

    def _computed(self, run_dir: str, result: dict[str, Any]) -> None:
        self.busy = False
        if self.run_dir is not None and str(self.run_dir) == run_dir:
            self.show_result(result)
        self._update_button()

    def _failed(self, run_dir: str, error: Exception) -> None:
        self.busy = False
        self._update_button()
        if self.run_dir is not None and str(self.run_dir) == run_dir:
            self.status.setText(f"Column importance failed: {in_gui_words(str(error))}")

    def _update_button(self) -> None:
        self.compute_button.setEnabled(self.run_dir is not None and not self.busy)
        self.compute_button.setText("Computing…" if self.busy else "Compute again"
                                    if self.result else "Compute column importance")

    def show_result(self, result: dict[str, Any]) -> None:
        """Draw ``result`` (the contents of importance.json) as bars, largest on top."""
        self.result = result
        self.plot.clear()
        columns = list(result["columns"])[::-1]  # pyqtgraph's y grows upwards
        values = np.array([entry["importance"] for entry in columns], dtype=float)
        spread = np.array([entry["spread"] for entry in columns], dtype=float)
        rows = np.arange(len(columns))
        self.plot.addItem(pg.BarGraphItem(x0=np.minimum(values, 0), y=rows,
                                          width=np.abs(values), height=0.7,
                                          brush=(37, 99, 235, 170), pen=None))
        self.plot.addItem(pg.ErrorBarItem(x=values, y=rows, left=spread, right=spread,
                                          beam=0.2, pen=pg.mkPen("#475569")))
        self.plot.getAxis("left").setTicks([[(i, entry["column"])
                                             for i, entry in enumerate(columns)]])
        lost = "accuracy lost" if result["metric"] == "accuracy" else "RMSE added"
        self.plot.setLabel("bottom", f"{lost} when the column is shuffled")
        top = result["columns"][0]["column"] if result["columns"] else "no column"
        self.status.setText(
            f"On {result['samples']} {result['split']} rows ({result['metric']} "
            f"{result['baseline']:.3f} with every column), the model relies most on {top}. "
            "A bar near 0 means the column does not help on these rows.")
        self._update_button()
