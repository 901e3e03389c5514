"""A fast stand-in for ``python -m dlstudio.worker`` in study tests: the worker protocol on
stdout, no TensorFlow.

``val_loss`` at epoch ``e`` is ``(|log10(learning_rate) + 2| + 0.1) * (1 + 1 / e)`` (best at
0.01, falling each epoch). A learning rate of 0.2 or more fails like a NaN loss. Each epoch
takes ``FAKE_EPOCH_SECONDS`` (default 0.05). ``stop`` on stdin or SIGTERM stops after the
current epoch, as the real worker does.
"""

from __future__ import annotations

import argparse
import json
import math
import signal
import sys
import threading
import time
from pathlib import Path

from dlstudio.core.training.events import Epoch, Error, Finished, Started, encode

stopping = threading.Event()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("project")
    parser.add_argument("--runs-dir", required=True)
    parser.add_argument("--epochs", type=int, default=3)
    args = parser.parse_args()
    project = json.loads(Path(args.project).read_text(encoding="utf-8"))
    rate = project["training"]["learning_rate"]
    run_dir = Path(args.runs_dir) / f"fake-{Path(args.project).stem}-{time.time_ns()}"
    run_dir.mkdir(parents=True)
    (run_dir / "project.dlstudio.json").write_text(json.dumps(project), encoding="utf-8")
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    threading.Thread(target=_read_stop, daemon=True).start()
    send(Started(str(run_dir), ["CPU"], "Default", args.epochs, 1, 16))
    pause = float(__import__("os").environ.get("FAKE_EPOCH_SECONDS", "0.05"))
    best: dict[str, float] = {}
    for epoch in range(1, args.epochs + 1):
        time.sleep(pause)
        if rate >= 0.2:
            send(Error("The loss became nan at epoch 1, batch 1, so training stopped.",
                       "nan_loss", str(run_dir)))
            return 1
        loss = (abs(math.log10(rate) + 2) + 0.1) * (1 + 1 / epoch)
        best = {"loss": loss, "val_loss": loss}
        send(Epoch(epoch, best, rate, epoch * pause, epoch))
        if stopping.is_set():
            send(Finished(str(run_dir), epoch, best, "stopped"))
            return 0
    send(Finished(str(run_dir), args.epochs, best, "finished"))
    return 0


def send(event: object) -> None:
    sys.stdout.write(encode(event) + "\n")
    sys.stdout.flush()


def _read_stop() -> None:
    for line in sys.stdin:
        if line.strip() == "stop":
            stopping.set()


if __name__ == "__main__":
    sys.exit(main())
