"""The small interface every export format implements, and the registry of formats.

A format module (:mod:`~dlstudio.core.export.savedmodel`, :mod:`~dlstudio.core.export.keras_file`,
:mod:`~dlstudio.core.export.onnx`, :mod:`~dlstudio.core.export.litert`) defines:

- ``NAME``, ``TITLE``, ``FOLDER`` (a folder export, else one file), ``QUANTIZATIONS`` (the
  choices of ``--quantize``, the first the default) and ``TOLERANCE`` (``(atol, rtol)`` a
  float export must meet, ``None`` for quantized variants, which report what they lost);
- ``refusal(job) -> str | None``: why the format cannot represent this model, or ``None``;
- ``write(job, staging) -> dict``: write the model into ``staging`` and return the metadata
  it adds (``inputs``, ``output``, …);
- ``load(path, metadata) -> call``: the loader that ``dlstudio predict`` and the fresh-process
  check share, after the safety checks of the format; ``call`` takes raw inputs keyed by
  model input name (NumPy arrays: float32 numbers with NaN, strings, pixels) and returns the
  outputs as a NumPy array.

Nothing here imports TensorFlow: the ONNX and LiteRT loaders run without it.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from dlstudio.core.errors import UserInputError

FORMAT_MODULES = {
    "savedmodel": "dlstudio.core.export.savedmodel",
    "keras": "dlstudio.core.export.keras_file",
    "onnx": "dlstudio.core.export.onnx",
    "litert": "dlstudio.core.export.litert",
}
EXPORT_FORMATS = tuple(FORMAT_MODULES)
METADATA_FILE = "dlstudio_export.json"


@dataclass
class ExportJob:
    """What a format writes from.

    Attributes:
        run: The trained run (``TrainedRun``).
        dataset: The run's data.
        quantize: The chosen quantization (``float32`` where there is no choice).
        representative: A few encoded-or-raw training inputs for int8 calibration (raw inputs
            keyed by model input name, NumPy arrays).
    """

    run: Any
    dataset: Any
    quantize: str
    representative: dict[str, Any]


def format_module(fmt: str) -> ModuleType:
    """Return the module of export format ``fmt``.

    Raises:
        UserInputError: Unknown format.
    """
    if fmt not in FORMAT_MODULES:
        raise UserInputError(f"unknown export format {fmt!r}; expected one of "
                             f"{', '.join(EXPORT_FORMATS)}")
    return importlib.import_module(FORMAT_MODULES[fmt])


def missing_packages(*modules: str) -> str | None:
    """Return why a format cannot be offered when one of ``modules`` is not installed."""
    import importlib.util

    missing = [name for name in modules if importlib.util.find_spec(name) is None]
    if not missing:
        return None
    packages = {"ai_edge_litert": "ai-edge-litert"}
    names = " ".join(packages.get(name, name) for name in missing)
    return (f"this format needs {names}, which is not installed; install it with "
            f"`pip install {names}` (dlstudio's own dependencies include it)")


def keras_metadata_path(model_path: Path) -> Path:
    """Return the ``<name>.dlstudio_export.json`` written beside a ``.keras`` export."""
    return model_path.with_name(f"{model_path.stem}.{METADATA_FILE}")


def metadata_path(path: Path) -> Path:
    """Return where the metadata of the export at ``path`` lives."""
    return keras_metadata_path(path) if path.suffix == ".keras" else path / METADATA_FILE


def size_on_disk(path: Path) -> int:
    """Return the bytes of a file, or of every file under a folder."""
    if path.is_file():
        return path.stat().st_size
    return sum(item.stat().st_size for item in path.rglob("*") if item.is_file())


def read_metadata(path: Path) -> dict[str, Any]:
    """Return the metadata of the export at ``path`` (a folder or a ``.keras`` file).

    Raises:
        UserInputError: It is missing, not JSON, or describes no known format.
    """
    import json

    source = metadata_path(path)
    again = "export the run again with `dlstudio export RUN --format FORMAT --force`"
    try:
        metadata = json.loads(source.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserInputError(f"{path} has no {source.name}; it is not an export written by "
                             f"dlstudio — {again}") from None
    except (OSError, ValueError, RecursionError) as error:
        raise UserInputError(f"{source} cannot be read ({error}); {again}") from None
    if not isinstance(metadata, dict) or metadata.get("format") not in FORMAT_MODULES:
        raise UserInputError(f"{source} describes no dlstudio export format; {again}")
    return metadata


def open_export(path: str | Path) -> tuple[dict[str, Any], Any]:
    """Load the export at ``path`` through its format's checked loader.

    Returns:
        Its metadata and ``call``: raw inputs keyed by model input name to outputs.
    """
    path = Path(path)
    metadata = read_metadata(path)
    return metadata, format_module(metadata["format"]).load(path, metadata)
