"""One frozen-backbone epoch with and without the feature cache, on the same images, in one run.

A folder of images (two classes, 64x64 PNGs) and the ``transfer`` template's model (a frozen
MobileNetV3Small at its native 224 pixels, global pooling, dropout, the head) with random
weights (no ImageNet weights are downloaded; the time does not depend on the weights). Timed:

- without the cache: one ``fit`` epoch of the full model on the image pipeline (decoded images
  cached in memory, as training does), so every step runs the backbone;
- with the cache: computing the features once (reported on its own) and one ``fit`` epoch of
  the head on the cached features — what every epoch costs while the backbone is frozen.

Each epoch is timed after a warm-up epoch (tracing), as the median of ``--rounds`` epochs.
Printed: both epoch times, their ratio, the one-off feature computation, and the cache's memory.
Goal: the cached epoch at least 5x faster on a CPU. The script exits 0 whether or not the goal
is met.

Run: ``python benchmarks/bench_transfer.py [--images N] [--rounds R] [--smoke]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

GOAL_RATIO = 5.0


def write_images(folder: Path, count: int) -> None:
    """Write ``count`` 64x64 PNGs in two class folders (dark and light)."""
    rng = np.random.default_rng(0)
    for index in range(count):
        name, level = ("dark", 60) if index % 2 else ("light", 190)
        pixels = np.clip(rng.normal(level, 30, (64, 64, 3)), 0, 255).astype(np.uint8)
        path = folder / name / f"{index}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(pixels).save(path)


def epoch_seconds(fit, rounds: int) -> float:
    """Return the median time of ``rounds`` calls of ``fit`` after one warm-up call."""
    fit()
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        fit()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=256)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--smoke", action="store_true", help="32 images, 1 round")
    args = parser.parse_args(argv)
    images, rounds = (32, 1) if args.smoke else (args.images, args.rounds)

    from dlstudio.core.data import load_dataset
    from dlstudio.core.model.builder import build_model
    from dlstudio.core.model.templates import get_template
    from dlstudio.core.project.project import DataSpec, ModelSpec, Project, TrainingSpec
    from dlstudio.core.tasks import get_task
    from dlstudio.core.training import feature_cache

    with tempfile.TemporaryDirectory() as temporary:
        folder = Path(temporary) / "images"
        write_images(folder, images)
        layers = get_template("transfer").layers()
        layers[0].params["weights"] = "none"
        project = Project(name="bench", data=DataSpec(kind="images", path=str(folder),
                                                      image_size=[64, 64]),
                          model=ModelSpec(layers=layers),
                          training=TrainingSpec(batch_size=32))
        project.split.validation = project.split.test = 0.0
        project.split.train = 1.0
        dataset = load_dataset(project)
        task = get_task(dataset.task)
        model = build_model(project, dataset)
        model.compile(optimizer="adam", loss=task.make_loss("binary_crossentropy", 0.0, model),
                      metrics=task.metrics())
        pipeline = task.training_targets(dataset.tf_dataset("train", 32, shuffle=True,
                                                            cache=True),
                                         "binary_crossentropy", 2)
        plan = feature_cache.plan_cache(model, project)
        if plan is None:
            raise SystemExit("bench_transfer: the transfer model cannot be cached")
        without = epoch_seconds(
            lambda: model.fit(pipeline, epochs=1, verbose=0, shuffle=False), rounds)
        started = time.perf_counter()
        cached = feature_cache.compute_features(plan, pipeline)
        computing = time.perf_counter() - started
        plan.head.compile(optimizer=model.optimizer, loss=model.loss, metrics=task.metrics())
        features = feature_cache.cached_dataset(cached, 32, shuffle=True)
        with_cache = epoch_seconds(
            lambda: plan.head.fit(features, epochs=1, verbose=0, shuffle=False), rounds)

    ratio = without / with_cache
    verdict = "met" if ratio >= GOAL_RATIO else "NOT met"
    print(f"bench_transfer: {images} images of 64x64, MobileNetV3Small at 224 px (frozen), "
          f"batch 32, median of {rounds} epoch(s)")
    print(f"  epoch without the cache: {without:.2f} s (the backbone runs every step)")
    print(f"  epoch with the cache:    {with_cache:.3f} s (the head on cached features)")
    print(f"  features computed once:  {computing:.2f} s; cache memory "
          f"{cached.nbytes / 2**20:.2f} MB ({cached.features.shape[1:]} per image)")
    print(f"verdict: the cached epoch is {ratio:.0f}x faster; the goal (>= {GOAL_RATIO:.0f}x) "
          f"is {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
