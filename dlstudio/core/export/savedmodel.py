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
    from dlstudio.core.tasks import get_task

    serve = tf.saved_model.load(str(staging)).signatures[SIGNATURE]
    specs = serve.structured_input_signature[1]
    outputs = list(serve.structured_outputs)
    compared = get_task(job.run.task).compared_output
    (output,) = [compared] if compared in outputs else outputs
    inputs = [{"name": name, "dtype": spec.dtype.name, "shape": list(spec.shape.as_list())}
              for name, spec in specs.items()]
    written = {"inputs": inputs, "output": output, "outputs": outputs, "signature": SIGNATURE}
    parts = write_generative_parts(job, staging)
    if parts:
        written["parts"] = parts
    return written


PART_FOLDERS = {"decoder": "decoder", "encoder": "encoder"}
"""Where a VAE's parts go inside its SavedModel export (each a SavedModel of its own)."""


def write_generative_parts(job: ExportJob, staging: Path) -> dict[str, str]:
    """Write a VAE's decoder (latent code in, one sample out) and encoder (raw inputs in, the
    code's mean and log-variance out) as SavedModels of their own, each with its metadata, and
    check each in a fresh process; return their folders by part (empty for other models)."""
    import json

    import keras
    import tensorflow as tf

    from dlstudio.core.export.check import check_in_fresh_process
    from dlstudio.core.export.reload_check import compare, require_passed

    model = job.run.model
    if not isinstance(model.output, dict) or "latent_mean" not in model.output:
        return {}
    decoder = model.get_layer("decoder")
    encoder = keras.Model(model.inputs, {"mean": model.output["latent_mean"],
                                         "log_variance": model.get_layer(
                                             "latent_log_variance").output})
    latent = int(decoder.input.shape[-1])
    decoder_input = decoder.input.name
    for part, part_model, output in (("decoder", decoder, None), ("encoder", encoder, "mean")):
        folder = staging / PART_FOLDERS[part]
        write_savedmodel(part_model, folder)

        serve = tf.saved_model.load(str(folder)).signatures[SIGNATURE]
        specs = serve.structured_input_signature[1]
        outputs = list(serve.structured_outputs)
        metadata = {"dlstudio_export": 1, "format": NAME, "task": job.run.task, "part": part,
                    "signature": SIGNATURE, "output": output or outputs[0], "outputs": outputs,
                    "data_kind": job.run.project.data.kind, "class_names": [],
                    "inputs": [{"name": name, "dtype": spec.dtype.name,
                                "shape": list(spec.shape.as_list())}
                               for name, spec in specs.items()]}
        (folder / "dlstudio_export.json").write_text(json.dumps(metadata, indent=2) + "\n",
                                                     encoding="utf-8")
    from dlstudio.core.export.exporter import report_samples  # it imports this module

    samples, _targets, split = report_samples(job.dataset)
    rows = len(next(iter(samples.values())))
    codes = np.random.default_rng(0).standard_normal((rows, latent)).astype("float32")
    # one fresh process for both: each part's loader feeds only the inputs it takes
    decoded, encoded = check_in_fresh_process(
        [staging / PART_FOLDERS["decoder"], staging / PART_FOLDERS["encoder"]],
        {**samples, decoder_input: codes})
    require_passed(compare(np.asarray(decoder(codes, training=False)),
                           np.asarray(decoded["outputs"]), "latent codes"))
    means = encoder({name: tf.constant(values) for name, values in samples.items()},
                    training=False)["mean"]
    require_passed(compare(np.asarray(means), np.asarray(encoded["outputs"]), split))
    return {part: folder for part, folder in PART_FOLDERS.items()}


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
