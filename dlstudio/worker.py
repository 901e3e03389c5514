"""The training worker: ``python -m dlstudio.worker PROJECT [--epochs N] [--runs-dir DIR]
[--resume RUN]``, or ``python -m dlstudio.worker --wait``.

It runs one training run (:func:`dlstudio.core.training.run.run_training`, the code path of
``dlstudio train``) and speaks the protocol of :mod:`dlstudio.core.training.events`: one JSON
event per line on stdout, and on stdin one command per line — ``stop``, ``pause``, ``resume``.
Anything else written to stdout (Keras, TensorFlow, print) is sent to stderr, so the protocol
channel stays clean. SIGTERM stops like ``stop``: the last completed epoch's checkpoint is kept.

With ``--wait`` it is a warm worker (what the GUI keeps ready while a project is open): it
imports TensorFlow and Keras without touching a device (:func:`warm_up`; no GPU memory is taken
until the run plans its devices), sends ``ready``, and waits for its run as one ``run`` line on
stdin (:func:`dlstudio.core.training.events.encode_run_command`). ``quit`` or the end of stdin
ends it at once; the end of stdin during its run stops the run, so it never outlives the app.

Exit status: 0 when the run finished or was stopped, 2 for bad input (the ``error`` event says
what), 1 for an internal fault.
"""

from __future__ import annotations

import argparse
import glob
import os
import queue
import signal
import sys
import threading
import traceback
from collections.abc import Callable
from typing import TextIO

from dlstudio.core.training.events import (
    Error,
    Event,
    Message,
    ProtocolError,
    Ready,
    decode_run_command,
    encode,
)

COMMANDS = ("stop", "pause", "resume")
QUIT_WORDS = ("quit", "stop")
GPU_DEVICE_FILES = ("/dev/nvidia[0-9]*", "/dev/kfd", "/dev/dxg")


def open_protocol_channel() -> TextIO:
    """Return a line-buffered stream on the process's real stdout for protocol lines only.

    File descriptor 1 and ``sys.stdout`` are pointed at stderr afterwards, so progress bars and
    log lines of any library cannot corrupt the protocol.
    """
    sys.stdout.flush()
    channel = os.fdopen(os.dup(1), "w", buffering=1, encoding="utf-8", newline="\n")
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return channel


def line_sink(channel: TextIO) -> Callable[[Event], None]:
    """Return a thread-safe sink that writes each event as a line and flushes it."""
    lock = threading.Lock()

    def send(event: Event) -> None:
        with lock:
            channel.write(encode(event) + "\n")
            channel.flush()

    return send


def read_commands(stream: TextIO, control: object, send: Callable[[Event], None],
                  stop_at_end: bool = False) -> None:
    """Apply ``stop``, ``pause`` and ``resume`` lines from ``stream`` to ``control`` until EOF.

    Args:
        stream: Usually stdin.
        control: A :class:`dlstudio.core.training.callbacks.RunControl`.
        send: Receives a warning for an unknown command.
        stop_at_end: Stop the run at EOF (a warm worker's app is gone).
    """
    for line in stream:
        word = line.strip().lower()
        if word in COMMANDS:
            getattr(control, word)()
        elif word:
            send(Message("warning", f"Unknown worker command {word!r}; expected one of "
                                    f"{', '.join(COMMANDS)}."))
    if stop_at_end:
        control.stop()


def parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    """Parse the worker's command line."""
    parser = argparse.ArgumentParser(prog="python -m dlstudio.worker",
                                     description="Run one dlstudio training run, speaking "
                                                 "JSON lines on stdout.")
    parser.add_argument("project", nargs="?", help="the project file (not with --resume)")
    parser.add_argument("--epochs", type=int, help="train to this many epochs")
    parser.add_argument("--runs-dir", help="where the run folder goes (default: runs/ beside "
                                           "the project)")
    parser.add_argument("--resume", metavar="RUN", help="continue this run folder")
    parser.add_argument("--wait", action="store_true",
                        help="start warm: import TensorFlow and Keras, say 'ready', then wait "
                             "for the run as a 'run' line on stdin")
    args = parser.parse_args(argv)
    if args.wait:
        if args.project or args.resume or args.epochs is not None or args.runs_dir:
            parser.error("--wait takes no other arguments; the run comes on stdin")
        return args
    problem = _arguments_problem(args.project, args.resume, args.epochs)
    if problem:
        parser.error(problem)
    return args


def _arguments_problem(project: str | None, resume: str | None, epochs: int | None) -> str:
    if not project and not resume:
        return "pass a project file, or --resume RUN"
    if epochs is not None and epochs < 1:
        return f"--epochs must be 1 or more, got {epochs}"
    return ""


def main(argv: list[str] | None = None) -> int:
    """Run the worker; return its exit status."""
    args = parse_arguments(argv)
    send = line_sink(open_protocol_channel())
    if args.wait:
        return _wait_for_run(send)
    return _run(args, send, stop_at_end=False)


def warm_up() -> None:
    """Get ready for a run without holding anything a run needs.

    Imports what a run needs — TensorFlow, Keras, the run loop, the data readers. Where a GPU
    may be present, that is all: TensorFlow's context, which takes GPU memory, is made when the
    run plans its devices. Where none can be (:func:`gpus_in_sight`), it also rehearses a run
    (:func:`rehearse`), which pays a first run's one-time costs.
    """
    from dlstudio.core.native_logs import import_tensorflow_quietly

    import_tensorflow_quietly()
    import dlstudio.core.training.run  # noqa: F401  (Keras, tf.data, the builder, pandas)

    if not gpus_in_sight():
        try:
            rehearse()
        except Exception:  # only time is lost: the run pays the one-time costs itself
            traceback.print_exc()


def gpus_in_sight() -> bool:
    """Whether TensorFlow in this process could find a GPU, judged without asking it.

    ``CUDA_VISIBLE_DEVICES`` set to ``-1`` or nothing hides them; on Linux a GPU needs a device
    file (``/dev/nvidia0``, ``/dev/kfd`` for ROCm, ``/dev/dxg`` under WSL). Elsewhere the answer
    is yes, to be safe.
    """
    visible = os.environ.get("CUDA_VISIBLE_DEVICES")
    if visible is not None and visible.strip() in ("", "-1"):
        return False
    if not sys.platform.startswith("linux"):
        return True
    return any(glob.glob(pattern) for pattern in GPU_DEVICE_FILES)


def rehearse() -> None:
    """Train a made-up table of 64 rows for one epoch through the run loop, then forget it.

    The first run in a process pays for TensorFlow's CPU device, tf.data's and the tracer's
    first use, Keras's lazily loaded parts; this pays them before Train is pressed. The
    temporary run folder is deleted and Keras's state cleared (layer names start afresh).
    """
    import tempfile
    from pathlib import Path

    import keras

    from dlstudio.core.project.project import DataSpec, LayerSpec, ModelSpec, Project, TrainingSpec
    from dlstudio.core.training.run import run_training

    with tempfile.TemporaryDirectory(prefix="dlstudio-warm-up-") as folder:
        table = Path(folder) / "warm-up.csv"
        rows = [f"{row % 7},{'abc'[row % 3]},{'yn'[row % 2]}" for row in range(64)]
        table.write_text("\n".join(["x,colour,label", *rows]) + "\n", encoding="utf-8")
        project = Project(name="warm-up",
                          data=DataSpec(kind="csv", path=str(table), target="label"),
                          model=ModelSpec(layers=[LayerSpec.of("Dense", units=4)]),
                          training=TrainingSpec(epochs=1, batch_size=16))
        run_training(project, lambda _event: None, runs_dir=folder)
    keras.backend.clear_session()


def _wait_for_run(send: Callable[[Event], None]) -> int:
    """Be a warm worker: warm up, say ``ready``, then run what the ``run`` line says."""
    lines: queue.Queue[str] = queue.Queue(maxsize=1)
    threading.Thread(target=_read_run_line, args=(sys.stdin, lines), daemon=True,
                     name="worker-wait").start()
    warm_up()
    send(Ready())
    line = lines.get()
    try:
        options = decode_run_command(line)
    except ProtocolError as error:
        send(Error(f"The waiting training process got a command it does not understand "
                   f"({error}); use the same dlstudio for the app and the worker.", "internal"))
        return 2
    problem = _arguments_problem(options["project"], options["resume"], options["epochs"])
    if problem:
        send(Error(f"The run command is incomplete: {problem}.", "settings"))
        return 2
    return _run(argparse.Namespace(**options), send, stop_at_end=True)


def _read_run_line(stream: TextIO, lines: queue.Queue[str]) -> None:
    """Hand the first command line to the waiting worker; quit at once on ``quit`` or EOF
    (the app is gone): nothing was started, so there is nothing to save."""
    for line in iter(stream.readline, ""):
        if line.strip().lower() in QUIT_WORDS:
            break
        if line.strip():
            lines.put(line)
            return
    os._exit(0)


def _run(args: argparse.Namespace, send: Callable[[Event], None], stop_at_end: bool) -> int:
    from dlstudio.core.errors import UserInputError
    from dlstudio.core.project.project import load_project

    try:
        project = None if args.resume else load_project(args.project)
    except UserInputError as error:  # before TensorFlow is imported: a quick answer
        send(Error(str(error), "settings", None))
        return 2
    return _train(project, args, send, stop_at_end)


def _train(project: object, args: argparse.Namespace, send: Callable[[Event], None],
           stop_at_end: bool) -> int:
    from dlstudio.core.errors import UserInputError
    from dlstudio.core.native_logs import import_tensorflow_quietly
    from dlstudio.core.training.control import RunControl

    import_tensorflow_quietly()
    from dlstudio.core.training.run import run_training

    control = RunControl()
    signal.signal(signal.SIGTERM, lambda _number, _frame: control.stop())
    threading.Thread(target=read_commands, args=(sys.stdin, control, send, stop_at_end),
                     daemon=True, name="worker-commands").start()
    try:
        run_training(project, send, epochs=args.epochs, runs_dir=args.runs_dir,
                     resume=args.resume, control=control)
    except UserInputError:
        return 2
    except Exception:  # the error event was sent; the details go to the log
        traceback.print_exc()
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
