"""The check of one image file agrees with what TensorFlow can decode during training."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from dlstudio.core.data.image_check import image_problem

PIXELS = np.random.default_rng(0).integers(0, 255, size=(12, 10, 3), dtype=np.uint8)


def save(path: Path, mode: str = "RGB", image_format: str | None = None, **options) -> Path:
    Image.fromarray(PIXELS).convert(mode).save(path, image_format, **options)
    return path


def cut(path: Path, keep: float = 0.5) -> Path:
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])
    return path


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def animated_gif(path: Path) -> Path:
    frames = [Image.fromarray(np.roll(PIXELS, shift, axis=0)) for shift in range(3)]
    frames[0].save(path, save_all=True, append_images=frames[1:])
    return path


GOOD = {
    "rgb.png": lambda p: save(p),
    "gray.png": lambda p: save(p, "L"),
    "rgba.png": lambda p: save(p, "RGBA"),
    "palette.png": lambda p: save(p, "P", transparency=0),
    "deep.png": lambda p: save(p, "I;16"),
    "photo.jpg": lambda p: save(p),
    "gray.jpeg": lambda p: save(p, "L", "JPEG"),
    "progressive.JPG": lambda p: save(p, image_format="JPEG", progressive=True),
    "print.jpg": lambda p: save(p, "CMYK"),
    "rgb.bmp": lambda p: save(p),
    "rgba.bmp": lambda p: save(p, "RGBA"),
    "gray.bmp": lambda p: save(p, "L"),
    "still.gif": lambda p: save(p, "P"),
    "moving.gif": animated_gif,
    "jpeg_named.png": lambda p: save(p, image_format="JPEG"),
}
BAD = {
    "empty.png": (lambda p: write(p, b""), "empty file"),
    "noise.png": (lambda p: write(p, np.random.default_rng(1).bytes(200)), "not an image"),
    "cut.png": (lambda p: cut(save(p)), "truncated or damaged"),
    "end_missing.png": (lambda p: cut(save(p), 0.98), "truncated or damaged"),
    "cut.jpg": (lambda p: cut(save(p)), "truncated or damaged"),
    "cut.gif": (lambda p: cut(save(p, "P"), 0.9), "truncated or damaged"),
    "cut.bmp": (lambda p: cut(save(p)), "truncated or damaged"),
    "mono.bmp": (lambda p: save(p, "1"), "BMP layout"),
    "tiff_named.png": (lambda p: save(p, image_format="TIFF"), "its content is TIFF"),
}


@pytest.mark.parametrize("name", sorted(GOOD))
def test_accepted_images_decode_in_tensorflow(tmp_path, name):
    import tensorflow as tf

    path = GOOD[name](tmp_path / name)

    assert image_problem(path) is None
    image = tf.io.decode_image(tf.io.read_file(str(path)), channels=3, expand_animations=False)
    assert image.shape == (12, 10, 3)


@pytest.mark.parametrize("name", sorted(BAD))
def test_rejected_files_fail_in_tensorflow_and_say_why(tmp_path, name):
    import tensorflow as tf

    make, reason = BAD[name]
    path = make(tmp_path / name)

    assert reason in image_problem(path)
    with pytest.raises(tf.errors.InvalidArgumentError):
        tf.io.decode_image(tf.io.read_file(str(path)), channels=3, expand_animations=False)


def test_colour_palette_bmp_is_rejected_because_tensorflow_reads_it_as_gray(tmp_path):
    path = save(tmp_path / "palette.bmp", "P")

    assert "BMP layout" in image_problem(path)
