"""The GAN's training model: both networks learn with their own optimizers, and a saved
checkpoint reloads with both optimizers' state."""

import keras
import numpy as np
import tensorflow as tf

from dlstudio.core.model.gan_model import GanModel
from dlstudio.core.model.loading import load_keras_file

LATENT = 8


def _networks():
    noise = keras.Input((LATENT,))
    x = keras.layers.Dense(4 * 4 * 4, activation="relu")(noise)
    x = keras.layers.Reshape((4, 4, 4))(x)
    x = keras.layers.Conv2DTranspose(1, 3, strides=2, padding="same", activation="sigmoid")(x)
    generator = keras.Model(noise, x, name="generator")
    image = keras.Input((8, 8, 1))
    y = keras.layers.Flatten()(keras.layers.Conv2D(4, 3, strides=2, padding="same")(image))
    discriminator = keras.Model(image, keras.layers.Dense(1)(y), name="discriminator")
    raw = keras.Input((8, 8, 1), name="image")
    preprocess = keras.Model({"image": raw}, keras.layers.Rescaling(1 / 255)(raw),
                             name="preprocess")
    return generator, discriminator, preprocess


def _data():
    images = np.random.default_rng(0).random((32, 8, 8, 1)).astype("float32") * 255
    return tf.data.Dataset.from_tensor_slices(({"image": images}, np.zeros(32, "int32"))).batch(8)


def test_train_step_updates_both_networks_with_their_own_rates(tmp_path):
    generator, discriminator, preprocess = _networks()
    model = GanModel(generator, discriminator, preprocess, LATENT, critic_steps=2,
                     label_smoothing=0.1)
    model.compile(keras.optimizers.Adam(2e-4), keras.optimizers.Adam(1e-4))
    before = [w.copy() for w in generator.get_weights() + discriminator.get_weights()]
    history = model.fit(_data(), epochs=1, verbose=0, validation_data=_data())
    assert {"d_loss", "g_loss", "val_d_loss", "val_g_loss"} <= set(history.history)
    after = generator.get_weights() + discriminator.get_weights()
    assert all(not np.allclose(a, b) for a, b in zip(before, after, strict=True) if a.ndim > 1)
    assert int(model.optimizer.iterations) == 4  # the generator: once per batch
    assert int(model.discriminator_optimizer.iterations) == 8  # two critic steps per batch
    assert model(np.zeros((3, LATENT), "float32")).shape == (3, 8, 8, 1)

    path = tmp_path / "gan.keras"
    model.save(path)
    loaded = load_keras_file(path)
    assert isinstance(loaded, GanModel) and loaded.critic_steps == 2
    assert float(loaded.discriminator_optimizer.learning_rate) == np.float32(1e-4)
    for saved, restored in zip(model.discriminator_optimizer.variables,
                               loaded.discriminator_optimizer.variables, strict=True):
        np.testing.assert_allclose(saved.numpy(), restored.numpy())
    loaded.fit(_data(), epochs=1, verbose=0)
    assert int(loaded.discriminator_optimizer.iterations) == 16


def test_the_averaged_generator_follows_the_generator_and_is_the_sampler(tmp_path):
    generator, discriminator, preprocess = _networks()
    model = GanModel(generator, discriminator, preprocess, LATENT, ema_decay=0.9)
    model.compile(keras.optimizers.Adam(1e-2), keras.optimizers.Adam(1e-2))
    start = [w.copy() for w in generator.get_weights()]
    model.fit(_data(), epochs=2, verbose=0)

    assert model.sampler is model.ema_generator and not model.ema_generator.trainable
    for first, average, last in zip(start, model.ema_generator.get_weights(),
                                    generator.get_weights(), strict=True):
        assert not np.allclose(average, last)  # an average of the steps, not the last one
        assert not np.allclose(average, first)  # that moved from the start
    noise = np.random.default_rng(0).normal(size=(3, LATENT)).astype("float32")
    np.testing.assert_allclose(model(noise), model.ema_generator(noise))

    path = tmp_path / "gan.keras"
    model.save(path)
    loaded = load_keras_file(path)
    assert loaded.ema_decay == 0.9
    np.testing.assert_allclose(loaded(noise), model(noise), rtol=1e-5, atol=1e-6)


def test_without_an_average_the_generator_samples():
    generator, discriminator, preprocess = _networks()
    model = GanModel(generator, discriminator, preprocess, LATENT)  # a model saved before
    assert model.ema_generator is None and model.sampler is generator
