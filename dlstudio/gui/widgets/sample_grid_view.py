"""The live sample grid of a generative run: the epoch's generated images, refreshed each epoch.

A GAN run writes a grid of images from the same noise after every epoch and says so with a
``samples`` event (:class:`~dlstudio.core.training.events.Samples`); this panel shows the
latest grid, scaled to fit with sharp pixels, under a caption with the epoch and the samples'
diversity. It stays hidden for runs that send no samples.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap, QResizeEvent
from PySide6.QtWidgets import QLabel, QSizePolicy, QVBoxLayout, QWidget

from dlstudio.core.training.events import Samples

TIP = ("Images the generator makes from the same noise after each epoch: watch them turn from "
       "noise into pictures. Diversity compares how much they differ from one another with how "
       "much real images do (near 0: the same image everywhere — mode collapse).")


class SampleGridView(QWidget):
    """The latest grid of generated samples, with its epoch and diversity.

    Attributes:
        epoch: The epoch of the grid shown (0: none yet).
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.epoch = 0
        self._pixmap = QPixmap()
        self.caption = QLabel("Generated samples")
        self.caption.setProperty("role", "heading")
        self.caption.setWordWrap(True)
        self.picture = QLabel()
        self.picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.picture.setMinimumSize(120, 120)
        self.picture.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Ignored)
        self.setToolTip(TIP)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 0, 0, 0)
        layout.addWidget(self.caption)
        layout.addWidget(self.picture, 1)
        self.hide()

    def show_samples(self, event: Samples) -> None:
        """Show the grid the event names (a grid that cannot be read leaves the last one)."""
        pixmap = QPixmap(event.path)
        if pixmap.isNull():
            return
        self._pixmap = pixmap
        self.epoch = event.epoch
        self.caption.setText(f"Generated samples · epoch {event.epoch} · diversity "
                             f"{event.diversity:.2f}")
        self._fit()
        self.show()

    def clear(self) -> None:
        """Forget the grid and hide (a new run, another project)."""
        self._pixmap = QPixmap()
        self.epoch = 0
        self.picture.clear()
        self.hide()

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802  (Qt's name)
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        if self._pixmap.isNull():
            return
        size = self.picture.size()
        self.picture.setPixmap(self._pixmap.scaled(
            size, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.FastTransformation))
