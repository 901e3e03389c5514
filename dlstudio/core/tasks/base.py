"""The Task seam: everything that depends on what a model predicts, behind one interface.

A :class:`Task` owns, for one kind of prediction (its :attr:`Task.name` is the project's
``data.task`` and the run's ``task``):

- the **head**: the output layer the builder, shape inference, code generation and the import
  add (:meth:`Task.output_head`);
- the **target transform**: what turns the head's output into the target's units inside the
  model (:meth:`Task.finish_outputs`; regression's ``TargetScale``);
- the **loss and metrics**: the loss a project's ``training.loss`` resolves to and its Keras
  object, the metrics compiled with it, the targets as the loss needs them, class weights
  (:meth:`Task.resolve_loss`, :meth:`Task.make_loss`, :meth:`Task.metrics`,
  :meth:`Task.training_targets`, :meth:`Task.class_weights`);
- the **training hooks** a task with its own ``train_step`` needs (:meth:`Task.training_model`:
  a GAN or VAE wraps the built model in a ``keras.Model`` subclass with its own ``train_step``);
- the **evaluation report** (:meth:`Task.report` and its text, :meth:`Task.report_lines`) and
  the **prediction table** (:meth:`Task.prediction_table`).

What the data must provide is said by :attr:`Task.needs_targets` (a reconstruction task learns
from the inputs alone). Everything here is importable without Keras: methods that need it import
it when called, so the GUI can ask a task for its head or loss while editing.

Tasks are found by name in the registry (:func:`get_task`); each module registers its task with
:func:`register`. A new task is one module in this package, imported by ``__init__.py``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any, ClassVar

import numpy as np

from dlstudio.core.errors import UserInputError


class Task(ABC):
    """One kind of prediction: its head, loss, metrics, target transform, report and table.

    Subclasses set :attr:`name` and implement the abstract methods; the others have defaults
    that fit a task trained with ``model.fit`` on (inputs, target) pairs.
    """

    name: ClassVar[str]
    """The task's name in project files, run records and exports (``classification``)."""
    needs_targets: ClassVar[bool] = True
    """Whether the data must give a target per sample (False: learned from the inputs)."""
    loss_names: ClassVar[tuple[str, ...]] = ()
    """The ``training.loss`` names that fit this task (besides ``auto``)."""

    # The head and the target transform ---------------------------------------------------

    @abstractmethod
    def output_head(self, num_classes: int) -> tuple[int, str]:
        """Return the output layer's units and activation (``num_classes``: 0 without classes)."""

    def output_units(self, num_classes: int) -> int:
        """Return the number of outputs the head has."""
        return self.output_head(num_classes)[0]

    def finish_outputs(self, outputs: Any, dataset: Any) -> Any:
        """Return the model's outputs after the head: the target transform (none by default)."""
        return outputs

    # Loss, metrics, targets ----------------------------------------------------------------

    @abstractmethod
    def resolve_loss(self, choice: str, output_units: int, label_smoothing: float = 0.0) -> str:
        """Return the loss to train with for ``training.loss`` = ``choice``.

        Raises:
            TrainingError: The loss does not fit the task or the output; the message names the
                loss that does.
        """

    @abstractmethod
    def make_loss(self, name: str, label_smoothing: float = 0.0, model: Any = None) -> Any:
        """Return the Keras loss object for a resolved loss name (``model``: the built model,
        for losses that depend on its target transform)."""

    @abstractmethod
    def metrics(self) -> list[str]:
        """Return the metrics to compile with."""

    def training_targets(self, data: Any, loss_name: str, num_classes: int) -> Any:
        """Return the ``tf.data`` pipeline with the targets as ``loss_name`` needs them."""
        return data

    def class_weights(self, mode: str, targets: np.ndarray,
                      num_classes: int) -> dict[int, float] | None:
        """Return ``fit``'s ``class_weight`` for ``training.class_weights`` = ``mode``."""
        return None

    def training_model(self, model: Any, project: Any) -> Any:
        """Return the model to compile and fit: ``model`` itself by default. A task with its
        own ``train_step`` (GAN, VAE) returns a ``keras.Model`` subclass around it here."""
        return model

    # Evaluation and prediction -------------------------------------------------------------

    @abstractmethod
    def report(self, outputs: np.ndarray, true: np.ndarray, sample_ids: list[str],
               class_names: list[str], threshold: float | None = None) -> dict[str, Any]:
        """Return the task's part of an evaluation (JSON-ready), with ``predictions``: one
        record per sample. ``threshold`` is the run's saved decision threshold, for tasks that
        decide by one (two classes; later an anomaly score)."""

    @abstractmethod
    def report_lines(self, result: dict[str, Any]) -> list[str]:
        """Return the task's part of an evaluation result as aligned text lines."""

    @abstractmethod
    def prediction_table(self, sample_ids: list[str], outputs: np.ndarray,
                         class_names: list[str], threshold: float | None = None) -> Any:
        """Return the predictions as a ``pandas.DataFrame`` with ``sample`` and
        ``prediction`` first (what ``dlstudio predict`` writes and Try it shows), deciding by
        ``threshold`` where the task has one."""


_TASKS: dict[str, Task] = {}


def register(task_class: type[Task]) -> type[Task]:
    """Add a task to the registry under its name (used as a class decorator)."""
    _TASKS[task_class.name] = task_class()
    return task_class


def task_names() -> list[str]:
    """Return the names of the registered tasks."""
    return list(_TASKS)


def get_task(name: str) -> Task:
    """Return the task called ``name``.

    Raises:
        UserInputError: No task has that name; the message lists those that exist.
    """
    try:
        return _TASKS[name]
    except KeyError:
        raise UserInputError(
            f"unknown task {name!r}; dlstudio knows {', '.join(task_names())} — set the "
            "project's data.task to one of them") from None
