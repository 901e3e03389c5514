"""The Evaluate tab's "Robustness" page: the score under attacks and noise, against ε.

:class:`RobustnessView` shows a run's ``robustness.json`` (written by
:func:`dlstudio.core.evaluation.robustness.robustness_report`, as ``dlstudio robustness RUN``)
as three lines — FGSM, PGD and Gaussian noise — with its one-sentence summary, and computes it
off the GUI thread when there is none yet.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyqtgraph as pg
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from dlstudio.core.project.wording import in_gui_words
from dlstudio.gui.background import prepare_keras, run_in_background

ROBUSTNESS_FILE = "robustness.json"
LINES = (("fgsm", "FGSM attack", "#dc2626"), ("pgd", "PGD attack", "#9333ea"),
         ("noise", "Gaussian noise", "#2563eb"))


def robustness_in_background(run_dir: str) -> dict[str, Any]:
    """Run the robustness check (imports Keras: call it off the GUI thread)."""
    prepare_keras()
    from dlstudio.core.evaluation.robustness import robustness_report

    return robustness_report(run_dir)


class RobustnessView(QWidget):
    """Score against ε under FGSM, PGD and noise, with a sentence on what it means."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.run_dir: Path | None = None
        self.result: dict[str, Any] | None = None
        self.busy = False
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setProperty("role", "hint")
        self.compute_button = QPushButton("Run the robustness check")
        self.compute_button.setToolTip("Attack the test split with FGSM and PGD and add noise, "
                                       "at growing sizes (as `dlstudio robustness RUN`)")
        self.compute_button.clicked.connect(self.compute)
        self.plot = pg.PlotWidget(title="Score under attack and noise")
        self.plot.setBackground(None)
        self.plot.setMouseEnabled(False, False)
        self.plot.addLegend(offset=(-10, 10))
        top = QHBoxLayout()
        top.addWidget(self.status, 1)
        top.addWidget(self.compute_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.plot, 1)

    def set_run(self, run_dir: Path | None) -> None:
        """Show ``run_dir``'s robustness.json, or offer to compute it."""
        self.run_dir, self.result = run_dir, None
        self.plot.clear()
        path = run_dir / ROBUSTNESS_FILE if run_dir else None
        if path is not None and path.is_file():
            try:
                self.show_result(json.loads(path.read_text(encoding="utf-8")))
                return
            except (OSError, ValueError, KeyError, TypeError) as error:
                self.status.setText(f"{path.name} cannot be read ({error}); run it again.")
        else:
            self.status.setText("How much does a small, deliberate change to the inputs cost? "
                                "Press “Run the robustness check” (seconds to a minute).")
        self._update_button()

    def compute(self) -> None:
        """Run the check off the GUI thread."""
        if self.run_dir is None or self.busy:
            return
        self.busy = True
        self._update_button()
        self.status.setText("Attacking the test split at growing sizes…")
        run_dir = str(self.run_dir)
        run_in_background(lambda: robustness_in_background(run_dir),
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
            self.status.setText(f"The robustness check failed: {in_gui_words(str(error))}")

    def _update_button(self) -> None:
        self.compute_button.setEnabled(self.run_dir is not None and not self.busy)
        self.compute_button.setText("Running…" if self.busy else "Run again" if self.result
                                    else "Run the robustness check")

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
