"""The Evaluate tab's "Robustness" page: the score under attacks and noise, against ε.

:class:`RobustnessView` shows a run's ``robustness.json`` (written by
:func:`dlstudio.core.evaluation.robustness.robustness_report`, as ``dlstudio robustness RUN``)
as three lines — FGSM, PGD and Gaussian noise — with its one-sentence summary, and computes it
off the GUI thread when there is none yet.
"""

from __future__ import annotations

from typing import Any

import pyqtgraph as pg
from PySide6.QtWidgets import QWidget

from dlstudio.gui.background import prepare_keras
from dlstudio.gui.widgets.run_result_page import RunResultPage

ROBUSTNESS_FILE = "robustness.json"
LINES = (("fgsm", "FGSM attack", "#dc2626"), ("pgd", "PGD attack", "#9333ea"),
         ("noise", "Gaussian noise", "#2563eb"))


def robustness_in_background(run_dir: str) -> dict[str, Any]:
    """Run the robustness check (imports Keras: call it off the GUI thread)."""
    prepare_keras()
    from dlstudio.core.evaluation.robustness import robustness_report

    return robustness_report(run_dir)


class RobustnessView(RunResultPage):
    """Score against ε under FGSM, PGD and noise, with a sentence on what it means."""

    result_file = ROBUSTNESS_FILE
    plot_title = "Score under attack and noise"
    button_text = "Run the robustness check"
    button_tip = ("Attack the test split with FGSM and PGD and add noise, at growing sizes (as "
                  "`dlstudio robustness RUN`)")
    busy_text, again_text = "Running…", "Run again"
    invitation = ("How much does a small, deliberate change to the inputs cost? Press “Run the "
                  "robustness check” (seconds to a minute).")
    working_text = "Attacking the test split at growing sizes…"
    failure_text = "The robustness check failed"
    compute_result = staticmethod(robustness_in_background)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot.addLegend(offset=(-10, 10))

    def show_result(self, result: dict[str, Any]) -> None:
        """Draw ``result`` (the contents of robustness.json)."""
        self.result = result
        self.plot.clear()
        self.plot.plotItem.legend.clear()
        for key, name, colour in LINES:
            self.plot.plot(result["epsilons"], result[key], name=name, symbol="o",
                           symbolSize=6, pen=pg.mkPen(colour, width=2), symbolBrush=colour)
        self.plot.setLabel("bottom", f"ε ({result['unit']})")
        self.plot.setLabel("left", result["metric"])
        self.status.setText(result["summary"])
        self._update_button()
