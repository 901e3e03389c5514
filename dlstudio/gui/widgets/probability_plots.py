"""ROC curves, precision-recall curves and the reliability diagram of a classifier's evaluation.

:class:`ProbabilityPlots` draws what :mod:`dlstudio.core.evaluation.probability_metrics` put in
``evaluation.json`` (``roc_curves``, ``pr_curves``, ``roc_auc``, ``pr_auc``, ``calibration``):
one line per class (for two classes only the second, the positive one, since the first mirrors
it), the areas in the legend, and below the plots one sentence that says what they mean.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

PALETTE = ("#2563eb", "#f97316", "#16a34a", "#dc2626", "#9333ea", "#0891b2", "#ca8a04",
           "#db2777", "#4b5563", "#65a30d")
CLASSES_DRAWN = 10


def _plot(title: str, bottom: str, left: str,
          legend_at: tuple[int, int] = (-10, -10)) -> pg.PlotWidget:
    plot = pg.PlotWidget(title=title)
    plot.setBackground(None)
    plot.setLabel("bottom", bottom)
    plot.setLabel("left", left)
    plot.setXRange(0, 1, padding=0.02)
    plot.setYRange(0, 1, padding=0.02)
    plot.setMouseEnabled(False, False)
    plot.addLegend(offset=legend_at)
    return plot


class ProbabilityPlots(QWidget):
    """Three plots side by side: ROC, precision-recall and reliability, and a summary line."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.roc = _plot("ROC (one class against the rest)", "false positive rate",
                         "true positive rate", legend_at=(-10, 10))
        self.pr = _plot("Precision-recall", "recall", "precision")
        self.reliability = _plot("Reliability (calibration)", "confidence", "accuracy",
                                 legend_at=(10, 10))
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setProperty("role", "hint")
        plots = QHBoxLayout()
        for plot in (self.roc, self.pr, self.reliability):
            plots.addWidget(plot)
        layout = QVBoxLayout(self)
        layout.addLayout(plots, 1)
        layout.addWidget(self.summary)

    def clear(self) -> None:
        """Remove every curve and the summary."""
        for plot in (self.roc, self.pr, self.reliability):
            plot.clear()
            plot.plotItem.legend.clear()
        self.summary.setText("")

    def show_result(self, result: dict[str, Any]) -> None:
        """Draw a classification result's curves; say so when it has none (an older file)."""
        self.clear()
        if "roc_curves" not in result:
            self.summary.setText("This evaluation has no curves (it was written by an older "
                                 "dlstudio): press “Evaluate again”.")
            return
        classes = list(result["class_names"])
        drawn = classes[1:] if len(classes) == 2 else classes[:CLASSES_DRAWN]
        diagonal = pg.mkPen("#94a3b8", width=1, style=Qt.PenStyle.DashLine)
        self.roc.plot([0, 1], [0, 1], pen=diagonal)
        self.reliability.plot([0, 1], [0, 1], pen=diagonal)
        for index, name in enumerate(drawn):
            pen = pg.mkPen(PALETTE[index % len(PALETTE)], width=2)
            roc, pr = result["roc_curves"][name], result["pr_curves"][name]
            self.roc.plot(roc["fpr"], roc["tpr"], pen=pen,
                          name=f"{name} (AUC {_area(result['roc_auc']['per_class'][name])})")
            self.pr.plot(pr["recall"], pr["precision"], pen=pen,
                         name=f"{name} (AP {_area(result['pr_auc']['per_class'][name])})")
        self._draw_reliability(result["calibration"])
        self.summary.setText(summary_text(result, len(classes) - len(drawn)))

    def _draw_reliability(self, calibration: dict[str, Any]) -> None:
        bins = [row for row in calibration["bins"] if row["count"]]
        if not bins:
            return
        centres = np.array([(row["low"] + row["high"]) / 2 for row in bins])
        accuracy = np.array([row["accuracy"] for row in bins])
        width = bins[0]["high"] - bins[0]["low"]
        self.reliability.addItem(pg.BarGraphItem(x=centres, height=accuracy, width=width * 0.9,
                                                 brush=(37, 99, 235, 120), pen=None))
        confidence = np.array([row["confidence"] for row in bins])
        self.reliability.plot(confidence, accuracy, pen=None, symbol="o", symbolSize=7,
                              symbolBrush="#f97316", symbolPen=None,
                              name=f"ECE {calibration['ece']:.3f}")


def summary_text(result: dict[str, Any], hidden: int = 0) -> str:
    """One paragraph on what the plots say, in plain words."""
    roc, calibration = result["roc_auc"], result["calibration"]
    parts = []
    if roc["macro"] is not None:
        parts.append(f"ROC AUC {roc['macro']:.3f} (macro average; 0.5 is guessing, 1 ranks "
                     "every sample right), precision-recall area "
                     f"{_area(result['pr_auc']['macro'])}.")
    parts.append(f"Expected calibration error {calibration['ece']:.3f}: on average the model's "
                 f"confidence is {100 * calibration['ece']:.1f} percentage points away from how "
                 "often it is right (0 is perfectly calibrated; bars below the diagonal mean "
                 "over-confidence).")
    for name, value in (result.get("top_k") or {}).items():
        parts.append(f"{name.replace('_', '-')} accuracy {value:.3f}.")
    if hidden > 0 and len(result["class_names"]) > 2:
        parts.append(f"{hidden} more class(es) are not drawn; `dlstudio evaluate --json` has "
                     "them all.")
    return " ".join(parts)


def _area(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"
