"""Shapes and parameter counts of the layer stack, recomputed as the user edits.

:class:`ShapeInference` waits until edits pause (debounced), then runs
:func:`dlstudio.core.model.builder.inspect_stack` on a worker thread. Keras is imported there, the
first time only, with the GPUs hidden from this process; the GUI thread never waits for it. One
inspection runs at a time; edits made meanwhile are inspected when it ends, so the report always
catches up with the latest stack.

Views look rows up by layer id (:meth:`ShapeInference.row_for`), inner rows of blocks included,
never by list position: a report keeps naming the right rows while the stack is being edited.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QTimer, Signal

from dlstudio.core.project import paths as project_paths
from dlstudio.core.project.project import Project
from dlstudio.core.project.wording import in_gui_words
from dlstudio.gui.background import prepare_keras, run_in_background

if TYPE_CHECKING:
    from dlstudio.core.data.source_info import DataInfo
    from dlstudio.gui.data_session import DataSession
    from dlstudio.gui.document import Document

DELAY_MS = 250


class ShapeInference(QObject):
    """Keeps a :class:`~dlstudio.core.model.builder.StackReport` of the document's stack.

    Signals:
        reportChanged(): :attr:`report` or :attr:`error` changed (also when inference is
            impossible for lack of data: then both are ``None`` and :attr:`waiting_for` says
            why).
        busyChanged(bool): An inspection started or ended.
    """

    reportChanged = Signal()
    busyChanged = Signal(bool)

    def __init__(self, document: Document, data: DataSession, parent: QObject | None = None,
                 delay_ms: int = DELAY_MS) -> None:
        super().__init__(parent)
        self.document = document
        self.data = data
        self.report: Any = None
        self.error: str | None = None
        self.rows_by_id: dict[str, Any] = {}
        self.waiting_for = "data"
        self._running = False
        self._again = False
        self._timer = QTimer(self, singleShot=True, interval=delay_ms)
        self._timer.timeout.connect(self._start)
        document.changed.connect(self._on_document_changed)
        data.infoChanged.connect(self.request)
        self.request()

    def is_busy(self) -> bool:
        """Whether an inspection is running or about to."""
        return self._running or self._timer.isActive()

    def request(self) -> None:
        """Inspect the stack again once edits pause."""
        self._timer.start()

    def _on_document_changed(self, path: str) -> None:
        if project_paths.affects(path, "model"):
            self.request()

    def _start(self) -> None:
        info = self.data.info
        if info is None:
            error = self.data.info_error
            self.waiting_for = in_gui_words(error, self.document.project) if error else "data"
            self._publish(None, None)
            return
        if self._running:
            self._again = True
            return
        self._running = True
        self.busyChanged.emit(True)
        project = self.document.project.copy()
        run_in_background(lambda: _inspect(project, info), self._finished, self._failed,
                          receiver=self)

    def row_for(self, layer_id: str) -> Any | None:
        """Return the latest report's row of layer ``layer_id`` (``None`` when it has none)."""
        return self.rows_by_id.get(layer_id)

    def rows_of_role(self, role: str) -> list[Any]:
        """Return the latest report's rows of ``role`` (``input`` or ``head``)."""
        return [] if self.report is None else [row for row in self.report.rows
                                               if row.role == role]

    def show_report(self, report: Any) -> None:
        """Publish a report computed elsewhere, as if an inspection had just ended (benchmarks
        and tests drive the views this way without a worker thread)."""
        self._publish(report, None)

    def _finished(self, report: Any) -> None:
        self._end()
        self._publish(report, None)

    def _failed(self, error: Exception) -> None:
        self._end()
        self._publish(None, f"{error}" or type(error).__name__)

    def _end(self) -> None:
        self._running = False
        self.busyChanged.emit(False)
        if self._again:
            self._again = False
            self._start()

    def _publish(self, report: Any, error: str | None) -> None:
        self.report, self.error = report, error
        self.rows_by_id = report.by_id if report is not None else {}
        self.reportChanged.emit()


def _inspect(project: Project, info: DataInfo) -> Any:
    """Run on a worker thread: import Keras (GPUs hidden) and inspect the stack."""
    prepare_keras()
    from dlstudio.core.model.builder import inspect_stack

    return inspect_stack(project, info.feature_shape, info.task, len(info.class_names),
                         getattr(info, "input_shapes", None) or None)
