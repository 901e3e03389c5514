"""Running a study: Optuna asks for settings, each trial trains as an ordinary run in its own
worker process, its per-epoch validation values go back to Optuna for pruning.

All storage calls happen on the calling thread; worker output arrives through a queue. The
budget is counted in the storage, so every machine working on the same study shares it:
finished trials (complete, pruned, failed) plus running ones never exceed ``trials``. A trial
interrupted by a kill is found again (on this machine at once, by its dead process id; from
another machine when its heartbeat stops) and queued again with the same settings.
"""

from __future__ import annotations

import json
import os
import queue
import socket
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dlstudio.core.errors import UserInputError
from dlstudio.core.processes import process_alive
from dlstudio.core.project.project import Project, save_project
from dlstudio.core.training.events import Epoch, Error, Event, Finished, Started
from dlstudio.core.tuning import samplers, space
from dlstudio.core.tuning.events import StudySink, event
from dlstudio.core.tuning.storage import (
    GRACE_SECONDS,
    HEARTBEAT_SECONDS,
    MAX_RETRIES,
    open_storage,
    shown_url,
)
from dlstudio.core.tuning.summary import (
    best_trial,
    counted,
    importances,
    study_counts,
    study_rows,
)
from dlstudio.core.tuning.trial_process import TrialProcess
from dlstudio.core.tuning.workers import WorkerSlot, plan_slots

POLL_SECONDS = 0.5
STOP_WAIT_SECONDS = 60


@dataclass
class StudyOptions:
    """What ``dlstudio tune`` was asked to do.

    Attributes:
        project: The project, its search space complete (file plus ``--search``).
        study_name: The study's name in the storage.
        storage_url: The storage.
        runs_dir: Where the trials' run folders go.
        workers: Trials at once here: a count, or ``auto``.
        trials: The study's budget (``None``: the project's ``tuning.trials``).
        epochs: Epochs per trial (``None``: ``tuning.epochs``, else ``training.epochs``).
        resume: Continue (or join) a study that already has trials.
        heartbeat: Seconds between heartbeats of running trials.
        grace: Seconds without a heartbeat after which a trial counts as interrupted.
        worker: The trial worker's command line before its arguments (default
            ``python -m dlstudio.worker``; tests use a fast fake).
    """

    project: Project
    study_name: str
    storage_url: str
    runs_dir: Path
    workers: int | str = "auto"
    trials: int | None = None
    epochs: int | None = None
    resume: bool = False
    heartbeat: int = HEARTBEAT_SECONDS
    grace: int = GRACE_SECONDS
    worker: list[str] | None = None


@dataclass
class _Running:
    trial: Any
    process: TrialProcess
    slot: WorkerSlot
    params: dict[str, Any]
    started: float = field(default_factory=time.monotonic)
    run_dir: str | None = None
    values: list[float] = field(default_factory=list)
    pruned: bool = False
    interrupted: bool = False
    failure: str = ""
    finished: Finished | None = None


class StudyRunner:
    """Runs one study on this machine until its budget is spent or it is stopped.

    Args:
        options: What to run.
        emit: Receives the study events (:mod:`dlstudio.core.tuning.events`).
    """

    def __init__(self, options: StudyOptions, emit: StudySink) -> None:
        import optuna

        self.options, self.emit = options, emit
        self.tuning = options.project.tuning
        self.direction = space.direction_of(self.tuning)
        self.budget = options.trials or self.tuning.trials
        self.epochs = options.epochs or self.tuning.epochs or None
        self.storage = open_storage(options.storage_url, options.heartbeat, options.grace)
        self.study = _open_study(self, optuna)
        self.slots = plan_slots(options.workers or self.tuning.workers or "auto")
        self.free = list(self.slots)
        self.running: dict[int, _Running] = {}
        self.events: queue.Queue[tuple[int, Event | None]] = queue.Queue()
        self.folder = Path(options.runs_dir) / "tuning" / options.study_name
        self.folder.mkdir(parents=True, exist_ok=True)
        self.stopping = False
        self._last_beat = 0.0

    def stop(self) -> None:
        """Stop starting trials; running ones stop and are queued again (thread-safe)."""
        self.stopping = True

    def run(self) -> dict[str, Any] | None:
        """Run until done; return the best trial (``number``, ``value``, ``params``,
        ``run_dir``) or ``None``."""
        self.emit(event("study", study=self.options.study_name,
                        storage=shown_url(self.options.storage_url),
                        objective=self.tuning.objective, direction=self.direction,
                        trials=self.budget, devices=[slot.device for slot in self.slots],
                        space=[item.path for item in self.tuning.search]))
        self._recover_interrupted()
        self.emit(event("trials", rows=study_rows(self.study)))
        deadline = (time.monotonic() + self.tuning.timeout_minutes * 60
                    if self.tuning.timeout_minutes else None)
        try:
            while True:
                self._beat()
                out_of_time = deadline is not None and time.monotonic() >= deadline
                finished, running = self._budget()
                while (self.free and not self.stopping and not out_of_time
                       and finished + running < self.budget):
                    self._start_trial()
                    running += 1
                if not self.running and (finished >= self.budget or out_of_time
                                         or self.stopping):
                    break
                self._handle_events()
                if self.stopping:
                    self._stop_all()
        finally:
            self._stop_all(wait=True)
        best = best_trial(self.study)
        self.emit(event("study_finished", best=best, counts=study_counts(self.study)))
        return best

    def _budget(self) -> tuple[int, int]:
        from optuna.trial import TrialState

        trials = self.study.get_trials(deepcopy=False)
        finished = len(counted(trials))
        running = sum(1 for trial in trials if trial.state == TrialState.RUNNING)
        return finished, running

    def _start_trial(self) -> None:
        slot = self.free.pop(0)
        trial = self.study.ask()
        params = {item.path: space.suggest(trial, item) for item in self.tuning.search}
        for key, value in (("host", socket.gethostname()), ("pid", os.getpid()),
                           ("device", slot.device), ("run_dir", None)):
            trial.set_user_attr(key, value)
        project = space.apply_params(self.options.project, params,
                                     f"{self.options.project.name} · trial {trial.number}")
        project_file = self.folder / f"trial-{trial.number}.dlstudio.json"
        save_project(project, project_file)
        process = TrialProcess(trial.number, project_file, Path(self.options.runs_dir),
                               self.epochs, slot.environment,
                               self.folder / f"trial-{trial.number}.log", self.events,
                               self.options.worker)
        self.running[trial.number] = _Running(trial, process, slot, params)
        self.emit(event("trial_started", number=trial.number, params=params,
                        device=slot.device))

    def _handle_events(self) -> None:
        try:
            number, item = self.events.get(timeout=POLL_SECONDS)
        except queue.Empty:
            return
        while True:
            self._handle(number, item)
            try:
                number, item = self.events.get_nowait()
            except queue.Empty:
                return

    def _handle(self, number: int, item: Event | None) -> None:
        running = self.running.get(number)
        if running is None:
            return
        if item is None:
            self._end_trial(running)
        elif isinstance(item, Started):
            running.run_dir = item.run_dir
            running.trial.set_user_attr("run_dir", item.run_dir)
            self.emit(event("trial_run", number=number, run_dir=item.run_dir))
        elif isinstance(item, Epoch):
            self._epoch(running, item)
        elif isinstance(item, Finished):
            running.finished = item
        elif isinstance(item, Error):
            running.failure = item.message

    def _epoch(self, running: _Running, item: Epoch) -> None:
        value = item.logs.get(self.tuning.objective)
        if value is None:
            names = ", ".join(sorted(item.logs)) or "none"
            running.failure = (f"the objective {self.tuning.objective!r} is not among the "
                               f"values this run logs ({names}); set tuning.objective to one "
                               "of them")
            running.process.stop()
            return
        self.emit(event("trial_epoch", number=running.trial.number, epoch=item.epoch,
                        value=value, logs=item.logs))
        if running.pruned or value != value or value in (float("inf"), float("-inf")):
            return
        running.values.append(value)
        running.trial.report(value, item.epoch)
        if not running.pruned and running.trial.should_prune():
            running.pruned = True
            running.process.stop()

    def _end_trial(self, running: _Running) -> None:
        from optuna.trial import TrialState

        status = running.process.wait(STOP_WAIT_SECONDS)
        del self.running[running.trial.number]
        self.free.append(running.slot)
        self.free.sort(key=lambda slot: slot.index)
        trial, value, state = running.trial, None, TrialState.FAIL
        reason = running.failure
        if running.interrupted:
            reason = "interrupted: the study was stopped; queued again for --resume"
        elif not reason and running.pruned:
            state, reason = TrialState.PRUNED, f"pruned after epoch {len(running.values)}"
        elif not reason and running.finished is not None and running.values:
            pick = min if self.direction == "minimize" else max
            state, value = TrialState.COMPLETE, pick(running.values)
        elif not reason:
            tail = running.process.log_tail()
            reason = (f"the training process ended without a result (exit status {status})"
                      + (f": {tail}" if tail else ""))
        if reason:
            trial.set_user_attr("failure", reason)
        trial.set_user_attr("seconds", round(time.monotonic() - running.started, 2))
        self.study.tell(trial, value if state == TrialState.COMPLETE else None, state=state)
        if running.interrupted:
            self._queue_again(trial._trial_id)
        if state == TrialState.PRUNED and running.values:
            value = running.values[-1]  # where it stood when it was stopped, as status shows
        self.emit(event("trial_finished", number=trial.number, state=state.name, value=value,
                        reason=reason, seconds=round(time.monotonic() - running.started, 2),
                        run_dir=running.run_dir, params=running.params,
                        epochs=len(running.values), done=self._budget()[0]))
        if state == TrialState.COMPLETE:
            values = importances(self.study)
            if values:
                self.emit(event("importances", values=values))

    def _stop_all(self, wait: bool = False) -> None:
        for running in self.running.values():
            if not running.interrupted and not running.pruned:
                running.interrupted = True
                running.process.stop()
        while wait and self.running:
            try:
                number, item = self.events.get(timeout=STOP_WAIT_SECONDS)
            except queue.Empty:
                for running in list(self.running.values()):
                    running.process.terminate()
                    self._end_trial(running)
                return
            self._handle(number, item)

    def _beat(self) -> None:
        import optuna

        if time.monotonic() - self._last_beat < self.options.heartbeat:
            return
        self._last_beat = time.monotonic()
        for running in self.running.values():
            self.storage.record_heartbeat(running.trial._trial_id)
        optuna.storages.fail_stale_trials(self.study)

    def _recover_interrupted(self) -> None:
        """Queue again the trials this machine was running when its study process died."""
        from optuna.trial import TrialState

        host = socket.gethostname()
        for trial in self.study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
            attrs = trial.user_attrs
            if attrs.get("host") == host and not process_alive(attrs.get("pid"), unknown=False):
                self.storage.set_trial_state_values(trial._trial_id, state=TrialState.FAIL)
                self._queue_again(trial._trial_id)
                self.emit(event("message", level="info",
                                text=f"Trial {trial.number} was interrupted; it runs again "
                                     "with the same settings."))

    def _queue_again(self, trial_id: int) -> None:
        import optuna

        retry = optuna.storages.RetryHeartbeatStaleTrialCallback(max_retry=MAX_RETRIES)
        retry(self.study, self.storage.get_trial(trial_id))


def _open_study(runner: StudyRunner, optuna: Any) -> Any:
    options, tuning = runner.options, runner.tuning
    space_json = json.dumps([item.to_dict() for item in tuning.search], sort_keys=True)
    names = {summary.study_name for summary in optuna.get_all_study_summaries(runner.storage)}
    exists = options.study_name in names
    study = optuna.create_study(storage=runner.storage, study_name=options.study_name,
                                direction=runner.direction, load_if_exists=True,
                                sampler=samplers.sampler_for(tuning),
                                pruner=samplers.pruner_for(tuning, options.epochs))
    if exists:
        _check_same_study(study, options, runner, space_json)
    else:
        study.set_user_attr("objective", tuning.objective)
        study.set_user_attr("space", space_json)
        study.set_user_attr("project", str(options.project.path or ""))
    return study


def _check_same_study(study: Any, options: StudyOptions, runner: StudyRunner,
                      space_json: str) -> None:
    name = options.study_name
    if study.get_trials(deepcopy=False) and not options.resume:
        raise UserInputError(f"the study {name!r} already has trials in "
                             f"{shown_url(options.storage_url)}; pass --resume to continue it "
                             "(or to join it from another machine), or --study NEW_NAME to "
                             "start another")
    if study.direction.name.lower() != runner.direction:
        raise UserInputError(f"the study {name!r} {study.direction.name.lower()}s its "
                             f"objective, this project {runner.direction}s; use --study "
                             "NEW_NAME for a new study")
    if study.user_attrs.get("space", space_json) != space_json or study.user_attrs.get(
            "objective", runner.tuning.objective) != runner.tuning.objective:
        raise UserInputError(f"the study {name!r} searches other settings or another "
                             "objective than this project now does; use --study NEW_NAME, or "
                             "put the search back as it was")
