"""The cost sheet's memory estimate against the measured peak of a real training run.

A small CNN is described as a project and estimated with
:func:`dlstudio.core.model.cost_sheet.cost_sheet` (from shape inference, nothing built); the
same network is then built in Keras and trained for a few steps in a fresh process at two
batch sizes. The measured figure is the process's peak resident memory during ``fit`` less its
resident memory just before (on Linux the peak is reset first through ``/proc/self/clear_refs``;
elsewhere ``ru_maxrss`` is used, which can only over-count the baseline). The fixed cost of
tracing the training step is in that figure too; the difference between the two batch sizes
removes it, so the script prints both ratios: estimate / measured peak at each batch size, and
estimated / measured growth of memory from the small batch to the large one.

The script always exits 0: its verdict line is information, not a test (the machine is shared
and the CPU allocator keeps memory it freed, so the figures are noisy).

Run: ``python benchmarks/bench_cost_sheet.py [--smoke]``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

LAYERS = [("Conv2D", {"filters": 32, "kernel_size": [3, 3], "activation": "relu"}),
          ("Conv2D", {"filters": 32, "kernel_size": [3, 3], "activation": "relu"}),
          ("MaxPooling2D", {}),
          ("Conv2D", {"filters": 64, "kernel_size": [3, 3], "activation": "relu"}),
          ("GlobalAveragePooling2D", {})]
CLASSES = 10


def estimate(size: int, batch: int) -> dict:
    """The cost sheet of the CNN on ``size`` × ``size`` × 3 images at ``batch``."""
    from types import SimpleNamespace

    from dlstudio.core.model.cost_sheet import cost_sheet
    from dlstudio.core.model.shapes import inspect_stack
    from dlstudio.core.project.project import LayerSpec, Project

    project = Project()
    project.model.layers = [LayerSpec.of(name, **params) for name, params in LAYERS]
    report = inspect_stack(project, (size, size, 3), "classification", CLASSES)
    training = SimpleNamespace(batch_size=batch, optimizer="adam", momentum=0.0,
                               mixed_precision=False, device="cpu")
    return cost_sheet(report, training, ("CPU", None)).to_json()


def measure(size: int, batch: int, steps: int) -> dict:
    """Train the same CNN in Keras for ``steps`` steps; return its parameters and the peak
    resident memory during ``fit`` less the resident memory before it, in bytes."""
    import keras
    import numpy as np

    layers = [keras.Input((size, size, 3))]
    for name, params in LAYERS:
        if name == "Conv2D":
            layers.append(keras.layers.Conv2D(params["filters"], params["kernel_size"],
                                              padding="same", activation="relu"))
        elif name == "MaxPooling2D":
            layers.append(keras.layers.MaxPooling2D())
        else:
            layers.append(keras.layers.GlobalAveragePooling2D())
    layers.append(keras.layers.Dense(CLASSES, activation="softmax"))
    model = keras.Sequential(layers)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    generator = np.random.default_rng(0)
    x = generator.normal(size=(batch * steps, size, size, 3)).astype("float32")
    y = generator.integers(0, CLASSES, size=batch * steps)
    before = _resident("VmRSS")
    reset = _reset_peak()
    model.fit(x, y, batch_size=batch, epochs=1, verbose=0)
    peak = _resident("VmHWM") if reset else resource.getrusage(
        resource.RUSAGE_SELF).ru_maxrss * 1024
    return {"params": int(model.count_params()), "measured": int(peak - before)}


def _resident(field: str) -> int:
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _reset_peak() -> bool:
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as clear:
            clear.write("5")
        return True
    except OSError:
        return False


def _child(size: int, batch: int, steps: int) -> dict:
    result = subprocess.run(
        [sys.executable, __file__, "--child", str(size), str(batch), str(steps)],
        capture_output=True, text=True, timeout=600, check=True)
    return json.loads(result.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    """Print the estimate, the measured peak and their ratios; always return 0."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="small images and batches")
    parser.add_argument("--child", nargs=3, type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(measure(*args.child)))
        return 0
    size, batches, steps = (32, (8, 64), 2) if args.smoke else (64, (16, 256), 3)
    rows = []
    for batch in batches:
        sheet = estimate(size, batch)
        run = _child(size, batch, steps)
        ratio = sheet["training_bytes"] / max(run["measured"], 1)
        rows.append((batch, sheet, run))
        print(f"{size}x{size}x3 CNN, batch {batch}: params {sheet['total_params']:,} "
              f"(Keras {run['params']:,}); estimate {sheet['training_bytes'] / 1e6:.1f} MB, "
              f"measured peak {run['measured'] / 1e6:.1f} MB, estimate / measured "
              f"{ratio:.2f}", flush=True)
    (small, small_sheet, small_run), (large, large_sheet, large_run) = rows
    grown = large_run["measured"] - small_run["measured"]
    estimated = large_sheet["training_bytes"] - small_sheet["training_bytes"]
    growth = estimated / grown if grown > 0 else float("nan")
    total = large_sheet["training_bytes"] / max(large_run["measured"], 1)
    print(f"verdict: estimate / measured peak {total:.2f} "
          f"at batch {large}; growth from batch {small} to {large}: estimated "
          f"{estimated / 1e6:.1f} MB, measured {grown / 1e6:.1f} MB (ratio {growth:.2f})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
