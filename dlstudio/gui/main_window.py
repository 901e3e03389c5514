"""The main window: the start view, the workbench tabs, menus, and the document's file life.

The central area is a stack of the :class:`StartView` (no project open) and the workbench
tabs — Data, Model, Training settings. Training, runs and evaluation (issue 5) add their tabs
with :meth:`MainWindow.add_workspace_tab`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, Qt
from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent, QIcon
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QStackedWidget,
    QTabWidget,
    QWidget,
)

from dlstudio.core.data.target_choice import TargetCandidate, rank_targets
from dlstudio.core.errors import ProjectError
from dlstudio.core.project.project import (
    PROJECT_SUFFIX,
    DataSpec,
    Project,
    suggested_project_path,
)
from dlstudio.core.project.wording import in_gui_words
from dlstudio.gui import settings as app_settings
from dlstudio.gui.background import run_in_background
from dlstudio.gui.data_session import DataSession
from dlstudio.gui.document import Document
from dlstudio.gui.main_menus import build_menus
from dlstudio.gui.output_choice import confirmed_output, project_inputs
from dlstudio.gui.shape_inference import ShapeInference
from dlstudio.gui.theme import apply_theme, icon
from dlstudio.gui.training_tabs import TrainingTabs
from dlstudio.gui.widgets.code_view import CodeDialog
from dlstudio.gui.widgets.data_panel import DataPanel
from dlstudio.gui.widgets.layer_stack import LayerStackView
from dlstudio.gui.widgets.model_graph import ModelGraphView
from dlstudio.gui.widgets.palette import LayerPalette
from dlstudio.gui.widgets.property_editor import PropertyEditor
from dlstudio.gui.widgets.start_view import StartView
from dlstudio.gui.widgets.target_dialog import TargetDialog
from dlstudio.gui.widgets.training_settings import TrainingSettingsView

if TYPE_CHECKING:
    from dlstudio.core.project.from_data import DraftProject

PROJECT_FILTER = "dlstudio projects (*.dlstudio.json);;JSON files (*.json);;All files (*)"
CSV_FILTER = "CSV files (*.csv *.tsv *.txt);;All files (*)"


class MainWindow(QMainWindow):
    """The workbench window.

    Attributes:
        document: The open project.
        data_session: The project's data, read in the background.
        inference: Shapes and parameter counts of the stack, computed in the background.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = Document(self)
        self.data_session = DataSession(self.document, self)
        self.inference = ShapeInference(self.document, self.data_session, self)
        self.setWindowIcon(icon("app"))
        self.setAcceptDrops(True)
        self.setMinimumSize(1024, 640)
        self.start_view = StartView()
        self.tabs = QTabWidget()
        self.tabs.setDocumentMode(True)
        self.data_panel = DataPanel(self.data_session)
        self.palette = LayerPalette()
        self.layer_stack = LayerStackView(self.document, self.inference)
        self.model_graph = ModelGraphView(self.document, self.inference)
        self.property_editor = PropertyEditor(self.document)
        self.model_splitter = self._model_splitter()
        self.training_settings = TrainingSettingsView(self.document)
        self.add_workspace_tab(self.data_panel, "Data", icon("table"))
        self.add_workspace_tab(self.model_splitter, "Model", icon("model"))
        self.add_workspace_tab(self.training_settings, "Training settings", icon("settings"))
        self.central = QStackedWidget()
        self.central.addWidget(self.start_view)
        self.central.addWidget(self.tabs)
        self.setCentralWidget(self.central)
        self.code_dialog: CodeDialog | None = None
        self._changes_settled = False
        self.busy_label = QLabel()
        self.statusBar().addPermanentWidget(self.busy_label)
        self.data_path_label = QLabel()
        self.data_path_label.setStyleSheet("color: #b45309")
        self.data_path_label.hide()
        self.statusBar().addPermanentWidget(self.data_path_label)
        self.actions = build_menus(self)
        self.training_tabs = TrainingTabs(self)
        self._keep_help_menu_last()
        self._connect()
        self._restore_settings()
        self._update_title()
        self.show_start_view()

    def _model_splitter(self) -> QSplitter:
        splitter = QSplitter(Qt.Orientation.Horizontal)
        self.model_views = QTabWidget()
        self.model_views.setDocumentMode(True)
        self.model_views.addTab(self.layer_stack, "Stack")
        self.model_views.addTab(self.model_graph, "Graph")
        self.model_views.setTabToolTip(1, "The whole model as boxes and arrows (read-only)")
        for widget in (self.palette, self.model_views, self.property_editor):
            splitter.addWidget(widget)
        splitter.setStretchFactor(0, 0)
        splitter.setStretchFactor(1, 1)
        splitter.setStretchFactor(2, 0)
        splitter.setSizes([265, 615, 380])
        splitter.setChildrenCollapsible(False)
        return splitter

    def add_workspace_tab(self, widget: QWidget, title: str, tab_icon: QIcon | None = None) -> int:
        """Add a tab to the workbench (Train, Runs, Evaluate come this way) and return its index."""
        index = self.tabs.addTab(widget, tab_icon or QIcon(), title)
        self.tabs.setTabToolTip(index, f"{title} (Ctrl+{index + 1})")
        return index

    def _keep_help_menu_last(self) -> None:
        help_action = self.actions.help_menu.menuAction()
        self.menuBar().removeAction(help_action)
        self.menuBar().addAction(help_action)

    def _connect(self) -> None:
        self.document.dirtyChanged.connect(lambda _dirty: self._update_title())
        self.document.fileChanged.connect(self._update_title)
        self.document.changed.connect(lambda path: path in ("", "name") and self._update_title())
        self.document.fileChanged.connect(self._show_data_path_warning)
        self.document.replaced.connect(self._show_data_path_warning)
        self.document.changed.connect(
            lambda path: path in ("", "data", "data.path") and self._show_data_path_warning())
        self.palette.layerActivated.connect(self.document.append_layer)
        self.data_panel.dataSourceRequested.connect(self.choose_data_source)
        self.start_view.openRequested.connect(self.open_dialog)
        self.start_view.newRequested.connect(self.new_project)
        self.start_view.startFromDataRequested.connect(self.start_from_data_dialog)
        self.start_view.pathChosen.connect(self.open_path)
        for signal in (self.data_session.busyChanged, self.inference.busyChanged):
            signal.connect(lambda _busy: self._update_busy())
        self.start_view.set_examples(app_settings.examples())
        self.start_view.set_recent(app_settings.recent_files())

    # Views -----------------------------------------------------------------------------------

    def show_start_view(self) -> None:
        """Show the start view (no project open)."""
        self.central.setCurrentWidget(self.start_view)
        self.start_view.set_recent(app_settings.recent_files())

    def show_workbench(self, tab: str | None = None) -> None:
        """Show the workbench tabs, on ``tab`` ("Data", "Model", …) when given."""
        self.central.setCurrentWidget(self.tabs)
        for index in range(self.tabs.count()):
            if self.tabs.tabText(index) == tab:
                self.tabs.setCurrentIndex(index)

    def _update_title(self) -> None:
        project = self.document.project
        where = self.document.path.name if self.document.path else "not saved"
        self.setWindowTitle(f"{project.name} — {where}[*] — dlstudio")
        self.setWindowModified(self.document.is_dirty())

    def _update_busy(self) -> None:
        if self.data_session.is_busy():
            text = "Reading the data…"
        elif self.inference.is_busy():
            text = "Computing shapes…"
        else:
            text = ""
        self.busy_label.setText(text)

    def _show_data_path_warning(self) -> None:
        """Keep a warning in the status bar while the data lies outside the project's folder
        (a project file from someone else can point anywhere)."""
        warning = self.document.project.data_path_warning()
        self.data_path_label.setVisible(warning is not None)
        if warning is not None:
            data = Path(self.document.project.data_path())
            self.data_path_label.setText(f"⚠ Data outside the project's folder: {data.name}")
            self.data_path_label.setToolTip(warning[:1].upper() + warning[1:])

    # Documents -------------------------------------------------------------------------------

    def new_project(self) -> None:
        """Start an empty project (asks to save unsaved changes first)."""
        if self.may_leave_project():
            self.document.replace(Project())
            self.show_workbench("Data")

    def open_dialog(self) -> None:
        """Ask for a project file and open it."""
        if not self.may_leave_project():
            return
        path, _filter = QFileDialog.getOpenFileName(self, "Open project",
                                                    app_settings.last_folder(), PROJECT_FILTER)
        app_settings.remember_folder(path)
        if path:
            self.open_path(path, ask=False)

    def open_path(self, path: str, ask: bool = True) -> bool:
        """Open the project file at ``path``; show its problems instead when it is invalid.

        Nothing is written: a broken file stays as it is, and the open project stays open.
        """
        if ask and not self.maybe_save():
            return False
        if not self.training_tabs.stop_before_switch():
            return False
        try:
            self.document.open(path)
        except ProjectError as error:
            problems = "\n".join(f"• {problem}" for problem in error.problems)
            QMessageBox.warning(self, "Cannot open project",
                                f"{path} cannot be opened:\n\n{problems}\n\nThe file was not "
                                "changed. Fix it in a text editor, or recreate it.")
            return False
        self._remember(Path(path))
        self.show_workbench("Model" if self.document.project.data.path else "Data")
        return True

    def save(self) -> bool:
        """Save to the project's file (or ask for one); return whether it was saved."""
        if self.document.path is None:
            return self.save_as()
        return self._save_to(self.document.path)

    def save_as(self) -> bool:
        """Ask for a file name and save there; return whether it was saved."""
        path, _filter = QFileDialog.getSaveFileName(
            self, "Save project as", str(self._suggested_path()), PROJECT_FILTER,
            options=QFileDialog.Option.DontConfirmOverwrite)  # asked below, suffix added
        if not path:
            return False
        app_settings.remember_folder(path)
        if not path.endswith(".json"):
            path += PROJECT_SUFFIX
        same = self.document.path is not None and Path(path).resolve() == \
            Path(self.document.path).resolve()
        if not same and confirmed_output(self, path,
                                         inputs=project_inputs(self.document.project)) is None:
            return False
        return self._save_to(Path(path))

    def _save_to(self, path: Path) -> bool:
        try:
            written = self.document.save(path)
        except OSError as error:
            QMessageBox.warning(self, "Cannot save", f"{path} cannot be written: {error}")
            return False
        self._remember(written)
        self.statusBar().showMessage(f"Saved {written}", 4000)
        return True

    def _suggested_path(self) -> Path:
        if self.document.path:
            return self.document.path
        return suggested_project_path(self.document.project)

    def may_leave_project(self) -> bool:
        """Whether another project may replace this one: unsaved changes are saved or
        discarded, and a run in progress is stopped (each asked first)."""
        return self.maybe_save() and self.training_tabs.stop_before_switch()

    def maybe_save(self) -> bool:
        """Ask what to do with unsaved changes; return False when the user cancels."""
        if not self.document.is_dirty():
            return True
        buttons = (QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard
                   | QMessageBox.StandardButton.Cancel)
        answer = QMessageBox.question(self, "Unsaved changes",
                                      f"Save the changes to “{self.document.project.name}”?",
                                      buttons, QMessageBox.StandardButton.Save)
        if answer == QMessageBox.StandardButton.Save:
            return self.save()
        return answer == QMessageBox.StandardButton.Discard

    def close_project(self) -> None:
        """Close the project and go back to the start view."""
        if self.may_leave_project():
            self.document.replace(Project())
            self.show_start_view()

    def _remember(self, path: Path) -> None:
        recent = app_settings.remember_recent(path)
        self.start_view.set_recent(recent)
        self.actions.fill_recent(recent)

    # Starting from data ---------------------------------------------------------------------

    def start_from_data_dialog(self, kind: str) -> None:
        """Ask for a CSV file (``csv``) or an image folder (``images``) and start from it."""
        path = self._ask_data_path(kind, "Start a project from data")
        if path:
            self.start_from_data(path)

    def start_from_data(self, path: str) -> None:
        """Make a new project from a CSV file or image folder (read in the background).

        For a CSV file the person is asked which column to predict first (with the likeliest
        one suggested). A file that can be read is never refused for its columns: the data
        view opens with the problem marked, to be fixed there.
        """
        if not self.may_leave_project():
            return
        self._show_reading(path)
        if Path(path).is_dir():
            self._draft(path, None)
        else:
            run_in_background(lambda: _csv_choices(path),
                              lambda found: self._target_read(path, *found),
                              self._start_failed, receiver=self)

    def _show_reading(self, path: str) -> None:
        self.statusBar().showMessage(f"Reading {path}…")
        QApplication.setOverrideCursor(Qt.CursorShape.BusyCursor)

    def _target_read(self, path: str, candidates: list[TargetCandidate],
                     time_column: str | None = None) -> None:
        QApplication.restoreOverrideCursor()
        target = self.choose_target(Path(path).name, candidates, time_column)
        if target is None:
            self.statusBar().clearMessage()
            return
        self._show_reading(path)
        self._draft(path, target)

    def choose_target(self, file_name: str, candidates: list[TargetCandidate],
                      time_column: str | None = None) -> str | None:
        """Ask which column to predict (to forecast, when ``time_column`` orders the rows of
        a time series); ``""`` to decide later, ``None`` when cancelled."""
        dialog = TargetDialog(file_name, candidates, self, time_column=time_column)
        accepted = dialog.exec() == QDialog.DialogCode.Accepted
        return dialog.chosen() if accepted else None

    def _draft(self, path: str, target: str | None) -> None:
        run_in_background(lambda: _draft_project(path, target), self._started_from_data,
                          self._start_failed, receiver=self)

    def _started_from_data(self, draft: DraftProject) -> None:
        QApplication.restoreOverrideCursor()
        project = draft.project
        if draft.problems:
            self.statusBar().showMessage(
                "Not ready to train yet: " + in_gui_words(draft.problems[0], project), 15000)
        else:
            self.statusBar().showMessage(f"New project from {project.data.path}", 4000)
        self.document.replace(project, unsaved=True)
        self.show_workbench("Data")

    def _start_failed(self, error: Exception) -> None:
        QApplication.restoreOverrideCursor()
        self.statusBar().clearMessage()
        QMessageBox.warning(self, "Cannot start from this data", in_gui_words(str(error)))

    def import_keras_dialog(self) -> None:
        """File ▸ Import Keras model…: a project that fine-tunes a ``.keras`` model on data
        (dialogs and background work in :mod:`dlstudio.gui.keras_import_flow`)."""
        from dlstudio.gui.keras_import_flow import import_keras_dialog

        import_keras_dialog(self)

    def choose_data_source(self, kind: str) -> None:
        """Point the open project at a CSV file or image folder (an undoable edit)."""
        path = self._ask_data_path(kind, "Choose the data")
        if path:
            self.document.set_values({"data": DataSpec(kind=kind, path=str(Path(path).resolve()))},
                                     f"Use {Path(path).name}")

    def _ask_data_path(self, kind: str, title: str) -> str:
        start = app_settings.last_folder()
        if kind == "images":
            path = QFileDialog.getExistingDirectory(self, title, start)
        else:
            path = QFileDialog.getOpenFileName(self, title, start, CSV_FILTER)[0]
        app_settings.remember_folder(path)
        return path

    # Drops on the window ---------------------------------------------------------------------

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # Qt override
        if _dropped_path(event) is not None:
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # Qt override
        path = _dropped_path(event)
        if path is None:
            return
        event.acceptProposedAction()
        if path.name.endswith(".json"):
            self.open_path(str(path))
        else:
            self.start_from_data(str(path))

    # Settings --------------------------------------------------------------------------------

    def _restore_settings(self) -> None:
        store = app_settings.settings()
        geometry = store.value("window/geometry")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        else:
            self.resize(1360, 860)
        state = store.value("window/state")
        if isinstance(state, QByteArray):
            self.restoreState(state)
        splitter = store.value("window/model_splitter")
        if isinstance(splitter, QByteArray):
            self.model_splitter.restoreState(splitter)
        self.actions.fill_recent(app_settings.recent_files())

    def save_settings(self) -> None:
        """Remember the window's size, layout and theme."""
        store = app_settings.settings()
        store.setValue("window/geometry", self.saveGeometry())
        store.setValue("window/state", self.saveState())
        store.setValue("window/model_splitter", self.model_splitter.saveState())

    def show_code(self) -> None:
        """Show the project as a runnable Keras script."""
        if self.code_dialog is None:
            self.code_dialog = CodeDialog(self)
        self.code_dialog.show_project(self.document.project)
        self.code_dialog.show()
        self.code_dialog.raise_()

    def set_theme(self, name: str) -> None:
        """Switch to the ``light`` or ``dark`` theme and remember it."""
        app = QApplication.instance()
        if isinstance(app, QApplication):
            apply_theme(app, name)
        app_settings.settings().setValue("appearance/theme", name)
        self.layer_stack.model.refresh()

    def closeEvent(self, event: QCloseEvent) -> None:  # Qt override
        if not self._changes_settled and not self.maybe_save():
            event.ignore()
            return
        self._changes_settled = True  # a close that waits for a run asks only once
        if not self.training_tabs.confirm_close():
            event.ignore()
            if not self._stopping_for_close():
                self._changes_settled = False
            return
        self.save_settings()
        event.accept()

    def _stopping_for_close(self) -> bool:
        pages = self.training_tabs.pages
        return pages["Train"].content is not None and \
            self.training_tabs.training.stopping_dialog is not None


def _target_candidates(path: str) -> list[TargetCandidate]:
    from dlstudio.core.data.csv_reading import infer_columns, read_csv

    frame, _warnings = read_csv(Path(path))
    return rank_targets(infer_columns(frame))


def _csv_choices(path: str) -> tuple[list[TargetCandidate], str | None]:
    """The columns to choose the target from, likeliest first, and the time column when the
    file is a time series (the core's detection, as ``dlstudio init`` uses it)."""
    from dlstudio.core.data.csv_reading import infer_columns, read_csv
    from dlstudio.core.data.series_detection import detect_series

    frame, _warnings = read_csv(Path(path))
    series = detect_series(frame)
    return rank_targets(infer_columns(frame)), series.time_column if series else None


def _draft_project(path: str, target: str | None) -> DraftProject:
    from dlstudio.core.project.from_data import SeriesChoice, draft_project

    # A time series is read as one (forecasting) when the core recognises it.
    return draft_project(path, target, series=SeriesChoice())


def _dropped_path(event: QDragEnterEvent | QDropEvent) -> Path | None:
    urls = event.mimeData().urls() if event.mimeData().hasUrls() else []
    paths = [Path(url.toLocalFile()) for url in urls if url.isLocalFile()]
    if len(paths) != 1:
        return None
    path = paths[0]
    if path.is_dir() or path.suffix.lower() in (".csv", ".tsv", ".txt", ".json"):
        return path
    return None

