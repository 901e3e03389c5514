"""The run folder: everything one training run leaves behind.

A run folder is enough to evaluate, export, predict or resume without the GUI::

    runs/20250101-120000-iris/
      project.dlstudio.json   the project snapshot the run trained (data path relative to it)
      run.json                state and summary (running, finished, stopped, failed): RunRecord
      events.jsonl            every event of the worker protocol, one per line
      metrics.csv             one row per epoch
      checkpoints/last.keras  model and optimizer state after the last completed epoch
      checkpoints/state.json  what resuming needs besides the model: CheckpointState
      checkpoints/best.weights.h5   weights of the best epoch (with early stopping)
      model.keras             the trained model (best weights when early stopping keeps them)
      evaluation.json         written by ``dlstudio evaluate``
      exports/                written by ``dlstudio export``
"""

from __future__ import annotations

import contextlib
import copy
import csv
import os
import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from dlstudio.core.errors import UserInputError
from dlstudio.core.project.project import Project, load_project, save_project
from dlstudio.core.runs.record import CheckpointState, RecordError, RunRecord

if TYPE_CHECKING:
    from dlstudio.core.data.base import Dataset

class RunFolder:
    """Paths and small files of one run folder.

    Args:
        path: The run folder (it need not exist yet).
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path).resolve()
        self.project_path = self.path / "project.dlstudio.json"
        self.info_path = self.path / "run.json"
        self.events_path = self.path / "events.jsonl"
        self.metrics_path = self.path / "metrics.csv"
        self.checkpoint_dir = self.path / "checkpoints"
        self.last_checkpoint_path = self.checkpoint_dir / "last.keras"
        self.state_path = self.checkpoint_dir / "state.json"
        self.best_weights_path = self.checkpoint_dir / "best.weights.h5"
        self.model_path = self.path / "model.keras"
        self.evaluation_path = self.path / "evaluation.json"
        self.exports_dir = self.path / "exports"

    def __repr__(self) -> str:
        return f"RunFolder({str(self.path)!r})"

    @classmethod
    def open(cls, path: str | os.PathLike[str]) -> RunFolder:
        """Return the run folder at ``path`` after checking that it is one.

        Raises:
            UserInputError: ``path`` is not a folder with a ``run.json``.
        """
        run = cls(path)
        if not run.info_path.is_file():
            raise UserInputError(
                f"{path} is not a run folder (no run.json in it); pass a folder that "
                "`dlstudio train` created, such as runs/20250101-120000-my-project")
        return run

    def own_files(self) -> list[Path]:
        """The run's own files and folders (all but ``exports/``): what a command that reads
        the run must never write over."""
        return [self.model_path, self.project_path, self.info_path, self.events_path,
                self.metrics_path, self.checkpoint_dir, self.evaluation_path]

    def read_record(self) -> RunRecord:
        """Return ``run.json``.

        Raises:
            RecordError: The file is missing, not JSON, or a field has the wrong type.
        """
        return RunRecord.read(self.info_path)

    def write_record(self, record: RunRecord) -> None:
        """Replace ``run.json`` atomically."""
        record.write(self.info_path)

    def update_record(self, **changes: Any) -> RunRecord:
        """Change some fields of ``run.json`` (a new record when there is none) and return it.

        Raises:
            RecordError: The existing file is damaged.
            TypeError: A change names a field :class:`RunRecord` does not have.
        """
        record = self.read_record() if self.info_path.exists() else RunRecord(id=self.path.name)
        record = record.changed(**changes)
        self.write_record(record)
        return record

    def rename(self, name: str) -> RunRecord:
        """Give the run a new name (``run.json`` only; the folder keeps its name).

        Raises:
            UserInputError: ``name`` is empty.
        """
        name = name.strip()
        if not name:
            raise UserInputError("a run's name cannot be empty; type a name or press Escape")
        return self.update_record(name=name)

    def set_notes(self, notes: str) -> RunRecord:
        """Replace the run's notes."""
        return self.update_record(notes=notes)

    def set_threshold(self, threshold: float | None) -> RunRecord:
        """Save a two-class run's decision threshold (``None``: back to 0.5).

        Raises:
            UserInputError: ``threshold`` is not between 0 and 1, or the run has not two
                classes.
        """
        if threshold is not None and not 0.0 < float(threshold) < 1.0:
            raise UserInputError(f"a decision threshold must be between 0 and 1 (exclusive), "
                                 f"got {threshold}; pick a probability such as 0.3")
        classes = self.read_record().class_names
        if threshold is not None and len(classes) != 2:
            raise UserInputError(f"only two-class runs have a decision threshold; this run has "
                                 f"{len(classes)} classes and predicts the most probable one")
        return self.update_record(threshold=None if threshold is None else float(threshold))

    def set_anomaly_threshold(self, threshold: float) -> RunRecord:
        """Save an autoencoder's anomaly threshold: a sample whose reconstruction error is
        above it is flagged.

        Raises:
            UserInputError: ``threshold`` is negative or not a number.
        """
        if not float(threshold) >= 0.0:
            raise UserInputError(f"an anomaly threshold is a reconstruction error, 0 or more; "
                                 f"got {threshold}")
        return self.update_record(threshold=float(threshold))

    def mark_failed(self, error: str) -> RunRecord:
        """Record that the run failed, and why (the training process may be gone)."""
        return self.update_record(state="failed", ended=now_text(), error=error)

    def display_name(self) -> str:
        """The run's name, or its folder name when ``run.json`` has none or cannot be read."""
        try:
            return self.read_record().name or self.path.name
        except RecordError:
            return self.path.name

    def load_project(self) -> Project:
        """Return the project snapshot the run trained."""
        return load_project(self.project_path)

    def read_state(self, strict: bool = False) -> CheckpointState | None:
        """Return the checkpoint state, or ``None`` when no epoch was checkpointed yet.

        Args:
            strict: Raise on a damaged ``state.json`` instead of returning ``None`` (resuming
                must never mistake a damaged checkpoint for no checkpoint).

        Raises:
            RecordError: With ``strict``, ``state.json`` is not the record dlstudio wrote
                (garbled, truncated, or a field of the wrong type).
        """
        if not (self.state_path.is_file() and self.last_checkpoint_path.is_file()):
            return None
        try:
            return CheckpointState.read(self.state_path)
        except RecordError:
            if strict:
                raise
            return None

    def write_state(self, state: CheckpointState) -> None:
        """Replace ``checkpoints/state.json`` atomically."""
        state.write(self.state_path)

    def append_event_line(self, line: str) -> None:
        """Append one encoded event to ``events.jsonl``."""
        with _appending(self.events_path) as stream:
            stream.write(line + "\n")

    def append_metrics(self, row: dict[str, Any]) -> None:
        """Append one epoch's row to ``metrics.csv`` (the first row writes the header)."""
        header = self.metrics_header() or list(row)
        new_file = not self.metrics_path.exists()
        with _appending(self.metrics_path, newline="") as stream:
            writer = csv.DictWriter(stream, fieldnames=header, extrasaction="ignore")
            if new_file:
                writer.writeheader()
            writer.writerow(row)

    def metrics_header(self) -> list[str] | None:
        """Return the column names of ``metrics.csv``, or ``None`` when it does not exist."""
        if not self.metrics_path.exists():
            return None
        with self.metrics_path.open(encoding="utf-8", newline="") as stream:
            return next(csv.reader(stream), None)

    def read_metrics(self, strict: bool = False) -> list[dict[str, float]]:
        """Return the rows of ``metrics.csv`` as numbers (empty when there are none).

        Args:
            strict: Raise on a row that is not numbers instead of leaving it out.

        Raises:
            UserInputError: With ``strict``, a row cannot be read; the message names its
                line and column, never its contents.
        """
        if not self.metrics_path.exists():
            return []
        rows = []
        with self.metrics_path.open(encoding="utf-8", errors="replace", newline="") as stream:
            reader = csv.DictReader(stream)
            for row in reader:
                try:
                    rows.append(_metrics_row(row))
                except ValueError as error:
                    if strict:
                        raise UserInputError(
                            f"{self.metrics_path} line {reader.line_num} cannot be read "
                            f"({error}); delete that line (and any after it), or start a new "
                            "run with `dlstudio train PROJECT`") from None
        return rows

    def truncate_metrics(self, epochs: int) -> None:
        """Drop the rows after epoch ``epochs`` (written after the last checkpoint)."""
        rows = self.read_metrics(strict=True)
        if all(row.get("epoch", 0) <= epochs for row in rows):
            return
        header = self.metrics_header() or []
        kept = [row for row in rows if row.get("epoch", 0) <= epochs]
        self.metrics_path.unlink()
        for row in kept:
            self.append_metrics({key: row.get(key, "") for key in header})


@contextlib.contextmanager
def _appending(path: Path, newline: str | None = None) -> Iterator[TextIO]:
    """Open ``path`` to append; if writing fails (a full disk), cut it back to its old length,
    so no half-written line is left."""
    size = path.stat().st_size if path.exists() else 0
    try:
        with path.open("a", encoding="utf-8", newline=newline) as stream:
            yield stream
    except BaseException:
        with contextlib.suppress(OSError):
            os.truncate(path, size)
        raise


def _metrics_row(row: dict[str | None, Any]) -> dict[str, float]:
    """Return one ``metrics.csv`` row as numbers.

    Raises:
        ValueError: A value is not a number, or the row has more values than the header.
    """
    if None in row:
        raise ValueError("more values than the header has columns")
    numbers = {}
    for key, value in row.items():
        if value in ("", None):
            continue
        try:
            numbers[str(key)] = float(value)
        except (TypeError, ValueError):
            raise ValueError(f"column '{str(key)[:40]}' is not a number") from None
    return numbers


def create_run(project: Project, runs_dir: str | os.PathLike[str] | None = None,
               dataset: Dataset | None = None) -> RunFolder:
    """Make a new run folder for ``project`` with its snapshot and a ``running`` run.json.

    Args:
        project: The project to train; its data path is rewritten relative to the snapshot.
        runs_dir: Where run folders go; default ``runs/`` beside the project file.
        dataset: The data as read for training. Its resolved task and every column's role
            and kind go into the snapshot, so evaluating or predicting on new files reads
            them exactly as training did instead of guessing again.
    """
    parent = Path(runs_dir) if runs_dir is not None else project.base_dir / "runs"
    started = datetime.now()
    stamp = started.strftime("%Y%m%d-%H%M%S")
    base = f"{stamp}-{slug(project.name)}"
    path, number = parent / base, 1
    while True:
        try:
            path.mkdir(parents=True)
            break
        except FileExistsError:
            number += 1
            path = parent / f"{base}-{number}"
    run = RunFolder(path)
    run.checkpoint_dir.mkdir()
    snapshot = project.copy()
    if dataset is not None:
        snapshot.data.task = dataset.task
        snapshot.data.columns = [copy.copy(column) for column in dataset.columns]
    if snapshot.data.path:
        snapshot.data.path = str(project.data_path())
    save_project(snapshot, run.project_path)
    run.write_record(RunRecord(id=run.path.name, name=run_name(project, started, parent),
                               state="running", created=now_text(),
                               epochs=project.training.epochs, pid=os.getpid()))
    return run


def run_name(project: Project, started: datetime,
             runs_dir: str | os.PathLike[str] | None = None) -> str:
    """A name that tells a run apart in a list: project, model and start time.

    ``Iris · mlp · 14:05`` — the model is the project's template, else its first layer's type.
    When a run of that name already exists under ``runs_dir`` (two runs in the same minute),
    a counter follows (``Iris · mlp · 14:05 (2)``). The GUI and ``dlstudio train`` both name
    runs here; renaming a run changes only its ``run.json``.
    """
    layers = project.model.layers
    model = project.model.template or (layers[0].type if layers else "")
    base = " · ".join(part for part in (project.name or "run", model,
                                         started.strftime("%H:%M")) if part)
    taken = _run_names(runs_dir)
    name, number = base, 1
    while name in taken:
        number += 1
        name = f"{base} ({number})"
    return name


def _run_names(runs_dir: str | os.PathLike[str] | None) -> set[str]:
    """The names of the runs under ``runs_dir`` (unreadable ones are skipped)."""
    if runs_dir is None or not Path(runs_dir).is_dir():
        return set()
    names = set()
    for info in Path(runs_dir).glob("*/run.json"):
        try:
            names.add(RunRecord.read(info).name)
        except RecordError:
            continue
    return names


def slug(name: str) -> str:
    """Return ``name`` as a short, file-name-safe lowercase word (``My Model!`` → ``my-model``)."""
    text = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    return text[:40].rstrip("-") or "run"


def now_text() -> str:
    """Return the local time as ISO 8601 text, to the second."""
    return datetime.now().astimezone().isoformat(timespec="seconds")
