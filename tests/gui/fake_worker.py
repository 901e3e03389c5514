"""A fast stand-in for ``python -m dlstudio.worker`` that speaks the same protocol.

Usage: ``python fake_worker.py [--epochs N] [--steps N] [--delay S] [--crash-at-epoch N]
[--fail] [--fail-kind KIND] [--write-model] PROJECT [--runs-dir DIR] [--resume RUN]``, or
with ``--wait`` instead of the project: a warm worker that says ``ready`` and takes its run
from a ``run`` line.
It makes a run folder (``run.json`` and a checkpoint state after each epoch), prints
``started`` (with the project's batch size), ``batch``, ``epoch`` and ``finished`` events,
honours ``stop``, ``pause`` and ``resume`` on stdin, and on request kills itself
(``--crash-at-epoch``, not when resuming) or reports an ``error`` event (``--fail``; of kind
``nan_loss`` unless ``--fail-kind`` says); ``--write-model`` leaves a (fake) ``model.keras``
as a finished run does.
"""

from __future__ import annotations

import argparse
import math
import os
import queue
import signal
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from dlstudio.core.project.project import load_project  # noqa: E402
from dlstudio.core.runs.folder import RunFolder  # noqa: E402
from dlstudio.core.runs.record import CheckpointState, RunRecord
from dlstudio.core.training import events  # noqa: E402

FAILURES = {"nan_loss": "The loss became NaN at epoch 1; lower the learning rate.",
            "out_of_memory": "The GPU ran out of memory in epoch 1."}


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    parser.add_argument("project", nargs="?")
    parser.add_argument("--runs-dir")
    parser.add_argument("--resume")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--delay", type=float, default=0.01)
    parser.add_argument("--crash-at-epoch", type=int, default=0)
    parser.add_argument("--fail", action="store_true")
    parser.add_argument("--fail-kind", default="nan_loss")
    parser.add_argument("--write-model", action="store_true")
    parser.add_argument("--wait", action="store_true")
    parser.add_argument("--linger", type=float, default=0.0,
                        help="seconds to stay alive after reporting the end (a slow exit)")
    return parser.parse_args()


def _wait_for_run(options: argparse.Namespace) -> None:
    """Say ``ready``; take the project and options from the ``run`` line (exit on EOF)."""
    _emit(events.Ready())
    line = sys.stdin.readline()
    if not line.strip() or line.strip() == "quit":
        sys.exit(0)
    for name, value in events.decode_run_command(line).items():
        if value is not None:
            setattr(options, name, value)


def _batch_size(options: argparse.Namespace) -> int:
    """The project's batch size, or 32 when the test names no project file that exists."""
    if options.project is None or not Path(options.project).is_file():
        return 32
    return load_project(options.project).training.batch_size


def _commands() -> queue.Queue[str]:
    words: queue.Queue[str] = queue.Queue()

    def read() -> None:
        for line in sys.stdin:
            words.put(line.strip())

    threading.Thread(target=read, daemon=True).start()
    return words


def _emit(event: events.Event) -> None:
    sys.stdout.write(events.encode(event) + "\n")
    sys.stdout.flush()


def _run_folder(options: argparse.Namespace) -> tuple[RunFolder, int]:
    if options.resume:
        run = RunFolder(options.resume)
        state = run.read_state()
        return run, state.epochs_done if state else 0
    parent = Path(options.runs_dir or Path(str(options.project)).parent / "runs")
    run = RunFolder(parent / f"fake-{os.getpid()}")
    run.checkpoint_dir.mkdir(parents=True)
    run.write_record(RunRecord(id=run.path.name, name="fake", state="running",
                               epochs=options.epochs))
    return run, 0


def _wait_if_paused(words: queue.Queue[str]) -> bool:
    """Handle pending commands; return True when asked to stop."""
    while not words.empty():
        word = words.get()
        if word == "stop":
            return True
        if word == "pause":
            print("paused", file=sys.stderr, flush=True)
            while (word := words.get()) not in ("resume", "stop"):
                pass
            if word == "stop":
                return True
    return False


def _train(options: argparse.Namespace, run: RunFolder, first: int,
           words: queue.Queue[str]) -> str:
    for epoch in range(first + 1, options.epochs + 1):
        for step in range(1, options.steps + 1):
            time.sleep(options.delay)
            if _wait_if_paused(words):
                return "stopped"
            loss = 1.0 / (epoch + step / options.steps)
            _emit(events.Batch(epoch, step, options.steps, {"loss": loss, "accuracy": 1 - loss},
                               samples_per_second=320.0))
            if options.crash_at_epoch == epoch and not options.resume:
                os.kill(os.getpid(), signal.SIGKILL)
        loss = 1.0 / (epoch + 1)
        logs = {"loss": loss, "accuracy": 1 - loss, "val_loss": loss * 1.1,
                "val_accuracy": 0.9 - loss}
        _emit(events.Epoch(epoch, logs, learning_rate=0.001 * math.pow(0.5, epoch),
                           elapsed=epoch * options.steps * options.delay, best_epoch=epoch))
        run.write_state(CheckpointState(epochs_done=epoch))
        (run.last_checkpoint_path).write_text("fake checkpoint")
    return "finished"


def main() -> None:
    """Run the fake training described by the command line."""
    options = _arguments()
    print("fake worker starting", file=sys.stderr, flush=True)
    if options.wait:
        _wait_for_run(options)
    run, first = _run_folder(options)
    _emit(events.Message("info", "No GPU found: training on the CPU."))
    _emit(events.Started(str(run.path), ["CPU (fake)"], "default", options.epochs, options.steps,
                         batch_size=_batch_size(options), initial_epoch=first,
                         samples={"train": 160}))
    if options.fail:
        _emit(events.Error(FAILURES.get(options.fail_kind, "It failed."), options.fail_kind,
                           str(run.path)))
        sys.exit(1)
    state = _train(options, run, first, _commands())
    if options.write_model:
        run.model_path.write_text("fake model")
    run.update_record(state=state)
    state_file = run.read_state()
    best = state_file.epochs_done if state_file else 0
    _emit(events.Finished(str(run.path), best_epoch=best,
                          best_metrics={"loss": 0.5}, state=state))
    time.sleep(options.linger)


if __name__ == "__main__":
    main()
