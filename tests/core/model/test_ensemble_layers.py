"""EnsembleSplit and EnsembleMean: members apart in training, averaged for predictions."""

import numpy as np
import pytest
import tensorflow as tf

from dlstudio.core.model.layers import (
    EnsembleMean,
    EnsembleSplit,
    ensemble_members,
    repeat_targets,
)


def test_the_split_gives_each_member_the_features_times_random_signs():
    split = EnsembleSplit(4, seed=1)
    out = np.asarray(split(np.array([[1.0, 2.0, 3.0]], dtype="float32")))
    assert out.shape == (1, 4, 3)
    assert set(np.abs(out[0]).ravel() / np.tile([1.0, 2.0, 3.0], 4)) == {1.0}
    assert len({tuple(row) for row in np.sign(out[0])}) > 1  # the members differ


def test_the_mean_averages_for_predictions_and_lays_members_out_as_rows_in_training():
    members = np.arange(2 * 3 * 2, dtype="float32").reshape(2, 3, 2)  # 2 samples, 3 members
    mean = EnsembleMean()
    np.testing.assert_allclose(np.asarray(mean(members)), members.mean(axis=1))
    rows = np.asarray(mean(members, training=True))
    np.testing.assert_allclose(rows, members.reshape(6, 2))  # sample 0's members first


def test_targets_are_repeated_once_per_member_in_the_row_order_of_the_mean():
    data = tf.data.Dataset.from_tensors(({"x": tf.zeros((2, 1))}, tf.constant([5.0, 7.0])))
    _, targets = next(iter(repeat_targets(data, 3)))
    assert targets.numpy().tolist() == [5.0, 5.0, 5.0, 7.0, 7.0, 7.0]
    assert repeat_targets(data, 1) is data


def test_a_model_with_an_ensemble_trains_each_member_on_its_own_target():
    import keras

    inputs = keras.Input((2,))
    hidden = keras.layers.Dense(4)(EnsembleSplit(3, seed=0)(inputs))
    model = keras.Model(inputs, keras.layers.Dense(1)(EnsembleMean()(hidden)))
    assert ensemble_members(model) == 3
    model.compile(optimizer="adam", loss="mse")
    x, y = np.ones((8, 2), "float32"), np.ones((8, 1), "float32")
    data = repeat_targets(tf.data.Dataset.from_tensor_slices((x, y)).batch(4), 3)
    history = model.fit(data, epochs=1, verbose=0, shuffle=False)  # a batch of 4 samples is 12 rows
    assert np.isfinite(history.history["loss"][0])
    assert model.predict(x, verbose=0).shape == (8, 1)


def test_a_saved_ensemble_reloads_and_predicts_the_same(tmp_path):
    import keras

    inputs = keras.Input((2,))
    outputs = keras.layers.Dense(1)(EnsembleMean()(EnsembleSplit(2)(inputs)))
    model = keras.Model(inputs, outputs)
    model.save(tmp_path / "m.keras")
    reloaded = keras.saving.load_model(tmp_path / "m.keras", safe_mode=True)
    x = np.array([[1.0, -2.0]], "float32")
    assert reloaded.predict(x, verbose=0) == pytest.approx(model.predict(x, verbose=0))
