"""The Runs tab: every run of the project, their curves overlaid, notes, rename and delete.

:class:`RunsView` lists the run folders under the project's ``runs/`` folder (those of earlier
sessions too) with their state, settings and best and final metrics. Selecting several overlays
their curves (read from ``events.jsonl``, or ``metrics.csv``, off the GUI thread). The selected
run can be renamed (edit its name in the table), annotated (notes saved in ``run.json``),
deleted (after asking), resumed, evaluated, exported or tried.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from PySide6.QtCore import QFileSystemWatcher, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QColor, QDesktopServices
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from dlstudio.core.runs.history import RunHistory
from dlstudio.core.runs.index import RunSummary, list_runs, metrics_text
from dlstudio.gui.background import run_in_background
from dlstudio.gui.document import Document
from dlstudio.gui.theme import icon, muted_foreground, problem_foreground
from dlstudio.gui.widgets.curves import CurvesView

COLUMNS = ("Name", "State", "Started", "Epochs", "Settings", "Best epoch", "Best", "Final")
NAME_COLUMN = 0
STATE_COLOURS = {"running": "#2563eb", "finished": "#15803d", "stopped": "#b45309"}


class RunsView(QWidget):
    """The project's runs.

    Args:
        document: The open project; its runs are in ``runs/`` beside its file.
        parent: The Qt parent.

    Signals:
        resume_requested(str), evaluate_requested(str), export_requested(str),
        try_requested(str), monitor_requested(str), report_requested(str): The user asked
            for this with the run folder.
    """

    resume_requested = Signal(str)
    evaluate_requested = Signal(str)
    export_requested = Signal(str)
    try_requested = Signal(str)
    monitor_requested = Signal(str)
    report_requested = Signal(str)

    def __init__(self, document: Document, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.runs: list[RunSummary] = []
        self._runs_dir: Path | None = None
        self._overlay_request = 0
        self._notes_run: RunSummary | None = None
        self._watcher = QFileSystemWatcher(self)
        self._watcher.directoryChanged.connect(lambda _path: self.refresh())
        self._save_notes_timer = QTimer(self, singleShot=True, interval=600)
        self._save_notes_timer.timeout.connect(self._save_notes)
        self._build()
        document.fileChanged.connect(self._follow_document)
        self._follow_document()

    def _build(self) -> None:
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                                   | QAbstractItemView.EditTrigger.EditKeyPressed)
        self.table.verticalHeader().hide()
        self.table.setAlternatingRowColors(True)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.table.itemSelectionChanged.connect(self._on_selection)
        self.table.itemChanged.connect(self._on_item_changed)
        self.empty_label = QLabel("No runs yet: press Train on the Train tab. Runs of earlier "
                                  "sessions appear here from their run folders.")
        self.empty_label.setProperty("role", "hint")
        self.curves = CurvesView()
        left = QSplitter(Qt.Orientation.Vertical)
        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.addWidget(self.empty_label)
        top_layout.addWidget(self.table)
        left.addWidget(top)
        left.addWidget(self.curves)
        left.setSizes([260, 440])
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(self._details())
        splitter.setStretchFactor(0, 1)
        splitter.setSizes([980, 280])
        layout = QVBoxLayout(self)
        layout.addWidget(splitter)

    def _details(self) -> QWidget:
        panel = QWidget()
        panel.setMinimumWidth(240)
        self.title_label = QLabel("Select a run")
        self.title_label.setProperty("role", "heading")
        self.title_label.setWordWrap(True)
        self.detail_label = QLabel(wordWrap=True)
        self.detail_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.notes = QPlainTextEdit()
        self.notes.setPlaceholderText("Notes about this run (saved in its run.json)")
        self.notes.textChanged.connect(self._save_notes_timer.start)
        self.resume_button = self._action("Resume", "resume", self.resume_requested)
        self.evaluate_button = self._action("Evaluate", "table", self.evaluate_requested)
        self.export_button = self._action("Export…", "export", self.export_requested)
        self.try_button = self._action("Try it…", "images", self.try_requested)
        self.monitor_button = self._action("Check drift…", "table", self.monitor_requested)
        self.monitor_button.setToolTip("Compare new data with this run's training data")
        self.report_button = self._action("Model card…", "export", self.report_requested)
        self.rename_button = QPushButton("Rename")
        self.rename_button.clicked.connect(self.start_rename)
        self.delete_button = QPushButton("Delete…")
        self.delete_button.clicked.connect(self.delete_selected)
        self.folder_button = QPushButton(icon("open"), "Open folder")
        self.folder_button.clicked.connect(self._open_folder)
        layout = QVBoxLayout(panel)
        layout.addWidget(self.title_label)
        layout.addWidget(self.detail_label)
        layout.addWidget(QLabel("Notes"))
        layout.addWidget(self.notes, 1)
        for row in ((self.resume_button, self.evaluate_button),
                    (self.export_button, self.try_button),
                    (self.monitor_button, self.report_button),
                    (self.rename_button, self.delete_button), (self.folder_button,)):
            line = QHBoxLayout()
            for button in row:
                line.addWidget(button)
            layout.addLayout(line)
        self._update_details()
        return panel

    def _action(self, text: str, icon_name: str, signal: Signal) -> QPushButton:
        button = QPushButton(icon(icon_name), text)
        button.clicked.connect(lambda: self._emit_for_current(signal))
        return button

    # Listing ------------------------------------------------------------------------------

    @property
    def runs_dir(self) -> Path | None:
        """The folder the runs are listed from."""
        return self._runs_dir

    def set_runs_dir(self, path: str | Path | None) -> None:
        """List the runs under ``path`` (and watch it for new ones)."""
        if self._watcher.directories():
            self._watcher.removePaths(self._watcher.directories())
        self._runs_dir = Path(path) if path is not None else None
        if self._runs_dir is not None and self._runs_dir.is_dir():
            self._watcher.addPath(str(self._runs_dir))
        self.refresh()

    def _follow_document(self) -> None:
        path = self.document.path
        self.set_runs_dir(path.parent / "runs" if path is not None else None)

    def refresh(self) -> None:
        """Read the run folders again, keeping the selection."""
        if self._runs_dir is not None and not self._watcher.directories() \
                and self._runs_dir.is_dir():
            self._watcher.addPath(str(self._runs_dir))
        self._save_notes()
        selected = {str(run.path) for run in self.selected_runs()}
        self.runs = list_runs(self._runs_dir)
        self.table.blockSignals(True)
        self.table.setRowCount(len(self.runs))
        for row, run in enumerate(self.runs):
            self._fill_row(row, run)
        self.table.blockSignals(False)
        self.table.clearSelection()
        for row, run in enumerate(self.runs):
            if str(run.path) in selected:
                self.table.selectRow(row)
        self.empty_label.setVisible(not self.runs)
        self._on_selection()

    def _fill_row(self, row: int, run: RunSummary) -> None:
        best_epoch = run.record.best_epoch or ""
        values = (run.name, run.state, run.created[5:], run.epochs, run.settings,
                  str(best_epoch), metrics_text(run.record.best_metrics),
                  metrics_text(run.record.final_metrics))
        for column, value in enumerate(values):
            item = QTableWidgetItem(value)
            if column != NAME_COLUMN:
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
            item.setToolTip(str(run.record.error or run.path) if column == 1 else value)
            self.table.setItem(row, column, item)
        state = self.table.item(row, 1)
        colour = STATE_COLOURS.get(run.state)
        state.setForeground(problem_foreground() if run.state == "failed" else
                            (muted_foreground() if colour is None else QColor(colour)))

    def selected_runs(self) -> list[RunSummary]:
        """The selected runs, in table order."""
        rows = sorted({index.row() for index in self.table.selectionModel().selectedRows()})
        return [self.runs[row] for row in rows if row < len(self.runs)]

    def current_run(self) -> RunSummary | None:
        """The run the details panel shows (the first selected)."""
        selected = self.selected_runs()
        return selected[0] if selected else None

    def select_run(self, path: str | Path) -> None:
        """Select the run in ``path`` alone."""
        for row, run in enumerate(self.runs):
            if run.path == Path(path).resolve():
                self.table.clearSelection()
                self.table.selectRow(row)

    # Selection, curves and details --------------------------------------------------------

    def _on_selection(self) -> None:
        self._save_notes()
        self._update_details()
        self._load_overlays([(run.path, run.label) for run in self.selected_runs()])

    def _load_overlays(self, runs: list[tuple[Path, str]]) -> None:
        self._overlay_request += 1
        request = self._overlay_request

        def load() -> list[RunHistory]:
            return [RunHistory.from_folder(path, name) for path, name in runs]

        def show(histories: list[RunHistory]) -> None:
            if request == self._overlay_request:
                self.curves.show_runs(histories)

        run_in_background(load, show, lambda error: self.curves.show_runs([]), receiver=self)

    def _update_details(self) -> None:
        run = self.current_run()
        self._notes_run = run
        self.notes.blockSignals(True)
        self.notes.setPlainText(run.record.notes if run else "")
        self.notes.blockSignals(False)
        self.notes.setEnabled(run is not None)
        self.title_label.setText(run.name if run else "Select a run")
        self.detail_label.setText(_details_text(run) if run else
                                  "Select several runs to compare their curves.")
        has_model = bool(run and run.has_model())
        resumable = bool(run and run.can_resume())
        self.resume_button.setEnabled(resumable)
        none = "Select a run in the list first"
        self.resume_button.setToolTip(
            "Go on from the run's last checkpoint" if resumable else none if run is None else
            "Only a stopped or failed run with a checkpoint can be resumed")
        for button in (self.evaluate_button, self.export_button, self.try_button,
                       self.monitor_button, self.report_button):
            button.setEnabled(has_model)
            button.setToolTip("" if has_model else none if run is None else
                              "This run has no trained model: it must finish (or stop after "
                              "an epoch) first")
        if has_model and run.record.task == "forecasting":
            # A forecast starts from a window of a series, not from one typed row.
            self.try_button.setToolTip("Forecast the steps after the last row of a series "
                                       "file (its last window is what the model reads)")
        for button in (self.rename_button, self.delete_button, self.folder_button):
            button.setEnabled(run is not None)
            button.setToolTip("" if run is not None else none)

    # Editing ------------------------------------------------------------------------------

    def start_rename(self) -> None:
        """Start editing the current run's name in the table."""
        rows = self.table.selectionModel().selectedRows()
        if rows:
            self.table.editItem(self.table.item(rows[0].row(), NAME_COLUMN))

    def _on_item_changed(self, item: QTableWidgetItem) -> None:
        if item.column() != NAME_COLUMN or item.row() >= len(self.runs):
            return
        run = self.runs[item.row()]
        name = item.text().strip()
        if name and name != run.name:
            run.record = run.folder.rename(name)
            self._update_details()

    def _save_notes(self) -> None:
        self._save_notes_timer.stop()
        run = self._notes_run
        if run is None or not run.folder.info_path.is_file():
            return
        notes = self.notes.toPlainText()
        if notes != run.record.notes:
            run.record = run.folder.set_notes(notes)

    def delete_selected(self) -> None:
        """Delete the selected runs' folders, after asking."""
        runs = [run for run in self.selected_runs() if run.state != "running"]
        if not runs:
            return
        names = ", ".join(run.name for run in runs)
        if not self.ask(f"Delete {len(runs)} run(s) ({names}) and everything in their "
                        "folders — model, checkpoints, evaluation, exports? This cannot be "
                        "undone."):
            return
        for run in runs:
            shutil.rmtree(run.path, ignore_errors=True)
        self.refresh()

    def ask(self, question: str) -> bool:
        """Ask the user a yes/no question (tests replace this)."""
        answer = QMessageBox.question(self, "Delete runs", question)
        return answer == QMessageBox.StandardButton.Yes

    def _emit_for_current(self, signal: Signal) -> None:
        run = self.current_run()
        if run is not None:
            signal.emit(str(run.path))

    def _open_folder(self) -> None:
        run = self.current_run()
        if run is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(run.path)))


def _details_text(run: RunSummary) -> str:
    lines = [f"State: {run.state}", f"Started: {run.created}", f"Epochs: {run.epochs}",
             f"Settings: {run.settings}", f"Devices: {', '.join(run.record.devices)}"]
    best = metrics_text(run.record.best_metrics)
    if best:
        lines.append(f"Best (epoch {run.record.best_epoch}): {best}")
    if run.record.error:
        lines.append(f"Error: {run.record.error}")
    lines.append(f"Folder: {run.path}")
    return "\n".join(lines)

