"""The main window's Train, Runs, Evaluate, Tune and Monitor tabs, the Run menu, and how they
work together.

:class:`TrainingTabs` adds the three tabs through :meth:`MainWindow.add_workspace_tab` and
wires them: a run that starts or ends refreshes the runs list; the runs list resumes a run on
the Train tab, evaluates on the Evaluate tab, and opens the export and "Try it" dialogs. Each
tab's content is built the first time it is shown or used, so the window's first frame does
not wait for the chart library (pyqtgraph) that these views draw with.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtGui import QAction, QIcon, QKeySequence, QShowEvent
from PySide6.QtWidgets import QDialog, QMenu, QMessageBox, QVBoxLayout, QWidget

from dlstudio.core.errors import UserInputError
from dlstudio.core.runs.folder import RunFolder
from dlstudio.gui.run_client import RunClient, warm_worker_wanted
from dlstudio.gui.theme import icon

if TYPE_CHECKING:
    from dlstudio.gui.main_window import MainWindow
    from dlstudio.gui.widgets.evaluation_view import EvaluationView
    from dlstudio.gui.widgets.runs_view import RunsView
    from dlstudio.gui.widgets.training_view import TrainingView

WARM_WORKER_DELAY_MS = 1500  # after a project opens: its first views and data read go first
TAB_SHORTCUTS = {"Train": "Ctrl+4", "Runs": "Ctrl+5", "Evaluate": "Ctrl+6", "Tune": "Ctrl+7",
                 "Monitor": "Ctrl+8"}


class LazyPage(QWidget):
    """A tab page that builds its content the first time it is shown (or asked for).

    Args:
        build: Makes the content.
    """

    def __init__(self, build: Callable[[], QWidget]) -> None:
        super().__init__()
        self._build = build
        self.content: QWidget | None = None
        QVBoxLayout(self).setContentsMargins(0, 0, 0, 0)

    def ensure(self) -> QWidget:
        """The content, built now if it was not yet."""
        if self.content is None:
            self.content = self._build()
            self.layout().addWidget(self.content)
        return self.content

    def showEvent(self, event: QShowEvent) -> None:  # Qt override
        self.ensure()
        super().showEvent(event)


class TrainingTabs(QObject):
    """Training, run history and evaluation in the main window.

    Args:
        window: The main window (its document, tabs and menu bar).
    """

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.pages = {"Train": LazyPage(self._build_training),
                      "Runs": LazyPage(self._build_runs),
                      "Evaluate": LazyPage(self._build_evaluation),
                      "Tune": LazyPage(self._build_tune),
                      "Monitor": LazyPage(self._build_monitor)}
        for (title, page), icon_name in zip(self.pages.items(),
                                            ("train", "template", "table", "train", "table"),
                                            strict=True):
            window.add_workspace_tab(page, title, icon(icon_name))
        self._menu()
        window.document.replaced.connect(self._project_replaced)
        self.client = RunClient(self)
        self._warm_timer = QTimer(self, singleShot=True, interval=WARM_WORKER_DELAY_MS)
        self._warm_timer.timeout.connect(lambda: self.client.keep_warm(True))
        if warm_worker_wanted():  # once a project is open, Train starts in a warm worker
            window.document.replaced.connect(self._warm_timer.start)

    @property
    def training(self) -> TrainingView:
        """The Train tab's view (built on first use)."""
        return self.pages["Train"].ensure()

    @property
    def runs(self) -> RunsView:
        """The Runs tab's view (built on first use)."""
        return self.pages["Runs"].ensure()

    @property
    def evaluation(self) -> EvaluationView:
        """The Evaluate tab's view (built on first use)."""
        return self.pages["Evaluate"].ensure()

    def _build_training(self) -> TrainingView:
        from dlstudio.gui.widgets.training_view import TrainingView

        view = TrainingView(self.window.document, self.client)
        view.save_project = self.window.save_as
        view.run_started.connect(lambda _run: self._refresh_runs())
        view.run_ended.connect(lambda _run: self._refresh_runs())
        view.run_ended.connect(self._evaluate_ended_run)
        view.ready_to_close.connect(self.window.close)
        return view

    def _build_runs(self) -> RunsView:
        from dlstudio.gui.widgets.runs_view import RunsView

        view = RunsView(self.window.document)
        view.resume_requested.connect(self.resume)
        view.evaluate_requested.connect(self.evaluate)
        view.export_requested.connect(self.export)
        view.try_requested.connect(self.try_run)
        view.monitor_requested.connect(self.monitor)
        view.report_requested.connect(self.report)
        return view

    def _build_monitor(self) -> QWidget:
        from dlstudio.gui.widgets.monitor_view import MonitorView

        return MonitorView()

    @property
    def monitoring(self) -> QWidget:
        """The Monitor tab's view (built on first use)."""
        return self.pages["Monitor"].ensure()

    def monitor(self, run_dir: str) -> None:
        """Show ``run_dir`` on the Monitor tab, to compare new data with its training data."""
        self.monitoring.set_run(run_dir)
        self.window.show_workbench("Monitor")

    def report(self, run_dir: str) -> None:
        """Ask where to write ``run_dir``'s model card (HTML) and write it in the background."""
        from dlstudio.gui.widgets.report_action import write_report

        write_report(self.window, run_dir)

    def _build_tune(self) -> QWidget:
        from dlstudio.gui.widgets.tune_view import TuneView

        view = TuneView(self.window.document, save_project=self.window.save_as)
        view.client.event.connect(
            lambda body: self._refresh_runs() if body["type"] == "trial_finished" else None)
        return view

    def _build_evaluation(self) -> EvaluationView:
        from dlstudio.gui.widgets.evaluation_view import EvaluationView

        view = EvaluationView()
        view.evaluated.connect(lambda _run: self._refresh_runs())
        return view

    def _evaluate_ended_run(self, run_dir: str) -> None:
        """Select a run that ended with a trained model in Evaluate (and in the runs list) and
        evaluate it on its test split, without a click; the Train tab stays in front."""
        if not run_dir or not RunFolder(run_dir).model_path.is_file():
            return
        if self.pages["Runs"].content is not None:
            self.runs.select_run(run_dir)
        evaluation = self.evaluation
        if evaluation.busy:
            return
        evaluation.set_run(run_dir)
        if evaluation.result is None:
            evaluation.evaluate()

    def _project_replaced(self) -> None:
        """Reset what showed the previous project: Evaluate, and its Try it and export
        windows (the Train tab resets itself; the Runs tab follows the project's file)."""
        if self.pages["Evaluate"].content is not None:
            self.evaluation.set_run(None)
        from dlstudio.gui.widgets.export_dialog import ExportDialog
        from dlstudio.gui.widgets.try_forecast import ForecastTryDialog
        from dlstudio.gui.widgets.try_it import TryItDialog

        for dialog in self.window.findChildren(QDialog):
            if isinstance(dialog, TryItDialog | ForecastTryDialog | ExportDialog) \
                    and dialog.isVisible():
                dialog.close()

    def _refresh_runs(self) -> None:
        """Refresh the runs list if it was built (when it is built later, it reads them)."""
        if self.pages["Runs"].content is not None:
            self.runs.refresh()

    def _menu(self) -> None:
        menu = self.window.menuBar().addMenu("&Run")
        self.train_action = self._add(menu, "&Train", "F5", self.train, "train")
        self._add(menu, "&Pause", "F6", lambda: self.training.client.pause(), "pause")
        self._add(menu, "&Resume", "F7", lambda: self.training.client.resume(), "resume")
        self._add(menu, "&Stop", "Shift+F5", lambda: self.training.client.stop(), "stop")
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
        from dlstudio.gui.widgets.export_dialog import ExportDialog

        dialog = ExportDialog(run_dir, self.window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    def try_run(self, run_dir: str) -> None:
        """Open "Try it" for ``run_dir``."""
        from dlstudio.gui.widgets.try_forecast import ForecastTryDialog
        from dlstudio.gui.widgets.try_it import TryItDialog

        try:
            forecasting = RunFolder(run_dir).load_project().data.series is not None
            dialog = (ForecastTryDialog if forecasting else TryItDialog)(run_dir, self.window)
        except UserInputError as error:
            QMessageBox.warning(self.window, "Try it", f"This run cannot be tried: {error}")
            return
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()

    def end_worker(self) -> None:
        """End a worker that is still running as the app exits (it has reported its end or
        been asked to stop; see :meth:`confirm_close`)."""
        if self.pages["Train"].content is not None:
            self.training.client.kill()
            self.training.client.wait_for_exit(3000)

    def stop_before_switch(self) -> bool:
        """Whether another project may be opened: during a run, asks, then stops it and waits
        until the worker has saved (see :meth:`TrainingView.stop_before_switch`)."""
        return self.pages["Train"].content is None or self.training.stop_before_switch()

    def confirm_close(self) -> bool:
        """Whether the window may close now: during a run, asks, then stops it without
        blocking and closes the window once the worker has saved and exited."""
        return self.pages["Train"].content is None or self.training.confirm_close()
