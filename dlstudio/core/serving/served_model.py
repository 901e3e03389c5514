"""What the server serves: a run folder or a dlstudio export, predicting batches from memory.

:func:`open_served_model` opens a run folder (its project snapshot and ``model.keras``), a
SavedModel folder exported by dlstudio (checked op by op by
:mod:`dlstudio.core.export.savedmodel_safety` before TensorFlow loads it) or a ``.keras``
export with its ``.dlstudio_export.json``. Rows go through the same column reading as files:
a run's rows through :func:`dlstudio.core.data.load_rows` (as "Try it" and ``predict`` read
them), an export's rows through the CSV parser and its metadata, as ``dlstudio predict`` does.
Images are decoded in memory as the image folder's loader decodes them. Nothing is written.
"""

from __future__ import annotations

import logging
import platform
import threading
from pathlib import Path
from typing import Any

import numpy as np

from dlstudio import __version__
from dlstudio.core.errors import UserInputError
from dlstudio.core.serving.requests import (
    MAX_IMAGE_BYTES,
    MAX_IMAGES,
    MAX_ROWS,
    InputColumn,
    rows_as_text,
)

LOGGER = logging.getLogger("dlstudio.serve")


class ServedModel:
    """A model ready to predict batches of rows or images held in memory.

    Attributes:
        name: What the model is called (the run's name or the export's folder).
        source: ``run``, ``savedmodel`` or ``keras``.
        task: ``classification`` or ``regression``.
        class_names: Classes in output order (empty for regression).
        data_kind: ``csv`` or ``images``.
        columns: The CSV columns the model reads (empty for images).
        known_columns: Every column name requests may give.
        image: ``size`` and ``channels`` for image models.
    """

    def __init__(self, name: str, source: str, task: str, class_names: list[str],
                 data_kind: str, columns: list[InputColumn], known_columns: set[str],
                 image: dict[str, Any] | None = None) -> None:
        self.name, self.source, self.task = name, source, task
        self.class_names, self.data_kind = class_names, data_kind
        self.columns, self.known_columns = columns, known_columns
        self.image = image or {}
        self.threshold: float | None = None  # a two-class run's saved decision threshold
        self.lock = threading.Lock()

    def metadata(self) -> dict[str, Any]:
        """What ``GET /metadata`` answers: inputs, classes, limits and versions."""
        import keras
        import tensorflow as tf

        return {"model": self.name, "source": self.source, "task": self.task,
                "classes": self.class_names, "data_kind": self.data_kind,
                "inputs": [{"column": c.name, "kind": c.kind} for c in self.columns],
                "image": self.image,
                "limits": {"max_rows": MAX_ROWS, "max_images": MAX_IMAGES,
                           "max_image_bytes": MAX_IMAGE_BYTES},
                "versions": {"dlstudio": __version__, "python": platform.python_version(),
                             "tensorflow": tf.__version__, "keras": keras.__version__}}

    def check_rows(self, rows: Any) -> list[dict[str, str]]:
        """Check JSON rows (see :func:`rows_as_text`) and return them as text."""
        if self.data_kind != "csv":
            raise UserInputError("this model reads images; upload them as multipart files "
                                 "named 'images'")
        return rows_as_text(rows, self.columns, self.known_columns)

    def predict_rows(self, rows: list[dict[str, str]]) -> list[dict[str, Any]]:
        """Predict checked rows; one ``{"prediction", "probabilities"}`` per row."""
        raise NotImplementedError

    def predict_images(self, images: list[bytes]) -> list[dict[str, Any]]:
        """Predict checked images (file contents); one result per image."""
        raise NotImplementedError

    def drift_warning(self, rows: list[dict[str, str]]) -> str | None:
        """A warning when a batch of rows drifted from the training data (or ``None``)."""
        return None

    def results(self, outputs: np.ndarray) -> list[dict[str, Any]]:
        """Turn raw model outputs into one result per sample."""
        from dlstudio.core.evaluation.predict import prediction_table

        table = prediction_table([""] * len(outputs), outputs, self.task, self.class_names,
                                 self.threshold)
        results = []
        for _, row in table.iterrows():
            prediction = row["prediction"]
            results.append({
                "prediction": prediction if self.class_names else float(prediction),
                "probabilities": {name: float(row[f"prob_{name}"])
                                  for name in self.class_names} or None})
        return results

    def decode(self, data: bytes) -> Any:
        """Decode one image's bytes as the image folder's loader does (RGB or grayscale)."""
        import tensorflow as tf

        pixels = tf.io.decode_image(data, channels=3, expand_animations=False)
        if self.image.get("channels") == 1:
            pixels = tf.image.rgb_to_grayscale(pixels)
        return tf.cast(pixels, tf.float32)


class RunModel(ServedModel):
    """A run folder's model, reading rows and images through the run's project snapshot."""

    def __init__(self, run_dir: Path) -> None:
        from dlstudio.core.evaluation.evaluate import open_run
        from dlstudio.core.monitoring.reference import read_reference, reference_path

        self.run = open_run(run_dir)
        project = self.run.project
        data = project.data
        features = [InputColumn(c.name, c.kind) for c in data.columns
                    if c.role == "feature" and c.kind not in ("identifier", "constant")]
        image = ({"size": list(data.image_size),
                  "channels": 1 if data.color_mode == "grayscale" else 3}
                 if data.kind == "images" else None)
        super().__init__(self.run.name, "run", self.run.task, self.run.class_names, data.kind,
                         features if data.kind == "csv" else [],
                         {c.name for c in data.columns}, image)
        self.threshold = self.run.threshold
        path = reference_path(run_dir)
        self.reference = read_reference(path) if path.is_file() else None

    def _dataset(self, rows: list[dict[str, str]]) -> Any:
        from dlstudio.core.data import load_rows

        return load_rows(self.run.project, rows, self.run.class_names or None)

    def predict_rows(self, rows: list[dict[str, str]]) -> list[dict[str, Any]]:
        """Predict rows read as the run's CSV rows would be."""
        dataset = self._dataset(rows)
        return self.results(call_model(self.run.model, dataset.inputs("test")))

    def predict_images(self, images: list[bytes]) -> list[dict[str, Any]]:
        """Predict images resized to the run's image size."""
        import tensorflow as tf

        size = self.image["size"]
        batch = tf.stack([tf.image.resize(self.decode(data), size, method="bilinear")
                          for data in images])
        return self.results(call_model(self.run.model, {"image": batch}))

    def drift_warning(self, rows: list[dict[str, str]]) -> str | None:
        """Compare a batch of rows with the run's reference statistics."""
        from dlstudio.core.monitoring.drift import batch_warning

        return batch_warning(self.reference, self._dataset(rows))


class ExportModel(ServedModel):
    """A SavedModel folder or ``.keras`` file written by ``dlstudio export``."""

    def __init__(self, path: Path) -> None:
        from dlstudio.core.evaluation.predict import read_export_metadata
        from dlstudio.core.export.exporter import METADATA_FILE, keras_metadata_path

        if path.suffix == ".keras":
            metadata_path, fmt = keras_metadata_path(path), "keras"
        else:
            metadata_path, fmt = path / METADATA_FILE, "savedmodel"
        if not metadata_path.is_file():
            raise UserInputError(
                f"{path} is neither a run folder nor an export written by dlstudio (no "
                f"{metadata_path.name}); serve the run folder, or export it with `dlstudio "
                "export RUN --format savedmodel`")
        self.metadata_file = read_export_metadata(metadata_path, fmt)
        meta = self.metadata_file
        self.inputs = meta["inputs"]
        columns = [InputColumn(spec["column"], "numeric" if spec["dtype"] != "string"
                               else "categorical") for spec in self.inputs if spec["column"]]
        super().__init__(path.name, fmt, meta["task"], list(meta["class_names"]),
                         meta["data_kind"], columns, {c.name for c in columns},
                         meta.get("image"))
        threshold = meta.get("threshold")
        if isinstance(threshold, int | float) and len(self.class_names) == 2:
            self.threshold = float(threshold)
        self.call = self._open(path, fmt)

    def _open(self, path: Path, fmt: str) -> Any:
        if fmt == "keras":
            from dlstudio.core.evaluation.evaluate import load_keras_model

            model = load_keras_model(path)
            return lambda inputs: call_model(model, inputs)
        from dlstudio.core.export.savedmodel_safety import load_savedmodel

        loaded = load_savedmodel(path)  # every op checked before TensorFlow runs any
        serve = loaded.signatures[self.metadata_file["signature"]]
        output = self.metadata_file["output"]
        return lambda inputs: serve(**inputs)[output].numpy()

    def predict_rows(self, rows: list[dict[str, str]]) -> list[dict[str, Any]]:
        """Predict rows parsed as CSV rows, fed per input as ``dlstudio predict`` feeds them."""
        from dlstudio.core.data.csv_reading import rows_as_csv
        from dlstudio.core.evaluation.predict import _column_values

        frame = rows_as_csv(rows, "the request's rows").frame
        inputs = {spec["name"]: _column_values(frame[spec["column"]], spec["dtype"])
                  for spec in self.inputs}
        return self.results(np.asarray(self.call(inputs)).reshape(len(rows), -1))

    def predict_images(self, images: list[bytes]) -> list[dict[str, Any]]:
        """Predict images one at a time at their own size (the model resizes them)."""
        (spec,) = self.inputs
        outputs = [np.asarray(self.call({spec["name"]: self.decode(data)[np.newaxis]}))
                   for data in images]
        return self.results(np.concatenate(outputs).reshape(len(images), -1))


def call_model(model: Any, inputs: dict[str, Any]) -> np.ndarray:
    """Call a Keras model on the inputs it takes (strings as ``tf.string``) in inference mode.

    The call runs as one traced graph per model (any batch size), which is several times
    faster than calling the model eagerly layer by layer.
    """
    import tensorflow as tf

    wanted = model.input if isinstance(model.input, dict) else None
    names = list(wanted) if wanted is not None else list(inputs)
    tensors = {}
    for name in names:
        values = inputs[name]
        if isinstance(values, np.ndarray) and values.dtype == object:
            tensors[name] = tf.constant(values.astype(str), dtype=tf.string)
        else:
            tensors[name] = tf.convert_to_tensor(values, dtype=tf.float32)
    call = _traced(model) if wanted is not None else None
    outputs = np.asarray(call(tensors) if call is not None else model(tensors, training=False))
    return outputs.reshape(len(outputs), -1)


_TRACED: dict[int, tuple[Any, Any]] = {}
_TRACED_LOCK = threading.Lock()


def _traced(model: Any) -> Any:
    """The model's inference call as a ``tf.function`` whose inputs take any batch size."""
    import tensorflow as tf

    with _TRACED_LOCK:
        cached = _TRACED.get(id(model))
        if cached is not None and cached[0] is model:
            return cached[1]
        signature = {name: tf.TensorSpec(tensor.shape, tensor.dtype, name=name)
                     for name, tensor in model.input.items()}
        traced = tf.function(lambda inputs: model(inputs, training=False),
                             input_signature=[signature])
        _TRACED[id(model)] = (model, traced)
        return traced


def open_served_model(path: str | Path) -> ServedModel:
    """Open a run folder or a dlstudio export for serving.

    Raises:
        UserInputError: ``path`` is neither, or cannot be opened.
    """
    from dlstudio.core.evaluation.evaluate import is_run_folder

    source = Path(path)
    if not source.exists():
        raise UserInputError(f"{source} does not exist; give a run folder or what `dlstudio "
                             "export` wrote")
    if is_run_folder(source):
        return RunModel(source)
    return ExportModel(source)
