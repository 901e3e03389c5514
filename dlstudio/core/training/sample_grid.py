"""The live sample grid of a generative run: images from a fixed noise vector, every epoch.

After each epoch :class:`SampleGridRecorder` asks the model for images from the same noise (drawn
once from the run's seed), tiles them into one PNG (``samples/epoch_0003.png`` and
``samples/latest.png`` in the run folder), adds ``sample_diversity`` to the epoch's logs and
sends a ``samples`` event, so the Train view shows the images forming epoch by epoch.

``sample_diversity`` is the mean distance between two of the grid's images divided by the mean
distance between two real training images: about 1 when the samples vary as much as the data,
near 0 when the generator makes (almost) the same image for every noise vector — mode collapse,
which the training doctor names.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import keras
import numpy as np
from PIL import Image

from dlstudio.core.training.events import Event, Samples

GRID_SAMPLES = 36
SAMPLES_FOLDER = "samples"
LATEST = "latest.png"
CELL_PIXELS = 48  # grids of tiny images are enlarged so each cell is at least this wide
DIVERSITY_KEY = "sample_diversity"


def tile(images: np.ndarray, columns: int | None = None, gap: int = 1) -> np.ndarray:
    """Return ``images`` (``(n, h, w, c)``, values in 0..1) tiled into one uint8 picture.

    Args:
        images: The images; ``c`` is 1 or 3.
        columns: Images per row (the square root of ``n``, rounded up, by default).
        gap: Pixels of white between cells.
    """
    count, height, width, channels = images.shape
    columns = columns or max(1, math.ceil(math.sqrt(count)))
    rows = max(1, math.ceil(count / columns))
    canvas = np.full((rows * (height + gap) + gap, columns * (width + gap) + gap, channels),
                     255, dtype=np.uint8)
    pixels = np.clip(np.rint(np.asarray(images, dtype=np.float64) * 255.0), 0, 255)
    for index in range(count):
        top = gap + (index // columns) * (height + gap)
        left = gap + (index % columns) * (width + gap)
        canvas[top:top + height, left:left + width] = pixels[index].astype(np.uint8)
    return canvas


def write_grid(images: np.ndarray, path: Path) -> Path:
    """Write ``images`` (values in 0..1) as one tiled PNG at ``path``, enlarged so each cell is
    at least :data:`CELL_PIXELS` wide; return ``path``. The file is replaced atomically."""
    canvas = tile(images)
    picture = Image.fromarray(canvas[..., 0] if canvas.shape[-1] == 1 else canvas)
    scale = max(1, math.ceil(CELL_PIXELS / max(1, images.shape[2])))
    if scale > 1:
        picture = picture.resize((picture.width * scale, picture.height * scale),
                                 Image.Resampling.NEAREST)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.partial")
    picture.save(temporary, format="PNG")
    os.replace(temporary, path)
    return path


def mean_distance(images: np.ndarray) -> float:
    """Return the mean root-mean-square difference between two different images of
    ``images`` (0 for fewer than two)."""
    flat = np.asarray(images, dtype=np.float64).reshape(len(images), -1)
    if len(flat) < 2:
        return 0.0
    squares = (flat ** 2).sum(axis=1)
    distances = squares[:, None] + squares[None, :] - 2.0 * flat @ flat.T
    distances = np.sqrt(np.maximum(distances, 0.0) / flat.shape[1])
    count = len(flat)
    return float(distances.sum() / (count * (count - 1)))


def diversity(samples: np.ndarray, real: np.ndarray) -> float:
    """Return the samples' :func:`mean_distance` relative to the real images' (see the module
    text); the samples' own distance when the real images do not vary."""
    reference = mean_distance(real)
    own = mean_distance(samples)
    return own / reference if reference > 0 else own


class SampleGridRecorder(keras.callbacks.Callback):
    """Writes the epoch's sample grid, logs its diversity and sends a ``samples`` event.

    Runs before the run's recorder, so ``sample_diversity`` reaches ``metrics.csv``, the epoch
    event and the training doctor.

    Args:
        sample: ``noise → images`` in 0..1 (``(n, h, w, c)``): the trained model's sampler.
        noise: The fixed noise, one row per grid cell.
        real: A few real training images in 0..1, the yardstick of diversity.
        folder: Where the grids go (the run's ``samples/``).
        emit: Where the ``samples`` event goes.
    """

    def __init__(self, sample: Callable[[np.ndarray], np.ndarray], noise: np.ndarray,
                 real: np.ndarray, folder: Path, emit: Callable[[Event], None]) -> None:
        super().__init__()
        self.sample, self.noise, self.real = sample, noise, real
        self.folder, self.emit = Path(folder), emit

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        images = np.clip(np.asarray(self.sample(self.noise), dtype=np.float32), 0.0, 1.0)
        value = round(diversity(images, self.real), 4)
        if logs is not None:
            logs[DIVERSITY_KEY] = value
        path = write_grid(images, self.folder / f"epoch_{epoch + 1:04d}.png")
        write_grid(images, self.folder / LATEST)
        self.emit(Samples(epoch + 1, str(path), value))


def fixed_noise(count: int, latent_dim: int, seed: int) -> np.ndarray:
    """Return the grid's noise: ``count`` standard-normal rows, the same for the same seed."""
    return np.random.default_rng(seed).standard_normal((count, latent_dim)).astype(np.float32)
