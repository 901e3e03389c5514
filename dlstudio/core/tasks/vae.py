"""VAE: a variational autoencoder, which reconstructs its inputs and generates new ones.

The encoder's stack ends in two ``Dense(latent_dim)`` heads, the **mean** and the
**log-variance** of each sample's code; :class:`~dlstudio.core.model.layers.LatentSample` draws
a code from them in training (the mean otherwise) and adds ``beta`` times the KL divergence from
the prior N(0, 1) to the loss; the decoder (input: ``latent_dim`` numbers) makes the sample
again. The loss is the reconstruction error (as the autoencoder's, per value) plus
``beta · KL`` per value, so ``beta`` = 1 is the evidence lower bound; a KL warm-up
(``training.autoencoder.kl_warmup_epochs``) raises beta from 0 over the first epochs.

Everything an autoencoder reports a VAE reports too (errors, threshold, anomaly flags);
besides, :meth:`Vae.sample` draws new samples from the prior for ``dlstudio generate``, and the
model's ``latent_mean`` output places each sample in the code space (the latent scatter).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from dlstudio.core.tasks.base import register
from dlstudio.core.tasks.reconstruction import (
    RECONSTRUCTION_OUTPUT,
    SCORE_OUTPUT,
    Reconstruction,
    reconstruction_loss,
)

LATENT_OUTPUT = "latent_mean"
SAMPLING_LAYER = "latent_sample"


@register
class Vae(Reconstruction):
    """Learn a smooth code space: reconstruct the inputs and sample new ones."""

    name = "vae"

    def part_input(self, part: str, feature_shape: tuple[int | None, ...], latent_dim: int,
                   outputs: dict[str, Any]) -> Any:
        """The encoder takes the preprocessed sample, the decoder ``latent_dim`` numbers."""
        return tuple(feature_shape) if part == "encoder" else (latent_dim,)

    def part_input_words(self, part: str) -> str:
        """What each part's input row says."""
        return "the preprocessed data" if part == "encoder" else "a code from the latent space"

    def part_output(self, part: str) -> str:
        """The encoder ends in the mean and log-variance, the decoder in one sample."""
        return "sample" if part == "decoder" else "latent"

    def assemble(self, parts: dict[str, Any], inputs: dict[str, Any], preprocessed: Any,
                 project: Any, dataset: Any) -> Any:
        """Raw inputs → preprocessing → encoder → sampling → decoder, with the per-sample
        error (the loss) and the code's mean as outputs."""
        import keras

        from dlstudio.core.model.builder import model_name
        from dlstudio.core.model.layers import LatentSample, ReconstructionError

        settings = project.training.autoencoder
        mean, log_variance = parts["encoder"](preprocessed)
        mean = keras.layers.Identity(name=LATENT_OUTPUT)(mean)
        log_variance = keras.layers.Identity(name="latent_log_variance")(log_variance)
        values = math.prod(int(dim) for dim in preprocessed.shape[1:])
        beta = 0.0 if settings.kl_warmup_epochs else settings.beta
        code = LatentSample(beta, scale=values, seed=project.training.seed,
                            name=SAMPLING_LAYER)([mean, log_variance])
        reconstruction = parts["decoder"](code)
        loss = reconstruction_loss(project.training.loss, dataset.kind)
        score = ReconstructionError(loss, track=True, name=SCORE_OUTPUT)(
            [preprocessed, reconstruction])
        reconstruction = keras.layers.Identity(name=RECONSTRUCTION_OUTPUT)(reconstruction)
        return keras.Model(inputs, {RECONSTRUCTION_OUTPUT: reconstruction, SCORE_OUTPUT: score,
                                    LATENT_OUTPUT: mean}, name=model_name(project.name))

    def training_callbacks(self, project: Any) -> list[Any]:
        """The KL warm-up, when ``training.autoencoder.kl_warmup_epochs`` is set."""
        settings = project.training.autoencoder
        if not settings.kl_warmup_epochs:
            return []
        return [kl_warm_up(settings.beta, settings.kl_warmup_epochs)]

    def sample(self, model: Any, count: int, seed: int) -> np.ndarray:
        """Decode ``count`` codes drawn from the prior N(0, 1) (seeded)."""
        decoder = decoder_of(model)
        latent_dim = int(decoder.input.shape[-1])
        codes = np.random.default_rng(seed).standard_normal((count, latent_dim))
        return np.asarray(decoder.predict(codes.astype("float32"), verbose=0))


def decoder_of(model: Any) -> Any:
    """Return the decoder part of a trained VAE (or autoencoder)."""
    return model.get_layer("decoder")


def kl_warm_up(beta: float, epochs: int) -> Any:
    """Return a callback that sets the KL weight to ``beta · min(1, epoch / epochs)`` at the
    start of each epoch (epoch counted from 0: the first epoch trains the reconstruction
    alone)."""
    import keras

    class KLWarmUp(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
            layer = self.model.get_layer(SAMPLING_LAYER)
            layer.beta.assign(beta * min(1.0, epoch / epochs))

    return KLWarmUp()
