"""HTTP serving against the same model called in-process, at 1, 8 and 32 concurrent clients.

A tiny CSV classification run is trained in a temporary folder (or ``--run RUN`` is served).
In-process: :class:`dlstudio.core.serving.served_model.ServedModel` predicts one row per call,
back to back (what a Python program embedding the model would do). Served: ``dlstudio serve``'s
app under uvicorn on 127.0.0.1 (loopback only, a free port), each client a thread with its own
HTTP connection sending one row per ``POST /predict``; concurrent requests are joined into one
model call by the server's batcher. Printed per level: requests per second, p50 and p99 latency.
Request counts and time per level are bounded.

Goal: at 32 clients the server answers ≥ 50% of the in-process requests per second.
The script exits 0 whether or not the goal is met (1 only when a run fails).

Run: ``python benchmarks/bench_serve.py [--run RUN] [--requests N] [--smoke]``.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "-1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

LEVELS = (1, 8, 32)
GOAL = 0.5
LEVEL_SECONDS = 20.0  # no level runs longer than this

def sample_row(served) -> dict:
    """One row of the served model's columns (a number or a word each)."""
    return {column.name: 1.0 if column.kind == "numeric" else "a" for column in served.columns}


def train_tiny_run(folder: Path) -> Path:
    """Train a 2-epoch classifier on 300 made-up rows and return its run folder."""
    from dlstudio.core.project.project import (
        DataSpec,
        LayerSpec,
        ModelSpec,
        Project,
        TrainingSpec,
        save_project,
    )
    from dlstudio.core.training.run import run_training

    rng = np.random.default_rng(0)
    x1, x2 = rng.normal(size=300), rng.normal(size=300)
    pd.DataFrame({"x1": x1, "x2": x2, "colour": rng.choice(["red", "blue"], 300),
                  "label": np.where(x1 + x2 > 0, "up", "down")}).to_csv(folder / "data.csv",
                                                                        index=False)
    project = Project(name="bench", data=DataSpec(kind="csv", path=str(folder / "data.csv"),
                                                  target="label"),
                      model=ModelSpec(layers=[LayerSpec.of("Dense", units=16)]),
                      training=TrainingSpec(epochs=2, batch_size=32))
    save_project(project, folder / "bench.dlstudio.json")
    return run_training(project, lambda event: None, runs_dir=folder / "runs").run.path


def in_process(served, requests: int) -> tuple[float, list[float]]:
    """Requests per second and latencies of back-to-back single-row calls."""
    row = sample_row(served)
    rows = served.check_rows([row])
    served.predict_rows(rows)  # warm up
    latencies = []
    start = time.perf_counter()
    for _ in range(requests):
        begin = time.perf_counter()
        served.predict_rows(served.check_rows([row]))
        latencies.append(time.perf_counter() - begin)
        if time.perf_counter() - start > LEVEL_SECONDS:
            break
    return len(latencies) / (time.perf_counter() - start), latencies


def start_server(served) -> tuple[object, int]:
    """Start the app under uvicorn on 127.0.0.1 and a free port; return (server, port)."""
    import uvicorn

    from dlstudio.core.serving.app import create_app

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = uvicorn.Config(create_app(served), host="127.0.0.1", port=port,
                            log_level="error", access_log=False)
    server = uvicorn.Server(config)
    threading.Thread(target=server.run, daemon=True).start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    if not server.started:
        raise RuntimeError("the server did not start within 30 s")
    return server, port


def over_http(port: int, clients: int, requests: int, row: dict) -> tuple[float, list[float]]:
    """Requests per second and latencies with ``clients`` threads sharing ``requests``."""
    import httpx

    latencies: list[float] = []
    failures: list[str] = []
    lock = threading.Lock()
    remaining = [requests]
    stop_at = time.perf_counter() + LEVEL_SECONDS

    def client() -> None:
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as http:
            http.post("/predict", json={"rows": [row]})  # connect and warm up
            while time.perf_counter() < stop_at:
                with lock:
                    if remaining[0] <= 0:
                        return
                    remaining[0] -= 1
                begin = time.perf_counter()
                answer = http.post("/predict", json={"rows": [row]})
                took = time.perf_counter() - begin
                with lock:
                    latencies.append(took)
                    if answer.status_code != 200:
                        failures.append(answer.text[:200])

    threads = [threading.Thread(target=client) for _ in range(clients)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise RuntimeError(f"{len(failures)} requests failed, such as {failures[0]}")
    return len(latencies) / (time.perf_counter() - start), latencies


def _line(label: str, rate: float, latencies: list[float], baseline: float) -> str:
    ordered = sorted(latencies)
    p50 = statistics.median(ordered) * 1000
    p99 = ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))] * 1000
    return (f"{label:<22} {rate:9.1f} req/s   p50 {p50:7.2f} ms   p99 {p99:7.2f} ms   "
            f"{rate / baseline:5.2f}x in-process")


def main(argv: list[str] | None = None) -> int:
    """Run the comparison and print the verdict (exit 0 whatever it says)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", help="serve this run folder instead of a tiny trained one")
    parser.add_argument("--requests", type=int, default=400, help="requests per level")
    parser.add_argument("--smoke", action="store_true", help="30 requests per level")
    args = parser.parse_args(argv)
    requests = 30 if args.smoke else args.requests
    from dlstudio.core.native_logs import import_tensorflow_quietly

    import_tensorflow_quietly()
    from dlstudio.core.serving.served_model import open_served_model

    with tempfile.TemporaryDirectory(prefix="bench_serve_") as folder:
        run = Path(args.run) if args.run else train_tiny_run(Path(folder))
        served = open_served_model(run)
        baseline, latencies = in_process(served, requests)
        print(f"model: {served.name} ({served.source}); {requests} requests per level, "
              "one row each")
        print(_line("in-process, 1 caller", baseline, latencies, baseline))
        server, port = start_server(served)
        try:
            rates = {}
            for clients in LEVELS:
                rates[clients], latencies = over_http(port, clients, requests, sample_row(served))
                print(_line(f"HTTP, {clients} clients", rates[clients], latencies, baseline))
        finally:
            server.should_exit = True
    ratio = rates[LEVELS[-1]] / baseline
    met = "met" if ratio >= GOAL else "NOT met"
    print(f"verdict: at {LEVELS[-1]} clients the server answers {ratio:.2f}x the in-process "
          f"requests per second; goal >= {GOAL}: {met}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
