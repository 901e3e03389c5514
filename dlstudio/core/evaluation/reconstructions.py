"""What an autoencoder or a VAE makes of samples, for the Evaluate pages: originals beside their
reconstructions, codes in the latent space, samples from the prior and interpolations.

Everything is computed on the run's test split (the validation split when there is no test
split) through the trained model: the preprocessed originals are read from the model itself
(the first input of its ``score`` layer), so they are exactly what the autoencoder was asked to
rebuild. Arrays are preprocessed samples (images: pixels in [0, 1]); :func:`as_rows` turns
table rows back into the CSV's columns.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from dlstudio.core.errors import UserInputError

SHOWN = 8
INTERPOLATION_STEPS = 8


@dataclass
class Reconstructions:
    """Samples of a split with their reconstructions and errors.

    Attributes:
        kind: ``images`` or ``csv``.
        sample_ids: Each sample's name.
        originals: The preprocessed samples.
        reconstructions: What the model made of them.
        scores: Each sample's reconstruction error.
        labels: Each sample's class name (empty without labels).
        codes: Each sample's code in the latent space (a VAE's mean; empty for an autoencoder
            whose code is not an output).
        columns: For table rows, the CSV's columns in order (filled by :func:`as_rows`).
    """

    kind: str
    sample_ids: list[str]
    originals: np.ndarray
    reconstructions: np.ndarray
    scores: np.ndarray
    labels: list[str] = field(default_factory=list)
    codes: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))
    columns: list[str] = field(default_factory=list)

    def worst_and_typical(self, count: int = SHOWN) -> list[int]:
        """Return the indices of the ``count // 2`` largest errors, then of as many samples
        around the median error."""
        order = np.argsort(-self.scores, kind="stable")
        worst = order[:count // 2]
        middle = len(order) // 2
        typical = [i for i in order[max(0, middle - count // 4):] if i not in worst]
        return [int(i) for i in [*worst, *typical[:count - len(worst)]]]


class ReconstructionRun:
    """A trained autoencoder or VAE run opened for its Evaluate pages (loads Keras)."""

    def __init__(self, run_dir: str | Path) -> None:
        from dlstudio.core.data import load_dataset
        from dlstudio.core.evaluation.evaluate import open_run

        self.run = open_run(run_dir)
        model = self.run.model
        if not isinstance(model.output, dict) or "score" not in model.output:
            raise UserInputError(f"run {self.run.name} is not an autoencoder or a VAE; its "
                                 "task is " + self.run.task)
        self.dataset = load_dataset(self.run.project, class_names=self.run.class_names or None)
        self.split = "test" if self.dataset.split_size("test") else "validation"
        import keras

        outputs = {"original": model.get_layer("score").input[0],
                   "reconstruction": model.output["reconstruction"],
                   "score": model.output["score"]}
        if "latent_mean" in model.output:
            outputs["code"] = model.output["latent_mean"]
        self.probe = keras.Model(model.inputs, outputs)

    @property
    def is_vae(self) -> bool:
        """Whether the run has a latent space to draw from (a VAE)."""
        return "code" in self.probe.output

    def reconstructions(self) -> Reconstructions:
        """Return every sample of the split with its reconstruction, error and code."""
        from dlstudio.core.evaluation.evaluate import model_inputs_only

        data = model_inputs_only(self.probe, self.dataset.tf_dataset(self.split, 64))
        if isinstance(data.element_spec, tuple):
            data = data.map(lambda inputs, *rest: inputs)
        out = self.probe.predict(data, verbose=0)
        labels: list[str] = []
        if self.dataset.has_targets and self.dataset.class_names:
            names = self.dataset.class_names
            labels = [names[int(i)] for i in np.asarray(self.dataset.targets(self.split))]
        return Reconstructions(self.dataset.kind, self.dataset.sample_ids(self.split),
                               np.asarray(out["original"]), np.asarray(out["reconstruction"]),
                               np.asarray(out["score"]).reshape(-1), labels,
                               np.asarray(out.get("code", np.zeros((0, 0)))))

    def prior_samples(self, count: int = 36, seed: int = 0) -> np.ndarray:
        """Return ``count`` samples decoded from codes drawn from the prior (a VAE)."""
        from dlstudio.core.tasks import get_task

        return np.asarray(get_task(self.run.task).sample(self.run.model, count, seed))

    def interpolate(self, first: np.ndarray, second: np.ndarray,
                    steps: int = INTERPOLATION_STEPS) -> np.ndarray:
        """Return the decoded samples on the straight line between two codes."""
        decoder = self.run.model.get_layer("decoder")
        weights = np.linspace(0.0, 1.0, steps)[:, None]
        codes = (1.0 - weights) * first[None, :] + weights * second[None, :]
        return np.asarray(decoder.predict(codes.astype("float32"), verbose=0))

    def as_rows(self, vectors: np.ndarray) -> Any:
        """Return preprocessed table rows as a table of the CSV's columns."""
        from dlstudio.core.generation import decode_rows

        names = {name: column for column, name in self.dataset.input_names.items()}
        return decode_rows(np.asarray(vectors, dtype=np.float64), self.dataset.preprocessing,
                           names)


def plane(codes: np.ndarray) -> tuple[np.ndarray, str]:
    """Return codes as 2-D points: themselves (one or two dimensions), else their first two
    principal components; and what the axes are, in words."""
    codes = np.asarray(codes, dtype=np.float64)
    if codes.ndim != 2 or codes.shape[0] == 0:
        return np.zeros((0, 2)), ""
    if codes.shape[1] == 1:
        return np.column_stack([codes[:, 0], np.zeros(len(codes))]), "dimension 1"
    if codes.shape[1] == 2:
        return codes, "dimensions 1 and 2"
    centred = codes - codes.mean(axis=0)
    _u, _s, vectors = np.linalg.svd(centred, full_matrices=False)
    return centred @ vectors[:2].T, "first two principal components"
