"""The Evaluate tab of an autoencoder (or a VAE): reconstruction errors against the threshold.

The histogram of the test samples' errors (normal and anomalous samples apart when the run
names normal classes) with the threshold as a line that follows a slider; the counts, precision,
recall and ROC AUC of "anomaly" at that threshold, recomputed with the core's NumPy arithmetic
(no model); the ROC curve; and, on request (computed off the GUI thread), originals beside their
reconstructions: images side by side, table rows column by column.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSlider,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from dlstudio.core.evaluation import anomaly
from dlstudio.gui.background import prepare_keras, run_in_background
from dlstudio.gui.widgets.sample_images import ImageGrid
from dlstudio.gui.widgets.tables import fill_table, read_only_table, titled

SLIDER_STEPS = 1000
NORMAL_COLOUR = (70, 130, 200, 170)
ANOMALY_COLOUR = (220, 80, 60, 170)
THRESHOLD_COLOUR = (120, 120, 120)


class ErrorAxis(pg.AxisItem):
    """An axis of log10 positions labelled with the errors themselves (-2 reads 0.01), never
    scaled by an SI prefix: errors that span less than a decade read 0.35, not -450 (x0.001)."""

    def __init__(self, orientation: str = "bottom", **kwargs: Any) -> None:
        super().__init__(orientation, **kwargs)
        self.enableAutoSIPrefix(False)

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        """The error at each log10 position, in 3 significant digits."""
        return [f"{10.0 ** value:.3g}" for value in values]


def reconstructions_in_background(run_dir: str) -> dict[str, Any]:
    """Compute the originals, reconstructions and errors shown beside each other (off the GUI
    thread: it loads Keras)."""
    prepare_keras()
    from dlstudio.core.evaluation.reconstructions import ReconstructionRun

    opened = ReconstructionRun(run_dir)
    found = opened.reconstructions()
    chosen = found.worst_and_typical()
    result: dict[str, Any] = {"kind": found.kind, "ids": [found.sample_ids[i] for i in chosen],
                              "scores": [float(found.scores[i]) for i in chosen]}
    if found.kind == "images":
        result["originals"] = found.originals[chosen]
        result["reconstructions"] = found.reconstructions[chosen]
    else:
        result["originals"] = opened.as_rows(found.originals[chosen])
        result["reconstructions"] = opened.as_rows(found.reconstructions[chosen])
    return result


class AnomalyView(QWidget):
    """Errors, threshold and detection scores of an autoencoder's evaluation.

    Signals:
        save_requested(float): The person asked to save the slider's threshold in the run.
    """

    save_requested = Signal(float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.run_dir: Path | None = None
        self.scores = np.zeros(0)
        self.truly: np.ndarray | None = None
        self.threshold: float | None = None
        self.histogram = pg.PlotWidget(axisItems={"bottom": ErrorAxis()})
        self.histogram.setBackground(None)
        self.histogram.setLabel("bottom", "reconstruction error (log scale)")
        self.histogram.setLabel("left", "samples")
        self.histogram.addLegend()
        self.line = pg.InfiniteLine(angle=90, movable=True,
                                    pen=pg.mkPen(THRESHOLD_COLOUR, width=2), label="threshold",
                                    labelOpts={"position": 0.9, "color": THRESHOLD_COLOUR})
        self.line.sigPositionChanged.connect(self._line_moved)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(0, SLIDER_STEPS)
        self.slider.setToolTip("Move the threshold: samples whose error is above it are "
                               "flagged as anomalies")
        self.slider.valueChanged.connect(self._slider_moved)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.save_button = QPushButton("Save this threshold")
        self.save_button.setToolTip("Use this threshold for predict, exports and later "
                                    "evaluations of this run")
        self.save_button.clicked.connect(lambda: self.save_requested.emit(float(self.threshold)))
        self.metrics = read_only_table(["at the threshold", "value"])
        self.roc = pg.PlotWidget()
        self.roc.setBackground(None)
        self.roc.setLabel("bottom", "normal samples flagged (false positive rate)")
        self.roc.setLabel("left", "anomalies found")
        self.roc.setToolTip("Each point is one threshold: the share of anomalies it flags "
                            "(true positive rate) against the share of normal samples it "
                            "flags too (false positive rate). Up and left is better.")
        self.roc.setMinimumHeight(160)
        self.roc.setXRange(0, 1)
        self.roc.setYRange(0, 1)
        self.show_button = QPushButton("Show originals and reconstructions")
        self.show_button.clicked.connect(self.show_reconstructions)
        self.pairs_status = QLabel("The samples with the largest errors and some typical "
                                   "ones, beside what the model rebuilt.")
        self.pairs_status.setWordWrap(True)
        self.pairs_status.setProperty("role", "hint")
        self.originals = ImageGrid(8)
        self.rebuilt = ImageGrid(8)
        self.rows = read_only_table(["sample", "error", "column", "original", "reconstruction"])
        self._layout()

    def _layout(self) -> None:
        controls = QHBoxLayout()
        controls.addWidget(QLabel("Threshold"))
        controls.addWidget(self.slider, 1)
        controls.addWidget(self.save_button)
        left = QWidget()
        column = QVBoxLayout(left)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(titled("Reconstruction errors", self.histogram), 3)
        column.addLayout(controls)
        column.addWidget(self.summary)
        right = QSplitter(Qt.Orientation.Vertical)
        right.addWidget(titled("Flagged at the threshold", self.metrics))
        self.roc_box = titled("ROC of anomaly", self.roc)
        right.addWidget(self.roc_box)
        top = QSplitter(Qt.Orientation.Horizontal)
        top.addWidget(left)
        top.addWidget(right)
        top.setSizes([640, 360])
        pairs = QWidget()
        pairs_layout = QVBoxLayout(pairs)
        heading = QHBoxLayout()
        heading.addWidget(self.pairs_status, 1)
        heading.addWidget(self.show_button)
        pairs_layout.addLayout(heading)
        self.image_titles = (QLabel("Originals"), QLabel("Reconstructions"))
        pairs_layout.addWidget(self.image_titles[0])
        pairs_layout.addWidget(self.originals)
        pairs_layout.addWidget(self.image_titles[1])
        pairs_layout.addWidget(self.rebuilt)
        pairs_layout.addWidget(self.rows, 1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(pairs)
        outer = QSplitter(Qt.Orientation.Vertical)
        outer.addWidget(top)
        outer.addWidget(scroll)
        outer.setSizes([500, 260])  # the scores table and a readable ROC above the samples
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(outer)

    # Showing a result -----------------------------------------------------------------------

    def set_result(self, result: dict[str, Any], run_dir: Path | None) -> None:
        """Show an evaluation of a reconstruction or VAE run (``evaluation.json``)."""
        self.run_dir = run_dir
        records = result.get("predictions") or []
        self.scores = np.array([record["score"] for record in records], dtype=np.float64)
        known = records and all("true_anomaly" in record for record in records)
        self.truly = np.array([record["true_anomaly"] for record in records]) if known else None
        self._draw_histogram()
        detection = result.get("detection") or {}
        curve = detection.get("roc_curve") or {}
        self.roc.clear()
        self.roc.plot([0, 1], [0, 1], pen=pg.mkPen((150, 150, 150), style=Qt.PenStyle.DashLine))
        if curve:
            self.roc.plot(curve["fpr"], curve["tpr"], pen=pg.mkPen((220, 80, 60), width=2))
        self.roc_box.setVisible(bool(curve))  # without normal classes nothing is known
        threshold = result.get("threshold")
        if threshold is None:
            threshold = anomaly.percentile_threshold(self.scores, 95.0)
        self.set_threshold(float(threshold))
        self.originals.set_samples([])
        self.rebuilt.set_samples([])
        self.rows.setRowCount(0)
        self.rows.setVisible(False)

    def _draw_histogram(self) -> None:
        """Errors on a log scale (they span orders of magnitude: normal samples are rebuilt
        closely, anomalies are not), normal and anomalous samples apart when known."""
        self.histogram.clear()
        low, high = self._range()
        edges = np.linspace(low, high, 41)
        logs = np.log10(np.maximum(self.scores, 10.0 ** low))
        parts = ([("normal", ~self.truly, NORMAL_COLOUR), ("anomaly", self.truly, ANOMALY_COLOUR)]
                 if self.truly is not None else
                 [("all samples", np.ones(len(logs), dtype=bool), NORMAL_COLOUR)])
        for name, chosen, colour in parts:
            counts, _ = np.histogram(logs[chosen], bins=edges)
            item = pg.PlotDataItem(edges, counts, stepMode="center", fillLevel=0,
                                   brush=pg.mkBrush(colour), pen=pg.mkPen(colour[:3]), name=name)
            self.histogram.addItem(item)
        self.histogram.addItem(self.line)

    def _range(self) -> tuple[float, float]:
        """The log10 range of the errors (the slider's and the histogram's)."""
        positive = self.scores[self.scores > 0]
        if positive.size == 0:
            return -6.0, 0.0
        low, high = float(np.log10(positive.min())), float(np.log10(positive.max()))
        return low, high if high > low else low + 1.0

    def set_threshold(self, value: float) -> None:
        """Move the threshold (slider and line) and recompute what it flags."""
        self.threshold = value
        low, high = self._range()
        position = float(np.log10(value)) if value > 0 else low
        self.slider.blockSignals(True)
        self.slider.setValue(round((position - low) / (high - low) * SLIDER_STEPS))
        self.slider.blockSignals(False)
        self.line.blockSignals(True)
        self.line.setValue(position)
        self.line.blockSignals(False)
        self._show_counts()

    def _slider_moved(self, step: int) -> None:
        low, high = self._range()
        self.set_threshold(float(10.0 ** (low + (high - low) * step / SLIDER_STEPS)))

    def _line_moved(self) -> None:
        self.set_threshold(float(10.0 ** self.line.value()))

    def _show_counts(self) -> None:
        flagged = anomaly.flags(self.scores, self.threshold)
        total = max(1, len(self.scores))
        rows = [["threshold", f"{self.threshold:.6g}"],
                ["flagged", f"{int(flagged.sum())} of {len(self.scores)} "
                            f"({flagged.sum() / total:.1%})"]]
        text = (f"{int(flagged.sum())} of {len(self.scores)} samples have an error above "
                f"{self.threshold:.4g} and are flagged as anomalies.")
        if self.truly is not None:
            found = anomaly.detection_report(self.scores, self.truly, self.threshold)
            auc = found["roc_auc"]
            rows += [["precision (anomaly)", f"{found['precision']:.3f}"],
                     ["recall (anomaly)", f"{found['recall']:.3f}"],
                     ["anomalies found", f"{found['true_positives']} of "
                                         f"{found['true_positives'] + found['false_negatives']}"],
                     ["normal flagged", str(found["false_positives"])],
                     ["ROC AUC", "n/a" if auc is None else f"{auc:.3f}"]]
            text += (f" Of the flagged, {found['precision']:.0%} are true anomalies; "
                     f"{found['recall']:.0%} of the anomalies are flagged.")
        fill_table(self.metrics, rows, numeric_columns=[1])
        self._fit_metrics()
        self.summary.setText(text)

    def _fit_metrics(self) -> None:
        """Make the table tall enough for every row: precision, recall and ROC AUC are what
        a person looks for, and they were hidden below a scroll bar."""
        table = self.metrics
        rows = sum(table.rowHeight(row) for row in range(table.rowCount()))
        table.setMinimumHeight(table.horizontalHeader().sizeHint().height() + rows
                               + 2 * table.frameWidth() + 2)

    # Originals and reconstructions ---------------------------------------------------------

    def show_reconstructions(self) -> None:
        """Compute and show originals beside their reconstructions (off the GUI thread)."""
        if self.run_dir is None:
            return
        self.show_button.setEnabled(False)
        self.pairs_status.setText("Rebuilding samples… (the first time loads TensorFlow)")
        run_dir = str(self.run_dir)
        run_in_background(lambda: reconstructions_in_background(run_dir),
                          self._show_pairs, self._pairs_failed, receiver=self)

    def _show_pairs(self, found: dict[str, Any]) -> None:
        self.show_button.setEnabled(True)
        captions = [f"{Path(name).name}\n{score:.3g}"
                    for name, score in zip(found["ids"], found["scores"], strict=True)]
        images = found["kind"] == "images"
        self.pairs_status.setText(
            "Left: the largest errors; right: typical ones. The number under each sample is "
            "its reconstruction error." if images else "The rows with the largest errors "
            "first, then typical ones: each column's value beside what the model rebuilt.")
        for widget in (*self.image_titles, self.originals, self.rebuilt):
            widget.setVisible(images)
        if found["kind"] == "images":
            self.originals.set_samples(list(found["originals"]), captions)
            self.rebuilt.set_samples(list(found["reconstructions"]))
            self.rows.setVisible(False)
            return
        originals, rebuilt = found["originals"], found["reconstructions"]
        rows = []
        for position, (name, score) in enumerate(zip(found["ids"], found["scores"],
                                                     strict=True)):
            for column in originals.columns:
                rows.append([name, f"{score:.4g}", str(column),
                             _cell(originals[column].iloc[position]),
                             _cell(rebuilt[column].iloc[position])])
        fill_table(self.rows, rows, numeric_columns=[1, 3, 4])
        self.rows.setVisible(True)

    def _pairs_failed(self, error: Exception) -> None:
        self.show_button.setEnabled(True)
        self.pairs_status.setText(f"The reconstructions could not be computed: {error}")


def _cell(value: Any) -> str:
    return f"{value:.4g}" if isinstance(value, float | np.floating) else str(value)
