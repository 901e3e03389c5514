"""The training doctor on event streams that show each pathology."""

import math

from dlstudio.core.project.project import EarlyStoppingSpec, Project, TrainingSpec
from dlstudio.core.training.doctor import Doctor
from dlstudio.core.training.events import Batch, Epoch, Started


def feed(logs_per_epoch, learning_rate=0.01):
    doctor = Doctor()
    hints = doctor.observe(Started("r", ["CPU"], "default", len(logs_per_epoch), 10, 32))
    for number, logs in enumerate(logs_per_epoch, start=1):
        hints += doctor.observe(Batch(number, 1, 10, logs, 100.0))
        hints += doctor.observe(Epoch(number, logs, learning_rate, 1.0, 1))
    return [hint.text for hint in hints]


def test_a_healthy_run_gets_no_hint():
    logs = [{"loss": 1 / n, "val_loss": 1.1 / n, "val_accuracy": 0.5 + n / 100}
            for n in range(1, 9)]

    assert feed(logs) == []


def test_nan_loss_says_lower_the_learning_rate():
    hints = feed([{"loss": 0.9}, {"loss": math.nan}], learning_rate=1.0)

    assert len(hints) == 1 and "became nan at epoch 2" in hints[0]
    assert "try 0.1" in hints[0]


def test_a_rising_loss_says_the_learning_rate_is_too_high():
    hints = feed([{"loss": 1.0}, {"loss": 1.2}, {"loss": 2.0}, {"loss": 3.0}], learning_rate=1.0)

    assert len(hints) == 1 and "likely too high" in hints[0] and "to 0.1" in hints[0]


def test_a_flat_loss_suggests_ten_times_higher_and_lower():
    hints = feed([{"loss": 0.7}, {"loss": 0.6}, {"loss": 0.6}, {"loss": 0.6}, {"loss": 0.6}],
                 learning_rate=0.001)

    assert len(hints) == 1 and "has not decreased for 3 epochs" in hints[0]
    assert "0.01" in hints[0] and "0.0001" in hints[0]


def test_validation_rising_while_training_falls_is_overfitting_once():
    losses = [1.0, 0.8, 0.6, 0.5, 0.4, 0.3, 0.2]
    validation = [1.0, 0.9, 0.85, 0.9, 0.95, 1.0, 1.1]
    hints = feed([{"loss": t, "val_loss": v} for t, v in zip(losses, validation, strict=True)])

    assert len(hints) == 1 and "memorising" in hints[0] and "early stopping" in hints[0]


def test_frozen_validation_accuracy_is_one_class_predicted():
    hints = feed([{"loss": 0.7 - n / 20, "val_accuracy": 0.8} for n in range(5)])

    assert len(hints) == 1 and "predicts one class" in hints[0] and "balanced" in hints[0]


def feed_events(logs_per_epoch, diagnostics=(), baselines=None, learning_rate=0.01,
                project=None):
    """The hints (as Message events) for epochs with logs and the doctor's measurements."""
    doctor = Doctor(project)
    hints = doctor.observe(Started("r", ["CPU"], "default", len(logs_per_epoch), 10, 32,
                                   baselines=baselines or {}))
    diagnostics = list(diagnostics) or [{}] * len(logs_per_epoch)
    for number, (logs, measured) in enumerate(zip(logs_per_epoch, diagnostics, strict=True), 1):
        hints += doctor.observe(Epoch(number, logs, learning_rate, 1.0, 1, measured))
    return hints


def falling(epochs):
    return [{"loss": 1 / n, "val_loss": 1.1 / n} for n in range(1, epochs + 1)]


def test_a_rising_loss_carries_a_lower_learning_rate_as_its_fix():
    hints = feed_events([{"loss": 1.0}, {"loss": 3.0}], learning_rate=1.0)

    assert hints[0].fix == {"label": "Set the learning rate to 0.1",
                            "settings": {"training.learning_rate": 0.1}, "ignore_columns": []}


def test_overfitting_offers_early_stopping_unless_the_project_has_it():
    losses = [1.0, 0.8, 0.6, 0.5, 0.4]
    validation = [1.0, 0.9, 0.95, 1.0, 1.1]
    logs = [{"loss": t, "val_loss": v} for t, v in zip(losses, validation, strict=True)]
    stopping = Project(training=TrainingSpec(early_stopping=EarlyStoppingSpec(enabled=True)))

    offered = feed_events(logs, project=Project())
    already = feed_events(logs, project=stopping)

    assert offered[0].fix["settings"] == {"training.early_stopping.enabled": True}
    assert already[0].fix is None and "memorising" in already[0].text


def test_one_class_predicted_offers_balanced_class_weights():
    hints = feed_events([{"loss": 0.7 - n / 20, "val_accuracy": 0.8} for n in range(5)])

    assert hints[0].fix["settings"] == {"training.class_weights": "balanced"}


def test_a_gradient_norm_that_explodes_offers_clipping():
    norms = [{"gradient_norm": value} for value in (0.5, 3.0, 80.0)]

    hints = feed_events(falling(3), norms, project=Project())

    assert len(hints) == 1 and "gradient norm grew from 0.5" in hints[0].text
    assert hints[0].fix["settings"] == {"training.clip_mode": "norm", "training.clip_value": 1.0}


def test_a_gradient_hint_names_the_epochs_the_probe_measured():
    norms = [{"gradient_norm": 0.5}, {"gradient_norm": 0.6}, {}, {}, {"gradient_norm": 80.0}]

    hints = feed_events(falling(5), norms, project=Project())

    assert len(hints) == 1 and "from 0.5 (epoch 1) to 80 (epoch 5)" in hints[0].text


def test_vanishing_gradients_while_the_loss_is_high_are_named():
    norms = [{"gradient_norm": value} for value in (1e-3, 1e-8)]

    hints = feed_events([{"loss": 0.69}, {"loss": 0.69}], norms)

    assert len(hints) == 1 and "vanished" in hints[0].text and "He initialisation" in hints[0].text


def test_mostly_dead_relus_say_lower_the_learning_rate():
    hints = feed_events(falling(2), [{"dead_relu_share": 0.1}, {"dead_relu_share": 0.75}],
                        learning_rate=0.5)

    assert len(hints) == 1 and "75% of the ReLU units are dead" in hints[0].text
    assert hints[0].fix["settings"] == {"training.learning_rate": 0.05}


def test_no_better_than_the_majority_class_is_a_trivial_model():
    logs = [{"loss": 1 / n, "val_accuracy": 0.70 + n / 1000} for n in range(1, 6)]

    hints = feed_events(logs, baselines={"val_accuracy": 0.70})
    better = feed_events(logs, baselines={"val_accuracy": 0.60})

    assert len(hints) == 1 and "most common class (0.7)" in hints[0].text and not better


def test_a_regression_no_better_than_the_mean_is_a_trivial_model():
    logs = [{"loss": 1 / n, "val_mae": 2.0} for n in range(1, 6)]

    hints = feed_events(logs, baselines={"val_mae": 2.0})

    assert len(hints) == 1 and "always predicting the mean" in hints[0].text


def test_large_inputs_to_the_first_layer_are_unnormalised():
    hints = feed_events(falling(2), [{"input_scale": 120.0}, {}])
    normal = feed_events(falling(2), [{"input_scale": 1.2}, {}])

    assert len(hints) == 1 and "root mean square 120" in hints[0].text and not normal


def test_fixes_start_from_the_projects_rate_not_the_scheduled_one():
    project = Project(training=TrainingSpec(learning_rate=1.0))

    hints = feed_events([{"loss": 1.0}, {"loss": 3.0}], learning_rate=0.9, project=project)

    assert hints[0].fix["settings"] == {"training.learning_rate": 0.1}
    assert "learning rate (1)" in hints[0].text


def test_no_better_than_a_large_majority_class_offers_balanced_class_weights():
    logs = [{"loss": 1 / n, "val_accuracy": accuracy}
            for n, accuracy in enumerate((0.26, 0.42, 0.71, 0.84, 0.84), start=1)]

    hints = feed_events(logs, baselines={"val_accuracy": 0.84}, project=Project())

    assert "imbalanced (the most common is about 84%" in hints[0].text
    assert hints[0].fix["settings"] == {"training.class_weights": "balanced"}


def test_a_loss_that_levels_after_falling_has_converged_not_stalled():
    autoencoder = [0.7, 0.05, 0.002, 0.0006, 0.0005, 0.0005, 0.0005, 0.0005]
    vae = [0.68, 0.5, 0.45, 0.42, 0.41, 0.405, 0.404, 0.403, 0.403]

    for losses in (autoencoder, vae):
        assert not any("has not decreased" in hint for hint in feed(
            [{"loss": value} for value in losses], learning_rate=0.001))
