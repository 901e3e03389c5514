"""``dlstudio drift``, ``serve`` and ``report`` on the command line: exit statuses and output."""

from __future__ import annotations

import pandas as pd
import pytest

from dlstudio import cli

pytestmark = pytest.mark.slow


def _run(capsys, *arguments):
    status = cli.main([str(item) for item in arguments])
    out, err = capsys.readouterr()
    return status, out, err


def test_drift_exits_0_for_the_training_data_and_3_for_a_shifted_copy(trained_toy_run,
                                                                        tmp_path, capsys):
    data = trained_toy_run.parent.parent / "toy.csv"
    status, out, _ = _run(capsys, "drift", trained_toy_run, "--data", data)
    assert status == 0, out
    assert "Overall: no drift" in out
    shifted = pd.read_csv(data)
    shifted["x1"] += 5
    shifted.to_csv(tmp_path / "shifted.csv", index=False)
    status, out, _ = _run(capsys, "drift", trained_toy_run, "--data", tmp_path / "shifted.csv")
    assert status == 3
    assert "DRIFT in x1" in out


def test_drift_of_unreadable_data_is_a_one_line_error(trained_toy_run, tmp_path, capsys):
    status, _, err = _run(capsys, "drift", trained_toy_run, "--data", tmp_path / "none.csv")
    assert status == 2 and err.startswith("dlstudio: error: ") and "not found" in err


def test_serve_refuses_a_path_that_is_not_a_model(tmp_path, capsys):
    status, _, err = _run(capsys, "serve", tmp_path)
    assert status == 2 and "export written by dlstudio" in err
    status, _, err = _run(capsys, "serve", tmp_path, "--port", "70000")
    assert status == 2


def test_report_writes_an_offline_page_and_keeps_an_existing_one(trained_toy_run, tmp_path,
                                                                  capsys):
    import shutil

    run = trained_toy_run.parent / f"copy-{tmp_path.name}"  # the report evaluates the run
    shutil.copytree(trained_toy_run, run)
    page = tmp_path / "card.html"
    status, out, _ = _run(capsys, "report", run, "-o", page)
    assert status == 0 and f"Wrote {page}" in out
    assert "<h2>Evaluation</h2>" in page.read_text(encoding="utf-8")
    status, _, err = _run(capsys, "report", run, "-o", page)
    assert status == 2 and "--force" in err
