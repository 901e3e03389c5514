"""TensorFlow SavedModel export: a folder whose ``serving_default`` signature takes raw inputs.

Written through ``keras.export.ExportArchive`` with the model called as
``model(inputs, training=False)``: ``model.export`` calls it without ``training``, and Keras 3's
random augmentation layers (``RandomFlip``, …) default to training mode, so its export would
flip and rotate images at inference. CSV columns go in as they are in the file (numbers as
float32 with NaN for missing values, categories and text as strings), images as decoded pixels
(float32 in 0..255, any size: resized inside). Loading goes through the op allow-list of
:mod:`dlstudio.core.export.savedmodel_safety` first.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from dlstudio.core.export.formats import ExportJob

NAME = "savedmodel"
TITLE = "TensorFlow SavedModel (a folder)"
FOLDER = True
QUANTIZATIONS = ("float32",)
TOLERANCE: tuple[float, float] | None = (1e-5, 1e-5)
SIGNATURE = "serving_default"


def refusal(job: ExportJob) -> str | None:
    """Every dlstudio model fits a SavedModel."""
    return None


def write(job: ExportJob, staging: Path) -> dict[str, Any]:
    """Write the SavedModel into ``staging`` and return its serving inputs and output."""
    import tensorflow as tf

    write_savedmodel(job.run.model, staging)
    serve = tf.saved_model.load(str(staging)).signatures[SIGNATURE]
    specs = serve.structured_input_signature[1]
    (output,) = serve.structured_outputs
    inputs = [{"name": name, "dtype": spec.dtype.name, "shape": list(spec.shape.as_list())}
              for name, spec in specs.items()]
    return {"inputs": inputs, "output": output, "signature": SIGNATURE}


def write_savedmodel(model: Any, path: Path) -> None:
    """Write ``model`` as a SavedModel whose ``serve``/``serving_default`` endpoint runs it in
    inference mode, one input per model input, named like the model's inputs."""
    import keras
    import tensorflow as tf

    def spec(tensor: Any) -> Any:
        return tf.TensorSpec(shape=tensor.shape, dtype=tensor.dtype, name=tensor.name)

    archive = keras.export.ExportArchive()
    archive.track(model)
    archive.add_endpoint("serve", lambda inputs: model(inputs, training=False),
                         input_signature=[keras.tree.map_structure(spec, model.input)])
    archive.write_out(str(path), verbose=False)


def load(path: Path, metadata: dict[str, Any]) -> Any:
    """Return a call on raw inputs, once every op passed the allow-list."""
    import tensorflow as tf

    from dlstudio.core.export.savedmodel_safety import load_savedmodel

    serve = load_savedmodel(path).signatures[metadata["signature"]]
    specs = serve.structured_input_signature[1]

    def call(inputs: dict[str, Any]) -> np.ndarray:
        feeds = {name: tf.cast(tf.constant(inputs[name]), spec.dtype)
                 for name, spec in specs.items()}
        with tf.device("/CPU:0"):
            return serve(**feeds)[metadata["output"]].numpy()

    return call
