"""The samples behind an evaluation cell: image thumbnails, or the CSV rows, most confident first.

:class:`SampleList` takes per-sample prediction records (``sample``, ``true``, ``predicted``,
``confidence``) from ``evaluation.json`` and shows them as a thumbnail grid for an image folder
(sample ids are paths inside it) or as a table with the data's columns for a CSV file (sample
ids are ``row N``). Thumbnails and rows are read off the GUI thread.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QIcon, QImage, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from dlstudio.gui.background import run_in_background

THUMBNAIL = 96
MOST_SHOWN = 300
HEAT_MAP_BATCH = 4
"""Heat maps computed per background job (one Grad-CAM is a model call and its gradient)."""
_ROW = re.compile(r"row (\d+)$")


class SampleList(QWidget):
    """A titled list of samples that switches between thumbnails and table rows."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = QLabel("Click a cell of the confusion matrix to see its samples.")
        self.title.setProperty("role", "hint")
        self.title.setWordWrap(True)
        self.explainer: Callable[[Path], Any] | None = None
        self.explain_box = QCheckBox("Where the model looked (Grad-CAM; saliency for models "
                                     "without a convolution)")
        self.explain_box.setVisible(False)
        self.explain_box.toggled.connect(self._explain_toggled)
        self._shown: tuple[list[dict[str, Any]], Path] | None = None
        self.thumbnails = QListWidget()
        self.thumbnails.setViewMode(QListWidget.ViewMode.IconMode)
        self.thumbnails.setIconSize(QSize(THUMBNAIL, THUMBNAIL))
        self.thumbnails.setGridSize(QSize(THUMBNAIL + 40, THUMBNAIL + 46))
        self.thumbnails.setResizeMode(QListWidget.ResizeMode.Adjust)
        self.thumbnails.setMovement(QListWidget.Movement.Static)
        self.thumbnails.setWordWrap(True)
        self.rows = QTableWidget()
        self.rows.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.rows.verticalHeader().hide()
        self.stack = QStackedWidget()
        self.stack.addWidget(self.thumbnails)
        self.stack.addWidget(self.rows)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.explain_box)
        layout.addWidget(self.stack, 1)
        self._request = 0

    def set_explainer(self, explainer: Callable[[Path], Any] | None) -> None:
        """Offer heat maps over image thumbnails: ``explainer(path)`` returns the image with
        its map as a ``uint8`` RGB array (called off the GUI thread), or ``None`` for none."""
        self.explainer = explainer
        self.explain_box.setVisible(explainer is not None)
        if explainer is None:
            self.explain_box.setChecked(False)

    def _explain_toggled(self) -> None:
        if self._shown is not None and self.stack.currentWidget() is self.thumbnails:
            self._request += 1
            self._show_thumbnails(*self._shown)

    def clear_samples(self) -> None:
        """Show nothing (another run or project)."""
        self._request += 1
        self.title.setText("")
        self.rows.clear()
        self.rows.setRowCount(0)
        self.rows.setColumnCount(0)
        self.thumbnails.clear()

    def show_samples(self, title: str, records: list[dict[str, Any]], data_path: str | Path,
                     images: bool) -> None:
        """List ``records`` (already in display order) under ``title``.

        Args:
            title: What the list is (``true cat, predicted dog: 4 samples``).
            records: Prediction records from ``evaluation.json``.
            data_path: The image folder or CSV file the sample ids refer to.
            images: Whether the samples are images.
        """
        self._request += 1
        shown = records[:MOST_SHOWN]
        more = len(records) - len(shown)
        self.title.setText(title + (f" (the first {MOST_SHOWN} shown)" if more > 0 else ""))
        if images:
            self._show_thumbnails(shown, Path(data_path))
        else:
            self._show_rows(shown, Path(data_path))

    def _show_thumbnails(self, records: list[dict[str, Any]], root: Path) -> None:
        self._shown = (records, root)
        self.stack.setCurrentWidget(self.thumbnails)
        self.thumbnails.clear()
        paths = []
        for record in records:
            path = Path(record["sample"])
            path = path if path.is_absolute() else root / path
            item = QListWidgetItem(f"{record['true']} → {record['predicted']}\n"
                                   f"{_confidence(record)}")
            item.setToolTip(f"{path}\ntrue {record['true']}, predicted {record['predicted']}")
            item.setData(Qt.ItemDataRole.UserRole, str(path))
            self.thumbnails.addItem(item)
            paths.append(path)
        request = self._request
        run_in_background(lambda: [_thumbnail(path) for path in paths],
                          lambda images: self._set_thumbnails(request, images),
                          lambda error: None, receiver=self)
        if self.explainer is not None and self.explain_box.isChecked():
            self._explain_from(request, self.explainer, paths, 0)

    def _explain_from(self, request: int, explainer: Callable[[Path], Any], paths: list[Path],
                      start: int) -> None:
        """Compute the heat maps of ``paths[start:]`` a few at a time: each batch shows as
        soon as it is done, and the next is queued only then, so other background work (an
        evaluation, Try it) waits for one batch, not for hundreds of maps; a newer list or
        another run stops the rest."""
        if request != self._request or start >= len(paths):
            return
        batch = paths[start:start + HEAT_MAP_BATCH]
        run_in_background(lambda: [explainer(path) for path in batch],
                          lambda maps: self._heat_maps_done(request, explainer, paths, start,
                                                            maps),
                          lambda error: self.title.setText(
                              f"{self.title.text()} — no heat maps: {error}"),
                          receiver=self)

    def _heat_maps_done(self, request: int, explainer: Callable[[Path], Any],
                        paths: list[Path], start: int, maps: list[Any]) -> None:
        self._set_thumbnails(request, [None if pixels is None else _scaled(rgb_image(pixels))
                                       for pixels in maps], start)
        self._explain_from(request, explainer, paths, start + len(maps))

    def _set_thumbnails(self, request: int, images: list[QImage | None], start: int = 0) -> None:
        if request != self._request:
            return
        for row, image in enumerate(images, start=start):
            if image is not None and row < self.thumbnails.count():
                self.thumbnails.item(row).setIcon(QIcon(QPixmap.fromImage(image)))

    def _show_rows(self, records: list[dict[str, Any]], csv_path: Path) -> None:
        self.stack.setCurrentWidget(self.rows)
        self._fill_rows(records, None)
        request = self._request
        numbers = [_row_number(record["sample"]) for record in records]
        run_in_background(lambda: _read_rows(csv_path, numbers),
                          lambda data: self._fill_rows(records, data)
                          if request == self._request else None,
                          lambda error: None, receiver=self)

    def _fill_rows(self, records: list[dict[str, Any]],
                   data: tuple[list[str], list[list[str]]] | None) -> None:
        columns, values = data if data else ([], [[] for _ in records])
        headers = ["sample", "true", "predicted", "confidence", *columns]
        self.rows.clear()
        self.rows.setColumnCount(len(headers))
        self.rows.setHorizontalHeaderLabels(headers)
        self.rows.setRowCount(len(records))
        for row, (record, cells) in enumerate(zip(records, values, strict=True)):
            shown = [record["sample"], str(record["true"]), str(record["predicted"]),
                     _confidence(record), *cells]
            for column, text in enumerate(shown):
                self.rows.setItem(row, column, QTableWidgetItem(text))
        self.rows.resizeColumnsToContents()


def _confidence(record: dict[str, Any]) -> str:
    value = record.get("confidence")
    return f"{value:.0%} sure" if isinstance(value, int | float) else ""


def _thumbnail(path: Path) -> QImage | None:
    image = QImage(str(path))
    if image.isNull():
        return None
    return _scaled(image)


def _scaled(image: QImage) -> QImage:
    return image.scaled(THUMBNAIL, THUMBNAIL, Qt.AspectRatioMode.KeepAspectRatio,
                        Qt.TransformationMode.SmoothTransformation)


def rgb_image(pixels: Any) -> QImage:
    """A ``QImage`` (its own copy) of a ``(height, width, 3)`` uint8 array."""
    import numpy as np

    pixels = np.ascontiguousarray(pixels, dtype=np.uint8)
    height, width = pixels.shape[:2]
    return QImage(pixels.data, width, height, 3 * width, QImage.Format.Format_RGB888).copy()


def _row_number(sample: str) -> int | None:
    match = _ROW.match(sample)
    return int(match.group(1)) if match else None


def _read_rows(csv_path: Path, numbers: list[int | None]) -> tuple[list[str], list[list[str]]]:
    """The CSV's column names and, per ``row N`` number, that row's values as text."""
    from dlstudio.core.data.csv_reading import read_csv  # pandas: not at GUI start-up

    frame, _warnings = read_csv(csv_path)
    rows = []
    for number in numbers:
        if number is None or not 1 <= number <= len(frame):
            rows.append([""] * len(frame.columns))
        else:
            rows.append(["" if value != value else str(value)
                         for value in frame.iloc[number - 1].tolist()])
    return [str(name) for name in frame.columns], rows
