"""The training doctor on event streams that show each pathology."""

import math

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
