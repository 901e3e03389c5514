"""The fresh-process check: ``python -m dlstudio.core.export.check REQUEST.json``.

The request names exports and a samples file (``.npz``: raw inputs keyed by model input name,
as the trained model takes them). For each export, in one new Python process, the checker
loads it through the same checked loader as ``dlstudio predict``
(:func:`dlstudio.core.export.formats.open_export`), predicts the samples and times one
sample and a batch of :data:`LATENCY_BATCH`. It prints one JSON object per line:
``{"path", "outputs" (a list of rows), "load_s", "sample_ms", "batch_ms"}``, or
``{"path", "error"}``. :func:`check_in_fresh_process` is the parent's side.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

LATENCY_BATCH = 32
REPEATS = 10
TIMEOUT_S = 600


class FreshCheckError(RuntimeError):
    """The checking process failed to load or run an export."""


def check_in_fresh_process(paths: list[Path], samples: dict[str, np.ndarray]
                           ) -> list[dict[str, Any]]:
    """Check ``paths`` in one new Python process; return a result per path.

    Raises:
        FreshCheckError: The process failed, or an export could not be loaded or run.
    """
    with tempfile.TemporaryDirectory(prefix="dlstudio-check-") as folder:
        samples_path = Path(folder) / "samples.npz"
        np.savez(samples_path, **samples)
        request = Path(folder) / "request.json"
        request.write_text(json.dumps({"exports": [str(path) for path in paths],
                                       "samples": str(samples_path)}), encoding="utf-8")
        env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "CUDA_VISIBLE_DEVICES": "-1"}
        finished = subprocess.run([sys.executable, "-m", "dlstudio.core.export.check",
                                   str(request)], capture_output=True, text=True, env=env,
                                  timeout=TIMEOUT_S, check=False)
    results = [json.loads(line) for line in finished.stdout.splitlines()
               if line.startswith("{")]
    if finished.returncode != 0 or len(results) != len(paths):
        raise FreshCheckError("the export could not be checked in a fresh process: "
                              + (finished.stderr.strip().splitlines() or ["no output"])[-1])
    for result in results:
        if "error" in result:
            raise FreshCheckError(f"{result['path']} failed to load or run in a fresh process: "
                                  f"{result['error']}")
    return results


def check_one(path: str, samples: dict[str, np.ndarray]) -> dict[str, Any]:
    """Load the export at ``path``, predict ``samples`` and time it (the checker's work for
    one export, in the process that calls it)."""
    from dlstudio.core.export.formats import open_export

    started = time.perf_counter()
    _, call = open_export(path)
    outputs = np.asarray(call(samples))
    loaded = time.perf_counter() - started
    rows = len(next(iter(samples.values())))
    picks = np.arange(LATENCY_BATCH) % rows
    batch = {name: values[picks] for name, values in samples.items()}
    one = {name: values[:1] for name, values in samples.items()}
    return {"path": path, "outputs": outputs.reshape(rows, -1).tolist(), "load_s": loaded,
            "sample_ms": _median_ms(call, one), "batch_ms": _median_ms(call, batch)}


def _median_ms(call: Any, inputs: dict[str, np.ndarray]) -> float:
    call(inputs)
    times = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        call(inputs)
        times.append(time.perf_counter() - started)
    return float(np.median(times) * 1000)


def main(argv: list[str] | None = None) -> int:
    """Check every export of the request; one JSON line each on stdout."""
    request = json.loads(Path((argv or sys.argv[1:])[0]).read_text(encoding="utf-8"))
    with np.load(request["samples"], allow_pickle=False) as data:
        samples = {name: data[name] for name in data.files}
    for path in request["exports"]:
        try:
            result = check_one(path, samples)
        except Exception as error:  # noqa: BLE001 - reported to the parent as data
            result = {"path": path, "error": f"{type(error).__name__}: {error}"}
        print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
