"""The training doctor's GAN rules: a discriminator that always wins, and mode collapse."""

import math

from dlstudio.core.training.doctor import Doctor
from dlstudio.core.training.events import Epoch, Started


def feed(logs_per_epoch):
    doctor = Doctor()
    hints = doctor.observe(Started("r", ["CPU"], "default", len(logs_per_epoch), 10, 32))
    for number, logs in enumerate(logs_per_epoch, start=1):
        hints += doctor.observe(Epoch(number, logs, 2e-4, 1.0, 0))
    return [hint.text for hint in hints]


def healthy(n):
    return {"d_loss": 1.2 - n / 100, "g_loss": 0.9 + n / 50, "sample_diversity": 0.9}


def test_a_healthy_gan_gets_no_hint():
    assert feed([healthy(n) for n in range(1, 9)]) == []


def test_a_discriminator_loss_near_zero_says_the_discriminator_wins():
    logs = [healthy(1), {**healthy(2), "d_loss": 0.01}, {**healthy(3), "d_loss": 0.004},
            {**healthy(4), "d_loss": 0.002}]

    hints = feed(logs)

    assert len(hints) == 1
    assert "discriminator's loss is near 0" in hints[0]
    assert "lower the discriminator's learning rate" in hints[0]


def test_one_low_epoch_of_the_discriminator_is_not_yet_a_hint():
    assert feed([healthy(1), {**healthy(2), "d_loss": 0.01}, healthy(3)]) == []


def test_samples_that_stop_varying_are_called_mode_collapse():
    logs = [healthy(1), {**healthy(2), "sample_diversity": 0.05},
            {**healthy(3), "sample_diversity": 0.03}]

    hints = feed(logs)

    assert len(hints) == 1 and "mode collapse" in hints[0]
    assert "3% as much as real images" in hints[0]


def test_a_gan_loss_that_becomes_nan_is_named():
    hints = feed([healthy(1), {**healthy(2), "g_loss": math.nan}])

    assert len(hints) == 1 and "g_loss became nan at epoch 2" in hints[0]


def test_a_new_generators_alike_samples_are_not_yet_collapse():
    start = [{**healthy(n), "sample_diversity": value}
             for n, value in enumerate((0.05, 0.16, 0.35, 0.6), start=1)]

    assert feed(start) == []
    never = [{**healthy(n), "sample_diversity": 0.05} for n in range(1, 11)]
    assert len(feed(never)) == 1  # ten epochs without variety is a problem
