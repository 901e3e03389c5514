"""The run loop: train a project into a run folder, reporting events as it goes.

:func:`run_training` is the one code path behind the worker (which the GUI starts) and
``dlstudio train``. It reads the data, builds or reloads the model, compiles it with the
project's loss, optimizer and schedule, and fits it with the callbacks of
:mod:`dlstudio.core.training.callbacks`; every event goes to the caller's sink and to the run's
``events.jsonl``. Resuming reloads ``checkpoints/last.keras`` (weights, optimizer state and
schedule position) and continues at the next epoch.
"""

from __future__ import annotations

import contextlib
import math
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import keras
import tensorflow as tf

from dlstudio.core.data import Dataset, load_dataset
from dlstudio.core.errors import DataError, StorageError, UserInputError, storage_message
from dlstudio.core.evaluation.robustness import perturbation_scales
from dlstudio.core.model import builder
from dlstudio.core.model.backbone_weights import weights_uses
from dlstudio.core.model.layers import ensemble_members, repeat_targets
from dlstudio.core.monitoring.reference import write_reference
from dlstudio.core.project.project import Project
from dlstudio.core.runs.folder import RunFolder, create_run, now_text
from dlstudio.core.runs.record import CheckpointState, RecordError
from dlstudio.core.tasks import get_task
from dlstudio.core.training import (
    adversarial,
    feature_cache,
    fine_tuning,
    initial_weights,
    optimization,
    refit,
)
from dlstudio.core.training.callbacks import (
    BestTracker,
    PlateauReducer,
    ProgressReporter,
    RunRecorder,
    current_learning_rate,
    optimizer_step,
)
from dlstudio.core.training.control import RunControl, StopRequested
from dlstudio.core.training.devices import DevicePlan, choose_steps_per_execution, plan_devices
from dlstudio.core.training.diagnostics import PROBE_SAMPLES, DoctorProbe, trivial_baselines
from dlstudio.core.training.doctor import Doctor
from dlstudio.core.training.events import (
    Error,
    Event,
    Finished,
    Message,
    Phase,
    Started,
    encode,
)
from dlstudio.core.training.failures import (
    NanLossError,
    NonFiniteLoss,
    OutOfMemoryError,
    error_kind,
    failure_text,
    nan_message,
    oom_message,
)
from dlstudio.core.training.resume import ResumePoint, load_checkpoint, prepare_resume

EventSink = Callable[[Event], None]


@dataclass
class RunResult:
    """How a run ended.

    Attributes:
        run: The run folder.
        state: ``finished`` or ``stopped``.
        epochs_done: Epochs completed, resumed sessions included.
        best_epoch: The epoch with the best monitored value.
        best_metrics: That epoch's logs.
    """

    run: RunFolder
    state: str
    epochs_done: int
    best_epoch: int
    best_metrics: dict[str, float] = field(default_factory=dict)


class EventLog:
    """Sends each event to a sink and, once the run folder exists, to its ``events.jsonl``;
    after each epoch, the training doctor's hints (:mod:`dlstudio.core.training.doctor`) too.

    Safe to call from several threads (batch events come from Keras's callback thread); the
    sink is called under a lock, so it never runs twice at once.
    """

    def __init__(self, sink: EventSink) -> None:
        self.sink = sink
        self.run: RunFolder | None = None
        self.doctor = Doctor()
        self._lock = threading.Lock()

    def __call__(self, event: Event) -> None:
        with self._lock:
            for item in (event, *self.doctor.observe(event)):  # its hints follow the epoch
                if self.run is not None:
                    self.run.append_event_line(encode(item))
                self.sink(item)


def run_training(
    project: Project | None,
    sink: EventSink,
    *,
    epochs: int | None = None,
    runs_dir: str | os.PathLike[str] | None = None,
    resume: str | os.PathLike[str] | None = None,
    control: RunControl | None = None,
) -> RunResult:
    """Train ``project`` (or resume the run folder ``resume``) and return how it ended.

    Args:
        project: The project to train; ignored when resuming (the run's snapshot is used).
        sink: Receives every event, in order and one at a time (batch events come from
            Keras's callback thread, the others from the calling thread).
        epochs: Train to this many epochs instead of the project's number.
        runs_dir: Where the run folder goes; default ``runs/`` beside the project file.
        resume: A run folder to continue at its next epoch.
        control: Stop and pause requests (from another thread or a signal handler).

    Raises:
        UserInputError: Bad data or settings, a NaN loss, out of memory (a ``TrainingError``);
            the ``error`` event was sent first and run.json says ``failed``.
    """
    emit = EventLog(sink)
    policy = keras.mixed_precision.global_policy()
    try:
        return _run(project, emit, epochs, runs_dir, resume, control or RunControl())
    except Exception as error:
        reported = _storage_error(error, emit, runs_dir) or error
        _report_failure(reported, emit)
        if reported is error:
            raise
        raise reported from error
    finally:
        keras.mixed_precision.set_global_policy(policy)


def _run(project: Project | None, emit: EventLog, epochs: int | None, runs_dir: Any,
         resume: Any, control: RunControl) -> RunResult:
    if resume is not None:
        point = prepare_resume(Path(resume), epochs)
    else:
        if project is None:
            raise UserInputError("no project to train; pass a project file or --resume RUN")
        point = ResumePoint.fresh(project, epochs)
    try:
        return _train_point(point, emit, runs_dir, control)
    except (tf.errors.ResourceExhaustedError, MemoryError):
        raise OutOfMemoryError(oom_message(point.project.training.batch_size)) from None


def _train_point(point: ResumePoint, emit: EventLog, runs_dir: Any,
                 control: RunControl) -> RunResult:
    """Train from ``point``; out of memory anywhere here is reported by :func:`_run`."""
    plan = plan_devices(point.project.training.device)
    _set_seed(point.project.training.seed)
    precision = _set_precision(point.project.training.mixed_precision, plan)
    dataset = load_dataset(point.project)
    run = point.run or create_run(point.project, runs_dir, dataset)
    emit.run = run
    emit.doctor.project = point.project
    notes = [Message("info", text) for text in plan.messages + precision]
    notes += [Message("warning", text) for text in dataset.warnings]
    return _fit(point, run, plan, dataset, emit, control, notes)


def _fit(point: ResumePoint, run: RunFolder, plan: DevicePlan, dataset: Dataset,
         emit: EventLog, control: RunControl, notes: list[Message]) -> RunResult:
    if point.state.refit_from is not None:
        return _resume_refit(point, run, plan, dataset, emit, control, notes)
    training = point.project.training
    samples = dataset.split_size("train")
    if samples == 0:
        raise DataError("the training split is empty; add data or raise split.train")
    steps = math.ceil(samples / training.batch_size)
    with plan.strategy.scope():
        model, loss_name = _model(point, run, dataset, steps, plan, notes)
    notes += _adversarial(model, training, dataset)
    validation = dataset.split_size("validation") > 0
    stops_early = training.early_stopping.enabled and get_task(dataset.task).loss_falls
    if training.early_stopping.enabled and not stops_early:
        notes.append(Message("warning", "Early stopping is off for this run: a GAN's losses "
                                        "do not fall as it learns, so there is nothing for it "
                                        "to watch; the sample grid shows the progress."))
    callbacks, tracker = _callbacks(point, run, emit, control, steps, samples, validation,
                                    stops_early)
    if tracker.monitor != training.early_stopping.monitor and stops_early:
        notes.append(Message("warning", f"There is no validation split, so early stopping "
                                        f"watches the training {tracker.monitor} instead."))
    if training.class_weights == "balanced" and dataset.task != "classification":
        notes.append(Message("warning", "Class weights apply to classification only; ignored "
                                        "for this regression project."))
    end = _last_epoch(model, point)
    if not point.checkpoint:
        run.update_record(weights=[use.record() for use in weights_uses(point.project)])
    _announce_start(run, plan, dataset, emit, end, steps, training.batch_size,
                    point.epochs_done, _baselines(dataset, validation))
    for note in notes:
        emit(note)
    state = _fit_until_done(model, point, dataset, loss_name, callbacks, validation, steps)
    recorder = callbacks[-1]
    _keep_best(run, model, tracker, recorder.epochs_done, emit)
    if state == "finished":
        refit_plan = refit.plan_refit(point.project, dataset, tracker.best_epoch)
        if refit_plan.note:
            emit(Message("warning", refit_plan.note))
        if refit_plan.epochs and refit_plan.data is not None:
            return _refit(point, run, plan, emit, control, tracker, refit_plan.data,
                          refit_plan.epochs, recorder.epochs_done, recorder.last_elapsed)
    return _record_end(run, model, tracker, recorder, state, emit, dataset)


def _announce_start(run: RunFolder, plan: DevicePlan, dataset: Dataset, emit: EventLog,
                    end: int, steps: int, batch_size: int, epochs_done: int,
                    baselines: dict[str, float]) -> None:
    """Mark run.json as running (this process, these devices, ``end`` epochs) and send
    ``started``."""
    run.update_record(state="running", task=dataset.task,
                      class_names=[str(name) for name in dataset.class_names],
                      devices=list(plan.devices), epochs=end, pid=os.getpid(),
                      ended=None, error=None)
    emit(Started(str(run.path), plan.devices, plan.strategy_name, end, steps, batch_size,
                 epochs_done,
                 {split: dataset.split_size(split) for split in ("train", "validation", "test")},
                 baselines=baselines))


def _resume_refit(point: ResumePoint, run: RunFolder, plan: DevicePlan, dataset: Dataset,
                  emit: EventLog, control: RunControl, notes: list[Message]) -> RunResult:
    """Continue a run stopped or killed during its refit (:mod:`.refit`)."""
    state = point.state
    joined = dataset.with_validation_in_training()
    if joined is None or state.refit_from is None or not state.refit_epochs:
        raise UserInputError(f"{run.path} stopped during a refit on all rows, which this data "
                             "cannot do again; start a new run with `dlstudio train PROJECT`")
    best = state.best or {}
    tracker = BestTracker(best.get("monitor", "val_loss"), None, 0.0, run.best_weights_path,
                          best)
    training = point.project.training
    end = state.refit_from + state.refit_epochs
    _announce_start(run, plan, joined, emit, end,
                    math.ceil(joined.split_size("train") / training.batch_size),
                    training.batch_size, point.epochs_done, {})
    for note in notes:
        emit(note)
    return _refit(point, run, plan, emit, control, tracker, joined, state.refit_epochs,
                  state.refit_from, state.elapsed, resumed=True)


def _refit(point: ResumePoint, run: RunFolder, plan: DevicePlan, emit: EventLog,
           control: RunControl, tracker: BestTracker, joined: Dataset, epochs: int, start: int,
           elapsed: float, resumed: bool = False) -> RunResult:
    """Train a fresh model on the training and validation rows for ``epochs`` epochs after
    epoch ``start`` (or continue one from its checkpoint), on the run's curves."""
    project = refit.refit_project(point.project, epochs)
    training = project.training
    samples = joined.split_size("train")
    steps = math.ceil(samples / training.batch_size)
    first = point.epochs_done if resumed else start
    refit_point = ResumePoint(project, run, first,
                              point.state if resumed else CheckpointState(epochs=epochs),
                              checkpoint=resumed)
    notes: list[Message] = []
    if not resumed:
        _set_seed(training.seed)
    with plan.strategy.scope():
        model, loss_name = _model(refit_point, run, joined, steps, plan, notes)
    notes += _adversarial(model, training, joined)
    base = CheckpointState(epochs=epochs, steps_per_epoch=steps,
                           batch_size=training.batch_size, seed=training.seed,
                           epochs_done=first, elapsed=elapsed, best=tracker.state(),
                           refit_from=start, refit_epochs=epochs)
    recorder = RunRecorder(run, emit, control, tracker, None, base)
    if not resumed:  # a kill before the refit's first epoch ends resumes in the refit
        recorder.checkpointer.epoch_done(model, base.changed(optimizer_iterations=0),
                                         force=True)
    end = start + epochs
    run.update_record(epochs=end)
    emit(Phase("refit", start, refit.phase_text(epochs, samples, tracker.best_epoch, resumed),
               current_learning_rate(model), fine_tuning.trainable_count(model), epochs=end))
    for note in notes:
        emit(note)
    task = get_task(joined.task)
    train, _valid = _training_sets(model, project, joined, loss_name, validation=False)
    weights = task.class_weights(training.class_weights, joined.targets("train"),
                                 len(joined.class_names))
    extra = [*task.training_callbacks(project),
             *task.progress_callbacks(model, joined, run, emit, project)]
    reporter = ProgressReporter(emit, control, steps, training.batch_size, samples)
    try:
        state = _fit_phase(model, train, None, first, end, [*extra, reporter, recorder],
                           weights, training)
    finally:
        reporter.close()
    if state == "finished" or recorder.epochs_done >= end:  # a stop after the last epoch
        state = "finished"
        _save_model(run, model)
        return _record_end(run, model, tracker, recorder, state, emit, joined,
                           refit_epochs=epochs)
    emit(Message("info", f"Stopped during the refit: model.keras keeps the model of epoch "
                         f"{tracker.best_epoch}, which the validation rows chose; resume the "
                         "run to finish the refit."))
    return _record_end(run, model, tracker, recorder, state, emit, joined)


def _baselines(dataset: Dataset, validation: bool) -> dict[str, float]:
    """What a model that ignores its inputs scores, for the doctor (empty when unknown)."""
    split = "validation" if validation else "train"
    try:
        return trivial_baselines(dataset.targets("train"), dataset.targets(split),
                                 bool(dataset.class_names), "val_" if validation else "")
    except Exception:  # a task without targets, or targets of another shape
        return {}


def _last_epoch(model: keras.Model, point: ResumePoint) -> int:
    """Return the epoch the run ends at: ``training.epochs``, plus the fine-tuning phase's
    epochs when there is one (counted from where it began, once it has)."""
    training = point.project.training
    start = point.state.fine_tune_from
    if not fine_tuning.has_second_phase(model, training, start):
        return training.epochs
    return (training.epochs if start is None else start) + training.fine_tune.epochs


def _store_reference(run: RunFolder, dataset: Dataset, model: keras.Model,
                     emit: EventLog) -> None:
    """Keep the training data's reference statistics for drift checks; a failure here only
    warns (the trained model is already saved, and drift computes them later if need be)."""
    try:
        write_reference(run.path, dataset, model)
    except Exception as error:  # a summary must never fail a finished run
        emit(Message("warning", f"Reference statistics for drift checks were not stored "
                                f"({type(error).__name__}: {error}); `dlstudio drift` will "
                                "compute them from the training split."))


def _model(point: ResumePoint, run: RunFolder, dataset: Dataset, steps: int,
           plan: DevicePlan, notes: list[Message]) -> tuple[keras.Model, str]:
    training = point.project.training
    task = get_task(dataset.task)
    if point.checkpoint:
        model = load_checkpoint(run.last_checkpoint_path)
        notes.append(Message("info", f"Resuming after epoch {point.epochs_done}; optimizer "
                                     f"at step {optimizer_step(model)}."))
        if point.state.fine_tune_from is None:  # the fine-tuning phase plans its own rate
            replanned = optimization.replan_schedule(
                model.optimizer, training, steps, point.state.epochs or training.epochs)
            if replanned:
                notes.append(Message("info", replanned))
        return model, task.resolve_loss(training.loss, _output_units(model),
                                        training.label_smoothing)
    model = builder.build_model(point.project, dataset)
    notes += initial_weights.apply_to_run(model, point.project)
    loss_name = task.resolve_loss(training.loss, _output_units(model), training.label_smoothing)
    model = task.training_model(model, point.project)
    per_call = _steps_per_execution(model, training, steps, plan, notes)
    _compile(model, training, task, loss_name, steps, per_call)
    return model, loss_name


def _compile(model: keras.Model, training: Any, task: Any, loss_name: str, steps: int,
             per_call: int) -> None:
    """Compile with a fresh optimizer made from ``training`` (both phases of a fine-tuning
    run: the second with its own rate)."""
    model.compile(
        **task.optimizers(training, steps),
        loss=task.make_loss(loss_name, training.label_smoothing, model),
        metrics=task.metrics() or None,
        steps_per_execution=per_call,
    )


def _adversarial(model: keras.Model, training: Any, dataset: Dataset) -> list[Message]:
    """Turn on adversarial training when asked; return what to tell the user."""
    epsilon = training.adversarial_epsilon
    if epsilon <= 0:
        return []
    if type(model).train_step is not keras.Model.train_step:
        return [Message("warning", "Adversarial training needs a model that predicts a "
                                   "target; this task trains its own way, so it is off.")]
    images = dataset.kind == "images"
    adversarial.enable_adversarial(model, epsilon, training.adversarial_share,
                                   perturbation_scales(dataset, images), images)
    unit = "pixel values" if images else "standard deviations of each numeric column"
    return [Message("info", f"Adversarial training: {training.adversarial_share:.0%} of each "
                            f"batch is attacked by FGSM with ε = {epsilon:g} {unit}.")]


def _steps_per_execution(model: keras.Model, training: Any, steps: int, plan: DevicePlan,
                         notes: list[Message]) -> int:
    """Steps per call into TensorFlow: 1 under a mirrored strategy, where Keras 3's
    multi-step loop fails ("You must feed a value for placeholder tensor", measured on two
    logical CPU devices with Keras 3.15)."""
    if plan.replicas > 1:
        if training.steps_per_execution > 1:
            notes.append(Message("warning", "training.steps_per_execution is ignored when "
                                            "training on several devices in step; using 1."))
        return 1
    return training.steps_per_execution or choose_steps_per_execution(
        model, training.batch_size, steps, plan.uses_gpu)


def _callbacks(point: ResumePoint, run: RunFolder, emit: EventLog, control: RunControl,
               steps: int, samples: int, validation: bool,
               stops_early: bool) -> tuple[list[Any], BestTracker]:
    training = point.project.training
    early = training.early_stopping
    monitor = early.monitor if stops_early else "val_loss"
    if not validation and monitor.startswith("val_"):
        monitor = monitor[4:]
    tracker = BestTracker(monitor, early.patience if stops_early else None, early.min_delta,
                          run.best_weights_path, point.state.best)
    plateau = _plateau(point, "val_loss" if validation else "loss")
    base_state = CheckpointState(epochs=training.epochs, steps_per_epoch=steps,
                                 batch_size=training.batch_size, seed=training.seed,
                                 epochs_done=point.epochs_done, elapsed=point.state.elapsed)
    model = point.project.model
    probe = DoctorProbe(model.layers[0].id if model.layers and not model.inputs else None)
    recorder = RunRecorder(run, emit, control, tracker, plateau, base_state, probe)
    reporter = ProgressReporter(emit, control, steps, training.batch_size, samples)
    return [cb for cb in (reporter, plateau, tracker, probe, recorder) if cb is not None], \
        tracker


def _plateau(point: ResumePoint, monitor: str) -> PlateauReducer | None:
    schedule = point.project.training.schedule
    if schedule.kind != "reduce_on_plateau":
        return None
    return PlateauReducer(state=point.state.plateau, monitor=monitor,
                          factor=schedule.factor, patience=schedule.patience,
                          min_lr=schedule.min_learning_rate, verbose=0)


def _fit_until_done(model: keras.Model, point: ResumePoint, dataset: Dataset, loss_name: str,
                    callbacks: list[Any], validation: bool, steps: int) -> str:
    training = point.project.training
    classes = len(dataset.class_names)
    task = get_task(dataset.task)
    train, valid = _training_sets(model, point.project, dataset, loss_name, validation)
    optimization.check_schedule_conflict(
        model.optimizer, any(isinstance(item, PlateauReducer) for item in callbacks))
    reporter, recorder = callbacks[0], callbacks[-1]
    recorder.probe.set_batch(task.training_targets(
        dataset.tf_dataset("validation" if validation else "train", PROBE_SAMPLES), loss_name,
        classes))
    weights = task.class_weights(training.class_weights, dataset.targets("train"),
                                 classes) if dataset.has_targets else None
    extra = [*task.training_callbacks(point.project),
             *task.progress_callbacks(model, dataset, recorder.run, recorder.emit,
                                      point.project)]

    def fit(initial: int, end: int) -> str:
        return _fit_phase(model, train, valid, initial, end, [*extra, *callbacks],
                          weights, training)

    second = fine_tuning.has_second_phase(model, training, point.state.fine_tune_from)
    if task.untrained_is_baseline and point.epochs_done == 0 and valid is not None:
        _score_start(model, valid, callbacks)
    try:
        start = point.state.fine_tune_from
        if start is None:
            cache = feature_cache.plan_cache(model, point.project)
            if cache is not None and point.epochs_done < training.epochs:
                state = _fit_on_features(model, cache, train, valid, point, task, loss_name,
                                         [*extra, *callbacks], weights)
            else:
                state = fit(point.epochs_done, training.epochs)
            if state != "finished" or not second:
                return state
            start = recorder.epochs_done
            _begin_fine_tuning(model, training, task, loss_name, steps, callbacks, start)
            return fit(start, start + training.fine_tune.epochs)
        recorder.emit(Phase("fine_tune", start, "Resuming in the fine-tuning phase.",
                            current_learning_rate(model), fine_tuning.trainable_count(model)))
        return fit(point.epochs_done, start + training.fine_tune.epochs)
    finally:
        reporter.close()


def _score_start(model: keras.Model, valid: Any, callbacks: list[Any]) -> None:
    """Score the untrained model on the validation split as epoch 0 of early stopping, so
    training keeps it when no epoch beats it (see ``Task.untrained_is_baseline``)."""
    tracker = next(item for item in callbacks if isinstance(item, BestTracker))
    if tracker.patience is None or not tracker.monitor.startswith("val_"):
        return
    scores = model.evaluate(valid, verbose=0, return_dict=True)
    tracker.set_model(model)
    tracker.score_start({f"val_{name}": value for name, value in scores.items()})


def _training_sets(model: keras.Model, project: Project, dataset: Dataset, loss_name: str,
                   validation: bool) -> tuple[Any, Any]:
    """Return the training pipeline (shuffled, targets as the loss needs them, one per
    ensemble member) and the validation one (``None`` without ``validation``)."""
    training = project.training
    classes = len(dataset.class_names)
    task = get_task(dataset.task)
    train = task.training_targets(task.training_data(
        dataset.tf_dataset("train", training.batch_size, shuffle=True, seed=training.seed,
                           cache=True), "train", dataset, project), loss_name, classes)
    train = repeat_targets(train, ensemble_members(model))  # one per member (EnsembleMean)
    valid = task.training_targets(task.training_data(
        dataset.tf_dataset("validation", training.batch_size, cache=True), "validation",
        dataset, project), loss_name, classes) if validation else None
    return train, valid


def _fit_on_features(model: keras.Model, cache: feature_cache.CachePlan, train: Any,
                     valid: Any, point: ResumePoint, task: Any, loss_name: str,
                     callbacks: list[Any], weights: Any) -> str:
    """Train the head on the frozen Backbone's features, computed once per image (the
    callbacks still see the full model, which the head's training changes)."""
    training = point.project.training
    started = time.perf_counter()
    cached_train = feature_cache.compute_features(cache, train)  # features and targets in pairs
    cached_valid = feature_cache.compute_features(cache, valid) if valid is not None else None
    size = cached_train.nbytes + (cached_valid.nbytes if cached_valid is not None else 0)
    callbacks[-1].emit(Message("info", f"Feature cache: {cache.network}'s features of "
                                       f"{len(cached_train.features)} training images computed "
                                       f"once ({time.perf_counter() - started:.1f} s, "
                                       f"{size / 2**20:.1f} MB); the head trains on them while "
                                       "the backbone is frozen."))
    cache.head.compile(optimizer=model.optimizer,
                       loss=task.make_loss(loss_name, training.label_smoothing, cache.head),
                       metrics=task.metrics(), steps_per_execution=model.steps_per_execution)
    features = feature_cache.cached_dataset(cached_train, training.batch_size, shuffle=True,
                                            seed=training.seed)
    checked = (feature_cache.cached_dataset(cached_valid, training.batch_size)
               if cached_valid is not None else None)
    with feature_cache.callbacks_on(callbacks, model, cache.head) as pinned:
        return _fit_phase(cache.head, features, checked, point.epochs_done, training.epochs,
                          pinned, weights, training, saved=model)


def _fit_phase(model: keras.Model, train: Any, valid: Any, initial: int, end: int,
               callbacks: list[Any], weights: Any, training: Any,
               saved: keras.Model | None = None) -> str:
    """Fit from epoch ``initial`` to ``end``; return ``finished`` or ``stopped``.

    ``saved`` is the model checkpoints hold when ``model`` is a cached-features head."""
    recorder = next(item for item in reversed(callbacks) if isinstance(item, RunRecorder))
    saved = saved or model
    try:
        model.fit(train, validation_data=valid, epochs=end,
                  initial_epoch=initial, callbacks=callbacks, verbose=0,
                  shuffle=False,  # the tf.data pipeline shuffles, seeded
                  class_weight=weights)
    except StopRequested:
        recorder.checkpointer.flush(saved)
        return "stopped"
    except NonFiniteLoss as error:
        recorder.checkpointer.flush(saved)  # the last good epoch, for resuming
        raise NanLossError(nan_message(error, training.learning_rate)) from None
    return "finished"


def _begin_fine_tuning(model: keras.Model, training: Any, task: Any, loss_name: str,
                       steps: int, callbacks: list[Any], start: int) -> None:
    """Unfreeze the Backbones' top layers, recompile at the lower rate, and tell the
    callbacks and the event stream that the fine-tuning phase begins after epoch ``start``."""
    text = fine_tuning.unfreeze(model, training)
    phase = fine_tuning.phase_training(training)
    _compile(model, phase, task, loss_name, steps, int(model.steps_per_execution or 1))
    tracker = next(item for item in callbacks if isinstance(item, BestTracker))
    tracker.begin_phase()
    recorder = callbacks[-1]
    recorder.begin_phase(start)
    recorder.emit(Phase("fine_tune", start, text, phase.learning_rate,
                        fine_tuning.trainable_count(model)))


def _keep_best(run: RunFolder, model: keras.Model, tracker: BestTracker, epochs_done: int,
               emit: EventLog) -> None:
    """Put the best epoch's weights back (with early stopping), say so, and save the model."""
    restored = tracker.restore_best_weights()
    if restored and tracker.best_epoch == 0:
        emit(Message("info", f"Kept the starting weights: no epoch beat their "
                             f"{tracker.monitor} ({tracker.best:.4g}), so the model predicts "
                             "as it started (a forecaster: the last value plus the drift)."))
    elif restored and tracker.best_epoch != epochs_done:
        emit(Message("info", f"Kept the weights of epoch {tracker.best_epoch}, the best "
                             f"{tracker.monitor} ({tracker.best:.4g})."))
    if tracker.stopped_early:
        emit(Message("info", f"Stopped early: {tracker.monitor} did not improve for "
                             f"{tracker.patience} epoch(s)."))
    _save_model(run, model)


def _save_model(run: RunFolder, model: keras.Model) -> None:
    temporary = run.path / ".model-partial.keras"
    model.save(temporary)
    os.replace(temporary, run.model_path)


def _record_end(run: RunFolder, model: keras.Model, tracker: BestTracker,
                recorder: RunRecorder, state: str, emit: EventLog, dataset: Dataset,
                refit_epochs: int | None = None) -> RunResult:
    """Store the reference statistics and the task's fields, close run.json, send
    ``finished``."""
    _store_reference(run, dataset, model, emit)
    fields = get_task(dataset.task).after_training(model, dataset, run.load_project())
    run.update_record(state=state, ended=now_text(), epochs_done=recorder.epochs_done,
                      best_epoch=tracker.best_epoch, best_metrics=tracker.best_metrics,
                      refit_epochs=refit_epochs, **fields)
    emit(Finished(str(run.path), tracker.best_epoch, tracker.best_metrics, state))
    return RunResult(run, state, recorder.epochs_done, tracker.best_epoch, tracker.best_metrics)


def _set_seed(seed: int) -> None:
    """Fix Python's, NumPy's, TensorFlow's and Keras's random state.

    That fixes the initial weights, dropout and augmentation; the split and the shuffling have
    their own seeds. CPU kernels then give the same curves run after run (measured); TF's
    ``enable_op_determinism`` is not used: it made convolutions 40-60% slower on the CPU and
    changed nothing there, and GPU runs are not bit-for-bit repeatable either way.
    """
    keras.utils.set_random_seed(seed)


def _set_precision(mixed: bool, plan: DevicePlan) -> list[str]:
    """Compute in float16 on GPUs when asked; return what to tell the user."""
    if not mixed:
        return []
    if not plan.uses_gpu:
        return ["Mixed precision needs a GPU; training in float32 on the CPU."]
    keras.mixed_precision.set_global_policy("mixed_float16")
    return ["Mixed precision: computing in float16, keeping weights in float32."]


def _output_units(model: keras.Model) -> int:
    outputs = getattr(model, "outputs", None)  # a model with its own call (a GAN) has none
    return int(outputs[0].shape[-1] or 1) if outputs else 1


def _storage_error(error: Exception, emit: EventLog, runs_dir: Any) -> StorageError | None:
    """Return a full disk or read-only folder met while training as a :class:`StorageError`
    naming the run folder (``None`` for any other error)."""
    if not isinstance(error, OSError) or isinstance(error, UserInputError):
        return None
    folder = emit.run.path if emit.run is not None else runs_dir
    message = storage_message(error, folder, "the run's records")
    if message is None:
        return None
    if emit.run is None:
        return StorageError(message)
    return StorageError(f"{message}. The run folder keeps its last complete epoch; once there "
                        f"is space, resume it with `dlstudio train --resume {emit.run.path}`")


def _report_failure(error: Exception, emit: EventLog) -> None:
    """Say why the run failed, in run.json and as an ``error`` event.

    Best effort on the run folder: on a full disk, run.json and events.jsonl may not take the
    news, and that must not hide the error itself.
    """
    kind = error_kind(error)
    text = failure_text(error)
    run_dir = str(emit.run.path) if emit.run else None
    if emit.run is not None:
        with contextlib.suppress(OSError, RecordError):
            emit.run.mark_failed(text)
    try:
        emit(Error(text, kind, run_dir))
    except OSError:
        emit.run = None  # the run folder cannot take it; the caller still hears of it
        emit(Error(text, kind, run_dir))
