"""The ``dlstudio`` command: the GUI by default, subcommands for headless work.

::

    dlstudio [PROJECT]                              open the GUI (on PROJECT)
    dlstudio init DATA -o PROJECT [--target COL] [--template NAME] [--test FILE]
                 [--validation FILE] [--task TASK] [--window N] [--horizon H]
    dlstudio import MODEL.keras --data DATA -o PROJECT [--target COL]
    dlstudio info PROJECT [--json] [--probe]        data summary and health; devices; layers; cost
    dlstudio layers [--json]                        the layer catalog, with every parameter
    dlstudio train PROJECT [--epochs N] [--runs-dir DIR] [--resume RUN] [--events]
                 [--weights-file PATH]
    dlstudio lr-find PROJECT [--steps N] [--start R] [--end R] [--json] [--apply]
    dlstudio tune PROJECT [--search PATH=SPEC]… [--trials N] [--workers K] [--epochs E]
                 [--runs-dir DIR] [--storage URL] [--study NAME] [--resume] [--events]
    dlstudio tune status STUDY_OR_PROJECT [--runs-dir DIR] [--storage URL] [--json]
    dlstudio evaluate RUN [--data PATH] [--json] [--threshold T]
    dlstudio explain RUN [--repeats N] [--json]     permutation importance of a table's columns
    dlstudio robustness RUN [--epsilons E,…] [--json]   accuracy under attacks and noise
    dlstudio export RUN --format savedmodel|keras|onnx|litert [--quantize KIND] -o PATH
    dlstudio predict RUN_OR_EXPORT --data PATH -o OUT.csv [--backtest] [--force]
    dlstudio generate RUN [-n 64] -o DIR [--seed S]   new samples from a VAE or GAN run
    dlstudio serve RUN_OR_EXPORT [--host 127.0.0.1] [--port 8000]
    dlstudio drift RUN --data PATH [--json]           exit 3 when the data drifted
    dlstudio report RUN -o report.html [--force]
    dlstudio weights list | fetch NAME [--file PATH]   pretrained networks' ImageNet weights

Exit status: 0 on success, 2 on bad input (one line ``dlstudio: error: …`` on stderr that says
what and how to fix), 1 on an internal fault (the traceback only with ``--debug``), 141 without a
message when the reader of stdout went away (``dlstudio layers --json | head -1``).
"""

from __future__ import annotations

import argparse
import difflib
import os
import sys
import traceback
from collections.abc import Mapping
from pathlib import Path
from typing import NoReturn

from dlstudio import __version__
from dlstudio.core.errors import UserInputError, storage_message
from dlstudio.core.native_logs import import_tensorflow_quietly

TENSORFLOW_COMMANDS = ("import", "info", "train", "lr-find", "evaluate", "explain", "robustness",
                       "export", "predict", "generate", "serve", "drift", "report")

PIPE_CLOSED = 141  # the exit status when stdout's reader went away (128 + SIGPIPE)

COMMANDS = ("init", "import", "info", "layers", "train", "lr-find", "tune", "evaluate", "explain",
            "robustness", "export", "predict", "generate", "serve", "drift", "report",
            "weights")
TUNE_STATUS = "tune-status"  # `dlstudio tune status …` is parsed as this hidden command


class UsageError(UserInputError):
    """A command line that argparse refused."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{message}; see `{self.prog} --help`")


def build_parser() -> argparse.ArgumentParser:
    """Return the parser of every subcommand (each with its handler in ``handler``)."""
    from dlstudio import cli_commands as commands
    from dlstudio import cli_deploy, cli_weights

    parser = _Parser(prog="dlstudio", description="Build, train, evaluate and export Keras "
                     "models. Without a command, opens the GUI.")
    parser.add_argument("--version", action="version", version=f"dlstudio {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks of internal "
                                                             "errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    init = sub.add_parser("init", help="start a project from a CSV file or an image folder")
    init.add_argument("data", metavar="DATA", help="a CSV file or an image folder")
    init.add_argument("-o", "--output", required=True, metavar="PROJECT",
                      help="the project file to write (name.dlstudio.json)")
    init.add_argument("--target", metavar="COL", help="the CSV column to predict "
                                                      "(default: the last usable column)")
    init.add_argument("--template", metavar="NAME", help="a starting layer stack (default: "
                                                         "one that fits the data)")
    init.add_argument("--test", metavar="FILE", help="a CSV file of test rows (same columns); "
                      "the data file is then split 85/15 into training and validation, and "
                      "`evaluate` uses this file")
    init.add_argument("--validation", metavar="FILE", help="a CSV file of validation rows "
                      "(same columns)")
    init.add_argument("--task", choices=("classification", "regression", "forecasting"),
                      help="what to predict (default: forecasting for a time series — a column "
                      "of dates or years and numbers — else from the target's kind)")
    init.add_argument("--window", type=_positive, metavar="N", help="forecasting: rows of "
                      "history per forecast (default: two seasons, or 24)")
    init.add_argument("--horizon", type=_positive, metavar="H", help="forecasting: steps "
                      "forecast ahead (default 1)")
    init.add_argument("--force", action="store_true", help="replace an existing file")
    init.set_defaults(handler=commands.init_command)

    imported = sub.add_parser("import", help="a project that fine-tunes a .keras model on "
                              "data (Sequential or Functional; its weights start the next run)")
    imported.add_argument("model", metavar="MODEL.keras", help="a model saved with "
                          "model.save('name.keras'); read as data, nothing in it is run")
    imported.add_argument("--data", required=True, metavar="DATA",
                          help="a CSV file or an image folder")
    imported.add_argument("-o", "--output", required=True, metavar="PROJECT",
                          help="the project file to write (name.dlstudio.json); the weights "
                               "go beside it (name.weights.h5)")
    imported.add_argument("--target", metavar="COL", help="the CSV column to predict")
    imported.add_argument("--force", action="store_true", help="replace existing files")
    imported.set_defaults(handler=commands.import_command)

    info = sub.add_parser("info", help="data summary and health, and layer table of a project")
    info.add_argument("project", metavar="PROJECT")
    info.add_argument("--json", action="store_true", help="print it as JSON (data, health, "
                      "devices, model)")
    info.add_argument("--probe", action="store_true", help="time a few training steps for "
                      "the cost sheet's epoch-time estimate (builds the model; seconds)")
    info.set_defaults(handler=commands.info_command)

    layers = sub.add_parser("layers", help="the layer catalog, with every parameter")
    layers.add_argument("--json", action="store_true", help="print it as JSON")
    layers.set_defaults(handler=commands.layers_command)

    train = sub.add_parser("train", help="train a project; prints the run folder last")
    train.add_argument("project", metavar="PROJECT", nargs="?",
                       help="the project file (not needed with --resume)")
    train.add_argument("--epochs", type=_positive, metavar="N", help="train N epochs instead "
                       "of the project's number (with --resume: up to N in all)")
    train.add_argument("--runs-dir", metavar="DIR", help="where run folders go (default: "
                                                         "runs/ beside the project)")
    train.add_argument("--resume", metavar="RUN", help="continue a stopped, killed or crashed "
                                                       "run folder at its next epoch")
    train.add_argument("--events", action="store_true", help="print the worker protocol's "
                                                             "JSON lines instead of progress")
    train.add_argument("--weights-file", metavar="PATH", help="start every Backbone row from "
                       "this weights file instead of its own weights setting")
    train.set_defaults(handler=commands.train_command)

    _add_tune_parsers(sub)

    evaluate = sub.add_parser("evaluate", help="metrics of a run on its test split or other data")
    evaluate.add_argument("run", metavar="RUN")
    evaluate.add_argument("--data", metavar="PATH", help="a CSV file or image folder read "
                                                         "like the run's data")
    evaluate.add_argument("--json", action="store_true", help="print evaluation.json")
    evaluate.add_argument("--threshold", metavar="T",
                          help="two classes: save T (a probability, or 'default' for 0.5) as "
                               "the run's decision threshold first; predict and export use it")
    evaluate.set_defaults(handler=commands.evaluate_command)

    explain = sub.add_parser("explain", help="which columns a table run relies on "
                                             "(permutation importance)")
    explain.add_argument("run", metavar="RUN")
    explain.add_argument("--repeats", type=int, default=5, metavar="N",
                         help="shuffles per column (default 5)")
    explain.add_argument("--json", action="store_true", help="print importance.json")
    explain.set_defaults(handler=commands.explain_command)

    finder = sub.add_parser("lr-find", help="learning-rate range test: a short run whose rate "
                                             "grows each step, and a suggested rate")
    finder.add_argument("project", metavar="PROJECT")
    finder.add_argument("--steps", type=int, default=100, metavar="N",
                        help="batches at most (default 100, at most 500)")
    finder.add_argument("--start", type=float, default=1e-6, metavar="R",
                        help="first learning rate (default 1e-6)")
    finder.add_argument("--end", type=float, default=1.0, metavar="R",
                        help="last learning rate (default 1)")
    finder.add_argument("--json", action="store_true", help="print the curve and suggestion "
                                                            "as JSON")
    finder.add_argument("--apply", action="store_true",
                        help="write the suggested rate into the project file")
    finder.set_defaults(handler=commands.lr_find_command)

    robustness = sub.add_parser("robustness", help="accuracy under FGSM and PGD attacks and "
                                                   "Gaussian noise")
    robustness.add_argument("run", metavar="RUN")
    robustness.add_argument("--epsilons", metavar="E,…",
                            help="perturbation sizes, comma-separated (pixel values for images, "
                                 "standard deviations for table columns)")
    robustness.add_argument("--json", action="store_true", help="print robustness.json")
    robustness.set_defaults(handler=commands.robustness_command)

    export = sub.add_parser("export", help="export a run's model, checked by reloading it in a "
                                           "fresh process and compared with the trained model")
    export.add_argument("run", metavar="RUN")
    export.add_argument("--format", required=True, metavar="FORMAT",
                        help="savedmodel, keras, onnx or litert")
    export.add_argument("--quantize", metavar="KIND", help="litert only: float16, dynamic "
                                                           "(int8 weights) or int8 (full "
                                                           "integer, calibrated on training "
                                                           "samples)")
    export.add_argument("-o", "--output", metavar="PATH", help="where to write it (default: "
                                                               "exports/ in the run folder)")
    export.add_argument("--part", metavar="NAME", help="export another network of the run on "
                                                       "its own (a GAN's discriminator)")
    export.add_argument("--force", action="store_true", help="replace an existing export")
    export.set_defaults(handler=commands.export_command)

    predict = sub.add_parser("predict", help="predictions for new data, as CSV")
    predict.add_argument("model", metavar="RUN_OR_EXPORT")
    predict.add_argument("--data", required=True, metavar="PATH",
                         help="a CSV file or image folder")
    predict.add_argument("-o", "--output", required=True, metavar="OUT.csv",
                         help="the CSV file to write (never one of the inputs)")
    predict.add_argument("--backtest", action="store_true", help="forecasting: forecast every "
                         "test window of the file instead of the steps after its last row")
    predict.add_argument("--force", action="store_true", help="replace an existing file")
    predict.set_defaults(handler=commands.predict_command)
    generate = sub.add_parser("generate", help="new samples from a VAE or GAN run: PNG images "
                                               "or CSV rows")
    generate.add_argument("run", metavar="RUN")
    generate.add_argument("-n", "--count", type=int, default=64, metavar="N",
                          help="how many samples (default 64)")
    generate.add_argument("-o", "--output", required=True, metavar="DIR",
                          help="the folder the samples go into")
    generate.add_argument("--seed", type=int, default=0, metavar="S",
                          help="the same seed gives the same samples (default 0)")
    generate.set_defaults(handler=commands.generate_command)
    cli_deploy.add_parsers(sub)
    cli_weights.add_parsers(sub)
    return parser


def _add_tune_parsers(sub: argparse._SubParsersAction) -> None:
    from dlstudio import cli_tune

    tune = sub.add_parser("tune", help="search training settings and layer parameters "
                          "(Optuna); `dlstudio tune status` shows a study")
    tune.add_argument("project", metavar="PROJECT")
    tune.add_argument("--search", action="append", metavar="PATH=SPEC",
                      help="add a setting to the search: LOW:HIGH, LOW:HIGH:log, LOW:HIGH:STEP "
                           "or A,B,C (e.g. training.learning_rate=1e-4:1e-1:log)")
    tune.add_argument("--trials", type=_positive, metavar="N", help="trials in the study, all "
                      "machines together (default: the project's tuning.trials)")
    tune.add_argument("--workers", metavar="K", type=_workers, help="trials at once here: a "
                      "number or auto (one per GPU, else a few CPU workers)")
    tune.add_argument("--epochs", type=_positive, metavar="E", help="epochs per trial")
    tune.add_argument("--runs-dir", metavar="DIR", help="where trial runs and the study file "
                                                        "go (default: runs/ beside the project)")
    tune.add_argument("--storage", metavar="URL", help="a database URL shared by many machines "
                      "(postgresql://USER:PASSWORD@HOST/DB); default: sqlite in the runs folder")
    tune.add_argument("--study", metavar="NAME", help="the study's name (default: the project "
                                                      "file's name)")
    tune.add_argument("--resume", action="store_true", help="continue the study (or join it "
                      "from another machine); interrupted trials run again")
    tune.add_argument("--events", action="store_true", help="print the study's JSON lines")
    tune.set_defaults(handler=cli_tune.tune_command)

    status = sub.add_parser(TUNE_STATUS, help=argparse.SUPPRESS)
    status.prog = "dlstudio tune status"
    status.add_argument("study", metavar="STUDY_OR_PROJECT")
    status.add_argument("--runs-dir", metavar="DIR", help="the runs folder holding tuning.db")
    status.add_argument("--storage", metavar="URL", help="the study's database URL")
    status.add_argument("--json", action="store_true", help="print the trials as JSON")
    status.set_defaults(handler=cli_tune.status_command)
    sub._choices_actions = [action for action in sub._choices_actions  # not listed in --help
                            if action.dest != TUNE_STATUS]


def _workers(text: str) -> int | str:
    return "auto" if text == "auto" else _positive(text)


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected 1 or more, got {value}")
    return value


def main(argv: list[str] | None = None) -> int:
    """Run the command line ``argv`` (default ``sys.argv[1:]``) and return the exit status."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in arguments
    try:
        if _wants_gui(arguments):
            return open_gui([item for item in arguments if item != "--debug"])
        args = build_parser().parse_args(_tune_status_as_command(arguments))
        if args.command is None:
            return open_gui([])
        if args.command in TENSORFLOW_COMMANDS:
            import_tensorflow_quietly()
            if args.command != "train":  # training owns the GPUs; the rest share them
                from dlstudio.core.training.devices import share_gpus

                share_gpus()
        _show_warnings()
        status = int(args.handler(args) or 0)
        sys.stdout.flush()  # a closed pipe shows here, not at interpreter exit
        return status
    except BrokenPipeError:
        return _reader_went_away()
    except UserInputError as error:
        print(f"dlstudio: error: {one_line(str(error))}", file=sys.stderr)
        return 2
    except OSError as error:  # a full disk or a read-only folder the command did not foresee
        message = storage_message(error, None)
        if message is None:
            return _internal_error(error, debug)
        print(f"dlstudio: error: {one_line(message)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("dlstudio: interrupted", file=sys.stderr)
        return 130
    except Exception as error:  # an internal fault: short message, traceback on request
        return _internal_error(error, debug)


def _tune_status_as_command(arguments: list[str]) -> list[str]:
    """``tune status …`` → the hidden ``tune-status …`` command (``tune``'s PROJECT would
    swallow the word ``status`` otherwise)."""
    positional = [index for index, item in enumerate(arguments) if not item.startswith("-")]
    if len(positional) >= 2 and arguments[positional[0]] == "tune" and arguments[
            positional[1]] == "status":
        first, second = positional[:2]
        return arguments[:first] + [TUNE_STATUS] + arguments[second + 1:]
    return arguments


def _show_warnings() -> None:
    """Print warnings the core logs (``dlstudio.*`` loggers) as ``dlstudio: warning: …``."""
    import logging

    logger = logging.getLogger("dlstudio")
    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("dlstudio: %(levelname)s: %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False


def _internal_error(error: Exception, debug: bool) -> int:
    if debug:
        traceback.print_exc()
    hint = "" if debug else " (run again with --debug for the traceback)"
    print(f"dlstudio: internal error: {type(error).__name__}: {one_line(str(error))}"
          f"{hint}", file=sys.stderr)
    return 1


def _reader_went_away() -> int:
    """Quietly end a command whose reader closed stdout (``dlstudio layers --json | head``).

    As on SIGPIPE: no message, exit status 141 (128 + SIGPIPE, what the shell reports for
    ``yes | head``). Stdout is pointed at the null device so that Python's final flush of
    what is still buffered does not fail again at exit.
    """
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
    return PIPE_CLOSED


def _wants_gui(arguments: list[str]) -> bool:
    positional = [item for item in arguments if item != "--debug"]
    if not positional:
        return True
    first = positional[0]
    if first.startswith("-") or first in COMMANDS:
        return False
    if len(positional) == 1 and (first.endswith(".json") or Path(first).exists()):
        return True
    close = difflib.get_close_matches(first, COMMANDS, n=1)
    hint = f"did you mean `dlstudio {close[0]}`?" if close else (
        f"commands are {', '.join(COMMANDS)}, or give a project file to open the GUI")
    raise UsageError(f"unknown command or file {first!r}; {hint}")


def open_gui(arguments: list[str]) -> int:
    """Open the GUI, on the project file in ``arguments`` if there is one.

    Raises:
        UsageError: There is no display to open a window on (a server or an SSH session).
    """
    if not has_display():
        raise UsageError("no display to open the workbench on (DISPLAY and WAYLAND_DISPLAY "
                         "are not set); on a server use the command line, such as "
                         "`dlstudio train PROJECT`, or connect with a desktop session")
    from dlstudio.gui.app import run_app

    return int(run_app(arguments[0] if arguments else None) or 0)


def has_display(environment: Mapping[str, str] | None = None) -> bool:
    """Whether a window can be shown: always on macOS and Windows; on Linux and other Unix
    systems when X11 or Wayland is there, or Qt was told a platform (``QT_QPA_PLATFORM``)."""
    if sys.platform in ("darwin", "win32"):
        return True
    env = os.environ if environment is None else environment
    return any(env.get(name) for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"))


def one_line(text: str) -> str:
    """Return a possibly multi-line message as one line (problems joined by ``; ``)."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if len(lines) <= 1:
        return lines[0] if lines else "(no details)"
    head, rest = lines[0], "; ".join(lines[1:])
    return f"{head} {rest}" if head.endswith(":") else f"{head}; {rest}"


if __name__ == "__main__":
    sys.exit(main())
