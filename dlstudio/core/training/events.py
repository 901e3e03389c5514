"""The worker protocol: training events and their JSON-lines codec.

A training run reports what happens as a stream of events, one JSON object per line, each with a
``type``: ``started``, ``batch``, ``epoch``, ``message``, ``finished`` or ``error``, and
``samples`` for a generative run (a grid of generated images written after each epoch), and
``phase`` when transfer learning's fine-tuning phase begins (added within version 1). The worker
writes them on its stdout, ``dlstudio train --events`` prints them, and every run keeps them in
its ``events.jsonl``. Epochs count from 1; ``started.initial_epoch`` is the number of epochs
already done (0 for a new run, more when resuming).

The protocol is versioned: ``started`` carries :data:`PROTOCOL_VERSION`, and :func:`decode`
refuses a stream of another version. Fields added later are ignored by older readers, so adding
a field does not change the version; removing or changing one does.

Warm workers (added in version 1 without changing it: only a reader that starts a worker with
``--wait`` ever sees them). ``python -m dlstudio.worker --wait`` imports TensorFlow and Keras
without touching any device (where no GPU can be present it also rehearses a tiny run), sends
:class:`Ready`, and waits for one line on stdin: ``run`` followed by a JSON object with
``project``, ``epochs``, ``runs_dir`` and ``resume`` (the one-shot worker's arguments; see
:func:`encode_run_command`). From then on it is an ordinary worker: the
events above on stdout, ``stop``, ``pause`` and ``resume`` on stdin. ``quit`` or the end of
stdin before the run ends it (exit 0); the end of stdin during the run stops the run as
``stop`` does, so a warm worker never outlives the app that started it.
"""

from __future__ import annotations

import json
import math
from dataclasses import MISSING, asdict, dataclass, field, fields
from typing import Any, ClassVar

from dlstudio.core.data.health.findings import Fix

PROTOCOL_VERSION = 1
MESSAGE_LEVELS = ("info", "warning")
FINISHED_STATES = ("finished", "stopped")
ERROR_KINDS = ("nan_loss", "out_of_memory", "data", "model", "settings", "internal")


class ProtocolError(ValueError):
    """A line that is not a valid event of this protocol version."""


@dataclass
class Started:
    """Training begins (or resumes).

    Attributes:
        run_dir: The run folder.
        devices: What trains, in words (``["CPU (2 cores)"]``, ``["GPU 0: NVIDIA H100"]``).
        strategy: The distribution strategy's class name.
        epochs: The epoch the run ends at.
        steps_per_epoch: Batches per epoch.
        batch_size: Samples per batch.
        initial_epoch: Epochs already done (0 unless resuming).
        samples: Samples per split (``{"train": 700, "validation": 150, "test": 150}``).
        protocol: The protocol version.
        baselines: What a trivial model scores on the validation split, by log name
            (``val_accuracy`` of always predicting the most common training class,
            ``val_mae`` of always predicting the training mean); empty when unknown.
    """

    TYPE: ClassVar[str] = "started"
    run_dir: str
    devices: list[str]
    strategy: str
    epochs: int
    steps_per_epoch: int
    batch_size: int
    initial_epoch: int = 0
    samples: dict[str, int] = field(default_factory=dict)
    protocol: int = PROTOCOL_VERSION
    baselines: dict[str, float] = field(default_factory=dict)


@dataclass
class Batch:
    """Progress within an epoch (a few per second at most, and always the epoch's last batch).

    Attributes:
        epoch: The epoch, from 1.
        step: Batches done in this epoch, from 1 to ``steps``.
        steps: Batches per epoch.
        logs: Running averages of the loss and metrics over this epoch so far.
        samples_per_second: Training speed over this epoch so far.
    """

    TYPE: ClassVar[str] = "batch"
    epoch: int
    step: int
    steps: int
    logs: dict[str, float]
    samples_per_second: float


@dataclass
class Epoch:
    """An epoch is done.

    Attributes:
        epoch: The epoch, from 1.
        logs: Every training and validation value (``loss``, ``accuracy``, ``val_loss``, …).
        learning_rate: The learning rate at the end of the epoch.
        elapsed: Seconds of training in this run so far, resumed sessions included.
        best_epoch: The epoch with the best monitored value so far.
        diagnostics: What the training doctor measures besides the logs (``gradient_norm``:
            the gradients' global norm on one training batch; ``dead_relu_share``: the share
            of ReLU units never active on one validation batch); empty when not measured.
    """

    TYPE: ClassVar[str] = "epoch"
    epoch: int
    logs: dict[str, float]
    learning_rate: float
    elapsed: float
    best_epoch: int
    diagnostics: dict[str, float] = field(default_factory=dict)


@dataclass
class Message:
    """Something to tell the user: a hint, a warning, a note about the settings.

    Attributes:
        level: ``info`` or ``warning``.
        text: One or a few sentences.
        fix: A change to the project's settings that would help, as
            :meth:`~dlstudio.core.data.health.findings.Fix.to_json` writes it (``{"label": …,
            "settings": {path: value}, "ignore_columns": []}``, the form data health's fixes
            take too); ``None`` (and left out of the line) when there is none. The GUI offers
            it as a button.
    """

    TYPE: ClassVar[str] = "message"
    level: str
    text: str
    fix: dict[str, Any] | None = None


@dataclass
class Samples:
    """A generative run wrote its epoch's grid of samples (from the same noise every epoch).

    Attributes:
        epoch: The epoch, from 1.
        path: The grid's PNG file (in the run folder's ``samples/``).
        diversity: How much the samples differ from one another, relative to real images
            (about 1: as varied as the data; near 0: the same image every time).
    """

    TYPE: ClassVar[str] = "samples"
    epoch: int
    path: str
    diversity: float


@dataclass
class Phase:
    """A new phase of training begins: transfer learning's fine-tuning phase, after the head
    trained on a frozen Backbone, or the refit on the training and validation rows
    (``training.refit_on_all``); also sent when a run resumes in that phase.

    Attributes:
        name: ``fine_tune`` or ``refit``.
        epoch: Epochs done when the phase began; curves mark the boundary after this epoch.
        text: What changed, in words (layers unfrozen, the new learning rate).
        learning_rate: The phase's starting learning rate.
        trainable_weights: Weights that train in this phase.
        epochs: The epoch the run now ends at, when the phase changed it (a refit adds its
            epochs once the first phase has found them); ``None``: as ``started`` said.
    """

    TYPE: ClassVar[str] = "phase"
    name: str
    epoch: int
    text: str
    learning_rate: float
    trainable_weights: int
    epochs: int | None = None


@dataclass
class Finished:
    """Training ended normally or on request.

    Attributes:
        run_dir: The run folder.
        best_epoch: The epoch with the best monitored value (0 when no epoch completed).
        best_metrics: That epoch's logs.
        state: ``finished`` (all epochs, or early stopping) or ``stopped`` (on request).
    """

    TYPE: ClassVar[str] = "finished"
    run_dir: str
    best_epoch: int
    best_metrics: dict[str, float]
    state: str


@dataclass
class Error:
    """Training failed.

    Attributes:
        message: What happened and how to fix it, for a person.
        kind: One of :data:`ERROR_KINDS`.
        run_dir: The run folder, or ``None`` when it failed before the folder was made.
    """

    TYPE: ClassVar[str] = "error"
    message: str
    kind: str = "internal"
    run_dir: str | None = None


@dataclass
class Ready:
    """A warm worker has imported TensorFlow and Keras and waits for its ``run`` command.

    Attributes:
        protocol: The protocol version.
    """

    TYPE: ClassVar[str] = "ready"
    protocol: int = PROTOCOL_VERSION


Event = Started | Batch | Epoch | Message | Samples | Phase | Finished | Error | Ready
EVENT_TYPES: dict[str, type] = {
    kind.TYPE: kind for kind in (Started, Batch, Epoch, Message, Samples, Phase, Finished, Error,
                                 Ready)
}
RUN_COMMAND = "run"
RUN_OPTIONS = {"project": "str | None", "epochs": "int | None", "runs_dir": "str | None",
               "resume": "str | None"}

_CHOICES = {"level": MESSAGE_LEVELS, "state": FINISHED_STATES, "kind": ERROR_KINDS}


def encode(event: Event) -> str:
    """Return ``event`` as one line of JSON (no newline); NaN and infinity become strings."""
    body = {"type": event.TYPE, **asdict(event)}
    if body.get("fix", "") is None:
        del body["fix"]  # lines without a fix stay as they were
    if body.get("epochs", "") is None:
        del body["epochs"]  # a phase that leaves the run's end alone
    return json.dumps(_finite(body), ensure_ascii=False, separators=(",", ":"))


def decode(line: str) -> Event:
    """Parse one line into an event, checking its type and fields.

    Raises:
        ProtocolError: The line is not JSON, not an object, of an unknown type, misses a field,
            has a field of the wrong kind, or comes from another protocol version.
    """
    try:
        body = json.loads(line)
    except json.JSONDecodeError as error:
        raise ProtocolError(f"not JSON ({error.msg}): {line[:80]!r}") from None
    if not isinstance(body, dict):
        raise ProtocolError(f"expected a JSON object, got {line[:80]!r}")
    kind = EVENT_TYPES.get(body.get("type"))
    if kind is None:
        raise ProtocolError(f"unknown event type {body.get('type')!r}; "
                            f"expected one of {', '.join(EVENT_TYPES)}")
    values = {item.name: _field_value(kind, item.name, item.type, body) for item in fields(kind)
              if item.name in body or _is_required(item)}
    event = kind(**values)
    if isinstance(event, Started | Ready) and event.protocol != PROTOCOL_VERSION:
        raise ProtocolError(f"the worker speaks protocol version {event.protocol}, this reader "
                            f"version {PROTOCOL_VERSION}; use the same dlstudio for both")
    return event


def encode_run_command(project: str | None, *, epochs: int | None = None,
                       runs_dir: str | None = None, resume: str | None = None) -> str:
    """Return the line (no newline) that gives a warm worker its run.

    Args:
        project: The project file (``None`` when resuming).
        epochs: Train to this many epochs instead of the project's number.
        runs_dir: Where the run folder goes.
        resume: A run folder to continue.
    """
    options = {"project": project, "epochs": epochs, "runs_dir": runs_dir, "resume": resume}
    return RUN_COMMAND + " " + json.dumps(options, ensure_ascii=False)


def decode_run_command(line: str) -> dict[str, Any]:
    """Parse a ``run`` line into its options (every key of :data:`RUN_OPTIONS`).

    Raises:
        ProtocolError: Not a ``run`` command, not a JSON object, an unknown option, or an
            option of the wrong kind.
    """
    word, _, rest = line.strip().partition(" ")
    if word != RUN_COMMAND:
        raise ProtocolError(f"expected a {RUN_COMMAND!r} command, got {line[:80]!r}")
    try:
        options = json.loads(rest)
    except json.JSONDecodeError as error:
        raise ProtocolError(f"run options are not JSON ({error.msg}): {rest[:80]!r}") from None
    if not isinstance(options, dict):
        raise ProtocolError(f"run options: expected a JSON object, got {rest[:80]!r}")
    unknown = sorted(set(options) - set(RUN_OPTIONS))
    if unknown:
        raise ProtocolError(f"unknown run option(s) {', '.join(unknown)}; expected "
                            f"{', '.join(RUN_OPTIONS)}")
    for name, annotation in RUN_OPTIONS.items():
        value = options.setdefault(name, None)
        if value is not None and not _matches(annotation.split(" |")[0], value):
            raise ProtocolError(f"run.{name}: expected {annotation}, got {value!r}")
    return options


def _is_required(item: Any) -> bool:
    return item.default is MISSING and item.default_factory is MISSING


def _field_value(kind: type, name: str, annotation: str, body: dict[str, Any]) -> Any:
    if name not in body:
        raise ProtocolError(f"{kind.TYPE} event without {name!r}")
    value = body[name]
    if not _matches(annotation, value):
        raise ProtocolError(f"{kind.TYPE}.{name}: expected {annotation}, got {value!r}")
    if name in _CHOICES and value not in _CHOICES[name]:
        raise ProtocolError(f"{kind.TYPE}.{name}: expected one of {_CHOICES[name]}, "
                            f"got {value!r}")
    if name == "fix" and value is not None:
        try:
            Fix.from_json(value)
        except ValueError as error:
            raise ProtocolError(f"{kind.TYPE}.fix: {error}") from None
    if annotation == "dict[str, float]":
        return {key: _number(item) for key, item in value.items()}
    return float(value) if annotation == "float" else value


def _matches(annotation: str, value: Any) -> bool:
    checks = {
        "str": lambda v: isinstance(v, str),
        "str | None": lambda v: v is None or isinstance(v, str),
        "dict[str, Any] | None": lambda v: v is None or isinstance(v, dict),
        "int": lambda v: isinstance(v, int) and not isinstance(v, bool),
        "int | None": lambda v: v is None or (isinstance(v, int) and not isinstance(v, bool)),
        "float": _is_number,
        "list[str]": lambda v: isinstance(v, list) and all(isinstance(i, str) for i in v),
        "dict[str, int]": lambda v: isinstance(v, dict) and all(
            isinstance(i, int) and not isinstance(i, bool) for i in v.values()),
        "dict[str, float]": lambda v: isinstance(v, dict) and all(
            _is_number(i) for i in v.values()),
    }
    return checks[annotation](value)


_NON_FINITE = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf}


def _is_number(value: Any) -> bool:
    if isinstance(value, str):
        return value in _NON_FINITE
    return isinstance(value, int | float) and not isinstance(value, bool)


def _number(value: Any) -> float:
    return _NON_FINITE[value] if isinstance(value, str) else float(value)


def _finite(value: Any) -> Any:
    """Replace NaN and infinities (not valid JSON) by the strings ``decode`` reads back."""
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_finite(item) for item in value]
    return value
