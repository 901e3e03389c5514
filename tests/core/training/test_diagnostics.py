"""The doctor's measurements: gradient norm, dead ReLUs, input scale and trivial baselines."""

import keras
import numpy as np
import tensorflow as tf

from dlstudio.core.training.diagnostics import DoctorProbe, trivial_baselines


def probed(model, inputs, targets, first_row=None):
    probe = DoctorProbe(first_row)
    probe.set_model(model)
    probe.set_batch(tf.data.Dataset.from_tensor_slices((inputs, targets)).batch(8))
    probe.on_epoch_end(0)
    return probe.values


def relu_model(dead_bias):
    inputs = keras.Input((2,))
    hidden = keras.layers.Dense(4, activation="relu", name="dense_1")(inputs)
    model = keras.Model(inputs, keras.layers.Dense(1, name="output")(hidden))
    kernel, bias = model.get_layer("dense_1").get_weights()
    model.get_layer("dense_1").set_weights([np.full_like(kernel, 0.1),
                                            np.array([dead_bias, dead_bias, 1.0, 1.0])])
    model.compile(optimizer="sgd", loss="mse")
    return model


def test_units_never_active_on_the_batch_count_as_dead():
    inputs = np.random.default_rng(0).uniform(0, 1, (16, 2)).astype("float32")

    values = probed(relu_model(-5.0), inputs, np.zeros(16, "float32"))
    alive = probed(relu_model(0.5), inputs, np.zeros(16, "float32"))

    assert values["dead_relu_share"] == 0.5 and alive["dead_relu_share"] == 0.0


def test_the_gradient_norm_is_measured_and_grows_with_the_error():
    inputs = np.ones((8, 2), "float32")
    model = relu_model(0.5)

    near = probed(model, inputs, np.asarray(model(inputs))[:, 0])
    far = probed(model, inputs, np.full(8, 100.0, "float32"))

    assert near["gradient_norm"] < 1e-5 < far["gradient_norm"]


def test_the_input_scale_is_what_enters_the_first_row():
    inputs = np.full((8, 2), 200.0, "float32")

    values = probed(relu_model(0.5), inputs, np.zeros(8, "float32"), first_row="dense_1")

    assert abs(values["input_scale"] - 200.0) < 1e-3


def probe_timed(epoch_seconds, epochs, cost=0.125):
    """The epochs (from 1) a probe measures when each epoch trains ``epoch_seconds`` and a
    measurement takes ``cost`` seconds, on a clock the test moves."""
    now = [0.0]
    probe = DoctorProbe(clock=lambda: now[0])
    probe.set_model(relu_model(0.5))
    probe.set_batch(tf.data.Dataset.from_tensor_slices(
        (np.ones((8, 2), "float32"), np.zeros(8, "float32"))).batch(8))
    measure = probe._gradient_norm

    def costly():
        now[0] += cost
        return measure()

    probe._gradient_norm = costly
    probe.on_train_begin()
    measured = []
    for epoch in range(epochs):
        now[0] += epoch_seconds
        probe.on_epoch_end(epoch)
        if probe.values:
            measured.append(epoch + 1)
    return measured


def test_short_epochs_are_probed_only_within_the_probe_s_share_of_training_time():
    # traced as training begins; the first epoch always (it tells the cost), then once 0.125 s
    # is at most PROBE_BUDGET (2%) of the training time since the last measurement: 6.25 s
    assert probe_timed(epoch_seconds=1.0, epochs=10) == [1, 8]


def test_epochs_of_several_seconds_are_probed_after_every_epoch():
    assert probe_timed(epoch_seconds=10.0, epochs=5) == [1, 2, 3, 4, 5]


def test_trivial_baselines_are_the_majority_class_and_the_mean():
    classes = trivial_baselines([0, 0, 0, 1], [0, 1, 1, 1], classes=True, prefix="val_")
    values = trivial_baselines([1.0, 3.0], [2.0, 4.0], classes=False, prefix="")

    assert classes == {"val_accuracy": 0.25} and values == {"mae": 1.0}
