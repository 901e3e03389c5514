"""The training worker: ``python -m dlstudio.worker PROJECT [--epochs N] [--runs-dir DIR]
[--resume RUN]``.

It runs one training run (:func:`dlstudio.core.training.run.run_training`, the code path of
``dlstudio train``) and speaks the protocol of :mod:`dlstudio.core.training.events`: one JSON event
per
line on stdout, and on stdin one command per line — ``stop``, ``pause``, ``resume``. Anything
else written to stdout (Keras, TensorFlow, print) is sent to stderr, so the protocol channel
stays clean. SIGTERM stops like ``stop``: the last completed epoch's checkpoint is kept.

Exit status: 0 when the run finished or was stopped, 2 for bad input (the ``error`` event says
what), 1 for an internal fault.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
import traceback
from collections.abc import Callable
from typing import TextIO

from dlstudio.core.training.events import Error, Event, Message, encode

COMMANDS = ("stop", "pause", "resume")


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


def read_commands(stream: TextIO, control: object, send: Callable[[Event], None]) -> None:
    """Apply ``stop``, ``pause`` and ``resume`` lines from ``stream`` to ``control`` until EOF.

    Args:
        stream: Usually stdin.
        control: A :class:`dlstudio.core.training.callbacks.RunControl`.
        send: Receives a warning for an unknown command.
    """
    for line in stream:
        word = line.strip().lower()
        if word in COMMANDS:
            getattr(control, word)()
        elif word:
            send(Message("warning", f"Unknown worker command {word!r}; expected one of "
                                    f"{', '.join(COMMANDS)}."))


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
    args = parser.parse_args(argv)
    if not args.project and not args.resume:
        parser.error("pass a project file, or --resume RUN")
    if args.epochs is not None and args.epochs < 1:
        parser.error(f"--epochs must be 1 or more, got {args.epochs}")
    return args


def main(argv: list[str] | None = None) -> int:
    """Run the worker; return its exit status."""
    args = parse_arguments(argv)
    send = line_sink(open_protocol_channel())
    from dlstudio.core.errors import UserInputError
    from dlstudio.core.project.project import load_project

    try:
        project = None if args.resume else load_project(args.project)
    except UserInputError as error:  # before TensorFlow is imported: a quick answer
        send(Error(str(error), "settings", None))
        return 2
    return _train(project, args, send)


def _train(project: object, args: argparse.Namespace, send: Callable[[Event], None]) -> int:
    from dlstudio.core.errors import UserInputError
    from dlstudio.core.native_logs import import_tensorflow_quietly
    from dlstudio.core.training.control import RunControl

    import_tensorflow_quietly()
    from dlstudio.core.training.run import run_training

    control = RunControl()
    signal.signal(signal.SIGTERM, lambda _number, _frame: control.stop())
    threading.Thread(target=read_commands, args=(sys.stdin, control, send), daemon=True,
                     name="worker-commands").start()
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
