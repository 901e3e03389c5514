"""A live preview of the training-time image augmentation, done with NumPy and Pillow.

The transforms mirror the Keras layers the model uses (``RandomFlip``, ``RandomRotation``,
``RandomZoom``, ``RandomTranslation`` with reflected borders, ``RandomContrast``), so a person
sees what the model will be shown without importing TensorFlow.
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageOps
from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import QGridLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from dlstudio.core.project.project import AugmentationSpec

PREVIEW_SIZE = 104
COLUMNS = 4


def augment(image: Image.Image, spec: AugmentationSpec, rng: np.random.Generator) -> Image.Image:
    """Return ``image`` randomly changed as ``spec`` says (RGB in, RGB out, same size)."""
    width, height = image.size
    if spec.flip in ("horizontal", "horizontal_and_vertical") and rng.random() < 0.5:
        image = ImageOps.mirror(image)
    if spec.flip in ("vertical", "horizontal_and_vertical") and rng.random() < 0.5:
        image = ImageOps.flip(image)
    image = _geometry(image, spec, rng)
    if spec.contrast > 0:
        factor = 1.0 + rng.uniform(-spec.contrast, spec.contrast)
        pixels = np.asarray(image, dtype=np.float32)
        mean = pixels.mean(axis=(0, 1), keepdims=True)
        pixels = np.clip((pixels - mean) * factor + mean, 0, 255).astype(np.uint8)
        image = Image.fromarray(pixels)
    return image.resize((width, height))


def _geometry(image: Image.Image, spec: AugmentationSpec, rng: np.random.Generator) -> Image.Image:
    """Rotate, zoom and shift on a reflect-padded copy, then crop back to the original size."""
    if not (spec.rotation or spec.zoom or spec.translation):
        return image
    width, height = image.size
    pad = max(width, height)
    padded = Image.fromarray(np.pad(np.asarray(image), ((pad, pad), (pad, pad), (0, 0)),
                                    mode="reflect"))
    if spec.rotation:
        angle = rng.uniform(-spec.rotation, spec.rotation) * 360.0
        padded = padded.rotate(angle, resample=Image.Resampling.BILINEAR)
    scale = 1.0 + rng.uniform(-spec.zoom, spec.zoom)
    shift_x = rng.uniform(-spec.translation, spec.translation) * width
    shift_y = rng.uniform(-spec.translation, spec.translation) * height
    centre_x, centre_y = padded.width / 2 + shift_x, padded.height / 2 + shift_y
    half_w, half_h = width * scale / 2, height * scale / 2
    box = (centre_x - half_w, centre_y - half_h, centre_x + half_w, centre_y + half_h)
    return padded.resize((width, height), Image.Resampling.BILINEAR, box=box)


def to_pixmap(image: Image.Image) -> QPixmap:
    """Return a Pillow image as a QPixmap (call on the GUI thread)."""
    rgb = image.convert("RGB")
    data = rgb.tobytes()
    qimage = QImage(data, rgb.width, rgb.height, rgb.width * 3, QImage.Format.Format_RGB888)
    return QPixmap.fromImage(qimage.copy())


class AugmentationPreview(QWidget):
    """A grid of augmented versions of a few sample images, redrawn on demand."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.sources: list[Image.Image] = []
        self.seed = 0
        self.tiles: list[QLabel] = []
        grid = QGridLayout()
        grid.setSpacing(4)
        for number in range(2 * COLUMNS):
            tile = QLabel()
            tile.setFixedSize(PREVIEW_SIZE, PREVIEW_SIZE)
            tile.setAlignment(Qt.AlignmentFlag.AlignCenter)
            tile.setStyleSheet("border: 1px solid palette(mid); border-radius: 4px;")
            grid.addWidget(tile, number // COLUMNS, number % COLUMNS)
            self.tiles.append(tile)
        self.shuffle = QPushButton("New samples")
        self.shuffle.setToolTip("Draw new random changes")
        self.shuffle.clicked.connect(self._reseed)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(grid)
        layout.addWidget(self.shuffle, 0, Qt.AlignmentFlag.AlignLeft)
        self.spec = AugmentationSpec()

    def show_augmented(self, sources: list[Image.Image], spec: AugmentationSpec) -> None:
        """Draw each tile as a random augmentation of a source image."""
        self.sources, self.spec = sources, spec
        rng = np.random.default_rng(self.seed)
        for number, tile in enumerate(self.tiles):
            if not sources:
                tile.clear()
                continue
            source = sources[number % len(sources)].convert("RGB")
            source = source.resize((PREVIEW_SIZE - 4, PREVIEW_SIZE - 4))
            tile.setPixmap(to_pixmap(augment(source, spec, rng)))

    def _reseed(self) -> None:
        self.seed += 1
        self.show_augmented(self.sources, self.spec)
