"""The Evaluate tab's "Columns" page: which columns a table run relies on.

:class:`ColumnImportanceView` shows a run's ``importance.json`` (written by
:func:`dlstudio.core.evaluation.explain_columns.column_importance`, as ``dlstudio explain RUN``)
as horizontal bars, most important at the top, with a button that computes it off the GUI
thread when there is none yet.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg

from dlstudio.gui.background import prepare_keras
from dlstudio.gui.widgets.run_result_page import RunResultPage

IMPORTANCE_FILE = "importance.json"


def importance_in_background(run_dir: str) -> dict[str, Any]:
    """Compute a run's column importance (imports Keras: call it off the GUI thread)."""
    prepare_keras()
    from dlstudio.core.evaluation.explain_columns import column_importance

    return column_importance(run_dir)


class ColumnImportanceView(RunResultPage):
    """Bars of permutation importance, one per feature column."""

    result_file = IMPORTANCE_FILE
    plot_title = "Permutation importance"
    button_text = "Compute column importance"
    button_tip = ("Shuffle each column of the validation rows and measure how much worse the "
                  "model does (as `dlstudio explain RUN`)")
    busy_text, again_text = "Computing…", "Compute again"
    invitation = ("Which columns does the model rely on? Press “Compute column importance” "
                  "(a few seconds: each column is shuffled 5 times).")
    working_text = "Shuffling each column of the validation rows…"
    failure_text = "Column importance failed"
    compute_result = staticmethod(importance_in_background)

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
