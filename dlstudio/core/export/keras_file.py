"""Keras export: the run's ``model.keras`` copied to a ``.keras`` path, with
``<name>.dlstudio_export.json`` beside it (``dlstudio predict`` reads the data through it). It
loads with ``keras.saving.load_model(path, safe_mode=True)`` once ``dlstudio.core.model.layers``
is imported (dlstudio's own layers).
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import numpy as np

from dlstudio.core.export.formats import ExportJob
from dlstudio.core.export.reload_check import as_array

NAME = "keras"
TITLE = "Keras file (.keras)"
FOLDER = False
QUANTIZATIONS = ("float32",)
TOLERANCE: tuple[float, float] | None = (1e-5, 1e-5)
LOAD_HINT = ("import keras, dlstudio.core.model.layers; "
             "keras.saving.load_model(path, safe_mode=True)")


def refusal(job: ExportJob) -> str | None:
    """Every dlstudio model fits a ``.keras`` file."""
    return None


def write(job: ExportJob, staging: Path) -> dict[str, Any]:
    """Copy the run's model to ``staging`` and return its inputs."""
    shutil.copyfile(job.run.folder.model_path, staging)
    inputs = [{"name": tensor.name, "dtype": str(tensor.dtype), "shape": list(tensor.shape)}
              for tensor in job.run.model.inputs]
    from dlstudio.core.tasks import get_task

    return {"inputs": inputs, "output": get_task(job.run.task).compared_output,
            "signature": None, "load": LOAD_HINT}


def load(path: Path, metadata: dict[str, Any]) -> Any:
    """Return a call on raw inputs; the file is read in Keras's safe mode."""
    import tensorflow as tf

    from dlstudio.core.evaluation.evaluate import load_keras_model

    model = load_keras_model(path)

    def call(inputs: dict[str, Any]) -> np.ndarray:
        with tf.device("/CPU:0"):
            outputs = model({name: tf.constant(value) for name, value in inputs.items()},
                            training=False)
        return as_array(outputs, metadata.get("output"))

    return call
