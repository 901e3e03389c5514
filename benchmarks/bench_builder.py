"""Shape inference of a 30-layer stack: is it quick enough to run on every GUI edit?

Times :func:`dlstudio.core.model.builder.inspect_stack` on a 30-layer CNN stack in three situations
— cold (empty cache), unchanged (the same stack again) and one edit (a filter count changed in
the middle) — against a baseline measured in the same run: a bare ``keras.Sequential`` build of
the same 30 layers, which is what a naive implementation would do on every edit. The goal is
under 100 ms per inspection. The script always exits 0: its verdict line (``OK`` or ``SLOW``)
is information, not a test — a loaded machine must not fail the suite.

Run: ``python benchmarks/bench_builder.py``.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "-1")

import keras  # noqa: E402

from dlstudio.core.model import catalog, shapes  # noqa: E402
from dlstudio.core.model.builder import inspect_stack  # noqa: E402
from dlstudio.core.project.project import LayerSpec, Project  # noqa: E402

FEATURE_SHAPE = (64, 64, 3)
REPEATS = 7
GOAL_MS = 100.0


def thirty_layers() -> list[LayerSpec]:
    """Return a 30-layer CNN: 3 blocks of (conv-bn-relu) ×2, pool, dropout; then dense layers."""
    layers: list[LayerSpec] = []
    for filters in (32, 64, 128):
        for _ in range(2):
            layers += [LayerSpec.of("Conv2D", filters=filters, activation="linear"),
                       LayerSpec.of("BatchNormalization"),
                       LayerSpec.of("Activation", activation="relu")]
        layers += [LayerSpec.of("MaxPooling2D"), LayerSpec.of("Dropout", rate=0.1)]
    layers += [LayerSpec.of("GlobalAveragePooling2D"), LayerSpec.of("Dense", units=128),
               LayerSpec.of("BatchNormalization"), LayerSpec.of("Activation"),
               LayerSpec.of("Dropout"), LayerSpec.of("Dense", units=64)]
    assert len(layers) == 30
    return layers


def sequential_build(project: Project) -> None:
    """The baseline: build a Keras Sequential model of the same layers, weights and all."""
    layers = [catalog.get(spec.type).build(spec.params) for spec in project.model.layers]
    model = keras.Sequential([keras.Input(FEATURE_SHAPE), *layers])
    model.count_params()


def inspect(project: Project) -> None:
    report = inspect_stack(project, FEATURE_SHAPE, "classification", 10)
    assert report.ok, report.first_error().message()


def median_ms(action: Callable[[], None], before: Callable[[], None] = lambda: None) -> float:
    times = []
    for _ in range(REPEATS):
        before()
        start = time.perf_counter()
        action()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> int:
    project = Project()
    project.model.layers = thirty_layers()
    sequential_build(project)  # warm Keras up (first-call tracing) before timing anything
    inspect(project)

    edited = project.copy()

    def edit() -> None:
        edited.model.layers[11].params["filters"] += 1

    baseline = median_ms(lambda: sequential_build(project))
    cold = median_ms(lambda: inspect(project), before=shapes._cache.clear)
    unchanged = median_ms(lambda: inspect(project))
    one_edit = median_ms(lambda: inspect(edited), before=edit)

    print(f"30-layer stack, input {FEATURE_SHAPE}, median of {REPEATS} runs")
    print(f"  baseline: keras.Sequential build       {baseline:7.1f} ms")
    for label, value in (("inspect_stack, cold cache", cold),
                         ("inspect_stack, unchanged stack", unchanged),
                         ("inspect_stack, one layer edited", one_edit)):
        print(f"  {label:<38}{value:7.1f} ms   ratio {value / baseline:5.2f}")
    worst = max(cold, unchanged, one_edit)
    verdict = "OK" if worst < GOAL_MS else "SLOW"
    print(f"  goal: every inspection under {GOAL_MS:.0f} ms: {verdict} (worst {worst:.1f} ms)")
    return 0  # a missed goal is information for the reader, never a failure of the script


if __name__ == "__main__":
    sys.exit(main())
