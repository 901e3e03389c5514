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
    loss_falls: ClassVar[bool] = True
    """Whether the loss falls as the model learns, so early stopping and reduce-on-plateau
    can watch it (a GAN's two losses do not)."""
    refits: ClassVar[bool] = False
    """Whether a run may refit on its training and validation rows once early stopping found
    the best epoch count (``training.refit_on_all``): a model that learns a target with
    ``model.fit`` on (inputs, target) pairs, whose validation rows serve nothing after
    training (an autoencoder's threshold is read from them)."""
    detects_anomalies: ClassVar[bool] = False
    """Whether the task flags anomalies, so a project may name its normal classes
    (``data.normal_classes``)."""
    compared_output: ClassVar[str | None] = None
    """For a model with several named outputs: the one export checks compare and predictions
    from an export read (an autoencoder's ``score``); ``None`` for one output."""
    head_initializer: ClassVar[str] = "glorot_uniform"
    """How the added output head's weights start (forecasting's ``zeros``: an untrained model
    forecasts its baseline, and training moves away from it only as far as the data asks)."""
    untrained_is_baseline: ClassVar[bool] = False
    """Whether the untrained model is a baseline worth keeping: then early stopping scores it
    before the first epoch, and keeps its weights when no epoch beats it on validation."""
    target_steps: ClassVar[int | None] = None
    """Optimizer steps a new project of this task aims for (``None``: the usual budget of
    :mod:`dlstudio.core.project.from_data`); a GAN's two networks need many more."""
    most_epochs: ClassVar[int | None] = None
    """The most epochs a new project of this task starts with (``None``: the usual cap of
    :mod:`dlstudio.core.project.from_data`)."""
    parts: ClassVar[tuple[str, ...]] = ()
    """The named stacks (``model.parts``) of a task that trains more than one network, in
    build order (``encoder``, ``decoder``); empty for one stack (``model.layers``)."""

    # Parts (tasks with ``parts`` only) -----------------------------------------------------

    def part_input(self, part: str, feature_shape: tuple[int | None, ...], latent_dim: int,
                   outputs: dict[str, tuple[int | None, ...] | None]) -> tuple[int | None, ...]:
        """Return the input shape of ``part``'s stack (without the batch axis).

        Args:
            part: One of :attr:`parts`.
            feature_shape: One preprocessed sample of the data.
            latent_dim: ``model.latent_dim``.
            outputs: The output shapes of the parts built before ``part`` (after their
                :meth:`part_output`; ``None`` where one could not be computed).
        """
        raise NotImplementedError(f"the task {self.name} has no parts")

    def part_output(self, part: str) -> str:
        """Return what the builder adds after ``part``'s stack:

        - ``none``: nothing (the stack's output is the part's output: an autoencoder's code);
        - ``sample``: a layer that makes one sample of the data's shape (a Dense + Reshape, or
          a 1x1 convolution for a map of the right size), skipped when the stack already ends
          in that shape — a decoder, a generator;
        - ``latent``: two ``Dense(latent_dim)`` heads, the mean and the log-variance (a VAE
          encoder);
        - ``score``: one logit (a GAN discriminator).
        """
        return "none"

    def sample_activation(self, data_kind: str) -> str:
        """Return the activation of a ``sample`` output: ``sigmoid`` for images (pixels in
        [0, 1]), ``linear`` for table rows."""
        return "sigmoid" if data_kind == "images" else "linear"

    def assemble(self, parts: dict[str, Any], inputs: dict[str, Any], preprocessed: Any,
                 project: Any, dataset: Any) -> Any:
        """Return the run's model wired from its parts (``keras.Model`` each, by part name):
        raw ``inputs`` → ``preprocessed`` → …, what training fits and saves."""
        raise NotImplementedError(f"the task {self.name} has no parts")

    def sample(self, model: Any, count: int, seed: int) -> Any:
        """Return ``count`` new samples (a NumPy array, one preprocessed sample per row) drawn
        from a trained generative model (``dlstudio generate``); a task that cannot generate
        raises :class:`UserInputError`."""
        raise UserInputError(f"a {self.name} run does not generate samples; "
                             "`dlstudio generate` takes a VAE or GAN run")

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

    def bind(self, project: Any) -> Task:
        """Return the task configured by ``project``'s settings (an autoencoder's normal
        classes); ``self`` for a task that needs none."""
        return self

    def training_data(self, data: Any, split: str, dataset: Any, project: Any) -> Any:
        """Return the ``tf.data`` pipeline of a training or validation split as this task
        trains on it, before :meth:`training_targets` (an autoencoder keeps the inputs
        alone, of the normal classes)."""
        return data

    def training_callbacks(self, project: Any) -> list[Any]:
        """Return Keras callbacks the task trains with besides dlstudio's (a KL warm-up)."""
        return []

    def progress_callbacks(self, model: Any, dataset: Any, run: Any, emit: Any,
                           project: Any) -> list[Any]:
        """Return Keras callbacks that report to the run: files in the run folder ``run``
        and events sent to ``emit`` (a GAN's live sample grid); they run before dlstudio's,
        so what they add to an epoch's logs is recorded with it."""
        return []

    def export_model(self, model: Any, part: str | None = None) -> Any:
        """Return the Keras model an export holds: the run's model, or for a generative task
        the network a person calls (a GAN's generator, noise in and pixels out); ``part``
        names another network to export on its own (a GAN's ``discriminator``).

        Raises:
            UserInputError: ``part`` is not one this task exports.
        """
        if part is not None:
            raise UserInputError(f"a {self.name} run exports one model; leave --part out")
        return model

    def export_samples(self, model: Any, count: int) -> dict[str, np.ndarray] | None:
        """Return inputs to check an export of ``model`` with, when the data's own samples do
        not fit it (noise for a generator); ``None``: the data's validation samples."""
        return None

    def export_metadata(self, model: Any) -> dict[str, Any]:
        """Return fields the export's ``dlstudio_export.json`` adds for ``model`` (what a
        generator's input is); none by default."""
        return {}

    def optimizers(self, training: Any, steps_per_epoch: int) -> dict[str, Any]:
        """Return ``compile``'s optimizer arguments for ``training``: ``optimizer`` (what
        checkpoints, schedules and the step count follow) and any the task's model takes
        besides (a GAN's ``discriminator_optimizer``)."""
        from dlstudio.core.training.optimization import make_optimizer

        return {"optimizer": make_optimizer(training, steps_per_epoch)}

    def after_training(self, model: Any, dataset: Any, project: Any) -> dict[str, Any]:
        """Return ``run.json`` fields to record once training ended (an autoencoder's
        anomaly threshold); none by default."""
        return {}

    # Evaluation and prediction -------------------------------------------------------------

    def uses_threshold(self, class_names: list[str]) -> bool:
        """Whether the run decides by its saved ``threshold`` (two classes; an anomaly
        score)."""
        return len(class_names) == 2

    def output_array(self, outputs: Any) -> np.ndarray:
        """Return ``model.predict``'s outputs as one 2-D array, a row per sample (a task whose
        model has named outputs picks the one it reports)."""
        values = np.asarray(outputs)
        return values.reshape(len(values), -1)

    @abstractmethod
    def report(self, outputs: np.ndarray, true: np.ndarray, sample_ids: list[str],
               class_names: list[str], threshold: float | None = None) -> dict[str, Any]:
        """Return the task's part of an evaluation (JSON-ready), with ``predictions``: one
        record per sample. ``threshold`` is the run's saved decision threshold, for tasks that
        decide by one (two classes; later an anomaly score)."""

    def evaluation_report(self, dataset: Any, split: str, outputs: np.ndarray,
                          class_names: list[str], threshold: float | None = None
                          ) -> dict[str, Any]:
        """Return the task's part of an evaluation of ``outputs`` on ``dataset``'s ``split``:
        :meth:`report` on the split's targets by default. A task whose report needs more of
        the data (forecasting's baselines on the same windows) overrides it."""
        true = np.asarray(dataset.targets(split)) if dataset.has_targets else None
        return self.report(outputs, true, dataset.sample_ids(split), class_names, threshold)

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
