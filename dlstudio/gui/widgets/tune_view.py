"""The Tune tab: the search space and budget on the left; Start, Resume and Stop; the live
trials table, optimisation history, parallel coordinates, parameter importances and the
selected trials' curves on the right; "Use best settings" writes the best trial's settings
into the project as one undo step.

The study runs in its own process (:class:`dlstudio.gui.tune_client.TuneClient`), never in
the GUI process; this view only draws what it reports.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QApplication,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from dlstudio.core.tuning.space import direction_of
from dlstudio.gui.document import Document
from dlstudio.gui.tune_client import TuneClient
from dlstudio.gui.widgets.tune_plots import (
    HistoryPlot,
    ImportancePlot,
    ParallelCoordinatesPlot,
    TrialCurvesPlot,
)
from dlstudio.gui.widgets.tune_space import TuneSpaceEditor, setting_name
from dlstudio.gui.widgets.tune_trials import TrialsTable


class TuneView(QWidget):
    """Search, watch and apply a study of the open project.

    Args:
        document: The open project.
        client: Runs the study process (a fake in tests).
        save_project: Saves a project that has no file yet; returns whether it was saved.
    """

    def __init__(self, document: Document, client: TuneClient | None = None,
                 save_project: Callable[[], Any] | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.client = client or TuneClient(self)
        self.save_project = save_project
        self.trials: dict[int, dict[str, Any]] = {}
        self.maximize = False
        self.space = TuneSpaceEditor(document)
        self.start_button = QPushButton("Start study")
        self.resume_button = QPushButton("Resume")
        self.stop_button = QPushButton("Stop")
        self.best_button = QPushButton("Use best settings")
        self.status = QLabel("Tick settings to search: right-click a training setting or a "
                             "layer parameter and choose \"Search this\".")
        self.status.setWordWrap(True)
        self.table = TrialsTable()
        self.history, self.parallel = HistoryPlot(), ParallelCoordinatesPlot()
        self.importance, self.curves = ImportancePlot(), TrialCurvesPlot()
        self._layout()
        self.start_button.clicked.connect(lambda: self.start(resume=False))
        self.resume_button.clicked.connect(lambda: self.start(resume=True))
        self.stop_button.clicked.connect(self.client.stop)
        self.best_button.clicked.connect(self.use_best_settings)
        self.table.itemSelectionChanged.connect(self._show_selected_curves)
        self.client.event.connect(self.on_event)
        self.client.status.connect(self._show_status)
        self.client.ended.connect(self._ended)
        document.replaced.connect(self._project_replaced)
        app = QApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(self.client.kill)
        self._project_replaced()

    def _layout(self) -> None:
        buttons = QHBoxLayout()
        for button in (self.start_button, self.resume_button, self.stop_button):
            buttons.addWidget(button)
        left = QWidget()
        column = QVBoxLayout(left)
        heading = QLabel("Search")
        heading.setProperty("role", "heading")
        column.addWidget(heading)
        column.addWidget(self.space, 1)
        column.addLayout(buttons)
        column.addWidget(self.best_button)
        column.addWidget(self.status)
        plots = QWidget()
        grid = QGridLayout(plots)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.addWidget(self.history, 0, 0)
        grid.addWidget(self.parallel, 0, 1)
        grid.addWidget(self.curves, 1, 0)
        grid.addWidget(self.importance, 1, 1)
        right = QSplitter(Qt.Orientation.Vertical)
        right.addWidget(self.table)
        right.addWidget(plots)
        right.setStretchFactor(1, 2)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setStretchFactor(1, 3)
        splitter.setSizes([470, 1000])
        QVBoxLayout(self).addWidget(splitter)
        self._buttons(running=False)

    def start(self, resume: bool) -> None:
        """Save the project, then start (or resume) its study."""
        if self.client.running:
            return
        if not self.document.project.tuning.search:
            self.status.setText("Nothing to search yet: right-click a setting or a layer "
                                "parameter and choose \"Search this\".")
            return
        if self.document.path is None or self.document.is_dirty():
            if self.document.path is None and self.save_project is not None:
                self.save_project()
            elif self.document.path is not None:
                self.document.save()
        if self.document.path is None:
            return
        if not resume and any(row.get("state") != "RUNNING" for row in self.trials.values()):
            self.status.setText("This project already has a study with trials: Resume "
                                "continues it (raise Trials to run more). To start afresh, "
                                "delete runs/tuning.db beside the project.")
            return
        if not resume:
            self._clear()
        self.client.start(str(self.document.path), resume=resume)
        self.status.setText("Starting the study…")
        self._buttons(running=True)

    def on_event(self, body: dict[str, Any]) -> None:
        """Show one study event."""
        kind = body["type"]
        if kind == "study":
            self.maximize = body["direction"] == "maximize"
            self.status.setText(f"Study {body['study']!r}: {body['trials']} trials, "
                                f"{body['direction']} {body['objective']} on "
                                f"{', '.join(body['devices'])}.")
        elif kind == "trials":
            for row in body["rows"]:
                self._trial(row)
        elif kind == "trial_started":
            self._trial({"number": body["number"], "state": "RUNNING", "value": None,
                         "params": body["params"], "curve": {}})
        elif kind == "trial_epoch":
            trial = self.trials.setdefault(body["number"], {"number": body["number"],
                                                            "params": {}, "curve": {}})
            trial.setdefault("curve", {})[str(body["epoch"])] = body["value"]
            if body["number"] in self.table.selected_numbers():
                self._show_selected_curves()
        elif kind == "trial_finished":
            self._trial({**self.trials.get(body["number"], {}), **body})
        elif kind == "importances":
            self.importance.show_importances(body["values"])
        elif kind == "message":
            self.status.setText(body["text"])
        elif kind == "study_finished":
            best = body.get("best")
            self.status.setText("Study finished." + (
                f" Best: trial {best['number']} ({best['value']:.4g})." if best else ""))

    def _trial(self, row: dict[str, Any]) -> None:
        row.setdefault("curve", {})
        self.trials[row["number"]] = row
        self.table.show_trial(row)
        self._redraw()

    def _redraw(self) -> None:
        rows = list(self.trials.values())
        tuning = self.document.project.tuning
        paths = [item.path for item in tuning.search]
        logs = {item.path for item in tuning.search if item.log}
        self.history.show_trials(rows, self.maximize)
        self.parallel.show_trials(rows, paths, logs, self.maximize)
        self.best_button.setEnabled(self.best() is not None)

    def best(self) -> dict[str, Any] | None:
        """The best complete trial shown, or ``None``."""
        complete = [row for row in self.trials.values()
                    if row.get("state") == "COMPLETE" and row.get("value") is not None]
        if not complete:
            return None
        pick = max if self.maximize else min
        return pick(complete, key=lambda row: row["value"])

    def use_best_settings(self) -> None:
        """Write the best trial's settings into the project (one undo step)."""
        best = self.best()
        if best is None:
            return
        self.document.set_values(dict(best["params"]),
                                 f"Use the settings of trial {best['number']}")
        names = ", ".join(setting_name(path) for path in best["params"])
        self.status.setText(f"The project now has trial {best['number']}'s settings ({names}); "
                            "Undo brings the previous ones back.")

    def _show_selected_curves(self) -> None:
        curves = {number: {int(epoch): value for epoch, value in
                           self.trials.get(number, {}).get("curve", {}).items()
                           if value is not None}
                  for number in self.table.selected_numbers()}
        self.curves.show_curves(curves)

    def _show_status(self, report: dict[str, Any]) -> None:
        if self.client.running or not report.get("trials"):
            return
        self.maximize = report.get("direction") == "maximize"
        for row in report["trials"]:
            self._trial(dict(row))
        self.importance.show_importances(report.get("importances") or {})
        counts = ", ".join(f"{count} {state.lower()}" for state, count in
                           report.get("counts", {}).items())
        self.status.setText(f"This project's study has {counts}. Resume continues it; "
                            "interrupted trials run again.")
        self.resume_button.setEnabled(True)

    def _ended(self, code: int, errors: str) -> None:
        self._buttons(running=False)
        if code != 0:
            self.status.setText(errors.splitlines()[-1] if errors else
                                f"The study process ended with status {code}.")

    def _buttons(self, running: bool) -> None:
        self.start_button.setEnabled(not running)
        self.resume_button.setEnabled(not running and bool(self.trials))
        self.stop_button.setEnabled(running)
        self.best_button.setEnabled(self.best() is not None)

    def _clear(self) -> None:
        self.trials = {}
        self.table.clear_trials()
        self.importance.show_importances({})
        self.curves.show_curves({})
        self._redraw()

    def _project_replaced(self) -> None:
        if self.client.running:
            return
        self._clear()
        self.maximize = direction_of(self.document.project.tuning) == "maximize"
        self._buttons(running=False)
        if self.document.path is not None:
            self.client.load_status(str(self.document.path))
