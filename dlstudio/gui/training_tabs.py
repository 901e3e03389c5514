"""The main window's Train, Runs and Evaluate tabs, the Run menu, and how they work together.

:class:`TrainingTabs` adds the three tabs through :meth:`MainWindow.add_workspace_tab` and
wires them: a run that starts or ends refreshes the runs list; the runs list resumes a run on
the Train tab, evaluates on the Evaluate tab, and opens the export and "Try it" dialogs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QIcon, QKeySequence
from PySide6.QtWidgets import QMenu, QMessageBox

from dlstudio.core.errors import UserInputError
from dlstudio.gui.theme import icon
from dlstudio.gui.widgets.evaluation_view import EvaluationView
from dlstudio.gui.widgets.export_dialog import ExportDialog
from dlstudio.gui.widgets.runs_view import RunsView
from dlstudio.gui.widgets.training_view import TrainingView
from dlstudio.gui.widgets.try_it import TryItDialog

if TYPE_CHECKING:
    from dlstudio.gui.main_window import MainWindow

TAB_SHORTCUTS = {"Train": "Ctrl+4", "Runs": "Ctrl+5", "Evaluate": "Ctrl+6"}


class TrainingTabs(QObject):
    """Training, run history and evaluation in the main window.

    Args:
        window: The main window (its document, tabs and menu bar).
    """

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.training = TrainingView(window.document)
        self.runs = RunsView(window.document)
        self.evaluation = EvaluationView()
        window.add_workspace_tab(self.training, "Train", icon("train"))
        window.add_workspace_tab(self.runs, "Runs", icon("template"))
        window.add_workspace_tab(self.evaluation, "Evaluate", icon("table"))
        self._connect()
        self._menu()

    def _connect(self) -> None:
        self.training.run_started.connect(lambda _run: self.runs.refresh())
        self.training.run_ended.connect(lambda _run: self.runs.refresh())
        self.runs.resume_requested.connect(self.resume)
        self.runs.evaluate_requested.connect(self.evaluate)
        self.runs.export_requested.connect(self.export)
        self.runs.try_requested.connect(self.try_run)
        self.evaluation.evaluated.connect(lambda _run: self.runs.refresh())

    def _menu(self) -> None:
        menu = self.window.menuBar().addMenu("&Run")
        self.train_action = self._add(menu, "&Train", "F5", self.train, "train")
        self._add(menu, "&Pause", "F6", self.training.client.pause, "pause")
        self._add(menu, "&Resume", "F7", self.training.client.resume, "resume")
        self._add(menu, "&Stop", "Shift+F5", self.training.client.stop, "stop")
        menu.addSeparator()
        for title, shortcut in TAB_SHORTCUTS.items():
            self._add(menu, f"Show {title}", shortcut,
                      lambda name=title: self.window.show_workbench(name))

    def _add(self, menu: QMenu, text: str, shortcut: str, slot: Callable[[], object],
             icon_name: str | None = None) -> QAction:
        action = QAction(icon(icon_name) if icon_name else QIcon(), text, self.window)
        action.setShortcut(QKeySequence(shortcut))
        action.triggered.connect(slot)
        menu.addAction(action)
        return action

    def train(self) -> None:
        """Show the Train tab and start a run of the open project."""
        self.window.show_workbench("Train")
        self.training.train()

    def resume(self, run_dir: str) -> None:
        """Show the Train tab and resume ``run_dir``."""
        self.window.show_workbench("Train")
        self.training.resume_run(run_dir)

    def evaluate(self, run_dir: str) -> None:
        """Show ``run_dir`` on the Evaluate tab."""
        self.evaluation.set_run(run_dir)
        self.window.show_workbench("Evaluate")

    def export(self, run_dir: str) -> None:
        """Open the export dialog for ``run_dir``."""
        dialog = ExportDialog(run_dir, self.window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    def try_run(self, run_dir: str) -> None:
        """Open "Try it" for ``run_dir``."""
        try:
            dialog = TryItDialog(run_dir, self.window)
        except UserInputError as error:
            QMessageBox.warning(self.window, "Try it", f"This run cannot be tried: {error}")
            return
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()

    def confirm_close(self) -> bool:
        """Whether the window may close: asks, then stops a run in progress cleanly."""
        return self.training.confirm_close()
