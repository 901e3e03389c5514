"""Hostile inputs on the command line: each refused with exit status 2 and one plain line, and
nothing the user had is lost or replaced."""

import errno
import json
import shutil
import uuid
from pathlib import Path

import keras
import pytest

from dlstudio import cli
from dlstudio.core.runs.folder import RunFolder


def run_cli(capsys, *arguments):
    status = cli.main([str(item) for item in arguments])
    out, err = capsys.readouterr()
    return status, out, err


def assert_one_line_error(status, err, *words):
    assert status == 2, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("dlstudio: error: "), err
    for word in words:
        assert word in lines[0], lines[0]


def copy_run(run: Path) -> RunFolder:
    """Copy a run folder beside itself (its snapshot's relative data path still holds)."""
    copy = run.parent / f"copy-{uuid.uuid4().hex[:8]}"
    shutil.copytree(run, copy)
    return RunFolder(copy)


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(path.relative_to(folder)): path.read_bytes()
            for path in sorted(folder.rglob("*")) if path.is_file()}


@pytest.mark.slow
def test_predict_never_writes_over_its_data(capsys, trained_toy_run):
    data = trained_toy_run.parents[1] / "toy.csv"
    before = data.read_bytes()

    status, _, err = run_cli(capsys, "predict", trained_toy_run, "--data", data, "-o", data,
                             "--force")

    assert_one_line_error(status, err, "toy.csv", "which this command reads")
    assert data.read_bytes() == before


@pytest.mark.slow
def test_predict_replaces_an_existing_file_only_with_force(capsys, trained_toy_run, tmp_path):
    data = trained_toy_run.parents[1] / "toy.csv"
    out = tmp_path / "predictions.csv"
    out.write_text("keep me\n")

    status, _, err = run_cli(capsys, "predict", trained_toy_run, "--data", data, "-o", out)

    assert_one_line_error(status, err, "already exists", "--force")
    assert out.read_text() == "keep me\n"
    status, _, err = run_cli(capsys, "predict", trained_toy_run, "--data", data, "-o", out,
                             "--force")
    assert status == 0, err
    assert out.read_text().startswith("sample,prediction")


@pytest.mark.slow
def test_predict_output_naming_a_folder_is_refused(capsys, trained_toy_run, tmp_path):
    data = trained_toy_run.parents[1] / "toy.csv"

    status, _, err = run_cli(capsys, "predict", trained_toy_run, "--data", data, "-o", tmp_path)

    assert_one_line_error(status, err, "is a folder", "predictions.csv")


@pytest.mark.slow
def test_export_never_writes_over_the_run_or_an_existing_path(capsys, trained_toy_run,
                                                              tmp_path):
    run = copy_run(trained_toy_run)
    model = run.model_path.read_bytes()

    status, _, err = run_cli(capsys, "export", run.path, "--format", "keras", "-o",
                             run.model_path, "--force")
    assert_one_line_error(status, err, "model.keras", "which this command reads")
    assert run.model_path.read_bytes() == model

    existing = tmp_path / "mine.keras"
    existing.write_text("not mine to replace")
    status, _, err = run_cli(capsys, "export", run.path, "--format", "keras", "-o", existing)
    assert_one_line_error(status, err, "already exists", "--force")
    assert existing.read_text() == "not mine to replace"


@pytest.mark.slow
def test_export_into_a_read_only_folder_names_it(capsys, trained_toy_run, tmp_path,
                                                 monkeypatch):
    target = tmp_path / "locked" / "model.keras"
    target.parent.mkdir()

    def refuse(*_args, **_kwargs):
        raise PermissionError(errno.EACCES, "Permission denied", str(target.parent))

    monkeypatch.setattr("dlstudio.core.export.exporter.tempfile.mkstemp", refuse)

    status, _, err = run_cli(capsys, "export", trained_toy_run, "--format", "keras", "-o",
                             target)

    assert_one_line_error(status, err, f"{target.parent} cannot be written", "Permission")
    assert list(target.parent.iterdir()) == []


@pytest.mark.slow
def test_resume_with_a_garbled_state_refuses_and_keeps_the_run(capsys, trained_toy_run):
    run = copy_run(trained_toy_run)
    run.state_path.write_text('{"epochs_done": 2, "best": {')
    before = snapshot(run.path)

    status, _, err = run_cli(capsys, "train", "--resume", run.path, "--epochs", 3)

    assert_one_line_error(status, err, "state.json is damaged", "dlstudio train PROJECT")
    assert snapshot(run.path) == before


@pytest.mark.slow
def test_resume_without_a_checkpoint_never_starts_over_on_top_of_the_metrics(
        capsys, trained_toy_run):
    run = copy_run(trained_toy_run)
    run.last_checkpoint_path.unlink()
    before = snapshot(run.path)

    status, _, err = run_cli(capsys, "train", "--resume", run.path, "--epochs", 3)

    assert_one_line_error(status, err, "last.keras is missing", "start over at epoch 1")
    assert snapshot(run.path) == before


@pytest.mark.slow
def test_resume_with_a_garbled_metrics_file_names_the_line(capsys, trained_toy_run):
    run = copy_run(trained_toy_run)
    lines = run.metrics_path.read_text().splitlines()
    run.metrics_path.write_text("\n".join([lines[0], "1,banana,root:x:0:0", *lines[2:]]) + "\n")

    status, _, err = run_cli(capsys, "train", "--resume", run.path, "--epochs", 3)

    assert_one_line_error(status, err, "metrics.csv line 2")
    assert "banana" not in err and "root:x" not in err


def lambda_model_file(path: Path) -> Path:
    inputs = keras.Input((2,))
    keras.Model(inputs, keras.layers.Lambda(lambda x: x * 2)(inputs)).save(path)
    return path


@pytest.mark.slow
@pytest.mark.parametrize("damage, words", [
    ("lambda", ["Lambda layer", "does not run code from model files"]),
    ("truncated", ["not a complete Keras model file", "truncated"]),
])
def test_a_model_file_that_cannot_be_loaded_is_bad_input(capsys, trained_toy_run, damage,
                                                         words):
    run = copy_run(trained_toy_run)
    if damage == "lambda":
        lambda_model_file(run.model_path)
    else:
        raw = run.model_path.read_bytes()
        run.model_path.write_bytes(raw[: len(raw) // 2])

    status, _, err = run_cli(capsys, "evaluate", run.path)

    assert_one_line_error(status, err, *words)


def test_a_deeply_nested_project_file_is_bad_input(capsys, tmp_path):
    project = tmp_path / "deep.dlstudio.json"
    project.write_text('{"schema_version": 1, "data": ' + "[" * 100_000 + "]" * 100_000 + "}")

    status, _, err = run_cli(capsys, "info", project)

    assert_one_line_error(status, err, "nested too deeply", "dlstudio init")


@pytest.mark.slow
def test_a_full_disk_while_training_names_the_run_folder_and_keeps_it_resumable(
        capsys, trained_toy_run, monkeypatch):
    from dlstudio.core.training.checkpoints import Checkpointer

    project = trained_toy_run.parents[1] / "toy.dlstudio.json"
    runs = trained_toy_run.parents[1] / "full-disk-runs"
    write = Checkpointer._write
    calls = []

    def fill_up(self, model, state):
        calls.append(state.epochs_done)
        if len(calls) == 2:
            raise OSError(errno.ENOSPC, "No space left on device")
        write(self, model, state)

    monkeypatch.setattr(Checkpointer, "_write", fill_up)

    status, _, err = run_cli(capsys, "train", project, "--epochs", 2, "--runs-dir", runs)

    (run_path,) = runs.iterdir()
    notes = [line for line in err.splitlines() if line.startswith("note: ")]
    assert_one_line_error(status, "\n".join(line for line in err.splitlines()
                                            if line not in notes),
                          f"the disk holding {run_path} is full",
                          f"dlstudio train --resume {run_path}")
    run = RunFolder(run_path)
    assert run.read_record().state == "failed"
    assert run.read_state(strict=True).epochs_done == 1
    assert [row["epoch"] for row in run.read_metrics(strict=True)] == [1, 2]
    assert not list(run.checkpoint_dir.glob(".*partial*"))
    monkeypatch.setattr(Checkpointer, "_write", write)
    status, out, err = run_cli(capsys, "train", "--resume", run_path)
    assert status == 0, err
    assert [row["epoch"] for row in run.read_metrics(strict=True)] == [1, 2]
    assert json.loads(run.info_path.read_text())["state"] == "finished"


def test_info_says_which_columns_of_text_were_read_as_numbers(capsys, tmp_path):
    from dlstudio.core.data import load_dataset
    from dlstudio.core.project.project import load_project

    rows = [f'"{1000 + 37 * i:,}",{"?" if i % 7 == 0 else i},{"ab"[i % 2]}' for i in range(40)]
    data = tmp_path / "houses.csv"
    data.write_text("price,rooms,label\n" + "\n".join(rows) + "\n")
    project = tmp_path / "houses.dlstudio.json"
    assert run_cli(capsys, "init", data, "-o", project, "--target", "label")[0] == 0

    status, out, err = run_cli(capsys, "info", project)

    assert status == 0, err
    assert "column 'price' has numbers with thousands separators (such as 1,234)" in out
    assert "column 'rooms' is read as numbers, with '?' (6) read as missing" in out
    kinds = {column.name: column.kind for column in load_project(project).data.columns}
    assert kinds["price"] == kinds["rooms"] == "numeric"
    summary = load_dataset(load_project(project)).summary()
    assert any("thousands separators" in warning for warning in summary["warnings"])


SECRET_LINES = ["root:x:0:0:root:/root:/bin/bash",
                "daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin",
                "alice:x:1000:1000:Alice Example,,,:/home/alice:/bin/bash"]


def test_a_project_pointing_outside_its_folder_is_warned_and_no_line_is_echoed(capsys,
                                                                              tmp_path):
    secrets = tmp_path / "etc" / "passwd"
    secrets.parent.mkdir()
    secrets.write_text("\n".join(SECRET_LINES) + "\n")
    folder = tmp_path / "project"
    folder.mkdir()
    project = folder / "p.dlstudio.json"
    project.write_text(json.dumps({"schema_version": 1, "name": "p", "data": {
        "kind": "csv", "path": "../etc/passwd", "target": "label"}}))

    status, _, err = run_cli(capsys, "info", project)

    warning, error = err.strip().splitlines()
    assert warning.startswith("dlstudio: warning: the project's data path leads out of its "
                              f"folder: it reads {secrets}")
    assert_one_line_error(status, error, "single column")
    for line in SECRET_LINES:
        assert line not in err and line[:20] not in err


@pytest.mark.slow
def test_reading_another_file_quotes_only_short_column_names(capsys, trained_toy_run,
                                                             tmp_path):
    other = tmp_path / "other.csv"
    other.write_text("\n".join(line.replace(":", ",") for line in SECRET_LINES[:2]) + "\n")
    long_header = tmp_path / "long.csv"
    long_header.write_text("this column name is far too long to repeat whole,b\n1,2\n")

    for data, words in ((other, ["more than once"]), (long_header, ["'x1'", "not in the file"])):
        status, _, err = run_cli(capsys, "predict", trained_toy_run, "--data", data, "-o",
                                 tmp_path / "out.csv")
        assert_one_line_error(status, err, *words)
        assert "this column name is far too long to repeat whole" not in err
        assert "/usr/sbin/nologin" not in err


@pytest.mark.parametrize("arguments, grows", [
    (["evaluate", "no-such-run"], True),
    (["predict", "no-such-run", "--data", "x.csv", "-o", "out.csv"], True),
    (["export", "no-such-run", "--format", "keras"], True),
    (["info", "missing.dlstudio.json"], True),
    (["train", "missing.dlstudio.json"], False),
])
def test_commands_other_than_train_let_gpu_memory_grow(capsys, tmp_path, monkeypatch,
                                                       arguments, grows):
    from dlstudio.core.training import devices

    grown = []
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(devices, "list_gpus", lambda: ["GPU:0"])
    monkeypatch.setattr(devices.tf.config.experimental, "set_memory_growth",
                        lambda gpu, enabled: grown.append((gpu, enabled)))

    status, _, _ = run_cli(capsys, *arguments)

    assert status == 2
    assert grown == ([("GPU:0", True)] if grows else [])
