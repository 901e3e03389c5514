"""The deployment and monitoring subcommands of ``dlstudio``: ``serve``, ``drift``, ``report``.

Like :mod:`dlstudio.cli_commands`, each handler takes the parsed arguments, prints its result
and returns the exit status; bad input raises :class:`~dlstudio.core.errors.UserInputError`
(exit 2). ``drift`` exits 3 when the data drifted, so a scheduled job can act on it.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

DRIFT_STATUS = 3


def drift_command(args: argparse.Namespace) -> int:
    """``dlstudio drift RUN --data PATH [--json]``: exit 0 (no drift) or 3 (drift)."""
    from dlstudio.core.monitoring.drift import check_data, report_lines

    report = check_data(args.run, args.data)
    if args.json:
        print(json.dumps(report.as_dict(), indent=1))
    else:
        for line in report_lines(report):
            print(line)
    return DRIFT_STATUS if report.drifted else 0


def serve_command(args: argparse.Namespace) -> int:
    """``dlstudio serve RUN_OR_EXPORT [--host H] [--port P]``: predictions over HTTP."""
    from dlstudio.core.serving.server import serve

    if args.host not in ("127.0.0.1", "localhost", "::1"):
        print(f"dlstudio: warning: serving on {args.host}, reachable from other machines; "
              "the server has no authentication", file=sys.stderr)
    serve(args.model, host=args.host, port=args.port)
    return 0


def report_command(args: argparse.Namespace) -> int:
    """``dlstudio report RUN -o report.html [--force]``: the run's model card."""
    from dlstudio.core.reporting.model_card import write_model_card

    path = write_model_card(args.run, args.output, force=args.force,
                            exports=[Path(item) for item in args.export or []])
    print(f"Wrote {path}")
    return 0


def add_parsers(sub: argparse._SubParsersAction) -> None:
    """Add ``serve``, ``drift`` and ``report`` to the ``dlstudio`` parser's subcommands."""
    serve = sub.add_parser("serve", help="serve a run's or an export's predictions over HTTP")
    serve.add_argument("model", metavar="RUN_OR_EXPORT")
    serve.add_argument("--host", default="127.0.0.1", help="the address to listen on "
                       "(default 127.0.0.1: this machine only)")
    serve.add_argument("--port", type=int, default=8000, help="the port (default 8000)")
    serve.set_defaults(handler=serve_command)

    drift = sub.add_parser("drift", help="compare new data with a run's training data; "
                           "exit 3 when it drifted")
    drift.add_argument("run", metavar="RUN")
    drift.add_argument("--data", required=True, metavar="PATH",
                       help="a CSV file or image folder read like the run's data")
    drift.add_argument("--json", action="store_true", help="print the comparison as JSON")
    drift.set_defaults(handler=drift_command)

    report = sub.add_parser("report", help="a self-contained HTML model card of a run")
    report.add_argument("run", metavar="RUN")
    report.add_argument("-o", "--output", required=True, metavar="report.html",
                        help="the HTML file to write")
    report.add_argument("--export", action="append", metavar="PATH", help="an export of the "
                        "run kept outside its exports/ folder (repeat for several)")
    report.add_argument("--force", action="store_true", help="replace an existing file")
    report.set_defaults(handler=report_command)
