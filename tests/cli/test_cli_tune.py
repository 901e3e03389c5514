"""``dlstudio tune`` and ``dlstudio tune status``: a real two-worker study of real runs, and
the one-line errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from dlstudio import cli


def make_project(capsys, toy_csv) -> str:
    project = toy_csv.with_name("toy.dlstudio.json")
    assert cli.main(["init", str(toy_csv), "-o", str(project)]) == 0
    capsys.readouterr()
    return str(project)


def test_a_project_without_a_search_space_is_refused_in_one_line(capsys, toy_csv):
    project = make_project(capsys, toy_csv)
    assert cli.main(["tune", project]) == 2
    error = capsys.readouterr().err
    assert error.startswith("dlstudio: error: ") and "--search PATH=SPEC" in error
    assert len(error.strip().splitlines()) == 1


def test_a_search_value_that_does_not_fit_is_refused_at_its_place(capsys, toy_csv):
    project = make_project(capsys, toy_csv)
    assert cli.main(["tune", project, "--search", "training.batch_size=0,16"]) == 2
    assert "search[0].choices: 0 is not a valid value for training.batch_size" in (
        capsys.readouterr().err)
    assert cli.main(["tune", project, "--search", "training.learning_rate"]) == 2
    assert "expected PATH=LOW:HIGH" in capsys.readouterr().err


def test_status_of_a_missing_study_names_the_studies_there(capsys, tmp_path):
    assert cli.main(["tune", "status", "nothing", "--runs-dir", str(tmp_path)]) == 2
    assert "no study 'nothing'" in capsys.readouterr().err


@pytest.mark.slow
def test_a_two_worker_study_of_ordinary_runs_and_its_status(capsys, toy_csv):
    project = make_project(capsys, toy_csv)
    env = {**os.environ, "CUDA_VISIBLE_DEVICES": "-1"}
    tuned = subprocess.run(
        [sys.executable, "-m", "dlstudio", "tune", project, "--trials", "2", "--workers", "2",
         "--epochs", "1", "--search", "training.learning_rate=1e-3:1e-1:log"],
        capture_output=True, text=True, env=env, timeout=280)
    assert tuned.returncode == 0, tuned.stderr
    assert "2 worker(s) (CPU, CPU)" in tuned.stdout and "Best: trial" in tuned.stdout
    assert cli.main(["tune", "status", project, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["study"] == "toy" and report["counts"] == {"COMPLETE": 2}
    for trial in report["trials"]:
        assert trial["state"] == "COMPLETE" and trial["value"] > 0
        assert set(trial["params"]) == {"training.learning_rate"}
        assert os.path.isfile(os.path.join(trial["run_dir"], "run.json"))
    assert cli.main(["tune", project, "--search", "training.learning_rate=1e-3:1e-1:log"]) == 2
    assert "pass --resume" in capsys.readouterr().err
