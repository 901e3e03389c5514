"""``dlstudio generate``: new samples from a trained generative run, written as files.

The run's task draws the samples (:meth:`~dlstudio.core.tasks.Task.sample`: a VAE decodes codes
drawn from the prior, a GAN's generator turns noise into images), as preprocessed samples of the
data's shape. Images (pixels in [0, 1]) are written as PNG files ``sample_0001.png``, …; table
rows are turned back into the CSV's columns (numbers un-scaled, a category its most likely
value) and written as ``samples.csv``. The same seed gives the same samples.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from dlstudio.core.errors import UserInputError, writing_into
from dlstudio.core.project.project import atomic_write_text
from dlstudio.core.tasks import get_task

MOST_SAMPLES = 100_000


def generate(run_dir: str | Path, count: int, out_dir: str | Path, seed: int = 0) -> list[Path]:
    """Write ``count`` samples of the run ``run_dir`` into ``out_dir``.

    Returns:
        The files written (one PNG per image, or one CSV of rows).

    Raises:
        UserInputError: ``count`` is out of range, the run's task does not generate, or the
            folder cannot be written.
    """
    from dlstudio.core.evaluation.evaluate import open_run

    if not 1 <= count <= MOST_SAMPLES:
        raise UserInputError(f"-n must be between 1 and {MOST_SAMPLES}, got {count}")
    run = open_run(run_dir)
    samples = np.asarray(get_task(run.task).sample(run.model, count, seed))
    target = Path(out_dir)
    if target.exists() and not target.is_dir():
        raise UserInputError(f"{target} is a file; give a folder for the samples (-o DIR)")
    with writing_into(target, "the samples"):
        target.mkdir(parents=True, exist_ok=True)
        if run.project.data.kind == "images":
            return write_images(samples, target)
        return [write_rows(samples, run.project, target / "samples.csv")]


def as_pixels(samples: np.ndarray) -> np.ndarray:
    """Return samples in [0, 1] as 8-bit pixels (``count, height, width, channels``)."""
    values = np.clip(np.nan_to_num(np.asarray(samples, dtype=np.float64)), 0.0, 1.0)
    return np.round(values * 255.0).astype(np.uint8)


def write_images(samples: np.ndarray, folder: Path) -> list[Path]:
    """Write each sample as ``sample_0001.png`` … and return the paths."""
    from PIL import Image

    pixels = as_pixels(samples)
    width = max(4, len(str(len(pixels))))
    paths = []
    for number, image in enumerate(pixels, start=1):
        path = folder / f"sample_{number:0{width}d}.png"
        if image.shape[-1] == 1:
            Image.fromarray(image[..., 0], "L").save(path)
        else:
            Image.fromarray(image[..., :3], "RGB").save(path)
        paths.append(path)
    return paths


def write_rows(samples: np.ndarray, project: Any, path: Path) -> Path:
    """Write preprocessed row vectors back as the CSV's feature columns."""
    from dlstudio.core.data import load_dataset

    dataset = load_dataset(project)
    table = decode_rows(np.asarray(samples, dtype=np.float64), dataset.preprocessing,
                        {name: column for column, name in dataset.input_names.items()})
    atomic_write_text(path, table.to_csv(index=False))
    return path


def decode_rows(vectors: np.ndarray, preprocessing: Any, columns: dict[str, str]) -> Any:
    """Return preprocessed vectors as a table of the original columns.

    Numbers are un-scaled (the smooth clip and the normalization undone); a one-hot category
    takes its most likely value (empty for the unseen slot). Embedded categories and text
    columns cannot be read back and are left out.

    Args:
        vectors: One preprocessed row per line.
        preprocessing: The dataset's fitted :class:`Preprocessing`.
        columns: Input name → the CSV column it reads.
    """
    import pandas as pd

    table: dict[str, Any] = {}
    position = 0
    numeric = preprocessing.numeric
    if numeric is not None:
        scaled = vectors[:, position:position + len(numeric.inputs)]
        if numeric.clip:
            limit = numeric.clip
            ratio = np.clip(scaled / limit, -0.999, 0.999)
            scaled = scaled / np.sqrt(1.0 - np.square(ratio))
        values = scaled * np.sqrt(np.asarray(numeric.variances)) + np.asarray(numeric.means)
        for index, name in enumerate(numeric.inputs):
            table[columns.get(name, name)] = values[:, index]
        position += numeric.width
    for plan in preprocessing.categories:
        if plan.embedding_dim is None:
            block = vectors[:, position:position + plan.width]
            choices = np.asarray([*plan.vocabulary, ""], dtype=object)
            table[columns.get(plan.input, plan.input)] = choices[np.argmax(block, axis=1)]
        position += plan.width
    return pd.DataFrame(table)
