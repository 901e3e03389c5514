"""Studies with the fake worker: parallel trials, a failing trial, pruning, kill -9 and
resume. Each trial is a real subprocess speaking the worker protocol."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import optuna
import pytest

from dlstudio.core.project.project import load_project
from dlstudio.core.tuning.storage import default_url, open_storage
from dlstudio.core.tuning.study import StudyOptions, StudyRunner
from dlstudio.core.tuning.summary import study_rows

HERE = Path(__file__).parent
FAKE_WORKER = [sys.executable, str(HERE / "fake_worker.py")]
DRIVER = HERE / "study_driver.py"

pytestmark = [pytest.mark.slow,
              pytest.mark.filterwarnings("ignore:Fixed parameter:UserWarning")]


def run_study(project_file: Path, events: list, **overrides) -> StudyRunner:
    project = load_project(project_file)
    for key, value in overrides.pop("tuning", {}).items():
        setattr(project.tuning, key, value)
    runs = project_file.parent / "runs"
    overrides.setdefault("epochs", 3)
    options = StudyOptions(project=project, study_name="study", storage_url=default_url(runs),
                           runs_dir=runs, worker=FAKE_WORKER, **overrides)
    runner = StudyRunner(options, events.append)
    runner.run()
    return runner


def enqueue(project_file: Path, *rates: float) -> None:
    storage = open_storage(default_url(project_file.parent / "runs"))
    study = optuna.create_study(storage=storage, study_name="study")
    for rate in rates:
        study.enqueue_trial({"training.learning_rate": rate})


def test_two_workers_run_the_budget_as_ordinary_run_folders(tune_project):
    events: list = []
    runner = run_study(tune_project, events, workers=2)
    rows = study_rows(runner.study)
    assert [row["state"] for row in rows] == ["COMPLETE"] * 4
    assert all(Path(row["run_dir"]).is_dir() for row in rows)
    assert len({row["run_dir"] for row in rows}) == 4
    started = [body for body in events if body["type"] == "trial_started"]
    assert {body["device"] for body in started} == {"CPU"}
    finished = events[-1]
    assert finished["type"] == "study_finished" and finished["counts"] == {"COMPLETE": 4}
    trial_project = json.loads(Path(rows[0]["run_dir"], "project.dlstudio.json").read_text())
    assert trial_project["training"]["learning_rate"] == rows[0]["params"][
        "training.learning_rate"]


def test_a_failing_trial_is_recorded_with_its_reason_and_the_study_goes_on(tune_project):
    enqueue(tune_project, 0.01, 0.25)
    runner = run_study(tune_project, [], workers=1, resume=True,
                       tuning={"trials": 3})
    rows = study_rows(runner.study)
    assert [row["state"] for row in rows] == ["COMPLETE", "FAIL", "COMPLETE"]
    assert "loss became nan" in rows[1]["reason"]


def test_pruning_stops_a_bad_trial_early(tune_project, monkeypatch):
    monkeypatch.setenv("FAKE_EPOCH_SECONDS", "0.3")
    enqueue(tune_project, 0.01, 0.012, 0.0001)
    events: list = []
    runner = run_study(tune_project, events, workers=1, resume=True, epochs=5,
                       tuning={"trials": 3, "pruner": "median", "pruner_startup_trials": 2,
                               "pruner_warmup_epochs": 0})
    rows = study_rows(runner.study)
    assert [row["state"] for row in rows] == ["COMPLETE", "COMPLETE", "PRUNED"]
    trained = [body["epoch"] for body in events
               if body["type"] == "trial_epoch" and body["number"] == 2]
    assert rows[0]["epochs"] == 5 and rows[2]["epochs"] == 1 and len(trained) < 5


def test_a_study_killed_mid_trial_resumes_without_losing_or_repeating_a_trial(tune_project):
    runs = tune_project.parent / "runs"
    command = [sys.executable, str(DRIVER), str(tune_project), str(runs), default_url(runs),
               "4", "1"]
    env = {**os.environ, "FAKE_EPOCH_SECONDS": "0.4"}
    first = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=env)
    for line in first.stdout:  # kill once the second trial has trained an epoch
        body = json.loads(line)
        if body["type"] == "trial_epoch" and body["number"] == 1:
            break
    first.send_signal(signal.SIGKILL)
    first.wait()
    time.sleep(0.5)  # the orphaned worker gets SIGTERM from Linux and stops
    second = subprocess.run([*command, "--resume"], capture_output=True, text=True, env={
        **os.environ, "FAKE_EPOCH_SECONDS": "0.02"}, timeout=120)
    assert second.returncode == 0, second.stderr
    assert "Trial 1 was interrupted" in second.stdout
    study = optuna.load_study(study_name="study", storage=open_storage(default_url(runs)))
    rows = study_rows(study)
    states = [row["state"] for row in rows]
    assert states.count("COMPLETE") == 4 and "RUNNING" not in states
    interrupted = [row for row in rows if row["state"] == "FAIL"]
    assert [row["number"] for row in interrupted] == [1]
    assert interrupted[0]["reason"].startswith("interrupted; ran again as trial")
    retry = next(row for row in rows if row["retry_of"] == 1)
    assert retry["params"] == interrupted[0]["params"] and retry["state"] == "COMPLETE"


def test_no_trial_starts_after_the_time_limit(tune_project):
    runner = run_study(tune_project, [], workers=1, tuning={"timeout_minutes": 0.0005})
    rows = study_rows(runner.study)
    assert [row["state"] for row in rows] == ["COMPLETE"]  # the one started in time finishes
