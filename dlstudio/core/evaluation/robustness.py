"""How a trained run holds up against small, deliberate changes to its inputs.

On the test split (the validation split when there is no test split), the score (accuracy, or
RMSE for regression) is measured at a range of perturbation sizes ε:

- **FGSM** (fast gradient sign method): every input value moves by ε in the direction that
  increases the loss most, in one step;
- **PGD** (projected gradient descent): ``PGD_STEPS`` smaller such steps, each kept within ε of
  the original input — a stronger attack;
- **Gaussian noise** with standard deviation ε, for comparison with an accident rather than an
  attack.

ε is in the input's own units: pixel values (0-255) for images, kept within 0-255; for tables
only numeric columns are changed, each by ε times its standard deviation on the training split
(categories and text are left alone). :func:`robustness_report` writes ``robustness.json`` to
the run folder and returns the same dict; :func:`format_robustness` is the CLI table.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from dlstudio.core.data import load_dataset
from dlstudio.core.errors import UserInputError
from dlstudio.core.evaluation.evaluate import open_run
from dlstudio.core.evaluation.text_table import table
from dlstudio.core.project.project import atomic_write_text

ROBUSTNESS_FILE = "robustness.json"
IMAGE_EPSILONS = (0.0, 1.0, 2.0, 4.0, 8.0, 16.0)
TABLE_EPSILONS = (0.0, 0.05, 0.1, 0.2, 0.5, 1.0)
PGD_STEPS = 5
BATCH = 256
ATTACKS = ("fgsm", "pgd", "noise")


def robustness_path(run_dir: str | Path) -> Path:
    """Where :func:`robustness_report` writes its result."""
    return Path(run_dir) / ROBUSTNESS_FILE


def robustness_report(run_dir: str | Path, epsilons: list[float] | None = None,
                      seed: int = 0) -> dict[str, Any]:
    """Score a run under FGSM, PGD and Gaussian noise at each ε.

    Args:
        run_dir: A finished run.
        epsilons: The perturbation sizes (default: :data:`IMAGE_EPSILONS` or
            :data:`TABLE_EPSILONS`); 0 is the clean score.
        seed: Seeds the noise.

    Returns:
        ``run``, ``split``, ``samples``, ``metric`` (``accuracy`` or ``rmse``), ``unit`` (what ε
        counts), ``epsilons``, ``fgsm``, ``pgd``, ``noise`` (one score per ε) and ``summary``
        (one sentence). Also written to :func:`robustness_path`.

    Raises:
        UserInputError: A negative ε, or no rows to attack.
    """
    run = open_run(run_dir)
    images = run.project.data.kind == "images"
    epsilons = [float(e) for e in (epsilons if epsilons is not None else
                                   IMAGE_EPSILONS if images else TABLE_EPSILONS)]
    if not epsilons or min(epsilons) < 0:
        raise UserInputError(f"epsilons must be zero or more, got {epsilons}; for example "
                             "--epsilons 0,1,4,8")
    dataset = load_dataset(run.project, class_names=run.class_names or None)
    split = "test" if dataset.split_size("test") else "validation"
    if not dataset.split_size(split):
        raise UserInputError(f"run {run.name} has no test or validation samples to attack; "
                             "give the split a test share and train again")
    attack = _Attack(run.model, run.task == "classification",
                     perturbation_scales(dataset, images), images)
    rng = np.random.default_rng(seed)
    scores: dict[str, list[float]] = {name: [] for name in ATTACKS}
    for epsilon in epsilons:
        totals = {name: [] for name in ATTACKS}
        for inputs, targets in dataset.tf_dataset(split, BATCH):
            for name in ATTACKS:
                totals[name].append(attack.batch_errors(name, inputs, targets, epsilon, rng))
        for name in ATTACKS:
            scores[name].append(_score(np.concatenate(totals[name]), attack.classifier))
    metric = "accuracy" if attack.classifier else "rmse"
    unit = ("pixel values (0-255)" if images else
            "standard deviations of each numeric column (categories and text unchanged)")
    result = {"run": {"id": run.record.id, "name": run.name}, "split": split,
              "samples": dataset.split_size(split), "metric": metric, "unit": unit,
              "epsilons": epsilons, **scores}
    result["summary"] = summary(result)
    atomic_write_text(robustness_path(run_dir), json.dumps(result, indent=2) + "\n")
    return result


def perturbation_scales(dataset: Any, images: bool) -> dict[str, float] | None:
    """Per numeric input, its training standard deviation (``None`` for images): what one ε
    counts in a table (here and in adversarial training)."""
    if images:
        return None
    scales = {}
    for name, values in dataset.inputs("train").items():
        if values.dtype.kind == "f":
            spread = float(np.nanstd(values.astype(np.float64)))
            scales[name] = spread if spread > 0 else 1.0
    return scales


def _score(errors: np.ndarray, classifier: bool) -> float:
    """Accuracy from per-sample right/wrong, or RMSE from squared errors."""
    return float(np.mean(errors)) if classifier else float(np.sqrt(np.mean(errors)))


class _Attack:
    """Perturbs batches and measures per-sample correctness (or squared error)."""

    def __init__(self, model: Any, classifier: bool, scales: dict[str, float] | None,
                 images: bool) -> None:
        self.model, self.classifier, self.scales, self.images = model, classifier, scales, images

    def batch_errors(self, name: str, inputs: Any, targets: Any, epsilon: float,
                     rng: np.random.Generator) -> np.ndarray:
        if epsilon == 0:
            return self._outcome(inputs, targets)
        if name == "noise":
            moved = self._map(inputs, lambda key, x: x + self._step(key, epsilon) *
                              rng.standard_normal(x.shape).astype(np.float32))
            return self._outcome(self._clip(moved, inputs, None), targets)
        steps, size = (1, 1.0) if name == "fgsm" else (PGD_STEPS, 2.5 / PGD_STEPS)
        moved = inputs
        for _ in range(steps):
            signs = {key: np.sign(value)
                     for key, value in self._gradients(moved, targets).items()}
            moved = self._map(moved, lambda key, x, signs=signs: x + size *
                              self._step(key, epsilon) * signs[key])
            moved = self._clip(moved, inputs, epsilon)
        return self._outcome(moved, targets)

    def _step(self, key: str, epsilon: float) -> float:
        return epsilon * (self.scales or {}).get(key, 1.0)

    def _numeric(self, inputs: Any) -> dict[str, Any]:
        """The inputs that may move: the image, or the float columns of a table."""
        if not isinstance(inputs, dict):
            return {"": inputs}
        return {key: value for key, value in inputs.items() if _is_float(value)}

    def _map(self, inputs: Any, change: Any) -> Any:
        import tensorflow as tf

        moved = {key: tf.convert_to_tensor(change(key, np.asarray(value)), tf.float32)
                 for key, value in self._numeric(inputs).items()}
        if not isinstance(inputs, dict):
            return moved[""]
        return {**inputs, **moved}

    def _clip(self, moved: Any, original: Any, epsilon: float | None) -> Any:
        def limit(key: str, x: np.ndarray) -> np.ndarray:
            start = np.asarray(original[key] if key else original)
            if epsilon is not None:
                bound = self._step(key, epsilon)
                x = np.clip(x, start - bound, start + bound)
            return np.clip(x, 0.0, 255.0) if self.images else x
        return self._map(moved, limit)

    def _gradients(self, inputs: Any, targets: Any) -> dict[str, np.ndarray]:
        import tensorflow as tf

        numeric = {key: tf.convert_to_tensor(value, tf.float32)
                   for key, value in self._numeric(inputs).items()}
        with tf.GradientTape() as tape:
            tape.watch(list(numeric.values()))
            feed = numeric[""] if "" in numeric else {**inputs, **numeric}
            loss = self._loss(self.model(feed, training=False), targets)
        found = tape.gradient(loss, numeric)
        return {key: np.nan_to_num(value.numpy()) if value is not None else
                np.zeros(numeric[key].shape, np.float32) for key, value in found.items()}

    def _loss(self, outputs: Any, targets: Any) -> Any:
        import tensorflow as tf

        outputs = tf.reshape(tf.cast(outputs, tf.float32), (tf.shape(outputs)[0], -1))
        if not self.classifier:
            return tf.reduce_sum((outputs[:, 0] - tf.cast(targets, tf.float32)) ** 2)
        true = tf.cast(tf.reshape(targets, (-1,)), tf.int32)
        if outputs.shape[-1] == 1:
            positive = tf.clip_by_value(outputs[:, 0], 1e-7, 1 - 1e-7)
            chosen = tf.where(true == 1, positive, 1 - positive)
        else:
            chosen = tf.gather(outputs, true, axis=1, batch_dims=1)
        return -tf.reduce_sum(tf.math.log(tf.clip_by_value(chosen, 1e-7, 1.0)))

    def _outcome(self, inputs: Any, targets: Any) -> np.ndarray:
        outputs = np.asarray(self.model(inputs, training=False), dtype=np.float64)
        outputs = outputs.reshape(len(outputs), -1)
        true = np.asarray(targets).reshape(-1)
        if not self.classifier:
            return (outputs[:, 0] - true) ** 2
        predicted = (outputs[:, 0] >= 0.5).astype(int) if outputs.shape[1] == 1 \
            else outputs.argmax(axis=1)
        return (predicted == true).astype(np.float64)


def _is_float(value: Any) -> bool:
    floating = getattr(value.dtype, "is_floating", None)  # a tensor's dtype says so itself
    return bool(floating) if floating is not None else np.issubdtype(value.dtype, np.floating)


def summary(result: dict[str, Any]) -> str:
    """One sentence on what the numbers mean."""
    clean, worst = result["fgsm"][0], result["pgd"][-1]
    epsilon, unit = result["epsilons"][-1], result["unit"].split(" (")[0]
    if result["metric"] == "accuracy":
        return (f"Accuracy {clean:.2f} on clean inputs falls to {worst:.2f} when an attacker may "
                f"change each input by {epsilon:g} {unit} (PGD), and to "
                f"{result['noise'][-1]:.2f} under random noise of that size: the gap between "
                "the two is what an adversary gains; adversarial training (a training setting: "
                "a share of each batch attacked at ε) narrows it.")
    return (f"RMSE {clean:.4g} on clean inputs rises to {worst:.4g} when an attacker may change "
            f"each input by {epsilon:g} {unit} (PGD), and to {result['noise'][-1]:.4g} under "
            "random noise of that size.")


def format_robustness(result: dict[str, Any]) -> str:
    """The result of :func:`robustness_report` as a table, one row per ε."""
    rows = [[f"{epsilon:g}", *(f"{result[name][i]:.4f}" for name in ATTACKS)]
            for i, epsilon in enumerate(result["epsilons"])]
    lines = [f"Robustness of run {result['run']['name']} on its {result['split']} split "
             f"({result['samples']} samples; {result['metric']}; ε in {result['unit']})", ""]
    lines += table(["ε", "FGSM", "PGD", "noise"], rows)
    return "\n".join([*lines, "", result["summary"]])
