"""Training a project into a run folder: learning, reproducibility, stop, resume, NaN, settings.

The data is a learnable toy table made here: three classes split by two lines in the plane of
two numeric columns, so a small MLP beats chance (1/3) within a few epochs.
"""

from pathlib import Path

import keras
import numpy as np
import pandas as pd
import pytest
import tensorflow as tf

from dlstudio.core.errors import TrainingError
from dlstudio.core.project.project import (
    DataSpec,
    LayerSpec,
    ModelSpec,
    Project,
    ScheduleSpec,
    TrainingSpec,
    save_project,
)
from dlstudio.core.runs.folder import RunFolder
from dlstudio.core.tasks import get_task
from dlstudio.core.tasks.classification import balanced_class_weights
from dlstudio.core.training.callbacks import monitor_mode
from dlstudio.core.training.control import RunControl
from dlstudio.core.training.devices import (
    CALL_SECONDS,
    choose_steps_per_execution,
    estimate_step_seconds,
)
from dlstudio.core.training.events import Batch, Epoch, Error, Finished, Message, Started, decode
from dlstudio.core.training.optimization import (
    check_schedule_conflict,
    make_learning_rate,
    make_optimizer,
    replan_schedule,
    warmup_steps,
)
from dlstudio.core.training.run import run_training


def toy_project(folder: Path, rows: int = 240, **training: object) -> Project:
    """Write the toy CSV and return a saved project that trains on it."""
    generator = np.random.default_rng(0)
    x1, x2 = generator.normal(size=rows), generator.normal(size=rows)
    label = np.where(x1 + x2 > 0.7, "high", np.where(x1 - x2 > 0, "middle", "low"))
    pd.DataFrame({"x1": x1, "x2": x2, "label": label}).to_csv(folder / "toy.csv", index=False)
    settings = {"epochs": 3, "batch_size": 16, "learning_rate": 0.03, **training}
    project = Project(
        name="toy",
        data=DataSpec(kind="csv", path=str(folder / "toy.csv"), target="label"),
        model=ModelSpec(layers=[LayerSpec.of("Dense", units=16, activation="relu")]),
        training=TrainingSpec(**settings),
    )
    save_project(project, folder / "toy.dlstudio.json")
    return project


def train(project: Project, folder: Path, **options: object) -> tuple[object, list]:
    events: list = []
    result = run_training(project, events.append, runs_dir=folder / "runs", **options)
    return result, events


def of_type(events: list, kind: type) -> list:
    return [event for event in events if isinstance(event, kind)]


@pytest.mark.slow
def test_training_learns_and_leaves_a_complete_run_folder(tmp_path):
    result, events = train(toy_project(tmp_path), tmp_path)

    epochs = of_type(events, Epoch)
    assert [event.epoch for event in epochs] == [1, 2, 3]
    assert epochs[-1].logs["loss"] < epochs[0].logs["loss"]
    assert epochs[-1].logs["val_accuracy"] > 0.6  # chance is 1/3
    assert isinstance(events[0], Started) and isinstance(events[-1], Finished)
    run = result.run
    assert run.read_record().state == "finished" and run.read_record().epochs_done == 3
    assert run.load_project().name == "toy"
    assert [row["epoch"] for row in run.read_metrics()] == [1, 2, 3]
    assert "learning_rate" in run.read_metrics()[0]
    logged = [decode(line) for line in run.events_path.read_text().splitlines()]
    assert logged == events
    assert run.read_state().optimizer_iterations == 3 * events[0].steps_per_epoch
    model = keras.saving.load_model(run.model_path, safe_mode=True)
    assert model.outputs[0].shape[-1] == 3


@pytest.mark.slow
def test_two_runs_with_the_same_seed_give_the_same_curves(tmp_path):
    project = toy_project(tmp_path, epochs=2)

    first = [event.logs for event in of_type(train(project, tmp_path)[1], Epoch)]
    second = [event.logs for event in of_type(train(project, tmp_path)[1], Epoch)]

    assert first == second


@pytest.mark.slow
def test_a_stopped_run_resumes_at_the_next_epoch_with_its_optimizer_state(tmp_path):
    project = toy_project(tmp_path, epochs=3, schedule=ScheduleSpec(kind="cosine",
                                                                   warmup_epochs=1))
    control = RunControl()

    def stop_after_first_epoch(event):
        events.append(event)
        if isinstance(event, Epoch):
            control.stop()

    events: list = []
    stopped = run_training(project, stop_after_first_epoch, runs_dir=tmp_path / "runs",
                           control=control)
    assert (stopped.state, stopped.epochs_done) == ("stopped", 1)
    assert stopped.run.read_record().state == "stopped"
    steps = events[0].steps_per_epoch
    rate_after_first = of_type(events, Epoch)[0].learning_rate

    resumed, more = train(None, tmp_path, resume=stopped.run.path)

    assert more[0].initial_epoch == 1
    assert any(f"optimizer at step {steps}." in event.text for event in of_type(more, Message))
    assert [event.epoch for event in of_type(more, Epoch)] == [2, 3]
    assert [row["epoch"] for row in resumed.run.read_metrics()] == [1, 2, 3]
    assert resumed.run.read_state().optimizer_iterations == 3 * steps
    assert of_type(more, Epoch)[-1].learning_rate < rate_after_first  # cosine went on decaying


@pytest.mark.slow
def test_a_finished_cosine_run_trained_further_re_plans_its_schedule(tmp_path):
    project = toy_project(tmp_path, epochs=3, schedule=ScheduleSpec(kind="cosine",
                                                                   warmup_epochs=1))
    finished, events = train(project, tmp_path)
    steps = events[0].steps_per_epoch
    assert of_type(events, Epoch)[-1].learning_rate == pytest.approx(0.0, abs=1e-7)

    resumed, more = train(None, tmp_path, resume=finished.run.path, epochs=6)

    planned = make_learning_rate(project.training.schedule, 0.03, 6, steps)
    rates = [event.learning_rate for event in of_type(more, Epoch)]
    assert [event.epoch for event in of_type(more, Epoch)] == [4, 5, 6]
    assert rates == pytest.approx([float(planned(epoch * steps)) for epoch in (4, 5, 6)],
                                  abs=1e-6)
    assert rates[0] > 0.005 and rates[-1] == pytest.approx(0.0, abs=1e-7)
    assert any("planned for 3 epochs; it is re-planned for 6" in event.text
               for event in of_type(more, Message))
    assert resumed.run.read_state().epochs == 6


def test_re_planning_rebuilds_only_a_cosine_schedule_for_another_total():
    training = TrainingSpec(epochs=6, learning_rate=0.1,
                            schedule=ScheduleSpec(kind="cosine", warmup_epochs=1))
    optimizer = keras.optimizers.Adam(make_learning_rate(training.schedule, 0.1, 3, 10))
    optimizer.iterations.assign(30)  # the end of the 3-epoch plan: the rate is 0

    text = replan_schedule(optimizer, training, 10, planned_epochs=3)

    expected = float(make_learning_rate(training.schedule, 0.1, 6, 10)(30))
    assert float(optimizer.learning_rate) == pytest.approx(expected) and expected > 0.05
    assert text.startswith("The cosine schedule was planned for 3 epochs")
    assert replan_schedule(optimizer, training, 10, planned_epochs=6) is None
    for kind in ("step", "exponential"):  # they depend on the step only
        training.schedule = ScheduleSpec(kind=kind)
        kept = make_learning_rate(training.schedule, 0.1, 3, 10)
        optimizer = keras.optimizers.Adam(kept)
        assert replan_schedule(optimizer, training, 10, planned_epochs=3) is None
        assert optimizer._learning_rate is kept


@pytest.mark.parametrize("target, failure", [
    ("dlstudio.core.training.run.builder.build_model",
     tf.errors.ResourceExhaustedError(None, None, "OOM when allocating tensor")),
    ("dlstudio.core.training.run.load_dataset", MemoryError()),
])
def test_out_of_memory_outside_fit_says_to_reduce_the_batch_size(tmp_path, monkeypatch, target,
                                                                 failure):
    def run_out_of_memory(*_arguments, **_options):
        raise failure

    monkeypatch.setattr(target, run_out_of_memory)
    events: list = []

    with pytest.raises(TrainingError, match="ran out of memory with batch size 16. Reduce"):
        run_training(toy_project(tmp_path), events.append, runs_dir=tmp_path / "runs")

    error = events[-1]
    assert isinstance(error, Error) and error.kind == "out_of_memory"
    assert "try 8" in error.message and "bug" not in error.message


@pytest.mark.slow
def test_mixed_precision_on_the_cpu_trains_in_float32_and_says_why(tmp_path):
    result, events = train(toy_project(tmp_path, epochs=1, mixed_precision=True), tmp_path)

    assert result.state == "finished"
    assert "Mixed precision needs a GPU; training in float32 on the CPU." in [
        event.text for event in of_type(events, Message)]
    model = keras.saving.load_model(result.run.model_path, safe_mode=True)
    assert {layer.dtype_policy.name for layer in model.layers} == {"float32"}
    assert keras.mixed_precision.global_policy().name == "float32"


@pytest.mark.slow
def test_stop_takes_effect_within_one_batch(tmp_path):
    project = toy_project(tmp_path, rows=600, epochs=5, batch_size=8, steps_per_execution=1)
    control = RunControl()
    events: list = []

    def stop_at_first_batch(event):
        events.append(event)
        if isinstance(event, Batch):
            control.stop()

    result = run_training(project, stop_at_first_batch, runs_dir=tmp_path / "runs",
                          control=control)

    assert result.state == "stopped" and result.epochs_done == 0
    assert len(of_type(events, Batch)) <= 2 and not of_type(events, Epoch)
    assert events[-1] == Finished(str(result.run.path), 0, {}, "stopped")
    assert result.run.model_path.exists()


@pytest.mark.slow
def test_a_loss_that_becomes_nan_stops_with_an_error_that_says_what_to_do(tmp_path):
    project = toy_project(tmp_path, epochs=2, optimizer="sgd", learning_rate=10.0,
                          loss="mse")
    project.data.task = "regression"
    project.data.target = "x1"
    project.data.columns = []
    frame = pd.read_csv(tmp_path / "toy.csv")
    frame["x1"] *= 1e6
    frame.to_csv(tmp_path / "toy.csv", index=False)

    with pytest.raises(TrainingError, match="learning rate is too high"):
        train(project, tmp_path)

    runs = list((tmp_path / "runs").iterdir())
    run = RunFolder(runs[0])
    last = decode(run.events_path.read_text().splitlines()[-1])
    assert isinstance(last, Error) and last.kind == "nan_loss"
    assert run.read_record().state == "failed"


@pytest.mark.slow
def test_early_stopping_keeps_the_best_weights(tmp_path):
    project = toy_project(tmp_path, epochs=6, learning_rate=0.001)
    project.training.early_stopping.enabled = True
    project.training.early_stopping.patience = 1
    project.training.early_stopping.min_delta = 10.0  # nothing improves after epoch 1
    project.training.refit_on_all = "off"  # the refit has tests of its own (test_refit.py)

    result, events = train(project, tmp_path)

    assert result.epochs_done == 2 and result.best_epoch == 1
    assert any("Stopped early" in event.text for event in of_type(events, Message))
    assert any("Kept the weights of epoch 1" in event.text for event in of_type(events, Message))


@pytest.mark.slow
def test_every_optimizer_setting_trains(tmp_path):
    project = toy_project(tmp_path, epochs=2, optimizer="sgd", nesterov=True,
                          weight_decay=0.01, clip_mode="norm", class_weights="balanced",
                          gradient_accumulation_steps=2, loss="categorical_crossentropy",
                          schedule=ScheduleSpec(kind="reduce_on_plateau", patience=1))

    result, events = train(project, tmp_path)

    assert result.state == "finished"
    assert all(np.isfinite(event.logs["loss"]) for event in of_type(events, Epoch))
    assert result.run.read_state().plateau["wait"] >= 0


def test_schedules_follow_the_epochs():
    step = make_learning_rate(ScheduleSpec(kind="step", factor=0.5, step_epochs=2), 0.1, 10, 5)
    assert float(step(9)) == pytest.approx(0.1) and float(step(10)) == pytest.approx(0.05)
    exponential = make_learning_rate(ScheduleSpec(kind="exponential", factor=0.5), 0.1, 10, 5)
    assert float(exponential(5)) == pytest.approx(0.05)
    cosine = make_learning_rate(ScheduleSpec(kind="cosine", warmup_epochs=2), 0.1, 10, 5)
    assert float(cosine(0)) == pytest.approx(0.0)
    assert float(cosine(10)) == pytest.approx(0.1)
    assert float(cosine(50)) == pytest.approx(0.0, abs=1e-6)
    assert make_learning_rate(ScheduleSpec(kind="reduce_on_plateau"), 0.1, 10, 5) == 0.1


def test_a_warm_up_as_long_as_training_is_shortened_to_half_of_it():
    # train --epochs 1 on a project with warm-up epochs used to fail; now the warm-up shrinks
    cosine = make_learning_rate(ScheduleSpec(kind="cosine", warmup_epochs=5), 0.1, 1, 10)

    assert float(cosine(0)) == pytest.approx(0.0)
    assert float(cosine(5)) == pytest.approx(0.1)  # the peak at half the 10 steps
    assert float(cosine(10)) == pytest.approx(0.0, abs=1e-6)
    assert warmup_steps(2, 10, 5) == 10 and warmup_steps(5, 2, 10) == 10


def test_optimizer_settings_reach_keras():
    training = TrainingSpec(optimizer="sgd", momentum=0.8, nesterov=True, weight_decay=0.01,
                            clip_mode="value", clip_value=0.5, gradient_accumulation_steps=4)

    optimizer = make_optimizer(training, steps_per_epoch=10)

    assert isinstance(optimizer, keras.optimizers.SGD)
    assert (optimizer.momentum, optimizer.nesterov, optimizer.weight_decay) == (0.8, True, 0.01)
    assert optimizer.clipvalue == 0.5 and optimizer.gradient_accumulation_steps == 4
    adamw = make_optimizer(TrainingSpec(optimizer="adamw", clip_mode="norm"), 10)
    assert isinstance(adamw, keras.optimizers.AdamW) and adamw.clipnorm == 1.0


def test_reduce_on_plateau_with_a_schedule_is_a_clear_error():
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    schedule = make_learning_rate(ScheduleSpec(kind="exponential"), 0.1, 5, 10)
    model.compile(keras.optimizers.Adam(schedule), "mse")

    with pytest.raises(TrainingError, match="reduce-on-plateau cannot"):
        check_schedule_conflict(model.optimizer, reduce_on_plateau=True)
    check_schedule_conflict(model.optimizer, reduce_on_plateau=False)


@pytest.mark.parametrize("choice, task, units, expected", [
    ("auto", "classification", 3, "sparse_categorical_crossentropy"),
    ("auto", "classification", 1, "binary_crossentropy"),
    ("auto", "regression", 1, "mse"),
    ("categorical_crossentropy", "classification", 3, "categorical_crossentropy"),
    ("huber", "regression", 1, "huber"),
])
def test_losses_are_chosen_from_the_task(choice, task, units, expected):
    assert get_task(task).resolve_loss(choice, units) == expected


@pytest.mark.parametrize("choice, task, units, hint", [
    ("mse", "classification", 3, "sparse_categorical_crossentropy"),
    ("binary_crossentropy", "classification", 4, "sparse_categorical_crossentropy"),
    ("categorical_crossentropy", "classification", 1, "binary_crossentropy"),
    ("sparse_categorical_crossentropy", "regression", 1, "mse, mae, huber"),
])
def test_a_loss_that_does_not_fit_names_one_that_does(choice, task, units, hint):
    with pytest.raises(TrainingError, match=hint):
        get_task(task).resolve_loss(choice, units)


def test_balanced_class_weights_are_inverse_to_frequency():
    weights = balanced_class_weights(np.array([0, 0, 0, 1]), 3)

    assert weights == {0: pytest.approx(4 / 9), 1: pytest.approx(4 / 3), 2: 1.0}


def test_small_models_run_several_steps_per_call_and_big_ones_one():
    small = keras.Sequential([keras.Input((10,)), keras.layers.Dense(16), keras.layers.Dense(3)])
    big = keras.Sequential([keras.Input((128, 128, 3)), keras.layers.Conv2D(64, 3),
                            keras.layers.Conv2D(64, 3)])

    assert choose_steps_per_execution(small, 32, 100, uses_gpu=False) == 32
    assert choose_steps_per_execution(small, 32, 5, uses_gpu=False) == 5
    assert choose_steps_per_execution(big, 32, 100, uses_gpu=False) == 1


def test_the_small_cnn_template_runs_a_few_steps_per_call_within_the_call_budget():
    # the cnn template on 32x32 images (about 33 ms a step on two CPU cores): several steps
    # per call cost less CPU time than one, and a call stays within CALL_SECONDS
    layers = [keras.Input((32, 32, 3))]
    for filters in (32, 64, 128):
        layers += [keras.layers.Conv2D(filters, 3, padding="same", use_bias=False),
                   keras.layers.BatchNormalization(), keras.layers.ReLU(),
                   keras.layers.MaxPooling2D()]
    cnn = keras.Sequential([*layers, keras.layers.GlobalAveragePooling2D(),
                            keras.layers.Dense(64), keras.layers.Dense(3)])

    per_call = choose_steps_per_execution(cnn, 32, 100, uses_gpu=False)

    assert 2 <= per_call <= 8
    assert per_call * estimate_step_seconds(cnn, 32, uses_gpu=False) <= CALL_SECONDS


def test_monitor_direction():
    assert monitor_mode("val_accuracy") == "max" and monitor_mode("val_loss") == "min"


@pytest.mark.slow
def test_the_doctor_speaks_up_in_a_run_whose_learning_rate_is_far_too_low(tmp_path):
    project = toy_project(tmp_path, rows=48, epochs=5, learning_rate=1e-7)

    result, events = train(project, tmp_path)

    hints = [event.text for event in of_type(events, Message) if "doctor" in event.text]
    assert len(hints) == 1 and "has not decreased" in hints[0]
    logged = result.run.events_path.read_text()
    assert "Training doctor" in logged  # the hint is in events.jsonl as well


@pytest.mark.slow
def test_a_learning_rate_of_one_gets_a_hint_whose_fix_lowers_it(tmp_path):
    project = toy_project(tmp_path, rows=120, epochs=4, learning_rate=1.0)

    _result, events = train(project, tmp_path)

    fixes = [event.fix for event in of_type(events, Message) if event.fix]
    assert fixes and fixes[0]["settings"] == {"training.learning_rate": 0.1}
    assert of_type(events, Started)[0].baselines["val_accuracy"] > 0
    measured = [event.diagnostics for event in of_type(events, Epoch)]
    assert measured[0]  # the first epoch always; later ones within the probe's time budget
    assert all(values["gradient_norm"] > 0 and 0 <= values["dead_relu_share"] <= 1
               for values in measured if values)
    assert "input_scale" in measured[0]  # measured once, at the first epoch


@pytest.mark.slow
def test_an_imbalanced_set_gets_a_hint_whose_fix_balances_the_classes(tmp_path):
    generator = np.random.default_rng(0)
    label = np.where(generator.uniform(size=200) < 0.9, "common", "rare")
    pd.DataFrame({"x": generator.normal(size=200) + (label == "rare") * 0.5,
                  "label": label}).to_csv(tmp_path / "imbalanced.csv", index=False)
    project = Project(name="imbalanced", data=DataSpec(
        kind="csv", path=str(tmp_path / "imbalanced.csv"), target="label"),
        model=ModelSpec(layers=[LayerSpec.of("Dense", units=8)]),
        training=TrainingSpec(epochs=5, batch_size=32, learning_rate=0.01))

    _result, events = train(project, tmp_path)

    fixes = [event.fix for event in of_type(events, Message) if event.fix]
    assert fixes and fixes[0]["settings"] == {"training.class_weights": "balanced"}
