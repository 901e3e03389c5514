"""One sample at a time: what a trained run predicts for a row typed in or one image (no Qt).

:class:`SamplePredictor` opens the run once — its project snapshot and model, through
:func:`~dlstudio.core.evaluation.evaluate.open_run` — and predicts from values held in memory:
a row goes through the same column reading as the run's CSV (:func:`~dlstudio.core.data.
load_rows`), an image through the same checks and decoding as its image folder
(:func:`~dlstudio.core.data.load_images`). Nothing is written to disk. "Try it" calls it off the
GUI thread; it is safe to call from several threads (one prediction at a time).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dlstudio.core.evaluation.missing_inputs import (
    describe_filled,
    filled_inputs,
    is_empty_input,
)


@dataclass
class SamplePrediction:
    """What the model says about one sample.

    Attributes:
        prediction: The class name, or the value for regression.
        probabilities: Class name → probability (empty for regression).
        filled: Which empty inputs the model filled and how, in a sentence (empty when none
            were, and for images).
        effects: For a row, each filled column's effect on the prediction, largest first
            (:func:`~dlstudio.core.evaluation.explain_rows.occlusion_effects`).
        image: For an image, its maps
            (:class:`~dlstudio.core.evaluation.explain_images.ImageExplanation`), or ``None``.
    """

    prediction: Any
    probabilities: dict[str, float] = field(default_factory=dict)
    filled: str = ""
    effects: list[dict[str, Any]] = field(default_factory=list)
    image: Any = None

    def as_dict(self) -> dict[str, Any]:
        """The prediction as a plain dict (``prediction``, ``probabilities``, ``filled``,
        ``effects``)."""
        return {"prediction": self.prediction, "probabilities": dict(self.probabilities),
                "filled": self.filled, "effects": list(self.effects)}


class SamplePredictor:
    """Predicts single samples with a run's model; the run is opened on first use.

    Args:
        run_dir: The run folder (it must have a trained model).
        prepare: Called once before the run is opened (the GUI hides its GPUs and imports
            TensorFlow quietly there).
    """

    def __init__(self, run_dir: str | Path, prepare: Callable[[], None] | None = None) -> None:
        self.run_dir = Path(run_dir)
        self._prepare = prepare
        self._run: Any = None
        self._lock = threading.Lock()

    def predict_row(self, values: Mapping[str, str], explain: bool = False) -> SamplePrediction:
        """Predict one table row given as column name → text, as typed (``explain``: with
        each column's effect on the prediction).

        Raises:
            DataError: The values cannot be read as the run's columns.
            UserInputError: The run cannot be opened.
        """
        from dlstudio.core.data import load_rows

        with self._lock:
            run = self._open()
            vocabularies = _vocabularies(run)
            row = _blank_missing(run.project.data.columns, values, vocabularies)
            dataset = load_rows(run.project, [row], run.class_names or None)
            result = self._predict(run, dataset)
            result.filled = self._filled(run, values, vocabularies)
            if explain:
                from dlstudio.core.evaluation.explain_rows import occlusion_effects

                result.effects = occlusion_effects(run, row, result.prediction,
                                                   result.probabilities)
        return result

    def predict_image(self, image: str | Path, explain: bool = False) -> SamplePrediction:
        """Predict one image file (``explain``: with its Grad-CAM and saliency maps).

        Raises:
            DataError: The file is not a usable image.
            UserInputError: The run cannot be opened.
        """
        from dlstudio.core.data import load_images

        with self._lock:
            run = self._open()
            dataset = load_images(run.project, [Path(image)], run.class_names or None)
            result = self._predict(run, dataset)
            if explain and run.class_names:
                from dlstudio.core.evaluation.explain_images import explain_image

                batch = next(iter(dataset.tf_dataset("test", 1)))
                inputs = batch[0] if isinstance(batch, tuple) else batch
                result.image = explain_image(run.model, inputs,
                                             run.class_names.index(result.prediction))
            return result

    def _open(self) -> Any:
        if self._run is None:
            if self._prepare is not None:
                self._prepare()
            from dlstudio.core.evaluation.evaluate import open_run

            self._run = open_run(self.run_dir)
        return self._run

    @staticmethod
    def _predict(run: Any, dataset: Any) -> SamplePrediction:
        from dlstudio.core.evaluation.evaluate import predict_outputs
        from dlstudio.core.tasks import get_task

        outputs = predict_outputs(run.model, dataset, "test", 1)
        row = get_task(run.task).prediction_table(dataset.sample_ids("test"), outputs,
                                                  run.class_names, run.threshold).iloc[0]
        probabilities = {name: float(row[f"prob_{name}"]) for name in run.class_names
                         if f"prob_{name}" in row}  # an autoencoder's row has a score instead
        return SamplePrediction(row["prediction"], probabilities)

    @staticmethod
    def _filled(run: Any, values: Mapping[str, str],
                vocabularies: Mapping[str, list[str]]) -> str:
        medians = None
        try:
            medians = list(run.model.get_layer("impute_numeric").fill_values)
        except (ValueError, AttributeError):
            pass  # no numeric inputs, or a model that fills differently
        columns = run.project.data.columns
        features = [c for c in columns if c.role == "feature"
                    and c.kind not in ("identifier", "constant")]
        return describe_filled(filled_inputs(columns, values, medians, vocabularies),
                               len(features))


def _blank_missing(columns: Any, values: Mapping[str, str],
                   vocabularies: Mapping[str, list[str]]) -> dict[str, str]:
    """The row with every typed missing marker (``NA``, ``?``, …) made blank, so the model
    fills exactly the inputs that the note names."""
    row = dict(values)
    for column in columns:
        if column.name in row and is_empty_input(column, row[column.name],
                                                 vocabularies.get(column.name, ())):
            row[column.name] = ""
    return row


def _vocabularies(run: Any) -> dict[str, list[str]]:
    """The categories the model learned for each categorical feature (its lookup layer's
    vocabulary; ``""`` is the category of a gap, there when training had missing values)."""
    from dlstudio.core.data.tabular_preprocessing import input_names

    features = [column for column in run.project.data.columns if column.role == "feature"]
    names = input_names([column.name for column in features])
    learned = {}
    for column in features:
        if column.kind != "categorical":
            continue
        try:
            layer = run.model.get_layer(f"lookup_{names[column.name]}")
            learned[column.name] = [str(value) for value in layer.get_vocabulary()]
        except (ValueError, AttributeError):
            continue  # a model that reads categories differently: say nothing certain
    return learned
