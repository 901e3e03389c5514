"""GAN: a generator learns to make images that a discriminator cannot tell from real ones.

The model has two parts (``model.parts``): the **generator** turns noise (``model.latent_dim``
numbers from a standard normal) into one image of the data's shape (the builder ends it with a
layer that makes one, pixels in 0..1 through a sigmoid), the **discriminator** turns an image
into one score (a logit: real above 0). :meth:`Gan.assemble` wires them into
:class:`~dlstudio.core.model.gan_model.GanModel`, whose ``train_step`` trains them against each
other with their own optimizers (``training.gan``: learning rates, one-sided label smoothing,
critic steps). No target is needed: an image folder with or without class folders trains (the
classes are ignored).

Each epoch a grid of images from the same noise is written to the run's ``samples/`` folder
and sent as a ``samples`` event (:mod:`dlstudio.core.training.sample_grid`), with the grid's
diversity, which the training doctor watches for mode collapse. ``dlstudio generate`` draws new
images (:meth:`Gan.sample`); the export is the generator (noise in, raw pixels out). All three
use the moving average of the generator's weights (``training.gan.ema_decay``) when the run
keeps one.

Evaluation scores the test images with the discriminator: how sure it is that real images are
real, beside the same for generated ones.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np

from dlstudio.core.errors import DataError, TrainingError, UserInputError
from dlstudio.core.evaluation.text_table import table
from dlstudio.core.tasks.base import Task, register

GAN_LOSS = "gan"
ADAM_BETA_1 = 0.5  # the DCGAN paper's momentum: 0.9 lets the two networks oscillate


@register
class Gan(Task):
    """Train a generator of images against a discriminator."""

    name = "gan"
    needs_targets = False
    loss_falls = False
    parts = ("generator", "discriminator")
    # 300 epochs of the 8x8 digits at batch 32: their samples still improve from 200 epochs
    # (67% labelled confidently) to 300 (72%; benchmarks/README.md, sample quality)
    target_steps = 15_000
    most_epochs = 300

    # The model -----------------------------------------------------------------------------

    def output_head(self, num_classes: int) -> tuple[int, str]:
        """No classification head: each part's output layer is added after its stack."""
        return 0, "linear"

    def part_input(self, part: str, feature_shape: tuple[int | None, ...], latent_dim: int,
                   outputs: dict[str, Any]) -> Any:
        """The generator takes the noise, the discriminator one (preprocessed) image."""
        return (int(latent_dim),) if part == "generator" else tuple(feature_shape)

    def part_input_words(self, part: str) -> str:
        """What each part's input row says."""
        if part == "generator":
            return "noise (model.latent_dim random numbers)"
        return "an image: real, or made by the generator"

    def part_output(self, part: str) -> str:
        """The generator ends in one image of the data's shape, the discriminator in one
        score."""
        return "sample" if part == "generator" else "score"

    def assemble(self, parts: dict[str, Any], inputs: dict[str, Any], preprocessed: Any,
                 project: Any, dataset: Any) -> Any:
        """The generator and discriminator in a :class:`GanModel`, with the data's
        preprocessing (raw pixels → 0..1, augmentation) for the real images."""
        import keras

        from dlstudio.core.model.builder import model_name
        from dlstudio.core.model.gan_model import GanModel

        if dataset.kind != "images":
            raise DataError("a GAN makes images: choose an image folder as the data, or "
                            "another task for a table")
        preprocess = keras.Model(inputs, preprocessed, name="preprocess")
        gan = project.training.gan
        return GanModel(parts["generator"], parts["discriminator"], preprocess,
                        project.model.latent_dim, critic_steps=gan.critic_steps,
                        label_smoothing=gan.label_smoothing, seed=project.training.seed,
                        ema_decay=gan.ema_decay, name=model_name(project.name))

    # Training ------------------------------------------------------------------------------

    def resolve_loss(self, choice: str, output_units: int, label_smoothing: float = 0.0) -> str:
        """Only ``auto``: the GAN's losses are its own (binary cross-entropy on the
        discriminator's logits)."""
        if choice != "auto":
            raise TrainingError(f"training.loss {choice!r} does not fit a GAN, whose two "
                                "networks have their own losses; set training.loss to auto")
        return GAN_LOSS

    def make_loss(self, name: str, label_smoothing: float = 0.0, model: Any = None) -> Any:
        """None: the GAN's ``train_step`` computes its losses."""
        return None

    def metrics(self) -> list[str]:
        """None: the GAN logs ``d_loss``, ``g_loss``, ``d_real`` and ``d_fake`` itself."""
        return []

    def optimizers(self, training: Any, steps_per_epoch: int) -> dict[str, Any]:
        """The generator's optimizer and the discriminator's, each at its own learning rate
        (``training.gan``) with the project's optimizer, schedule and clipping; Adam's first
        momentum is 0.5, as DCGAN trains."""
        from dlstudio.core.training.optimization import make_optimizer

        rates = {"optimizer": training.gan.generator_learning_rate,
                 "discriminator_optimizer": training.gan.discriminator_learning_rate}
        made = {}
        for key, rate in rates.items():
            optimizer = make_optimizer(replace(training, learning_rate=rate), steps_per_epoch)
            if hasattr(optimizer, "beta_1"):
                optimizer.beta_1 = ADAM_BETA_1
            made[key] = optimizer
        return made

    def check_settings(self, training: Any) -> None:
        """Refuse settings that change the rate by a single loss, which a GAN does not have
        (early stopping is left off by the run, with a warning: ``loss_falls``).

        Raises:
            TrainingError: Reduce-on-plateau or adversarial training is on.
        """
        if training.schedule.kind == "reduce_on_plateau":
            raise TrainingError("reduce_on_plateau waits for a loss to stop falling, which a "
                                "GAN's losses never do steadily; choose another "
                                "training.schedule.kind (constant suits most GANs)")
        if getattr(training, "adversarial_epsilon", 0.0) > 0:
            raise TrainingError("adversarial training perturbs a classifier's inputs; it does "
                                "not apply to a GAN — set training.adversarial_epsilon to 0")

    def training_model(self, model: Any, project: Any) -> Any:
        """The :class:`GanModel` itself, once the settings are checked."""
        self.check_settings(project.training)
        return model

    def training_data(self, data: Any, split: str, dataset: Any, project: Any) -> Any:
        """The images alone (class folders, if any, are ignored)."""
        return data.map(lambda *element: element[0])

    def progress_callbacks(self, model: Any, dataset: Any, run: Any, emit: Any,
                           project: Any) -> list[Any]:
        """The live sample grid (:mod:`dlstudio.core.training.sample_grid`)."""
        from dlstudio.core.training.sample_grid import (
            GRID_SAMPLES,
            SAMPLES_FOLDER,
            SampleGridRecorder,
            fixed_noise,
        )

        noise = fixed_noise(GRID_SAMPLES, project.model.latent_dim,
                            project.training.gan.grid_seed)
        real = real_images(model, dataset, GRID_SAMPLES)
        return [SampleGridRecorder(lambda z: generate(model, z), noise, real,
                                   run.path / SAMPLES_FOLDER, emit)]

    # Export ----------------------------------------------------------------------------------

    def export_model(self, model: Any, part: str | None = None) -> Any:
        """The generator, noise in (``noise``) and raw pixels out (0..255, the units of the
        image folder); with ``part="discriminator"``, the discriminator on raw images, the
        probability that each is real."""
        import keras

        if part not in (None, "generator", "discriminator"):
            raise UserInputError(f"a GAN run exports its generator (the default) or its "
                                 f"discriminator (--part discriminator), not {part!r}")
        if part == "discriminator":
            inputs = _raw_inputs(model.preprocess)
            logits = model.discriminator(model.preprocess(inputs))
            real = keras.layers.Activation("sigmoid", dtype="float32", name="real")(logits)
            return keras.Model(inputs, real, name="discriminator")
        generator = generator_of(model)
        noise = keras.Input((int(generator.inputs[0].shape[-1]),), name="noise")
        pixels = keras.layers.Rescaling(255.0, dtype="float32", name="pixels")(generator(noise))
        return keras.Model(noise, pixels, name="generator")

    def export_samples(self, model: Any, count: int) -> dict[str, np.ndarray] | None:
        """Noise for a generator's export (seed 0); ``None`` for the discriminator's, which
        takes the data's images."""
        from dlstudio.core.training.sample_grid import fixed_noise

        names = [tensor.name for tensor in model.inputs]
        if names != ["noise"]:
            return None
        return {"noise": fixed_noise(count, int(model.inputs[0].shape[-1]), 0)}

    def export_metadata(self, model: Any) -> dict[str, Any]:
        """A generator's export says that it takes noise and of what size."""
        if [tensor.name for tensor in model.inputs] != ["noise"]:
            return {}
        return {"generates": "images", "latent_dim": int(model.inputs[0].shape[-1])}

    # Sampling, evaluation, prediction ------------------------------------------------------

    def sample(self, model: Any, count: int, seed: int) -> np.ndarray:
        """``count`` new images (pixels in 0..1, ``(count, h, w, c)``) from noise drawn with
        ``seed``."""
        from dlstudio.core.training.sample_grid import fixed_noise

        generator = generator_of(model)
        latent = int(generator.inputs[0].shape[-1])
        return generate(model, fixed_noise(count, latent, seed))

    def output_array(self, outputs: Any) -> np.ndarray:
        """The discriminator's probability that each image is real, one row per sample."""
        values = np.asarray(outputs, dtype=np.float64)
        return values.reshape(len(values), -1)[:, :1]

    def report(self, outputs: np.ndarray, true: np.ndarray | None, sample_ids: list[str],
               class_names: list[str], threshold: float | None = None) -> dict[str, Any]:
        """``real_score`` (the discriminator's mean probability that the test images are
        real), ``judged_real`` (the share above 0.5) and ``predictions`` (``sample``,
        ``real_score``)."""
        scores = self.output_array(outputs)[:, 0]
        return {
            "real_score": float(scores.mean()) if len(scores) else None,
            "judged_real": float((scores > 0.5).mean()) if len(scores) else None,
            "predictions": [{"sample": sample, "real_score": round(float(score), 6)}
                            for sample, score in zip(sample_ids, scores, strict=True)],
        }

    def report_lines(self, result: dict[str, Any]) -> list[str]:
        """The discriminator's view of the test images."""
        if result.get("real_score") is None:
            return ["No test images to score."]
        rows = [["mean probability real", f"{result['real_score']:.3f}"],
                ["judged real (> 0.5)", f"{result['judged_real']:.1%}"]]
        return ["The discriminator on the real test images:", *table(["", "value"], rows)]

    def prediction_table(self, sample_ids: list[str], outputs: np.ndarray,
                         class_names: list[str], threshold: float | None = None) -> Any:
        """Each image judged ``real`` or ``generated`` by the discriminator, with its
        probability of being real."""
        import pandas as pd

        scores = self.output_array(outputs)[:, 0]
        return pd.DataFrame({"sample": sample_ids,
                             "prediction": np.where(scores > 0.5, "real", "generated"),
                             "real_score": np.round(scores, 6)})


def _raw_inputs(preprocess: Any) -> dict[str, Any]:
    """Fresh ``keras.Input`` objects like the preprocessing model's (the data's raw inputs)."""
    import keras

    return {tensor.name: keras.Input(tuple(tensor.shape[1:]), dtype=tensor.dtype,
                                     name=tensor.name)
            for tensor in preprocess.inputs}


def generator_of(model: Any) -> Any:
    """Return the network that samples a GAN run's model (the moving average of its
    generator, or the generator itself when the run keeps no average), or an exported
    generator (itself)."""
    return getattr(model, "sampler", model)


def generate(model: Any, noise: np.ndarray) -> np.ndarray:
    """Return the generator's images for ``noise`` (pixels in 0..1)."""
    images = generator_of(model)(np.asarray(noise, dtype=np.float32), training=False)
    return np.clip(np.asarray(images, dtype=np.float32), 0.0, 1.0)


def real_images(model: Any, dataset: Any, count: int) -> np.ndarray:
    """Return up to ``count`` training images preprocessed as the discriminator sees them (the
    yardstick of the sample grid's diversity)."""
    images = []  # shuffled: the folder's first images are often all of one class
    for batch in dataset.tf_dataset("train", count, shuffle=True, seed=0):
        inputs = batch[0] if isinstance(batch, tuple) else batch
        images.append(np.asarray(model.preprocess(inputs, training=False)))
        break
    return np.concatenate(images) if images else np.zeros((0, 1), dtype=np.float32)
