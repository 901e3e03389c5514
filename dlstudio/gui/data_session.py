"""The project's data as the views need it, read off the GUI thread.

The :class:`DataSession` follows the document: when the data source changes it reads the CSV
table (or scans the image folder) in the background; when any data or split setting changes it
opens the dataset through the core to learn the feature shape, task and classes that shape
inference and the split counts need, and checks the data's health on the same opened dataset
(an image folder's file hashes and sizes are read once per scan and kept). Results are cached
here, not in the project: they are derived from the files and the settings, and the views read
them on the signals.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QTimer, Signal

from dlstudio.core.data.health import HealthReport, check_health, image_health
from dlstudio.core.data.images import image_task
from dlstudio.core.data.source_info import (
    DataInfo,
    SourceData,
    data_info,
    image_split_sizes,
    read_source,
)
from dlstudio.core.errors import UserInputError
from dlstudio.core.project import paths as project_paths
from dlstudio.core.project.project import Project
from dlstudio.gui.background import hide_gpus_from_this_process, run_in_background

if TYPE_CHECKING:
    from dlstudio.core.data.image_scan import ImageFolderScan
    from dlstudio.gui.document import Document

INFO_DELAY_MS = 300


class DataSession(QObject):
    """Reads the document's data source in the background and keeps the results.

    Signals:
        sourceChanged(): :attr:`source` or :attr:`source_error` changed.
        infoChanged(): :attr:`info` or :attr:`info_error` changed.
        healthChanged(): :attr:`health` or :attr:`health_error` changed (``health`` is
            ``None`` until the first check of a source ends, or when the data cannot be
            opened).
        busyChanged(bool): Reading started or ended.
    """

    sourceChanged = Signal()
    infoChanged = Signal()
    healthChanged = Signal()
    busyChanged = Signal(bool)

    def __init__(self, document: Document, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.source = SourceData()
        self.source_error: str | None = None
        self.info: DataInfo | None = None
        self.info_error: str | None = None
        self.health: HealthReport | None = None
        self.health_error: str | None = None
        self._health_request = 0
        self._image_facts: tuple[object, dict] | None = None  # (scan, facts) read for it
        self._image_health_key: tuple[int, str] | None = None
        self._source_key: tuple[str, str] | None = None
        self._info_key: str | None = None
        self._pending = 0
        self._info_timer = QTimer(self, singleShot=True, interval=INFO_DELAY_MS)
        self._info_timer.timeout.connect(self._load_info)
        document.changed.connect(self._on_changed)
        self._on_changed("")

    def is_busy(self) -> bool:
        """Whether a read is under way."""
        return self._pending > 0

    def _on_changed(self, path: str) -> None:
        if not (project_paths.affects(path, "data") or project_paths.affects(path, "split")):
            return
        project = self.document.project
        source_key = (project.data.kind, str(project.data_path())) if project.data.path else None
        if source_key != self._source_key:
            self._source_key = source_key
            self._load_source(source_key)
        elif self.source.scan is not None:
            self._update_image_info()
        if project.data.kind == "csv" and self._info_key != _info_key(project):
            self._info_timer.start()

    # The table or folder --------------------------------------------------------------------

    def _load_source(self, key: tuple[str, str] | None) -> None:
        self.source, self.source_error = SourceData(), None
        self._set_info(None, None)
        self._set_health(None, None)
        self._image_facts = None
        self._image_health_key = None
        self._info_key = None
        if key is None:
            self.sourceChanged.emit()
            return
        kind, path = key
        self._begin()
        run_in_background(lambda: read_source(kind, path),
                          lambda source: self._source_read(key, source),
                          lambda error: self._source_failed(key, error), receiver=self)
        self.sourceChanged.emit()

    def _source_read(self, key: tuple[str, str], source: SourceData) -> None:
        self._end()
        if key == self._source_key:
            self.source = source
            self.sourceChanged.emit()
            if source.scan is not None:
                self._update_image_info()

    def _source_failed(self, key: tuple[str, str], error: Exception) -> None:
        self._end()
        if key == self._source_key:
            self.source_error = _message(error)
            self.sourceChanged.emit()

    # What the model needs -------------------------------------------------------------------

    def _update_image_info(self) -> None:
        scan = self.source.scan
        project = self.document.project
        channels = 1 if project.data.color_mode == "grayscale" else 3
        height, width = project.data.image_size
        sizes = image_split_sizes(scan, project)
        self._set_info(DataInfo((height, width, channels), image_task(project),
                                tuple(scan.class_names), sizes, tuple(scan.warnings)), None)
        self._check_image_health(scan, project.copy())

    def _check_image_health(self, scan: ImageFolderScan, project: Project) -> None:
        key = (id(scan), json.dumps([asdict(project.split), project.data.image_size,
                                     project.data.color_mode]))
        if key == self._image_health_key:
            return  # an augmentation edit: nothing the checks read changed
        self._image_health_key = key
        request = self._start_health()
        kept = self._image_facts
        facts = kept[1] if kept is not None and kept[0] is scan else None

        def check() -> tuple[dict, HealthReport]:
            from dlstudio.core.data.health.image_files import read_image_facts

            read = read_image_facts(scan) if facts is None else facts
            return read, image_health(scan, project, facts=read)

        def done(result: tuple[dict, HealthReport]) -> None:
            self._end()
            if scan is self.source.scan:
                self._image_facts = (scan, result[0])
            self._health_read(request, result[1], None)

        def failed(error: Exception) -> None:
            self._end()
            self._health_read(request, None, _message(error))

        self._begin()
        run_in_background(check, done, failed, receiver=self)

    def _load_info(self) -> None:
        project = self.document.project.copy()
        if not project.data.path or project.data.kind != "csv":
            return
        key = _info_key(project)
        self._info_key = key
        request = self._start_health()
        self._begin()
        run_in_background(lambda: _open_dataset(project),
                          lambda opened: self._info_read(key, request, opened, None),
                          lambda error: self._info_read(key, request, None, _message(error)),
                          receiver=self)

    def _info_read(self, key: str, request: int, opened: _Opened | None,
                   error: str | None) -> None:
        self._end()
        if key == self._info_key:
            self._set_info(opened and opened.info, error)
        self._health_read(request, opened and opened.health, opened and opened.health_error)

    # Health ------------------------------------------------------------------------------

    def _start_health(self) -> int:
        """Return the number of a check that starts. The last report stays shown until the
        new one comes (a new source clears it), so the views below it do not jump."""
        self._health_request += 1
        return self._health_request

    def _health_read(self, request: int, health: HealthReport | None,
                     error: str | None) -> None:
        if request == self._health_request:
            self._set_health(health, error)

    def _set_health(self, health: HealthReport | None, error: str | None) -> None:
        if health is not self.health or error != self.health_error:
            self.health, self.health_error = health, error
            self.healthChanged.emit()

    def _set_info(self, info: DataInfo | None, error: str | None) -> None:
        if (info, error) != (self.info, self.info_error):
            self.info, self.info_error = info, error
            self.infoChanged.emit()

    def _begin(self) -> None:
        self._pending += 1
        if self._pending == 1:
            self.busyChanged.emit(True)

    def _end(self) -> None:
        self._pending -= 1
        if self._pending == 0:
            self.busyChanged.emit(False)


def _info_key(project: Project) -> str:
    return json.dumps([str(project.data_path()), asdict(project.data), asdict(project.split)],
                      sort_keys=True)


@dataclass(frozen=True)
class _Opened:
    """What opening a table's dataset once gives: the information and the health report."""

    info: DataInfo
    health: HealthReport | None
    health_error: str | None = None


def _open_dataset(project: Project) -> _Opened:
    """Open the dataset once for what the model needs and for the health check; a failed
    check does not hide the information."""
    from dlstudio.core.data import load_dataset

    hide_gpus_from_this_process()
    dataset = load_dataset(project)
    info = data_info(project, dataset)
    try:
        return _Opened(info, check_health(project, dataset))
    except Exception as error:  # shown in the Health box; the rest of the view still works
        return _Opened(info, None, f"the data health check failed: {_message(error)}")


def _message(error: Exception) -> str:
    if isinstance(error, UserInputError):
        return str(error)
    return f"{type(error).__name__}: {error}"
