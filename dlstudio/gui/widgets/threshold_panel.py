"""A two-class run's decision threshold: a slider, the scores it gives, and saving it.

:class:`ThresholdPanel` holds the positive class's probability of every evaluated sample (from
``evaluation.json``'s ``predictions``) and, as the slider moves, recomputes the classification
report with :func:`dlstudio.core.evaluation.probability_metrics.threshold_report` — no model, no
TensorFlow — and emits it, so the Evaluate tab updates its tables and confusion matrix live.
"Save with the run" asks the view to store the threshold (``RunFolder.set_threshold``), which
evaluate, predict, Try it and exports then use.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSlider, QVBoxLayout, QWidget

from dlstudio.core.evaluation.probability_metrics import threshold_report

STEPS = 1000


class ThresholdPanel(QWidget):
    """The slider and its scores for a two-class evaluation.

    Signals:
        report_changed(dict): The classification report at the slider's threshold.
        save_requested(float): The user asked to save this threshold with the run.
    """

    report_changed = Signal(dict)
    save_requested = Signal(float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.class_names: list[str] = []
        self.positive = np.zeros(0)
        self.true = np.zeros(0, dtype=np.int64)
        self.saved: float | None = None  # the run's saved threshold (None: the default 0.5)
        self.best: float | None = None
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(1, STEPS - 1)
        self.slider.valueChanged.connect(self._moved)
        self.value_label = QLabel()
        self.scores = QLabel()
        self.scores.setWordWrap(True)
        self.best_button = QPushButton("Best F1")
        self.best_button.clicked.connect(lambda: self.set_threshold(self.best or 0.5))
        self.save_button = QPushButton("Save with the run")
        self.save_button.setToolTip("Predict, Try it and exports of this run will use this "
                                    "threshold (as `dlstudio evaluate RUN --threshold T`)")
        self.save_button.clicked.connect(lambda: self.save_requested.emit(self.threshold()))
        row = QHBoxLayout()
        row.addWidget(QLabel("Decision threshold"))
        row.addWidget(self.slider, 1)
        row.addWidget(self.value_label)
        row.addWidget(self.best_button)
        row.addWidget(self.save_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(row)
        layout.addWidget(self.scores)

    def set_result(self, result: dict[str, Any]) -> bool:
        """Take a result's probabilities; return whether it has a threshold to move."""
        records = result.get("predictions") or []
        section = result.get("threshold")
        if not section or not records or any("probability" not in r for r in records):
            self.setVisible(False)
            return False
        self.class_names = list(result["class_names"])
        self.positive = np.array([float(r["probability"]) for r in records])
        self.true = np.array([self.class_names.index(r["true"]) for r in records])
        self.saved = float(section["value"]) if section.get("saved") else None
        self.best = float(section["best_f1"]["threshold"])
        self.best_button.setText(f"Best F1 ({self.best:.3f})")
        self.setVisible(True)
        self.set_threshold(float(section["value"]))
        return True

    def threshold(self) -> float:
        """The slider's threshold."""
        return self.slider.value() / STEPS

    def set_threshold(self, value: float) -> None:
        """Move the slider to ``value`` (the report follows)."""
        position = int(round(min(max(value, 1 / STEPS), 1 - 1 / STEPS) * STEPS))
        if position == self.slider.value():
            self._moved(position)
        else:
            self.slider.setValue(position)

    def mark_saved(self, value: float) -> None:
        """Record that ``value`` is now the run's saved threshold."""
        self.saved = value
        self._moved(self.slider.value())

    def _moved(self, position: int) -> None:
        value = position / STEPS
        report = threshold_report(self.positive, self.true, value, self.class_names)
        positive = report["positive"]
        name = self.class_names[1] if len(self.class_names) == 2 else ""
        self.value_label.setText(f"{value:.3f}")
        saved = self.saved is not None and abs(value - self.saved) < 0.5 / STEPS
        where = (" (saved with the run)" if saved else " (the default)"
                 if self.saved is None and abs(value - 0.5) < 0.5 / STEPS else "")
        self.scores.setText(
            f"{name} is predicted when its probability is at least {value:.3f}{where}: "
            f"precision {positive['precision']:.3f}, recall {positive['recall']:.3f}, "
            f"F1 {positive['f1']:.3f}, accuracy {report['accuracy']:.3f}.")
        self.save_button.setEnabled(not saved)
        self.report_changed.emit(report)
