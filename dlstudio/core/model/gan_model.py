"""The GAN's training model: a generator and a discriminator trained against each other.

:class:`GanModel` is the ``keras.Model`` the ``gan`` task (:mod:`dlstudio.core.tasks.gan`)
hands the run loop instead of the built networks. Its ``train_step`` updates the discriminator
``critic_steps`` times (real images labelled ``1 - label_smoothing``, generated ones ``0``,
binary cross-entropy on logits), then the generator once (the non-saturating loss: the
generator's images labelled real). Each network has its own optimizer and learning rate:
``optimizer`` (what ``compile`` gets, the one the run loop's schedule, checkpoints and step
count see) trains the generator, ``discriminator_optimizer`` the discriminator; both are saved
in the ``.keras`` checkpoint, so a resumed run continues with both optimizers' state.

With ``ema_decay`` above 0 the model also keeps ``ema_generator``: a copy of the generator
whose weights (and batch-normalization statistics) follow an exponential moving average of the
generator's after each of its updates. The average smooths out the step-to-step swings of the
adversarial game, so its images are cleaner than the generator's of any one step (BigGAN and
StyleGAN sample from such an average); :attr:`GanModel.sampler` is the network that samples,
the live grid, ``dlstudio generate`` and the export use. Early on the decay is shortened to
``(1 + step) / (10 + step)``, so a run of a few epochs is not an average of the random start.

The generator takes noise (``latent_dim`` numbers drawn from a standard normal) and returns
preprocessed images (pixels in 0..1); ``preprocess`` turns real batches as the data gives them
(``{"image": raw pixels}``) into the same units (resizing, rescaling, and in training the
project's augmentation); the discriminator takes preprocessed images and returns one logit.
Calling the model on noise runs the generator; on the data's inputs (``{"image": …}``) it gives
the discriminator's probability that each image is real (what evaluation reports).
"""

from __future__ import annotations

from typing import Any

import keras
import tensorflow as tf


@keras.saving.register_keras_serializable(package="dlstudio")
class GanModel(keras.Model):
    """A generator and a discriminator with their own optimizers and a GAN ``train_step``.

    Args:
        generator: Noise ``(batch, latent_dim)`` → images ``(batch, h, w, c)`` in 0..1.
        discriminator: Preprocessed images → one logit per image (real > 0).
        preprocess: The data's inputs (``{"image": raw pixels}``) → preprocessed images.
        latent_dim: The noise size.
        critic_steps: Discriminator updates per generator update.
        label_smoothing: One-sided label smoothing: real images are labelled
            ``1 - label_smoothing`` when the discriminator learns.
        seed: Seeds the training noise (its state is saved with the model).
        ema_decay: The decay of the generator's moving average (0: no average; a model
            saved before the average existed loads without one).
        **kwargs: ``keras.Model``'s arguments (``name``).
    """

    def __init__(self, generator: keras.Model, discriminator: keras.Model,
                 preprocess: keras.Model, latent_dim: int, critic_steps: int = 1,
                 label_smoothing: float = 0.0, seed: int = 0, ema_decay: float = 0.0,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.generator = generator
        self.discriminator = discriminator
        self.preprocess = preprocess
        self.latent_dim = int(latent_dim)
        self.critic_steps = int(critic_steps)
        self.label_smoothing = float(label_smoothing)
        self.seed = int(seed)
        self.ema_decay = float(ema_decay)
        self.ema_generator = _average_of(generator) if self.ema_decay > 0 else None
        self.discriminator_optimizer: keras.optimizers.Optimizer | None = None
        self.d_loss_tracker = keras.metrics.Mean(name="d_loss")
        self.g_loss_tracker = keras.metrics.Mean(name="g_loss")
        self.d_real_tracker = keras.metrics.Mean(name="d_real")
        self.d_fake_tracker = keras.metrics.Mean(name="d_fake")
        self._cross_entropy = keras.losses.BinaryCrossentropy(from_logits=True)
        self.noise_seed = keras.random.SeedGenerator(seed)
        self.built = True  # both networks come built

    # Keras plumbing ----------------------------------------------------------------------

    def call(self, inputs: Any, training: bool = False) -> Any:
        """Return the generator's images for noise, or for the data's inputs (a dict, as
        evaluation and prediction feed real images) the discriminator's probability that each
        image is real."""
        if isinstance(inputs, dict):
            logits = self.discriminator(self.preprocess(inputs, training=False),
                                        training=training)
            return tf.sigmoid(tf.cast(logits, "float32"))
        return self.sampler(inputs, training=training)

    @property
    def sampler(self) -> keras.Model:
        """The network that makes the images people see: the moving average of the
        generator when there is one, else the generator."""
        return self.ema_generator if self.ema_generator is not None else self.generator

    @property
    def input(self) -> Any:
        """The data's inputs (``{"image": …}``), which evaluation and prediction feed."""
        return self.preprocess.input

    @property
    def metrics(self) -> list[Any]:
        """The trackers reset at each epoch."""
        return [self.d_loss_tracker, self.g_loss_tracker, self.d_real_tracker,
                self.d_fake_tracker]

    def compile(self, optimizer: Any = "adam", discriminator_optimizer: Any = None,
                **kwargs: Any) -> None:
        """Compile with the generator's ``optimizer`` and the discriminator's own one.

        Args:
            optimizer: The generator's optimizer.
            discriminator_optimizer: The discriminator's optimizer (a copy of ``optimizer``'s
                settings when ``None``).
            **kwargs: Other ``compile`` arguments (``steps_per_execution``); ``loss`` and
                ``metrics`` are ignored — the losses are the GAN's own.
        """
        kwargs.pop("loss", None)
        kwargs.pop("metrics", None)
        super().compile(optimizer=optimizer, **kwargs)
        if discriminator_optimizer is None:
            discriminator_optimizer = self.optimizer.__class__.from_config(
                self.optimizer.get_config())
        self.discriminator_optimizer = keras.optimizers.get(discriminator_optimizer)
        self.optimizer.build(self.generator.trainable_variables)
        self.discriminator_optimizer.build(self.discriminator.trainable_variables)

    @property
    def extra_optimizers(self) -> list[Any]:
        """Optimizers besides ``optimizer`` whose state checkpoints keep."""
        return [self.discriminator_optimizer] if self.discriminator_optimizer else []

    def get_config(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "generator": keras.saving.serialize_keras_object(self.generator),
            "discriminator": keras.saving.serialize_keras_object(self.discriminator),
            "preprocess": keras.saving.serialize_keras_object(self.preprocess),
            "latent_dim": self.latent_dim,
            "critic_steps": self.critic_steps,
            "label_smoothing": self.label_smoothing,
            "seed": self.seed,
            "ema_decay": self.ema_decay,
        }

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> GanModel:
        config = dict(config)
        generator = keras.saving.deserialize_keras_object(config.pop("generator"))
        discriminator = keras.saving.deserialize_keras_object(config.pop("discriminator"))
        preprocess = keras.saving.deserialize_keras_object(config.pop("preprocess"))
        return cls(generator, discriminator, preprocess, **config)

    def get_compile_config(self) -> dict[str, Any]:
        if self.discriminator_optimizer is None:
            return {}
        return {
            "optimizer": keras.saving.serialize_keras_object(self.optimizer),
            "discriminator_optimizer": keras.saving.serialize_keras_object(
                self.discriminator_optimizer),
            "steps_per_execution": self.steps_per_execution,
        }

    def compile_from_config(self, config: dict[str, Any]) -> None:
        if not config:
            return
        self.compile(
            optimizer=keras.saving.deserialize_keras_object(config["optimizer"]),
            discriminator_optimizer=keras.saving.deserialize_keras_object(
                config["discriminator_optimizer"]),
            steps_per_execution=config.get("steps_per_execution", 1))

    # Training ----------------------------------------------------------------------------

    def train_step(self, data: Any) -> dict[str, Any]:
        real = self.preprocess(_inputs(data), training=True)
        batch = tf.shape(real)[0]
        for _ in range(self.critic_steps):
            self._discriminator_step(real, batch)
        noise = self._noise(batch)
        with tf.GradientTape() as tape:
            fake_logits = self.discriminator(self.generator(noise, training=True),
                                             training=True)
            g_loss = self._cross_entropy(tf.ones_like(fake_logits), fake_logits)
            scaled = self._scaled(self.optimizer, g_loss)
        weights = self.generator.trainable_variables
        self.optimizer.apply_gradients(zip(tape.gradient(scaled, weights), weights,
                                           strict=True))
        self._update_average()
        self.g_loss_tracker.update_state(g_loss)
        return self._logs()

    def _update_average(self) -> None:
        """Move the averaged generator's weights towards the generator's."""
        if self.ema_generator is None:
            return
        step = tf.cast(self.optimizer.iterations, "float32")
        decay = tf.minimum(self.ema_decay, (1.0 + step) / (10.0 + step))
        for average, weight in zip(self.ema_generator.weights, self.generator.weights,
                                   strict=True):
            if keras.backend.is_float_dtype(average.dtype):
                average.assign(average * tf.cast(decay, average.dtype)
                               + weight * tf.cast(1.0 - decay, average.dtype))
            else:
                average.assign(weight)

    def test_step(self, data: Any) -> dict[str, Any]:
        real = self.preprocess(_inputs(data), training=False)
        batch = tf.shape(real)[0]
        d_loss, real_logits, fake_logits = self._discriminator_loss(real, batch, training=False)
        g_loss = self._cross_entropy(tf.ones_like(fake_logits), fake_logits)
        self._track(d_loss, real_logits, fake_logits)
        self.g_loss_tracker.update_state(g_loss)
        return self._logs()

    def _discriminator_step(self, real: Any, batch: Any) -> None:
        with tf.GradientTape() as tape:
            d_loss, real_logits, fake_logits = self._discriminator_loss(real, batch,
                                                                        training=True)
            scaled = self._scaled(self.discriminator_optimizer, d_loss)
        weights = self.discriminator.trainable_variables
        self.discriminator_optimizer.apply_gradients(
            zip(tape.gradient(scaled, weights), weights, strict=True))
        self._track(d_loss, real_logits, fake_logits)

    def _discriminator_loss(self, real: Any, batch: Any,
                            training: bool) -> tuple[Any, Any, Any]:
        fake = self.generator(self._noise(batch), training=training)
        real_logits = self.discriminator(real, training=training)
        fake_logits = self.discriminator(fake, training=training)
        real_loss = self._cross_entropy(
            tf.fill(tf.shape(real_logits), 1.0 - self.label_smoothing), real_logits)
        fake_loss = self._cross_entropy(tf.zeros_like(fake_logits), fake_logits)
        return real_loss + fake_loss, real_logits, fake_logits

    def _track(self, d_loss: Any, real_logits: Any, fake_logits: Any) -> None:
        self.d_loss_tracker.update_state(d_loss)
        self.d_real_tracker.update_state(tf.reduce_mean(tf.sigmoid(
            tf.cast(real_logits, "float32"))))
        self.d_fake_tracker.update_state(tf.reduce_mean(tf.sigmoid(
            tf.cast(fake_logits, "float32"))))

    def _noise(self, batch: Any) -> Any:
        return keras.random.normal((batch, self.latent_dim), seed=self.noise_seed)

    def _logs(self) -> dict[str, Any]:
        return {metric.name: metric.result() for metric in self.metrics}

    @staticmethod
    def _scaled(optimizer: Any, loss: Any) -> Any:
        """The loss scaled for a mixed-precision optimizer (unchanged otherwise)."""
        scale = getattr(optimizer, "scale_loss", None)
        return scale(loss) if scale is not None else loss


def _average_of(generator: keras.Model) -> keras.Model:
    """A copy of ``generator`` (same layers, same starting weights) to hold its average."""
    copy = keras.models.clone_model(generator)
    copy.set_weights(generator.get_weights())
    copy.trainable = False
    return copy


def _inputs(data: Any) -> Any:
    """The real batch's inputs (the dataset's labels, if any, are ignored)."""
    return data[0] if isinstance(data, tuple | list) else data
