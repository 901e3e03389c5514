"""Evaluate a trained run: metrics on its test split or on other data read the same way.

:func:`evaluate_run` loads a run folder's project snapshot and model, predicts on the data and
returns a JSON-ready dict (see :mod:`dlstudio.core.evaluation.metrics` for the arithmetic), which
it also
writes to the run folder:

- on the run's own test split: ``evaluation.json`` (``RunFolder.evaluation_path``);
- on other data (``data_path``): ``evaluation-<data name>.json`` beside it, so evaluating on new
  data never replaces the test-split evaluation (see :func:`evaluation_file`).

:func:`format_report` turns the dict into aligned text for the terminal. What is measured and
how it reads belong to the run's task (:mod:`dlstudio.core.tasks`); this module opens the run,
reads the data and predicts.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from dlstudio.core.data import Dataset, load_dataset
from dlstudio.core.errors import DataError, UserInputError
from dlstudio.core.project.project import Project, atomic_write_text
from dlstudio.core.runs.folder import RunFolder
from dlstudio.core.runs.record import RunRecord
from dlstudio.core.tasks import get_task


@dataclass
class TrainedRun:
    """A run folder opened for evaluation, export or prediction.

    Attributes:
        folder: The run folder.
        project: The project snapshot the run trained (data paths resolved against it).
        record: The run's ``run.json``.
        model: The trained Keras model (``model.keras``).
    """

    folder: RunFolder
    project: Project
    record: RunRecord
    model: Any

    @property
    def task(self) -> str:
        """``classification`` or ``regression``."""
        return self.record.task or self.project.data.task

    @property
    def class_names(self) -> list[str]:
        """Class names in model output order (empty for regression)."""
        return list(self.record.class_names)

    @property
    def threshold(self) -> float | None:
        """The saved decision threshold of a two-class run or an anomaly detector (``None``:
        the most probable class)."""
        uses = get_task(self.task).uses_threshold(self.class_names)
        return self.record.threshold if uses else None

    @property
    def name(self) -> str:
        """The run's name, or its folder name."""
        return self.record.name or self.folder.path.name


def is_run_folder(path: str | Path) -> bool:
    """Return whether ``path`` is a run folder (it holds ``run.json``)."""
    return RunFolder(Path(path)).info_path.is_file()


def open_run(run_dir: str | Path) -> TrainedRun:
    """Open a run folder: its ``run.json``, project snapshot and trained model.

    Raises:
        UserInputError: The folder is not a finished run with a saved model.
    """
    folder = RunFolder.open(run_dir)
    record = folder.read_record()
    if not folder.model_path.is_file():
        raise UserInputError(
            f"run {run_dir} has no trained model ({folder.model_path.name} is missing; the run "
            f"is {record.state}); finish it with `dlstudio train --resume "
            f"{run_dir}`")
    return TrainedRun(folder, folder.load_project(), record, load_keras_model(folder.model_path))


def load_keras_model(path: Path) -> Any:
    """Load a ``.keras`` file safely (``safe_mode`` on), with dlstudio's custom layers known.

    Raises:
        ModelFileError: The file is damaged or holds Python code (see
            :func:`dlstudio.core.model.loading.load_keras_file`).
    """
    from dlstudio.core.model.loading import load_keras_file

    return load_keras_file(path)


def predict_outputs(model: Any, dataset: Dataset, split: str, batch_size: int) -> Any:
    """Return the model's raw outputs on ``split`` as a 2-D NumPy array (one row per sample);
    for a model with named outputs (an autoencoder's ``reconstruction`` and ``score``), a dict
    of arrays by name, which the task reads (:meth:`~dlstudio.core.tasks.Task.output_array`).

    Only the inputs the model takes are fed (new data may have more columns than the model).

    Raises:
        DataError: The data lacks one of the model's inputs, or gives it another type.
    """
    if dataset.split_size(split) == 0:
        return np.zeros((0, 1), dtype=np.float32)
    data = model_inputs_only(model, dataset.tf_dataset(split, batch_size))
    outputs = model.predict(data, verbose=0)
    if isinstance(outputs, dict):
        return {name: np.asarray(values) for name, values in outputs.items()}
    outputs = np.asarray(outputs)
    return outputs.reshape(len(outputs), -1)


def model_inputs_only(model: Any, data: Any) -> Any:
    """Return the ``tf.data.Dataset`` ``data`` keeping only the inputs ``model`` takes.

    Raises:
        DataError: An input is missing, or its values have another type than in training.
    """
    wanted = model.input if isinstance(model.input, dict) else None
    given = data.element_spec[0] if isinstance(data.element_spec, tuple) else data.element_spec
    if wanted is None or not isinstance(given, dict):
        return data
    for name, tensor in wanted.items():
        if name not in given:
            raise DataError(f"the data gives no input '{name}', which the model was trained "
                            "with; add that column (its values may be empty)")
        if given[name].dtype.name != tensor.dtype:
            raise DataError(
                f"input '{name}' holds {given[name].dtype.name} values here but the model was "
                f"trained on {tensor.dtype} values; check that column's contents, or list "
                "its kind in the project's data.columns")

    def select(inputs: Any, *rest: Any) -> Any:
        chosen = {name: inputs[name] for name in wanted}
        return (chosen, *rest) if rest else chosen

    return data.map(select)


def evaluation_file(run_dir: str | Path, data_path: str | Path | None = None) -> Path:
    """Return where :func:`evaluate_run` writes its result for ``data_path``.

    ``evaluation.json`` for the run's test split; ``evaluation-<name>.json`` for other data,
    ``<name>`` being the data file's stem or folder name with unusual characters replaced.
    """
    folder = RunFolder(Path(run_dir))
    if data_path is None:
        return folder.evaluation_path
    label = re.sub(r"[^A-Za-z0-9._-]+", "_", Path(data_path).stem).strip("._") or "data"
    return folder.evaluation_path.with_name(f"evaluation-{label}.json")


def evaluate_run(run_dir: str | Path, data_path: str | Path | None = None) -> dict[str, Any]:
    """Evaluate a run on its test split, or on other data read through the run's schema.

    Args:
        run_dir: The run folder.
        data_path: A CSV file or image folder with targets, read like the training data
            (``None``: the run's own test split).

    Returns:
        A JSON-ready dict: ``run``, ``data``, ``split``, ``samples``, ``task``, ``created``,
        ``warnings`` and the task's report (:meth:`~dlstudio.core.tasks.Task.report`): for
        classification, ``class_names``, ``accuracy``, ``per_class``,
        ``macro_avg``, ``weighted_avg``, ``confusion_matrix``, ``confident_mistakes``,
        ``roc_auc``, ``pr_auc``, ``roc_curves``, ``pr_curves``, ``calibration``, ``top_k``
        (more than 5 classes) and, with two classes, ``threshold`` (see
        :class:`~dlstudio.core.tasks.classification.Classification`); for
        regression ``mse``, ``rmse``, ``mae``, ``r2`` and ``worst_residuals``; for
        forecasting the model beside its baselines and every test window (the shape is in
        :mod:`dlstudio.core.evaluation.forecast_report`); and
        ``predictions``, one record per sample (``sample``, ``true``, ``predicted`` and, for
        classification, ``confidence``: the probability of the predicted class). Also written to
        :func:`evaluation_file`.

    Raises:
        UserInputError: Not a trained run, no test data, or data without targets.
        DataError: The data cannot be read through the run's settings.
    """
    run = open_run(run_dir)
    dataset = _evaluation_data(run, data_path)
    outputs = predict_outputs(run.model, dataset, "test", run.project.training.batch_size)
    task = get_task(run.task).bind(run.project)
    body = task.evaluation_report(dataset, "test", outputs, run.class_names, run.threshold)
    result = {**_header(run, dataset, data_path), **body}
    atomic_write_text(evaluation_file(run_dir, data_path), json.dumps(result, indent=2) + "\n")
    return result


def _evaluation_data(run: TrainedRun, data_path: str | Path | None) -> Dataset:
    if data_path is None:
        dataset = load_dataset(run.project, class_names=run.class_names or None)
        if dataset.split_size("test") == 0:
            raise UserInputError(
                f"run {run.name} has an empty test split (split.test = "
                f"{run.project.split.test:g}); evaluate on other data with --data PATH")
        return dataset
    dataset = load_dataset(run.project, path=Path(data_path), class_names=run.class_names or None,
                           evaluation_only=True)
    if not dataset.has_targets and get_task(run.task).needs_targets:
        target = run.project.data.target or "class folders"
        raise DataError(
            f"{data_path} has no targets ({target}); evaluation compares predictions with true "
            "values — add them, or use `dlstudio predict` for predictions only")
    if dataset.split_size("test") == 0:
        raise DataError(f"{data_path} holds no usable samples; nothing to evaluate")
    return dataset


def _header(run: TrainedRun, dataset: Dataset, data_path: str | Path | None) -> dict[str, Any]:
    source = Path(data_path).resolve() if data_path is not None else run.project.data_path()
    return {
        "run": {"id": run.record.id, "name": run.name,
                "folder": str(run.folder.path.resolve())},
        "data": str(source),
        "split": "test" if data_path is None else "all",
        "samples": dataset.split_size("test"),
        "task": run.task,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "warnings": list(dataset.warnings),
    }


def format_report(result: dict[str, Any]) -> str:
    """Return an evaluation result (from :func:`evaluate_run`) as aligned text for a terminal."""
    where = "its test split" if result["split"] == "test" else result["data"]
    lines = [f"Evaluation of run {result['run']['name']} on {where} "
             f"({result['samples']} samples, {result['task']})"]
    lines += [f"warning: {warning}" for warning in result.get("warnings", [])]
    lines += get_task(result["task"]).report_lines(result)
    return "\n".join(lines)
