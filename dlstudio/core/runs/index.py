"""The runs of a project, read from their run folders (no Qt).

:func:`list_runs` reads every run folder under a ``runs/`` folder into a :class:`RunSummary`:
its name, state, dates, epochs, best and final metrics, and the settings it trained with, read
leniently so a damaged folder still lists (with what could be read).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dlstudio.core.processes import process_alive
from dlstudio.core.project import layer_tree
from dlstudio.core.runs.folder import RunFolder
from dlstudio.core.runs.record import RecordError, RunRecord


@dataclass
class RunSummary:
    """What the runs list shows of one run folder.

    Attributes:
        folder: The run folder.
        record: ``run.json`` (a blank record saying why when it cannot be read).
        settings: The project snapshot's training settings and layer count, in words.
        state: ``running``, ``finished``, ``stopped`` or ``failed``; a run whose worker died
            without saying so reads ``failed``.
    """

    folder: RunFolder
    record: RunRecord = field(default_factory=RunRecord)
    settings: str = ""
    state: str = "failed"

    @property
    def path(self) -> Path:
        """The run folder's path."""
        return self.folder.path

    @property
    def name(self) -> str:
        """The run's name (the folder name when it has none)."""
        return self.record.name or self.path.name

    @property
    def created(self) -> str:
        """When the run began, as ``2025-01-31 14:05``."""
        text = self.record.created
        return text[:16].replace("T", " ")

    @property
    def epochs(self) -> str:
        """Epochs done out of those planned (``7 / 20``)."""
        return f"{self.record.epochs_done} / {self.record.epochs or '?'}"

    @property
    def label(self) -> str:
        """The name with the start time (``Churn · 01-31 14:05:09``), to tell runs apart."""
        started = self.record.created[5:19].replace("T", " ")
        return f"{self.name} · {started}" if started else self.name

    def can_resume(self) -> bool:
        """Whether the run stopped before its end and has a checkpoint to go on from."""
        if self.state not in ("stopped", "failed"):
            return False
        try:
            return self.folder.read_state() is not None
        except RecordError:
            return False

    def has_model(self) -> bool:
        """Whether the run saved a trained model (to evaluate, export or try)."""
        return self.folder.model_path.is_file()


def list_runs(runs_dir: str | os.PathLike[str] | None) -> list[RunSummary]:
    """Return the runs under ``runs_dir``, newest first (none when it does not exist)."""
    if runs_dir is None or not Path(runs_dir).is_dir():
        return []
    summaries = [read_summary(path) for path in Path(runs_dir).iterdir()
                 if (path / "run.json").is_file()]
    return sorted(summaries, key=lambda run: (run.record.created, run.path.name),
                  reverse=True)


def read_summary(path: str | os.PathLike[str]) -> RunSummary:
    """Read one run folder."""
    folder = RunFolder(path)
    try:
        record = folder.read_record()
    except RecordError as error:  # a damaged run.json still lists the run, as failed
        record = RunRecord(id=folder.path.name, state="failed", error=str(error))
    summary = RunSummary(folder, record, _settings(folder), record.state)
    if summary.state == "running" and not process_alive(record.pid, unknown=True):
        summary.state = "failed"
        summary.record.error = (summary.record.error
                                or "the training process ended without saying why")
    return summary


def metrics_text(metrics: dict[str, Any] | None) -> str:
    """``val_loss 0.321, val_accuracy 0.912`` — validation values when there are any."""
    if not metrics:
        return ""
    shown = {key: value for key, value in metrics.items() if key.startswith("val_")} or metrics
    return ", ".join(f"{key} {value:.3g}" for key, value in shown.items()
                     if isinstance(value, int | float))


def _settings(folder: RunFolder) -> str:
    try:
        body = json.loads(folder.project_path.read_text(encoding="utf-8"))
        training = body.get("training", {})
        model = body.get("model", {})
        layers = layer_tree.count_layers(model.get("layers", []),
                                        model.get("parts") or model.get("inputs") or {})
        return (f"{training.get('optimizer', '?')}, {_rates(body)}, "
                f"batch {training.get('batch_size', '?')}, {layers} layers")
    except (OSError, ValueError, AttributeError):
        return ""


def _rates(body: dict[str, Any]) -> str:
    """``lr 0.001``, or a GAN's two rates (it ignores ``training.learning_rate``)."""
    training = body.get("training", {})
    if body.get("data", {}).get("task") != "gan":
        return f"lr {training.get('learning_rate', '?')}"
    gan = training.get("gan", {})
    return (f"lr G {gan.get('generator_learning_rate', '?')} "
            f"D {gan.get('discriminator_learning_rate', '?')}")
