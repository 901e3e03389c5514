"""The typed, versioned records of a run folder: ``run.json`` and ``checkpoints/state.json``.

Both files are JSON objects with ``"schema_version"`` first. Reading checks every field's type
and says which field of which file is wrong; a file written before records were versioned (no
``schema_version``) reads as version 1, whose fields it already has. Fields this version does not
know are kept and written back, so a newer dlstudio's additions survive an older one's edits;
a file from a newer *schema* version is refused with a message that says so.

Only :class:`~dlstudio.core.runs.folder.RunFolder` reads and writes these files; views change a
run (its name, its notes) through it, never by writing JSON themselves.
"""

from __future__ import annotations

import dataclasses
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, TypeVar

from dlstudio.core.errors import UserInputError

RUN_RECORD_VERSION = 1
CHECKPOINT_STATE_VERSION = 1
RUN_STATES = ("running", "finished", "stopped", "failed")


class RecordError(UserInputError):
    """A run record file is missing, not JSON, or has a field of the wrong type.

    Attributes:
        reason: What is wrong, without the fix (``epochs_done: expected an integer, got 'x'``).
    """

    def __init__(self, message: str, reason: str = "") -> None:
        super().__init__(message)
        self.reason = reason or message


_Record = TypeVar("_Record", bound="_VersionedRecord")

# What each field must hold on disk: a type check and the words of the expectation.
_CHECKS: dict[str, tuple[Any, str]] = {
    "str": (lambda value: isinstance(value, str), "text"),
    "str | None": (lambda value: value is None or isinstance(value, str), "text or null"),
    "int": (lambda value: _is_int(value), "an integer"),
    "int | None": (lambda value: value is None or _is_int(value), "an integer or null"),
    "float": (lambda value: _is_number(value), "a number"),
    "float | None": (lambda value: value is None or _is_number(value), "a number or null"),
    "dict[str, float]": (lambda value: isinstance(value, dict) and all(
        isinstance(key, str) and _is_number(item) for key, item in value.items()),
        "an object of numbers"),
    "dict[str, Any] | None": (lambda value: value is None or isinstance(value, dict),
                              "an object or null"),
    "list[str]": (lambda value: isinstance(value, list) and all(
        isinstance(item, str) for item in value), "a list of text"),
    "list[dict[str, Any]]": (lambda value: isinstance(value, list) and all(
        isinstance(item, dict) for item in value), "a list of objects"),
}


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


@dataclass
class _VersionedRecord:
    """Shared reading and writing of a record file (subclasses declare the fields)."""

    VERSION: ClassVar[int] = 1
    FILE: ClassVar[str] = ""

    schema_version: int = 1
    extra: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def to_json(self) -> dict[str, Any]:
        """Return the record as the JSON object written to disk (``schema_version`` first)."""
        body: dict[str, Any] = {"schema_version": self.VERSION}
        for item in dataclasses.fields(self):
            if item.name not in ("schema_version", "extra"):
                body[item.name] = copy_json(getattr(self, item.name))
        body.update({key: value for key, value in self.extra.items() if key not in body})
        return body

    @classmethod
    def from_json(cls: type[_Record], body: Any, source: str | os.PathLike[str] = "") -> _Record:
        """Return the record in a decoded file, checking every field.

        Args:
            body: The decoded JSON.
            source: The file's path, for messages.

        Raises:
            RecordError: ``body`` is not an object, comes from a newer schema version, or a
                field has the wrong type.
        """
        where = str(source) or cls.FILE
        if not isinstance(body, dict):
            raise cls.damaged(where, f"expected a JSON object, got {type(body).__name__}")
        version = body.get("schema_version", 1)
        if not _is_int(version) or version < 1:
            raise cls.damaged(where, f"schema_version: expected an integer >= 1, got "
                                     f"{version!r}")
        if version > cls.VERSION:
            raise RecordError(f"{where} has schema_version {version}, newer than this dlstudio "
                              f"reads ({cls.VERSION}); update dlstudio to open this run")
        values: dict[str, Any] = {}
        known = {item.name: item for item in dataclasses.fields(cls)}
        for name, value in body.items():
            item = known.get(name)
            if name in ("schema_version", "extra") or item is None:
                continue
            check, expected = _CHECKS[str(item.type)]
            if not check(value):
                raise cls.damaged(where, f"{name}: expected {expected}, got {_short(value)}")
            values[name] = float(value) if str(item.type) == "float" else copy_json(value)
        extra = {key: value for key, value in body.items()
                 if key not in known and key != "schema_version"}
        return cls(schema_version=cls.VERSION, extra=extra, **values)

    @classmethod
    def read(cls: type[_Record], path: str | os.PathLike[str]) -> _Record:
        """Read the record file at ``path``.

        Raises:
            RecordError: The file is missing, unreadable, not JSON or not a valid record.
        """
        try:
            text = Path(path).read_text(encoding="utf-8")
        except FileNotFoundError:
            raise cls.damaged(str(path), "the file is missing") from None
        except (OSError, UnicodeDecodeError) as error:
            raise cls.damaged(str(path), f"it cannot be read: {error}") from None
        try:
            body = json.loads(text)
        except json.JSONDecodeError as error:
            raise cls.damaged(str(path), f"not valid JSON: line {error.lineno}, column "
                                         f"{error.colno}: {error.msg}") from None
        except RecursionError:
            raise cls.damaged(str(path), "not valid JSON: nested too deeply") from None
        return cls.from_json(body, path)

    @classmethod
    def damaged(cls, where: str, reason: str) -> RecordError:
        """The error for a record file at ``where`` that is wrong in the way ``reason`` says."""
        return RecordError(f"{where} is damaged ({reason}); fix that field in the file, or "
                           "delete the run folder", reason)

    def write(self, path: str | os.PathLike[str]) -> None:
        """Replace the file at ``path`` with this record, atomically."""
        from dlstudio.core.project.project import atomic_write_text

        atomic_write_text(Path(path), json.dumps(self.to_json(), indent=2, default=str) + "\n")

    def changed(self: _Record, **changes: Any) -> _Record:
        """Return a copy with ``changes`` applied.

        Raises:
            TypeError: A change names a field the record does not have (a programming error).
        """
        known = {item.name for item in dataclasses.fields(self)} - {"schema_version", "extra"}
        unknown = sorted(set(changes) - known)
        if unknown:
            raise TypeError(f"{type(self).__name__} has no field {', '.join(unknown)}; "
                            f"its fields are {', '.join(sorted(known))}")
        return dataclasses.replace(self, **changes)


@dataclass
class RunRecord(_VersionedRecord):
    """``run.json``: what a run is and how it went.

    Attributes:
        id: The run folder's name.
        name: The name lists show (the user may rename it).
        notes: The user's notes.
        state: One of :data:`RUN_STATES`.
        created: When the run began (ISO 8601).
        ended: When it ended, or ``None`` while running.
        epochs: Epochs planned.
        epochs_done: Epochs completed.
        best_epoch: The best epoch so far (1-based; 0 before the first).
        best_metrics: That epoch's logs.
        final_metrics: The last epoch's logs.
        task: The task the data was read as, once training started.
        class_names: Class names in model output order (classification).
        devices: The devices that trained.
        error: Why the run failed, in words.
        pid: The training process (to tell a live run from a killed one).
        threshold: A two-class run's decision threshold: class 2 is predicted when its
            probability is at least this (``None``: 0.5). Evaluate, predict and export use it.
        weights: The pretrained weights each Backbone row started from: ``row``, ``network``,
            ``weights`` (the row's setting) and, for a file, ``file`` and its ``sha256``.
        refit_epochs: When the saved model was refit on the training and validation rows
            (``training.refit_on_all``): its epochs; ``best_epoch`` and ``best_metrics`` stay
            those the validation rows chose. ``None`` without a refit.
    """

    VERSION: ClassVar[int] = RUN_RECORD_VERSION
    FILE: ClassVar[str] = "run.json"

    id: str = ""
    name: str = ""
    notes: str = ""
    state: str = "running"
    created: str = ""
    ended: str | None = None
    epochs: int = 0
    epochs_done: int = 0
    best_epoch: int = 0
    best_metrics: dict[str, float] = field(default_factory=dict)
    final_metrics: dict[str, float] = field(default_factory=dict)
    task: str | None = None
    class_names: list[str] = field(default_factory=list)
    devices: list[str] = field(default_factory=list)
    error: str | None = None
    pid: int | None = None
    threshold: float | None = None
    weights: list[dict[str, Any]] = field(default_factory=list)
    refit_epochs: int | None = None

    @classmethod
    def from_json(cls, body: Any, source: str | os.PathLike[str] = "") -> RunRecord:
        record = super().from_json(body, source)
        if record.state not in RUN_STATES:
            raise cls.damaged(str(source) or cls.FILE, f"state: expected one of "
                              f"{', '.join(RUN_STATES)}, got {_short(record.state)}")
        return record


@dataclass
class CheckpointState(_VersionedRecord):
    """``checkpoints/state.json``: what resuming needs besides ``last.keras``.

    Attributes:
        epochs_done: Epochs the checkpoint holds.
        epochs: Epochs planned when it was written (the schedule was planned for them).
        steps_per_epoch: Batches per epoch.
        batch_size: Samples per batch.
        seed: The training seed.
        elapsed: Seconds of training so far.
        optimizer_iterations: The optimizer's step count.
        best: The best-epoch tracker's state (``BestTracker.state()``).
        plateau: The reduce-on-plateau state, or ``None`` without that schedule.
        fine_tune_from: The epochs done when the fine-tuning phase began (its Backbone's top
            layers unfrozen, a lower rate), or ``None`` while training only the head.
        refit_from: The epochs done when the refit on the training and validation rows began
            (``training.refit_on_all``), or ``None`` before it.
        refit_epochs: The refit's epochs (the first phase's best epoch), with ``refit_from``.
    """

    VERSION: ClassVar[int] = CHECKPOINT_STATE_VERSION
    FILE: ClassVar[str] = "checkpoints/state.json"

    epochs_done: int = 0
    epochs: int | None = None
    steps_per_epoch: int | None = None
    batch_size: int | None = None
    seed: int | None = None
    elapsed: float = 0.0
    optimizer_iterations: int | None = None
    best: dict[str, Any] | None = None
    plateau: dict[str, Any] | None = None
    fine_tune_from: int | None = None
    refit_from: int | None = None
    refit_epochs: int | None = None

    @classmethod
    def damaged(cls, where: str, reason: str) -> RecordError:
        return RecordError(f"{where} is damaged ({reason}), so the run cannot be resumed "
                           "safely; restore that file from a backup, or start a new run with "
                           "`dlstudio train PROJECT` (this run folder is left as it is)", reason)


def copy_json(value: Any) -> Any:
    """A deep copy of a JSON-like value (so records never share lists or dicts)."""
    if isinstance(value, dict):
        return {key: copy_json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [copy_json(item) for item in value]
    return value


def _short(value: Any) -> str:
    """``value`` as a short repr (a damaged file may hold anything, of any length)."""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
