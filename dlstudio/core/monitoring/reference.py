"""Reference statistics of a run's training data, stored in the run folder (no Qt).

At the end of training, :func:`write_reference` summarises the training split in
``reference_stats.json`` so that later data can be compared with it
(:mod:`dlstudio.core.monitoring.drift`):

- per table column: rows, missing rate, and for numbers the percentiles (0..100), the bins
  PSI uses (reference deciles) with their shares and a 20-bin histogram for plots; for
  categories the frequency of each (up to :data:`MAX_CATEGORIES`); text columns are
  summarised by their word counts;
- for images: per-channel pixel statistics and histograms, and a low-dimensional summary of
  the model's penultimate layer (a PCA of the embeddings of up to :data:`MAX_IMAGES` images).

:func:`column_statistics` computes the same numbers for any data, so new data is summarised by
the same code as the reference. Runs trained before this file existed get their reference
computed from the training split on the fly (:func:`reference_for_run`).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from dlstudio.core.errors import UserInputError

REFERENCE_FILE = "reference_stats.json"
SCHEMA_VERSION = 1
PERCENTILES = np.linspace(0, 100, 101)
DISPLAY_BINS = 20
PIXEL_BINS = 32
MAX_CATEGORIES = 100
MAX_IMAGES = 512
EMBEDDING_COMPONENTS = 8
ON_THE_FLY_NOTE = ("this run was trained before reference statistics were stored; the reference "
                   "was computed now from its training split, read as the run's snapshot says")


def reference_path(run_dir: str | Path) -> Path:
    """Return where a run folder keeps its reference statistics."""
    return Path(run_dir) / REFERENCE_FILE


def numeric_statistics(values: np.ndarray) -> dict[str, Any]:
    """Summarise numbers (NaN = missing): missing rate, percentiles, PSI bins, histogram."""
    values = np.asarray(values, dtype=np.float64).reshape(-1)
    present = values[np.isfinite(values)]
    stats: dict[str, Any] = {"kind": "numeric", "rows": int(values.size),
                             "missing_rate": _rate(values.size - present.size, values.size)}
    if present.size == 0:
        return {**stats, "percentiles": [], "bin_edges": [], "bin_shares": [],
                "histogram_edges": [], "histogram_counts": []}
    percentiles = np.percentile(present, PERCENTILES, method="inverted_cdf")
    edges = np.unique(percentiles[10:100:10])  # interior decile edges
    shares = _shares(np.bincount(np.searchsorted(edges, present, side="right"),
                                 minlength=edges.size + 1))
    low, high = float(present.min()), float(present.max())
    if high <= low:
        high = low + 1.0
    counts, display_edges = np.histogram(present, bins=DISPLAY_BINS, range=(low, high))
    return {**stats, "mean": float(present.mean()), "std": float(present.std()),
            "percentiles": percentiles.tolist(), "bin_edges": edges.tolist(),
            "bin_shares": shares.tolist(), "histogram_edges": display_edges.tolist(),
            "histogram_counts": counts.tolist()}


def categorical_statistics(values: np.ndarray) -> dict[str, Any]:
    """Summarise categories (``""`` = missing): missing rate and each category's share."""
    texts = np.asarray(values, dtype=object).reshape(-1).astype(str)
    present = texts[texts != ""]
    names, counts = np.unique(present, return_counts=True)
    order = np.argsort(-counts, kind="stable")[:MAX_CATEGORIES]
    return {"kind": "categorical", "rows": int(texts.size),
            "missing_rate": _rate(texts.size - present.size, texts.size),
            "frequencies": {str(names[i]): _rate(counts[i], present.size) for i in order},
            "categories_truncated": bool(names.size > MAX_CATEGORIES)}


def column_statistics(kind: str, values: np.ndarray) -> dict[str, Any]:
    """Summarise one table column read as ``kind`` (numeric, categorical or text)."""
    if kind == "numeric":
        return numeric_statistics(values)
    if kind == "text":
        texts = np.asarray(values, dtype=object).reshape(-1).astype(str)
        words = np.array([len(text.split()) if text else np.nan for text in texts])
        return {**numeric_statistics(words), "kind": "text", "measure": "words per value"}
    return categorical_statistics(values)


def table_statistics(dataset: Any, split: str) -> dict[str, dict[str, Any]]:
    """Return :func:`column_statistics` of every feature column of a table ``split``."""
    inputs = dataset.inputs(split)
    return {spec.name: column_statistics(spec.kind, inputs[dataset.input_names[spec.name]])
            for spec in dataset.features}


def pixel_statistics(images: np.ndarray) -> dict[str, Any]:
    """Per-channel mean, std and a 32-bin histogram (shares) of pixels in 0..255."""
    channels = []
    for channel in range(images.shape[-1]):
        pixels = images[..., channel].reshape(-1)
        counts, _ = np.histogram(pixels, bins=PIXEL_BINS, range=(0.0, 255.0))
        channels.append({"mean": float(pixels.mean()), "std": float(pixels.std()),
                         "histogram": _shares(counts).tolist()})
    return {"images": int(images.shape[0]), "channels": channels}


def image_arrays(dataset: Any, split: str, model: Any = None,
                 limit: int = MAX_IMAGES) -> tuple[np.ndarray, np.ndarray | None]:
    """Return up to ``limit`` images of ``split`` (resized as for the model) and, with a model,
    their embeddings from its penultimate layer (``None`` when it has none to read)."""
    embedder = penultimate_model(model) if model is not None else None
    images, embeddings = [], []
    seen = 0
    for batch in dataset.tf_dataset(split, 32):
        inputs = batch[0] if isinstance(batch, tuple) else batch
        pixels = np.asarray(inputs["image"])[: limit - seen]
        images.append(pixels)
        if embedder is not None:
            embeddings.append(np.asarray(embedder({"image": pixels}, training=False))
                              .reshape(len(pixels), -1))
        seen += len(pixels)
        if seen >= limit:
            break
    if not images:
        raise UserInputError(f"the {split} split has no images to summarise")
    joined = np.concatenate(embeddings) if embeddings else None
    return np.concatenate(images).astype(np.float32), joined


def penultimate_model(model: Any) -> Any:
    """Return a model from the inputs to the layer before the output head, or ``None``."""
    import keras

    try:
        return keras.Model(model.inputs, model.get_layer("output").input)
    except (ValueError, AttributeError, TypeError):
        return None


def embedding_summary(embeddings: np.ndarray) -> dict[str, Any]:
    """A PCA summary of embeddings: mean, top components, and per-component PSI bins."""
    embeddings = np.asarray(embeddings, dtype=np.float64)
    mean = embeddings.mean(axis=0)
    centred = embeddings - mean
    count = max(1, min(EMBEDDING_COMPONENTS, embeddings.shape[1], embeddings.shape[0] - 1))
    _, singular, components = np.linalg.svd(centred, full_matrices=False)
    components = components[:count]
    projected = centred @ components.T
    return {"dimensions": int(embeddings.shape[1]), "mean": mean.tolist(),
            "components": components.tolist(),
            "total_variance": float((centred ** 2).sum() / max(1, len(centred))),
            "projections": [numeric_statistics(projected[:, i]) for i in range(count)]}


def reference_from_dataset(dataset: Any, model: Any = None, split: str = "train"
                           ) -> dict[str, Any]:
    """Return the reference statistics of ``split`` (the model adds the image embedding)."""
    reference: dict[str, Any] = {"schema_version": SCHEMA_VERSION, "kind": dataset.kind,
                                 "split": split, "rows": int(dataset.split_size(split)),
                                 "created": datetime.now(UTC).isoformat(timespec="seconds")}
    if dataset.kind == "csv":
        reference["columns"] = table_statistics(dataset, split)
        return reference
    images, embeddings = image_arrays(dataset, split, model)
    reference["pixels"] = pixel_statistics(images)
    reference["embedding"] = None if embeddings is None else embedding_summary(embeddings)
    return reference


def write_reference(run_dir: str | Path, dataset: Any, model: Any = None) -> Path:
    """Compute the training split's reference statistics and write them into the run folder."""
    from dlstudio.core.project.project import atomic_write_text

    path = reference_path(run_dir)
    reference = reference_from_dataset(dataset, model)
    atomic_write_text(path, json.dumps(reference, indent=1))
    return path


def read_reference(path: Path) -> dict[str, Any]:
    """Read a ``reference_stats.json``.

    Raises:
        UserInputError: The file cannot be read or is of a newer version.
    """
    try:
        reference = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise UserInputError(f"{path} cannot be read ({error}); delete it and the reference is "
                             "computed again from the run's training split") from None
    version = reference.get("schema_version") if isinstance(reference, dict) else None
    if not isinstance(version, int) or version > SCHEMA_VERSION:
        raise UserInputError(f"{path} has schema version {version!r}, this dlstudio reads up to "
                             f"{SCHEMA_VERSION}; update dlstudio or delete the file")
    return reference


def reference_for_run(run_dir: str | Path, model: Any = None
                      ) -> tuple[dict[str, Any], str | None]:
    """Return a run's reference statistics and a note when they were computed on the fly.

    Args:
        run_dir: The run folder.
        model: The run's model, if already loaded (image runs need it for the embedding).
    """
    path = reference_path(run_dir)
    if path.is_file():
        return read_reference(path), None
    from dlstudio.core.data import load_dataset
    from dlstudio.core.runs.folder import RunFolder

    folder = RunFolder.open(run_dir)
    project = folder.load_project()
    record = folder.read_record()
    dataset = load_dataset(project, class_names=list(record.class_names) or None)
    if dataset.kind != "csv" and model is None and folder.model_path.is_file():
        from dlstudio.core.model.loading import load_keras_file

        model = load_keras_file(folder.model_path)
    return reference_from_dataset(dataset, model), ON_THE_FLY_NOTE


def _shares(counts: np.ndarray) -> np.ndarray:
    total = counts.sum()
    return counts / total if total else counts.astype(np.float64)


def _rate(part: int, whole: int) -> float:
    return float(part) / whole if whole else 0.0
