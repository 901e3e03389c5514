"""The study's own JSON lines (``dlstudio tune --events``, read by the GUI's Tune tab).

One object per line with a ``type``:

- ``study``: ``study``, ``storage`` (password hidden), ``objective``, ``direction``,
  ``trials`` (the budget), ``devices`` (one per worker slot), ``space`` (the searched paths);
- ``trial_started``: ``number``, ``params``, ``device``;
- ``trial_run``: ``number``, ``run_dir`` (the trial's ordinary run folder);
- ``trial_epoch``: ``number``, ``epoch``, ``value`` (the objective), ``logs``;
- ``trial_finished``: ``number``, ``state`` (``COMPLETE``, ``PRUNED``, ``FAIL``), ``value``,
  ``reason``, ``seconds``, ``run_dir``, ``params``, ``epochs``, ``done`` (trials of the study
  finished so far, every machine's);
- ``trials``: ``rows`` — every trial already in the study (as ``tune status --json``
  lists them), sent once at the start so a resumed study shows its history;
- ``importances``: ``values`` (searched path → Optuna's importance), after each complete trial
  once two are complete;
- ``message``: ``level`` (``info`` or ``warning``), ``text``;
- ``study_finished``: ``best`` (``number``, ``value``, ``params``, ``run_dir``, or null),
  ``counts`` (trials per state).

On stdin, ``stop`` (or the end of stdin) stops the study: running trials stop, are recorded
as interrupted and queued again for ``--resume``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any

StudySink = Callable[[dict[str, Any]], None]
EVENT_TYPES = ("study", "trials", "trial_started", "trial_run", "trial_epoch",
               "trial_finished", "importances", "message", "study_finished")


def event(kind: str, **fields: Any) -> dict[str, Any]:
    """Return a study event of type ``kind``."""
    if kind not in EVENT_TYPES:
        raise ValueError(f"unknown study event {kind!r}; expected one of {EVENT_TYPES}")
    return {"type": kind, **fields}


def encode(body: dict[str, Any]) -> str:
    """Return one event as a JSON line (no newline); NaN and infinities become null."""
    return json.dumps(_finite(body), ensure_ascii=False, separators=(",", ":"))


def decode(line: str) -> dict[str, Any] | None:
    """Return the event on ``line``, or ``None`` when it is not one."""
    try:
        body = json.loads(line)
    except ValueError:
        return None
    if not isinstance(body, dict) or body.get("type") not in EVENT_TYPES:
        return None
    return body


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(item) for item in value]
    return value
