"""Quality of the generative tasks on the digits scikit-learn ships (8x8 gray images, 10 classes).

Parts (``--part``), each a function ``<part>_part(scratch, arguments) -> dict`` registered in
:data:`PARTS` and printing its own ``verdict:`` line:

- ``anomaly``: the ``autoencoder`` template (stride-2 convolutions) trained through the same
  path as ``dlstudio init --template autoencoder`` / ``train`` / ``evaluate`` on an image folder
  of the digits with ``data.normal_classes`` naming the normal digit(s): training and the
  threshold see only those; the test split's normal digits against the unseen ones give the
  ROC AUC of "anomaly" (goal >= 0.90, the mean over the normal digits tried), beside the AUC of
  a trivial score (each image's distance to the mean normal training image, in pixels) as the
  baseline measured in the same run.
- ``samples`` (GAN and VAE sample quality): a small classifier (a one-hidden-layer MLP,
  scikit-learn; unsure of noise, where a linear model is confidently wrong) is trained on 75%
  of the real digits; it labels the images a model generates. Reported: the share it labels
  with confidence >= 0.9 and how many of the 10 classes those labels cover, for the ``dcgan``
  template (``--gan-epochs``, by default the epochs ``init`` sets) and the ``vae`` template
  (``--epochs``), each made by ``init --template`` on the digit folder and sampled as
  ``dlstudio generate`` does (seed 1),
  beside the same figures for uniform noise (the floor) and the 25% real held-out digits (the
  ceiling this judge allows). Goal for dcgan: >= 70% confident with all 10 classes.

Run: ``python benchmarks/bench_generative.py [--part anomaly|samples] [--normal 0 1 …]
[--epochs N] [--gan-epochs N] [--samples N] [--smoke]``. Needs the ``bench`` extra
(scikit-learn). Exits 0 whether or not a goal is met.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

ANOMALY_GOAL = 0.90
CONFIDENT = 0.9
SAMPLES_GOAL, SAMPLES_CLASSES = 0.70, 10


def digit_folder(folder: Path, limit: int | None = None) -> Path:
    """Write scikit-learn's digits as 8x8 gray PNGs in one folder per digit (0..9)."""
    from sklearn.datasets import load_digits

    digits = load_digits()
    images, labels = digits.images, digits.target
    if limit is not None:
        images, labels = images[:limit], labels[:limit]
    for index, (image, label) in enumerate(zip(images, labels, strict=True)):
        path = folder / str(label) / f"{index:04d}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(np.round(image / 16.0 * 255.0).astype(np.uint8), "L").save(path)
    return folder


def autoencoder_project(folder: Path, normal: list[str], epochs: int) -> Any:
    """The ``autoencoder`` template on the digit folder, as ``init --template`` makes it."""
    from dlstudio.core.model.templates import get_template
    from dlstudio.core.project.from_data import new_project

    project = new_project(folder, template="autoencoder")
    project.data.image_size, project.data.color_mode = [8, 8], "grayscale"
    project.model = get_template("autoencoder").model_for(project.data)
    project.data.normal_classes = list(normal)
    project.training.epochs = epochs
    project.training.early_stopping.enabled = False
    return project


def mean_image_auc(run_dir: Path, project: Any) -> float | None:
    """The baseline: ROC AUC of each test image's squared distance to the mean normal training
    image."""
    from dlstudio.core.data import load_dataset
    from dlstudio.core.evaluation.probability_metrics import roc_auc

    dataset = load_dataset(project)

    def pixels(split: str) -> tuple[np.ndarray, np.ndarray]:
        batches = list(dataset.tf_dataset(split, 256).as_numpy_iterator())
        images = np.concatenate([inputs["image"] for inputs, _target in batches])
        targets = np.concatenate([target for _inputs, target in batches])
        return images.reshape(len(images), -1) / 255.0, targets

    normal = [dataset.class_names.index(name) for name in project.data.normal_classes]
    train, train_targets = pixels("train")
    mean = train[np.isin(train_targets, normal)].mean(axis=0)
    test, test_targets = pixels("test")
    return roc_auc(((test - mean) ** 2).mean(axis=1), ~np.isin(test_targets, normal))


def anomaly_part(scratch: Path, arguments: argparse.Namespace) -> dict[str, Any]:
    """Train one autoencoder per normal digit; print each ROC AUC and the mean."""
    from dlstudio.core.evaluation.evaluate import evaluate_run
    from dlstudio.core.project.project import save_project
    from dlstudio.core.training.run import run_training

    folder = digit_folder(scratch / "digits", 300 if arguments.smoke else None)
    rows = []
    for normal in arguments.normal:
        project = autoencoder_project(folder, [normal], 1 if arguments.smoke else arguments.epochs)
        root = scratch / f"normal-{normal}"
        save_project(project, root / "project.dlstudio.json")
        started = time.perf_counter()
        run = run_training(project, lambda event: None, runs_dir=root / "runs").run.path
        seconds = time.perf_counter() - started
        detection = evaluate_run(run)["detection"]
        rows.append((normal, detection["roc_auc"], mean_image_auc(run, project),
                     detection["precision"], detection["recall"], seconds))
    print(f"{'normal':>6} {'AUC':>6} {'mean-image AUC':>15} {'precision':>9} {'recall':>6} "
          f"{'train s':>7}")
    for normal, auc, baseline, precision, recall, seconds in rows:
        print(f"{normal:>6} {auc or 0:6.3f} {baseline or 0:15.3f} {precision:9.3f} "
              f"{recall:6.3f} {seconds:7.1f}")
    mean_auc = float(np.mean([row[1] or 0.0 for row in rows]))
    mean_baseline = float(np.mean([row[2] or 0.0 for row in rows]))
    met = "met" if mean_auc >= ANOMALY_GOAL else "not met"
    print(f"verdict: anomaly ROC AUC {mean_auc:.3f} (mean over normal digits "
          f"{', '.join(arguments.normal)}) against {mean_baseline:.3f} for the distance to the "
          f"mean image; goal >= {ANOMALY_GOAL:.2f} {met}")
    return {"roc_auc": mean_auc, "baseline_auc": mean_baseline}


def digit_judge() -> tuple[Any, np.ndarray]:
    """The classifier that labels generated digits, trained on 75% of the real digits (pixels
    in 0..1); return it and the 25% held out."""
    import warnings

    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split
    from sklearn.neural_network import MLPClassifier

    digits = load_digits()
    images = np.clip(digits.images / 16.0, 0.0, 1.0).reshape(len(digits.images), -1)
    train, held_out, labels, _held_labels = train_test_split(
        images, digits.target, test_size=0.25, random_state=0, stratify=digits.target)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence chatter
        judge = MLPClassifier((128,), alpha=0.3, max_iter=1500, random_state=0)
        return judge.fit(train, labels), held_out


def confident(judge: Any, images: np.ndarray) -> tuple[float, int]:
    """The share of ``images`` (0..1) labelled with confidence >= :data:`CONFIDENT`, and how
    many classes those labels cover."""
    probabilities = judge.predict_proba(np.asarray(images).reshape(len(images), -1))
    sure = probabilities.max(axis=1) >= CONFIDENT
    return float(sure.mean()), len(set(probabilities.argmax(axis=1)[sure].tolist()))


def generative_samples(folder: Path, template: str, epochs: int | None, count: int,
                       root: Path) -> tuple[np.ndarray, float, int]:
    """Train ``template`` as ``init --template`` makes it on the digit folder (8x8 gray), for
    ``epochs`` (``None``: as many as ``init`` sets); return ``count`` samples drawn as
    ``dlstudio generate`` draws them (seed 1), in 0..1, the training seconds and the epochs."""
    from dlstudio.core.evaluation.evaluate import open_run
    from dlstudio.core.model.templates import get_template
    from dlstudio.core.project.from_data import new_project
    from dlstudio.core.project.project import save_project
    from dlstudio.core.tasks import get_task
    from dlstudio.core.training.run import run_training

    project = new_project(folder, template=template)
    project.data.image_size, project.data.color_mode = [8, 8], "grayscale"
    project.model = get_template(template).model_for(project.data)
    project.split.train, project.split.validation, project.split.test = 0.9, 0.05, 0.05
    if epochs is not None:
        project.training.epochs = epochs
    project.training.early_stopping.enabled = False
    save_project(project, root / "project.dlstudio.json")
    started = time.perf_counter()
    run = run_training(project, lambda event: None, runs_dir=root / "runs").run.path
    seconds = time.perf_counter() - started
    trained = open_run(run)
    images = np.asarray(get_task(trained.task).sample(trained.model, count, 1))
    return images, seconds, project.training.epochs


def samples_part(scratch: Path, arguments: argparse.Namespace) -> dict[str, Any]:
    """Label real, noise, dcgan and vae digits with the judge; print the table."""
    judge, held_out = digit_judge()
    count = 64 if arguments.smoke else arguments.samples
    rows = [("real held-out digits", *confident(judge, held_out), None),
            ("uniform noise", *confident(judge, np.random.default_rng(0).random(
                (count, 64))), None)]
    folder = scratch / "digits"
    if not folder.is_dir():
        digit_folder(folder, 300 if arguments.smoke else None)
    for template, epochs in (("dcgan", arguments.gan_epochs), ("vae", arguments.epochs)):
        epochs = 1 if arguments.smoke else epochs
        images, seconds, epochs = generative_samples(folder, template, epochs, count,
                                                     scratch / f"samples-{template}")
        rows.append((f"{template}, {epochs} epochs ({seconds:.0f} s)",
                     *confident(judge, images), template))
    print(f"Share labelled with confidence >= {CONFIDENT} by a digit classifier "
          f"({count} generated images each)")
    print(f"{'images':<32} {'confident':>9} {'classes':>7}")
    for name, share, classes, _template in rows:
        print(f"{name:<32} {share:9.1%} {classes:7d}")
    share, classes = next((row[1], row[2]) for row in rows if row[3] == "dcgan")
    met = "met" if share >= SAMPLES_GOAL and classes >= SAMPLES_CLASSES else "not met"
    print(f"verdict: dcgan samples {share:.0%} confident, {classes} of 10 classes; goal >= "
          f"{SAMPLES_GOAL:.0%} with all 10 {met}")
    return {name: {"confident": share, "classes": classes} for name, share, classes, _t in rows}


PARTS: dict[str, Callable[[Path, argparse.Namespace], dict[str, Any]]] = {
    "anomaly": anomaly_part,
    "samples": samples_part,
}
"""The benchmark's parts by name."""


def main(argv: list[str] | None = None) -> int:
    """Run the chosen parts."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=sorted(PARTS), action="append",
                        help="the parts to run (default: all)")
    parser.add_argument("--normal", nargs="+", default=["0", "1", "6"],
                        help="the normal digits tried one at a time (anomaly part)")
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--gan-epochs", type=int, default=None,
                        help="epochs of the dcgan (samples part; default: as many as "
                             "init sets, about 15000 steps)")
    parser.add_argument("--samples", type=int, default=1000,
                        help="images generated per model (samples part)")
    parser.add_argument("--smoke", action="store_true", help="a few images, one epoch")
    arguments = parser.parse_args(argv)
    if arguments.smoke:
        arguments.normal = arguments.normal[:1]
    scratch = Path(tempfile.mkdtemp(prefix="dlstudio-bench-generative-"))
    for name in arguments.part or list(PARTS):
        print(f"== {name}")
        PARTS[name](scratch, arguments)
    return 0


if __name__ == "__main__":
    sys.exit(main())
