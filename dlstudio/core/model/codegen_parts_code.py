"""The fixed code a generated script for a model made of parts pastes in (see
:mod:`dlstudio.core.model.codegen_parts`): its small layers and model class (the reconstruction
error as a loss, a VAE's sampling step, a GAN with its own ``train_step``), the callbacks that
show the progress (a grid of samples each epoch, the KL warm-up), the autoencoder's training and
threshold, and the image listing of a folder without class folders. Text only: nothing here runs
in dlstudio.
"""

from __future__ import annotations

SAVE_GRID = '''def save_grid(images, path, columns=8):
    """Save images (pixels in 0..1) side by side, ``columns`` to a row, as one PNG."""
    images = np.clip(np.asarray(images, dtype="float32"), 0.0, 1.0)
    rows = -(-len(images) // columns)
    height, width, channels = images.shape[1:]
    grid = np.ones((rows * height, columns * width, channels), dtype="float32")
    for number, image in enumerate(images):
        row, column = divmod(number, columns)
        grid[row * height:(row + 1) * height, column * width:(column + 1) * width] = image
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    keras.utils.save_img(path, grid * 255.0, scale=False)'''


RECONSTRUCTION_ERROR = '''class ReconstructionError(layers.Layer):
    """Each sample's error between its input and its reconstruction. Their batch mean is the
    loss (add_loss), so the model trains on inputs alone."""

    def call(self, inputs):
        original, reconstruction = inputs
{error}
        per_sample = keras.ops.mean(error, axis=list(range(1, len(error.shape))))
        self.add_loss(keras.ops.mean(per_sample))
        return per_sample'''


ERRORS = {
    "mse": "        error = keras.ops.square(original - reconstruction)  # squared error",
    "binary_crossentropy": (
        "        # binary cross-entropy: the inputs are pixels in 0..1\n"
        "        clipped = keras.ops.clip(reconstruction, 1e-7, 1.0 - 1e-7)\n"
        "        error = -(original * keras.ops.log(clipped)\n"
        "                  + (1.0 - original) * keras.ops.log(1.0 - clipped))"),
}


LATENT_SAMPLE = '''class LatentSample(layers.Layer):
    """A VAE's sampling step: in training a code drawn from N(mean, exp(log_variance)), else
    the mean; adds beta times the KL divergence from N(0, 1), per value of a sample."""

    def __init__(self, beta, values, **kwargs):
        super().__init__(**kwargs)
        self.values = values
        self.seed_generator = keras.random.SeedGenerator(SEED)
        self.beta = self.add_weight(shape=(), trainable=False, name="beta",
                                    initializer=keras.initializers.Constant(beta))

    def call(self, inputs, training=None):
        mean, log_variance = inputs
        log_variance = keras.ops.clip(log_variance, -20.0, 20.0)
        kl = -0.5 * keras.ops.sum(1.0 + log_variance - keras.ops.square(mean)
                                  - keras.ops.exp(log_variance), axis=-1)
        self.add_loss(self.beta * keras.ops.mean(kl) / self.values)
        if not training:
            return mean
        noise = keras.random.normal(keras.ops.shape(mean), seed=self.seed_generator)
        return mean + keras.ops.exp(0.5 * log_variance) * noise'''


GAN_MODEL = '''class GAN(keras.Model):
    """A generator and a discriminator trained against each other, each by its own optimizer.

    Each step the discriminator learns to tell real images (labelled 1 - LABEL_SMOOTHING)
    from generated ones (labelled 0), CRITIC_STEPS times; then the generator learns to make
    images the discriminator calls real. Both losses are binary cross-entropy on the
    discriminator's logits.
    """

    def __init__(self, generator, discriminator, preprocess):
        super().__init__()
        self.generator = generator
        self.discriminator = discriminator
        self.preprocess = preprocess  # raw pixels -> the generator's units (0..1)
        self.cross_entropy = keras.losses.BinaryCrossentropy(from_logits=True)
        self.noise_seed = keras.random.SeedGenerator(SEED)
        self.d_loss_tracker = keras.metrics.Mean(name="d_loss")
        self.g_loss_tracker = keras.metrics.Mean(name="g_loss")

    def compile(self, generator_optimizer, discriminator_optimizer):
        super().compile()
        self.generator_optimizer = generator_optimizer
        self.discriminator_optimizer = discriminator_optimizer
        generator_optimizer.build(self.generator.trainable_variables)
        discriminator_optimizer.build(self.discriminator.trainable_variables)

    @property
    def metrics(self):
        return [self.d_loss_tracker, self.g_loss_tracker]

    def noise(self, batch):
        return keras.random.normal((batch, LATENT_DIM), seed=self.noise_seed)

    def train_step(self, data):
        images, _labels = data  # the class folders, if any, are ignored
        real = self.preprocess(images, training=True)
        batch = tf.shape(real)[0]
        for _ in range(CRITIC_STEPS):
            with tf.GradientTape() as tape:
                real_logits = self.discriminator(real, training=True)
                fake = self.generator(self.noise(batch), training=True)
                fake_logits = self.discriminator(fake, training=True)
                real_labels = tf.fill(tf.shape(real_logits), 1.0 - LABEL_SMOOTHING)
                d_loss = (self.cross_entropy(real_labels, real_logits)
                          + self.cross_entropy(tf.zeros_like(fake_logits), fake_logits))
            weights = self.discriminator.trainable_variables
            self.discriminator_optimizer.apply_gradients(
                zip(tape.gradient(d_loss, weights), weights))
        with tf.GradientTape() as tape:
            fake_logits = self.discriminator(self.generator(self.noise(batch), training=True),
                                             training=True)
            g_loss = self.cross_entropy(tf.ones_like(fake_logits), fake_logits)
        weights = self.generator.trainable_variables
        self.generator_optimizer.apply_gradients(zip(tape.gradient(g_loss, weights), weights))
        self.d_loss_tracker.update_state(d_loss)
        self.g_loss_tracker.update_state(g_loss)
        return {metric.name: metric.result() for metric in self.metrics}'''


SAMPLE_GRID_CALLBACK = '''class SampleGrid(keras.callbacks.Callback):
    """After each epoch, save the generator's images for the same noise as samples/epoch_N.png,
    so you can watch them form."""

    def __init__(self, generator, count=64):
        super().__init__()
        self.generator = generator
        self.noise = np.random.default_rng(SEED).standard_normal((count, LATENT_DIM))

    def on_epoch_end(self, epoch, logs=None):
        images = self.generator.predict(self.noise.astype("float32"), verbose=0)
        save_grid(images, f"samples/epoch_{epoch + 1:04d}.png")'''


AUTOENCODER_TRAINING = '''
normal = [CLASS_NAMES.index(name) for name in NORMAL_CLASSES]


def inputs_only(data, keep=()):
    """The samples without their labels (an autoencoder learns from its inputs alone); with
    ``keep``, only the samples of those classes (their count is unknown until the first epoch
    has read them, so Keras may warn then that the input "ran out of data": it is harmless)."""
    if keep:
        wanted = tf.constant(keep, dtype=tf.int32)
        data = data.unbatch().filter(
            lambda x, y: tf.reduce_any(tf.equal(tf.cast(y, tf.int32), wanted))).batch(BATCH_SIZE)
    return data.map(lambda x, y: x)


validation = inputs_only(validation_data, normal) if validation_count else None
model.fit(inputs_only(train_data, normal), validation_data=validation, epochs=EPOCHS,
          shuffle=False, callbacks=callbacks)

# The anomaly threshold: the ANOMALY_PERCENTILE-th percentile of the (normal) validation
# errors; a sample whose error is above it is flagged as an anomaly
threshold_data = validation_data if validation_count else train_data
errors = model.predict(inputs_only(threshold_data, normal), verbose=0)["score"]
threshold = float(np.percentile(errors, ANOMALY_PERCENTILE))
print(f"Threshold: {threshold:.6g}")
if test_count:
    scores = model.predict(inputs_only(test_data), verbose=0)["score"]
    flagged = scores > threshold
    print(f"Test: {flagged.sum()} of {len(flagged)} samples flagged as anomalies")
    if normal:
        labels = np.concatenate([y.numpy() for _, y in test_data])
        anomalous = ~np.isin(labels, normal)
        caught = (flagged & anomalous).sum() / max(1, anomalous.sum())
        print(f"Test: {caught:.1%} of the anomalies (classes not in NORMAL_CLASSES) flagged")
'''


VAE_WARM_UP = '''class KLWarmUp(keras.callbacks.Callback):
    """Raise the KL weight from 0 to BETA over KL_WARMUP_EPOCHS epochs."""

    def on_epoch_begin(self, epoch, logs=None):
        sampling.beta.assign(BETA * min(1.0, epoch / KL_WARMUP_EPOCHS))


if KL_WARMUP_EPOCHS:
    callbacks.append(KLWarmUp())'''


VAE_SAMPLES = {
    "images": ['# New images: codes drawn from the prior N(0, 1), decoded',
               "codes = np.random.default_rng(SEED).standard_normal((64, LATENT_DIM))",
               'save_grid(decoder.predict(codes.astype("float32"), verbose=0), "samples.png")',
               'print("Samples from the prior: samples.png")'],
    "csv": ['# New rows: codes drawn from the prior N(0, 1), decoded (in the preprocessed',
            "# units: standardized numbers, one-hot categories)",
            "codes = np.random.default_rng(SEED).standard_normal((5, LATENT_DIM))",
            'print("Samples from the prior:", decoder.predict(codes.astype("float32"), '
            "verbose=0))"],
}


FLAT_LIST_IMAGES = '''def list_images(folder):
    """Every usable image directly in ``folder`` (it has no class folders: all get label 0)."""
    paths = []
    for path in sorted(folder.iterdir()):
        relative = path.relative_to(DATA_DIR).as_posix()
        hidden = path.name.startswith((".", "__MACOSX"))
        if path.is_file() and path.suffix.lower() in EXTENSIONS and not hidden \\
                and relative not in SKIPPED:
            paths.append(relative)
    return paths, [0] * len(paths)'''
