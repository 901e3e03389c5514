"""Preprocessed samples shown as pictures: images (pixels in [0, 1]) as a grid of thumbnails,
and a row of them as a strip, each with an optional caption."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import QGridLayout, QLabel, QVBoxLayout, QWidget

THUMBNAIL = 72


def pixmap_of(sample: np.ndarray, side: int = THUMBNAIL) -> QPixmap:
    """Return one image sample (height, width, channels in [0, 1]) as a pixmap ``side`` high."""
    pixels = np.round(np.clip(np.nan_to_num(np.asarray(sample, dtype=np.float64)), 0, 1) * 255)
    pixels = np.ascontiguousarray(pixels.astype(np.uint8))
    height, width = pixels.shape[:2]
    if pixels.ndim == 2 or pixels.shape[-1] == 1:
        gray = np.ascontiguousarray(pixels.reshape(height, width))
        image = QImage(gray.data, width, height, width, QImage.Format.Format_Grayscale8).copy()
    else:
        rgb = np.ascontiguousarray(pixels[..., :3])
        image = QImage(rgb.data, width, height, 3 * width, QImage.Format.Format_RGB888).copy()
    return QPixmap.fromImage(image).scaledToHeight(side, Qt.TransformationMode.FastTransformation)


class ImageGrid(QWidget):
    """Samples as thumbnails in rows of ``columns``, each with a caption under it."""

    def __init__(self, columns: int = 8, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.columns = columns
        self.grid = QGridLayout(self)
        self.grid.setSpacing(4)
        self.cells: list[QLabel] = []

    def set_samples(self, samples: Sequence[np.ndarray], captions: Sequence[str] = (),
                    side: int = THUMBNAIL) -> None:
        """Show ``samples`` (replacing what was shown)."""
        while self.grid.count():
            item = self.grid.takeAt(0)
            if item.widget() is not None:
                item.widget().deleteLater()
        self.cells = []
        for index, sample in enumerate(samples):
            cell = QWidget()
            column = QVBoxLayout(cell)
            column.setContentsMargins(0, 0, 0, 0)
            picture = QLabel()
            picture.setPixmap(pixmap_of(sample, side))
            picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
            column.addWidget(picture)
            if index < len(captions):
                caption = QLabel(captions[index])
                caption.setProperty("role", "hint")
                caption.setAlignment(Qt.AlignmentFlag.AlignCenter)
                column.addWidget(caption)
            self.grid.addWidget(cell, index // self.columns, index % self.columns)
            self.cells.append(picture)
