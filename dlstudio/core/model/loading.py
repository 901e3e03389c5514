"""Loading ``.keras`` files without running code from them, with plain-words refusals.

Every ``.keras`` file dlstudio reads (a run's model and checkpoint, a ``.keras`` export) goes
through :func:`load_keras_file`: ``safe_mode`` on, so a Python ``Lambda`` layer is refused
instead of run, and dlstudio's own layers registered.
"""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

from dlstudio.core.errors import UserInputError


class ModelFileError(UserInputError):
    """A model file cannot be loaded: damaged, truncated, or it holds Python code."""


def load_keras_file(path: str | Path, fix: str = "export or train it again") -> Any:
    """Load a ``.keras`` file safely, or say plainly why it cannot be loaded.

    Args:
        path: The file.
        fix: What the person can do about a file that cannot be loaded.

    Raises:
        ModelFileError: The file is missing, not a complete Keras file, or holds a layer
            made of Python code (``Lambda``), which dlstudio never runs.
    """
    import keras

    import dlstudio.core.model.gan_model  # noqa: F401  (registers the GAN's training model)
    import dlstudio.core.model.layers  # noqa: F401  (registers dlstudio's own layers)
    import dlstudio.core.model.series_layers  # noqa: F401

    source = Path(path)
    if not source.is_file():
        raise ModelFileError(f"{source}: model file not found; {fix}")
    if not zipfile.is_zipfile(source):
        raise ModelFileError(f"{source} is not a complete Keras model file (it may be "
                             f"truncated or damaged); {fix}")
    try:
        return keras.saving.load_model(source, safe_mode=True)
    except (OSError, ValueError, TypeError, KeyError, zipfile.BadZipFile) as error:
        text = str(error)
        if "Lambda" in text or "safe_mode" in text:
            raise ModelFileError(
                f"{source} contains a Lambda layer, which is Python code; dlstudio does not "
                "run code from model files — rebuild the model from dlstudio's layers, or "
                "replace the Lambda with a built-in layer") from None
        raise ModelFileError(f"{source} cannot be loaded as a Keras model "
                             f"({_first_sentence(text)}); {fix}") from None


def _first_sentence(text: str, limit: int = 160) -> str:
    sentence = text.strip().splitlines()[0] if text.strip() else "no details"
    return sentence if len(sentence) <= limit else sentence[: limit - 1] + "\N{HORIZONTAL ELLIPSIS}"
