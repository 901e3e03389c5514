"""The Evaluate tab: how well a finished run does on its test split.

:class:`EvaluationView` shows a run's ``evaluation.json`` — running
:func:`dlstudio.core.evaluation.evaluate.evaluate_run` off the GUI thread when there is none yet
(TensorFlow is imported there, lazily, with the GPUs left to the training worker). For
classification: the metrics, per-class precision, recall and F1, and the confusion matrix as a
heat map whose cells list their samples, most confident first (for two classes a threshold
slider above it recomputes all of these live, and saves the threshold with the run); a
"Curves" page has ROC, precision-recall and reliability plots, and a table run's "Columns" page
the permutation importance of its columns, and "Robustness" the score under FGSM, PGD and noise
against ε. For regression: the metrics, a
predicted-versus-true scatter and a residual histogram. For forecasting: the scores beside the
baselines' with a verdict against persistence, the forecast plot of the test windows and the
residuals over time.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTableWidget,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from dlstudio.core.errors import UserInputError
from dlstudio.core.project.wording import in_gui_words
from dlstudio.core.runs.folder import RunFolder
from dlstudio.gui import settings as app_settings
from dlstudio.gui.background import prepare_keras, run_in_background
from dlstudio.gui.theme import icon
from dlstudio.gui.widgets.anomaly_view import AnomalyView
from dlstudio.gui.widgets.confusion_matrix import ConfusionMatrixView
from dlstudio.gui.widgets.forecast_data import forecast_data_from_result
from dlstudio.gui.widgets.forecast_plot import ForecastPlot
from dlstudio.gui.widgets.forecast_scores import ForecastScores
from dlstudio.gui.widgets.gan_result import GanResultView
from dlstudio.gui.widgets.importance_chart import ColumnImportanceView
from dlstudio.gui.widgets.latent_view import LatentView
from dlstudio.gui.widgets.probability_plots import ProbabilityPlots
from dlstudio.gui.widgets.robustness_view import RobustnessView
from dlstudio.gui.widgets.sample_list import SampleList
from dlstudio.gui.widgets.tables import fill_table, read_only_table, titled
from dlstudio.gui.widgets.threshold_panel import ThresholdPanel

EVALUATION_FILE = "evaluation.json"


def evaluate_in_background(run_dir: str, data_path: str | None = None) -> dict[str, Any]:
    """Evaluate ``run_dir`` on its test split, or on ``data_path`` (a CSV file or image folder
    read like the training data), as ``dlstudio evaluate RUN [--data PATH]`` does. Call it off
    the GUI thread: it imports Keras."""
    prepare_keras()
    from dlstudio.core.evaluation.evaluate import evaluate_run

    return evaluate_run(run_dir, data_path)


class EvaluationView(QWidget):
    """Metrics, confusion matrix and samples, or regression plots, of one run.

    Signals:
        evaluated(str): A new evaluation of this run folder was written.
    """

    evaluated = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.run_dir: Path | None = None
        self.result: dict[str, Any] | None = None
        self.predictions: list[dict[str, Any]] = []  # as the threshold slider labels them
        self.busy = False
        self._build()
        self._update_button()

    def _build(self) -> None:
        self.heading = QLabel("Evaluate a finished run: choose one on the Runs tab.")
        self.heading.setProperty("role", "heading")
        self.heading.setWordWrap(True)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.evaluate_button = QPushButton(icon("table"), "Evaluate on the test split")
        self.evaluate_button.setProperty("role", "primary")
        self.evaluate_button.clicked.connect(lambda: self.evaluate())
        self.evaluate_button.setEnabled(False)
        self.file_button = QPushButton(icon("open"), "Evaluate on a file…")
        self.file_button.clicked.connect(self.choose_file)
        self.file_button.setEnabled(False)
        top = QHBoxLayout()
        top.addWidget(self.heading, 1)
        top.addWidget(self.file_button)
        top.addWidget(self.evaluate_button)
        self.metrics = read_only_table(["metric", "value"])
        self.per_class = read_only_table(["class", "precision", "recall", "F1", "support"])
        self.matrix = ConfusionMatrixView()
        self.matrix.cell_chosen.connect(self.show_cell)
        self.samples = SampleList()
        self.worst_button = QPushButton("Most confident mistakes")
        self.worst_button.clicked.connect(self.show_mistakes)
        self.curves = ProbabilityPlots()
        self.threshold = ThresholdPanel()
        self.threshold.setVisible(False)
        self.threshold.report_changed.connect(self._show_report)
        self.threshold.save_requested.connect(self.save_threshold)
        self.pages = QStackedWidget()
        self.pages.addWidget(QWidget())
        self.pages.addWidget(self._classification_page())
        self.pages.addWidget(self._regression_page())
        self.pages.addWidget(self._forecast_page())
        self.anomaly = AnomalyView()
        self.anomaly.save_requested.connect(self.save_anomaly_threshold)
        self.pages.addWidget(self.anomaly)
        self.gan = GanResultView()
        self.pages.addWidget(self.gan)
        self.latent = LatentView()
        self.importance = ColumnImportanceView()
        self.sections = QTabWidget()
        self.sections.setDocumentMode(True)
        self.sections.addTab(self.pages, "Scores")
        self.sections.addTab(self.curves, "Curves")
        self.sections.addTab(self.importance, "Columns")
        self.robustness = RobustnessView()
        self.sections.addTab(self.robustness, "Robustness")
        self.sections.addTab(self.latent, "Latent space")
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.status)
        layout.addWidget(self.sections, 1)

    def _classification_page(self) -> QWidget:
        left = QSplitter(Qt.Orientation.Vertical)
        left.addWidget(titled("Metrics", self.metrics))
        left.addWidget(titled("Per class", self.per_class))
        right = QSplitter(Qt.Orientation.Vertical)
        matrix_box = titled("Confusion matrix (rows: true class, columns: predicted)",
                             self.matrix)
        matrix_box.layout().insertWidget(0, self.threshold)
        matrix_box.layout().addWidget(self.worst_button, 0, Qt.AlignmentFlag.AlignLeft)
        right.addWidget(matrix_box)
        right.addWidget(self.samples)
        right.setSizes([330, 370])
        page = QSplitter(Qt.Orientation.Horizontal)
        page.addWidget(left)
        page.addWidget(right)
        page.setSizes([420, 820])
        return page

    def _regression_page(self) -> QWidget:
        self.regression_metrics = read_only_table(["metric", "value"])
        self.scatter = pg.PlotWidget(title="predicted vs true")
        self.scatter.setLabel("bottom", "true value")
        self.scatter.setLabel("left", "predicted")
        self.scatter.setBackground(None)
        self.histogram = pg.PlotWidget(title="residuals (true − predicted)")
        self.histogram.setLabel("left", "samples")
        self.histogram.setBackground(None)
        self.residuals = read_only_table(["sample", "true", "predicted", "residual"])
        plots = QSplitter(Qt.Orientation.Horizontal)
        plots.addWidget(self.scatter)
        plots.addWidget(self.histogram)
        right = QSplitter(Qt.Orientation.Vertical)
        right.addWidget(plots)
        right.addWidget(titled("Worst residuals", self.residuals))
        right.setSizes([460, 240])
        page = QSplitter(Qt.Orientation.Horizontal)
        page.addWidget(titled("Metrics", self.regression_metrics))
        page.addWidget(right)
        page.setSizes([300, 940])
        return page

    def _forecast_page(self) -> QWidget:
        self.forecast_scores = ForecastScores()
        self.forecast_plot = ForecastPlot()
        self.forecast_target = QComboBox()
        self.forecast_target.setToolTip("The forecast series to show")
        self.forecast_target.activated.connect(lambda _i: self._show_forecast_target())
        left = QWidget()
        column = QVBoxLayout(left)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(self.forecast_target)
        column.addWidget(self.forecast_scores, 1)
        page = QSplitter(Qt.Orientation.Horizontal)
        page.addWidget(left)
        page.addWidget(self.forecast_plot)
        page.setSizes([380, 860])
        return page

    # Loading ------------------------------------------------------------------------------

    def set_run(self, run_dir: str | Path | None) -> None:
        """Show ``run_dir``'s evaluation, or offer to evaluate it."""
        self.run_dir = Path(run_dir) if run_dir else None
        self.result = None
        self.predictions = []
        self._clear()
        self.pages.setCurrentIndex(0)
        self._show_sections(curves=False)
        self.importance.set_run(self.run_dir)
        self.robustness.set_run(self.run_dir)
        self.latent.set_run(self.run_dir)
        self.samples.set_explainer(self._heat_maps() if self.run_dir and
                                   self._run_kind() == "images" else None)
        if self.run_dir is None:
            self.heading.setText("Evaluate a finished run: choose one on the Runs tab.")
            self._set_status("")
        else:
            self.heading.setText(f"Run {_run_name(self.run_dir)}")
            self._load_file()
        self._update_button()

    def _clear(self) -> None:
        """Empty every table and plot, so nothing of an earlier run shows."""
        for table in (self.metrics, self.per_class, self.regression_metrics, self.residuals):
            table.setRowCount(0)
        self.matrix.set_matrix([], [])
        self.curves.clear()
        self.threshold.setVisible(False)
        self.samples.clear_samples()
        self._plot_regression(np.array([]), np.array([]))
        self.forecast_plot.set_data(None)
        self.forecast_scores.set_data(None)

    def _load_file(self) -> None:
        path = self.run_dir / EVALUATION_FILE
        if not (self.run_dir / "model.keras").is_file():
            self._set_status("This run has no trained model yet: it must finish (or stop) "
                             "before it can be evaluated.")
            return
        if not path.is_file():
            self._set_status("Not evaluated yet. Press “Evaluate on the test split”.")
            return
        try:
            self.show_result(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError, KeyError, TypeError) as error:
            self._set_status(f"{path.name} cannot be read ({error}); evaluate again.", True)

    def evaluate(self, data_path: str | Path | None = None) -> None:
        """Evaluate the run on its test split, or on ``data_path``, off the GUI thread."""
        if self.run_dir is None or self.busy:
            return
        self.busy = True
        self._update_button()
        where = Path(data_path).name if data_path else "the test split"
        self._set_status(f"Evaluating on {where}… (the first time loads TensorFlow, a few "
                         "seconds)")
        run_dir = str(self.run_dir)
        data = str(data_path) if data_path else None
        run_in_background(lambda: evaluate_in_background(run_dir, data),
                          lambda result: self._evaluated(run_dir, result),
                          lambda error: self._failed(run_dir, error), receiver=self)

    def choose_file(self) -> None:
        """Ask for a CSV file (or an image folder, for an image run) and evaluate on it."""
        if self.run_dir is None:
            return
        start = app_settings.last_folder()
        if self._run_kind() == "images":
            path = QFileDialog.getExistingDirectory(self, "Evaluate on an image folder", start)
        else:
            path, _ = QFileDialog.getOpenFileName(self, "Evaluate on a CSV file", start,
                                                  "CSV files (*.csv *.tsv *.txt);;All files (*)")
        app_settings.remember_folder(path)
        if path:
            self.evaluate(path)

    def _heat_maps(self) -> Any:
        """A function (called off the GUI thread) from an image's path to the image with its
        Grad-CAM (or saliency) over it, for the samples' thumbnails."""
        from dlstudio.core.evaluation.predict_one import SamplePredictor

        predictor = SamplePredictor(self.run_dir, prepare=prepare_keras)
        return lambda path: predictor.predict_image(path, explain=True).image.overlaid()

    def _show_sections(self, curves: bool) -> None:
        """Offer "Curves" for a classification result, "Columns" for a table run, and
        neither "Columns" nor "Robustness" for a forecast (a window is no row of columns)."""
        self.sections.setTabVisible(self.sections.indexOf(self.curves), curves)
        task = self._run_task() if self.run_dir is not None else ""
        forecast = task == "forecasting"
        rebuilds = task in ("reconstruction", "vae", "gan")  # no target: no columns, attacks
        table = self.run_dir is not None and self._run_kind() == "csv" and not (
            forecast or rebuilds)
        self.sections.setTabVisible(self.sections.indexOf(self.importance), table)
        self.sections.setTabVisible(self.sections.indexOf(self.robustness),
                                    not (forecast or rebuilds))
        self.sections.setTabVisible(self.sections.indexOf(self.latent), task == "vae")

    def _run_kind(self) -> str:
        return str(self._run_data().get("kind", "csv"))

    def _run_task(self) -> str:
        return str(self._run_data().get("task", "auto"))

    def _run_data(self) -> dict[str, Any]:
        """The ``data`` section of the run's project snapshot (empty when unreadable)."""
        try:
            snapshot = json.loads((self.run_dir / "project.dlstudio.json").read_text("utf-8"))
            data = snapshot.get("data", {})
            return data if isinstance(data, dict) else {}
        except (OSError, ValueError, AttributeError):
            return {}

    def _evaluated(self, run_dir: str, result: dict[str, Any]) -> None:
        self.busy = False
        self._update_button()
        if self.run_dir is not None and str(self.run_dir) == run_dir:
            self.show_result(result)
        self.evaluated.emit(run_dir)

    def _failed(self, run_dir: str, error: Exception) -> None:
        self.busy = False
        self._update_button()
        if self.run_dir is not None and str(self.run_dir) == run_dir:
            self._set_status(f"Evaluation failed: {in_gui_words(str(error))}", True)

    def _update_button(self) -> None:
        ready = self.run_dir is not None and (self.run_dir / "model.keras").is_file()
        self.evaluate_button.setEnabled(ready and not self.busy)
        self.file_button.setEnabled(ready and not self.busy)
        why = ("Choose a run on the Runs tab first" if self.run_dir is None else
               "This run has no trained model yet: it must finish (or stop) first"
               if not ready else "An evaluation is running" if self.busy else "")
        self.evaluate_button.setToolTip(why or "Evaluate the run on its own test split")
        self.file_button.setToolTip(why or "Evaluate the run on another CSV file or image "
                                    "folder with targets, read like its training data "
                                    "(as `dlstudio evaluate RUN --data PATH`)")
        self.evaluate_button.setText("Evaluating…" if self.busy else "Evaluate again"
                                     if self.result else "Evaluate on the test split")

    def _set_status(self, text: str, problem: bool = False) -> None:
        self.status.setText(text)
        self.status.setProperty("role", "error" if problem else "hint")
        self.status.style().unpolish(self.status)
        self.status.style().polish(self.status)

    # Showing ------------------------------------------------------------------------------

    def show_result(self, result: dict[str, Any]) -> None:
        """Show an evaluation result (the contents of ``evaluation.json``)."""
        self.result = result
        self.samples.clear_samples()  # samples listed from an earlier result are not these
        where = "its test split" if result.get("split") == "test" else result.get("data", "")
        run = result.get("run", {}).get("name") or (self.run_dir.name if self.run_dir else "")
        self.heading.setText(f"Run {run}: evaluated on {where} "
                             f"({result.get('samples', 0)} samples)")
        warnings = result.get("warnings") or []
        self._set_status("\n".join(f"Warning: {text}" for text in warnings)
                         or f"Evaluated {str(result.get('created', ''))[:16].replace('T', ' ')}")
        if result.get("task") == "classification":
            self._show_classification(result)
        elif result.get("task") == "forecasting":
            self._show_forecast(result)
        elif result.get("task") in ("reconstruction", "vae"):
            self.pages.setCurrentWidget(self.anomaly)
            self.anomaly.set_result(result, self.run_dir)
        elif result.get("task") == "gan":
            self.pages.setCurrentWidget(self.gan)
            self.gan.set_result(result, self.run_dir)
            self._show_sections(curves=False)
        else:
            self._show_regression(result)
        self._update_button()

    def _show_classification(self, result: dict[str, Any]) -> None:
        self.predictions = [dict(record) for record in result.get("predictions") or []]
        if not self.threshold.set_result(result):
            self._show_report(result)
        self.curves.show_result(result)
        self.worst_button.setEnabled(bool(result.get("predictions")))
        self.pages.setCurrentIndex(1)
        self._show_sections(curves=True)
        self.samples.title.setText("Click a cell of the confusion matrix to see its samples, "
                                   "or list the most confident mistakes.")

    def _show_report(self, report: dict[str, Any]) -> None:
        """Fill the metrics, per-class table and confusion matrix from a classification report
        (the result's own, or one at the threshold slider's value)."""
        rows = [("accuracy", report["accuracy"])]
        rows += [(name.replace("_", "-") + " accuracy", value)
                 for name, value in ((self.result or {}).get("top_k") or {}).items()]
        for key, area in (("roc_auc", "ROC AUC"), ("pr_auc", "PR AUC")):
            value = ((self.result or {}).get(key) or {}).get("macro")
            if value is not None:
                rows.append((f"{area} (macro average)", value))
        ece = ((self.result or {}).get("calibration") or {}).get("ece")
        if ece is not None:
            rows.append(("expected calibration error", ece))
        for average in ("macro_avg", "weighted_avg"):
            for key in ("precision", "recall", "f1"):
                rows.append((f"{key} ({average.replace('_avg', '')} average)",
                             report[average][key]))
        _fill_numbers(self.metrics, [[name, f"{value:.4f}"] for name, value in rows])
        _fill_numbers(self.per_class, [[entry["class"], f"{entry['precision']:.3f}",
                                f"{entry['recall']:.3f}", f"{entry['f1']:.3f}",
                                str(entry["support"])] for entry in report["per_class"]])
        matrix = report["confusion_matrix"]
        self.matrix.set_matrix(matrix["labels"], matrix["matrix"])
        if "threshold" in report:
            self._predict_at(float(report["threshold"]))

    def _predict_at(self, threshold: float) -> None:
        """Re-label the listed predictions as the slider's threshold decides them."""
        names = list((self.result or {}).get("class_names") or [])
        for record in self.predictions:
            positive = float(record["probability"])
            chosen = 1 if positive >= threshold else 0
            record["predicted"] = names[chosen]
            record["confidence"] = positive if chosen else 1.0 - positive

    def save_threshold(self, value: float) -> None:
        """Save ``value`` as the run's decision threshold, then evaluate again with it."""
        if self.run_dir is None:
            return
        try:
            RunFolder(self.run_dir).set_threshold(value)
        except (UserInputError, OSError) as error:
            self._set_status(f"The threshold was not saved: {error}", True)
            return
        self.threshold.mark_saved(value)
        self.evaluate()

    def save_anomaly_threshold(self, value: float) -> None:
        """Save an autoencoder's threshold in the run (predict and exports use it)."""
        if self.run_dir is None:
            return
        try:
            RunFolder(self.run_dir).set_anomaly_threshold(value)
        except (UserInputError, OSError) as error:
            self._set_status(f"The threshold was not saved: {error}", True)
            return
        self._set_status(f"Saved the threshold {value:.4g}: predict and new exports flag "
                         "samples above it; evaluate again to update the saved scores.")

    def show_cell(self, true: str, predicted: str) -> None:
        """List the samples of one confusion-matrix cell, most confident first."""
        records = [record for record in self._predictions()
                   if record["true"] == true and record["predicted"] == predicted]
        kind = "right" if true == predicted else "wrong"
        self._list(f"True {true}, predicted {predicted} ({kind}): {len(records)} sample(s), "
                   "most confident first", records)

    def show_mistakes(self) -> None:
        """List every wrong prediction, most confident first."""
        records = [record for record in self._predictions()
                   if record["true"] != record["predicted"]]
        self._list(f"All {len(records)} mistakes, most confident first", records)

    def _predictions(self) -> list[dict[str, Any]]:
        return list(self.predictions)

    def _list(self, title: str, records: list[dict[str, Any]]) -> None:
        if not self._predictions():
            self.samples.title.setText("This evaluation.json has no per-sample predictions; "
                                       "press “Evaluate again” to list samples.")
            return
        records.sort(key=lambda record: -float(record.get("confidence") or 0.0))
        data = Path(str((self.result or {}).get("data", "")))
        self.samples.show_samples(title, records, data, images=data.is_dir())

    def _show_regression(self, result: dict[str, Any]) -> None:
        _fill_numbers(self.regression_metrics, [[name, f"{result[key]:.6g}"] for name, key in
                                        (("MSE", "mse"), ("RMSE", "rmse"), ("MAE", "mae"),
                                         ("R²", "r2"))])
        _fill_numbers(self.residuals, [[r["sample"], f"{r['true']:.6g}", f"{r['predicted']:.6g}",
                                f"{r['residual']:+.6g}"] for r in result["worst_residuals"]])
        records = result.get("predictions") or []
        true = np.array([record["true"] for record in records], dtype=float)
        predicted = np.array([record["predicted"] for record in records], dtype=float)
        self._plot_regression(true, predicted)
        self.pages.setCurrentIndex(2)
        self._show_sections(curves=False)

    def _show_forecast(self, result: dict[str, Any]) -> None:
        targets = [str(name) for name in result.get("targets") or []]
        self.forecast_target.clear()
        self.forecast_target.addItems(targets)
        self.forecast_target.setVisible(len(targets) > 1)
        self.pages.setCurrentIndex(3)
        self._show_sections(curves=False)
        self._show_forecast_target()

    def _show_forecast_target(self) -> None:
        """Show the forecast of the chosen target (the first one of a univariate run)."""
        try:
            data = forecast_data_from_result(self.result or {},
                                             max(0, self.forecast_target.currentIndex()))
        except (KeyError, ValueError, TypeError, IndexError) as error:
            self._set_status(f"This evaluation has no test windows to plot ({error}); press "
                             "“Evaluate again”.", True)
            data = None
        self.forecast_plot.set_data(data)
        self.forecast_scores.set_data(data)

    def _plot_regression(self, true: np.ndarray, predicted: np.ndarray) -> None:
        self.scatter.clear()
        self.histogram.clear()
        if not true.size:
            return
        self.scatter.plot(true, predicted, pen=None, symbol="o", symbolSize=6,
                          symbolPen=None, symbolBrush=(37, 99, 235, 150))
        low = float(min(true.min(), predicted.min()))
        high = float(max(true.max(), predicted.max()))
        self.scatter.plot([low, high], [low, high], pen=pg.mkPen("#94a3b8", width=1,
                                                                 style=Qt.PenStyle.DashLine))
        counts, edges = np.histogram(true - predicted, bins=min(40, max(5, true.size // 5)))
        self.histogram.plot(edges, counts, stepMode="center", fillLevel=0,
                            brush=(249, 115, 22, 120), pen=pg.mkPen("#f97316"))


def _run_name(run_dir: Path) -> str:
    return RunFolder(run_dir).display_name()


def _fill_numbers(table: QTableWidget, rows: list[list[str]]) -> None:
    """Fill a table whose first column is a label and whose other columns are numbers."""
    fill_table(table, rows, numeric_columns=range(1, table.columnCount()))
