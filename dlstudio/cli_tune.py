"""``dlstudio tune`` and ``dlstudio tune status``: a study from the terminal.

``tune`` prints a progress bar and a table of the best trials as trials end (``--events``:
the study's JSON lines instead, what the GUI reads); ``tune status`` shows a study from any
machine that reaches its storage.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from pathlib import Path
from typing import Any, TextIO

from dlstudio.core.errors import UserInputError
from dlstudio.core.project.project import load_project
from dlstudio.core.tuning.events import encode

BAR_WIDTH = 20
BEST_ROWS = 5


def tune_command(args: argparse.Namespace) -> int:
    """``dlstudio tune PROJECT``: run (or resume, or join) a study."""
    from dlstudio.core.tuning import space
    from dlstudio.core.tuning.storage import default_url, study_name_for
    from dlstudio.core.tuning.study import StudyOptions, StudyRunner

    project = load_project(args.project)
    extra = [space.parse_search_option(text) for text in args.search or []]
    if extra:
        project = space.with_search(project, extra)
    if not project.tuning.search:
        raise UserInputError(f"{args.project} has no search space; add --search PATH=SPEC "
                             "(such as --search training.learning_rate=1e-4:1e-1:log) or a "
                             "\"tuning\" section to the project")
    runs_dir = Path(args.runs_dir) if args.runs_dir else project.base_dir / "runs"
    options = StudyOptions(project=project, study_name=args.study or study_name_for(args.project),
                           storage_url=args.storage or default_url(runs_dir), runs_dir=runs_dir,
                           workers=args.workers or "auto", trials=args.trials,
                           epochs=args.epochs, resume=args.resume)
    printer: Any = _line_printer(sys.stdout) if args.events else StudyPrinter(sys.stdout)
    runner = StudyRunner(options, printer)
    if args.events:
        threading.Thread(target=_stop_at_end_of_input, args=(runner,), daemon=True).start()
    previous = {number: signal.signal(number, lambda *_: _interrupt(runner))
                for number in (signal.SIGINT, signal.SIGTERM)}
    try:
        runner.run()
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
    return 0


def _interrupt(runner: Any) -> None:
    if runner.stopping:
        raise KeyboardInterrupt
    print("\nStopping the study: running trials stop and are queued again for --resume "
          "(Ctrl+C again to abort)...", file=sys.stderr)
    runner.stop()


def _stop_at_end_of_input(runner: Any) -> None:
    """With ``--events`` (the GUI), ``stop`` or the end of stdin stops the study."""
    for line in sys.stdin:
        if line.strip().lower() == "stop":
            break
    runner.stop()


def _line_printer(out: TextIO) -> Any:
    lock = threading.Lock()

    def send(body: dict[str, Any]) -> None:
        with lock:
            out.write(encode(body) + "\n")
            out.flush()

    return send


class StudyPrinter:
    """Study events for a person: one line per trial with a progress bar, and the best
    trials as a table whenever one completes, and at the end."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.budget, self.done, self.direction, self.objective = 0, 0, "minimize", "value"
        self.rows: list[dict[str, Any]] = []

    def __call__(self, body: dict[str, Any]) -> None:
        kind = body["type"]
        if kind == "study":
            self.budget, self.direction = body["trials"], body["direction"]
            self.objective = body["objective"]
            self._print(f"Study {body['study']!r} in {body['storage']}: {body['trials']} "
                        f"trials, {body['direction']} {body['objective']}, "
                        f"{len(body['devices'])} worker(s) ({', '.join(body['devices'])})")
        elif kind == "trial_started":
            self._print(f"  trial {body['number']} on {body['device']}: "
                        f"{_params_text(body['params'])}")
        elif kind == "trial_finished":
            self._finished(body)
        elif kind == "message":
            print(f"{body['level']}: {body['text']}", file=sys.stderr)
        elif kind == "study_finished":
            self._print(self.table())
            best = body.get("best")
            if best:
                self._print(f"Best: trial {best['number']}, {self.objective} "
                            f"{best['value']:.4g}; run {best['run_dir']}")

    def _finished(self, body: dict[str, Any]) -> None:
        self.done = body.get("done", self.done + 1)  # every machine's trials count
        self.rows.append(body)
        filled = min(BAR_WIDTH, int(round(BAR_WIDTH * self.done / max(self.budget, 1))))
        bar = "#" * filled + "." * (BAR_WIDTH - filled)
        value = "" if body["value"] is None else f" {self.objective} {body['value']:.4g}"
        reason = f" ({body['reason']})" if body["reason"] else ""
        self._print(f"[{bar}] {self.done}/{self.budget} trial {body['number']} "
                    f"{body['state'].lower()}{value} in {body['seconds']:.0f}s{reason}")
        if body["state"] == "COMPLETE" and self.out.isatty():
            self._print(self.table())

    def table(self) -> str:
        """The best complete trials of this session, best first."""
        complete = [row for row in self.rows if row["state"] == "COMPLETE"]
        complete.sort(key=lambda row: row["value"], reverse=self.direction == "maximize")
        lines = [f"  {'trial':>5}  {self.objective:>12}  settings"]
        lines += [f"  {row['number']:>5}  {row['value']:>12.4g}  {_params_text(row['params'])}"
                  for row in complete[:BEST_ROWS]]
        return "\n".join(lines)

    def _print(self, text: str) -> None:
        self.out.write(text + "\n")
        self.out.flush()


def _params_text(params: dict[str, Any]) -> str:
    return ", ".join(f"{_short(path)}={_value_text(value)}" for path, value in params.items())


def _short(path: str) -> str:
    """``model.layers[id=dense_1].params.units`` → ``dense_1.units``."""
    if "[id=" in path:
        layer = path.rsplit("[id=", 1)[1]
        return layer.replace("].params.", ".").replace("]", "")
    return path.removeprefix("training.")


def _value_text(value: Any) -> str:
    return f"{value:.3g}" if isinstance(value, float) else str(value)


def status_command(args: argparse.Namespace) -> int:
    """``dlstudio tune status STUDY_OR_PROJECT``: the trials of a study."""
    import optuna

    from dlstudio.core.tuning.storage import (
        DEFAULT_FILE,
        default_url,
        open_storage,
        shown_url,
        study_name_for,
    )
    from dlstudio.core.tuning.summary import best_trial, importances, study_counts, study_rows

    target = Path(args.study)
    if target.is_file():
        project = load_project(target)
        name = study_name_for(target)
        runs_dir = Path(args.runs_dir) if args.runs_dir else project.base_dir / "runs"
    else:
        name, runs_dir = args.study, Path(args.runs_dir or "runs")
    if not args.storage and not (runs_dir / DEFAULT_FILE).is_file():
        raise UserInputError(f"no study {name!r}: there is no {DEFAULT_FILE} in {runs_dir} "
                             "(pass --storage or --runs-dir to look elsewhere)")
    url = args.storage or default_url(runs_dir)
    storage = open_storage(url)
    try:
        study = optuna.load_study(study_name=name, storage=storage)
    except KeyError:
        known = [s.study_name for s in optuna.get_all_study_summaries(storage)]
        raise UserInputError(f"no study {name!r} in {shown_url(url)}; studies there: "
                             f"{', '.join(known) or 'none'} (pass --storage or --runs-dir to "
                             "look elsewhere)") from None
    rows = study_rows(study)
    report = {"study": name, "storage": shown_url(url),
              "direction": study.direction.name.lower(),
              "objective": study.user_attrs.get("objective"), "counts": study_counts(study),
              "best": best_trial(study), "importances": importances(study), "trials": rows}
    if args.json:
        print(json.dumps(report, indent=2, default=str))
        return 0
    print(f"Study {name!r} in {shown_url(url)}: {report['direction']} {report['objective']}; "
          + ", ".join(f"{count} {state.lower()}" for state, count in report["counts"].items()))
    for row in rows:
        value = "" if row["value"] is None else f"{row['value']:.4g}"
        print(f"  {row['number']:>4}  {row['state']:<8}  {value:>10}  "
              f"{_params_text(row['params'])}  {row['reason'] or row['run_dir'] or ''}")
    return 0
