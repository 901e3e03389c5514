"""The run folder: its layout, its small files, and where a resumed run starts."""

import os
import re
import subprocess
import sys

import pytest

from dlstudio.core.errors import UserInputError
from dlstudio.core.project.project import (
    DataSpec,
    LayerSpec,
    ModelSpec,
    Project,
    save_project,
)
from dlstudio.core.runs.folder import RunFolder, create_run, slug
from dlstudio.core.runs.index import read_summary
from dlstudio.core.runs.record import RUN_RECORD_VERSION, CheckpointState
from dlstudio.core.training.resume import ResumePoint, prepare_resume


@pytest.fixture
def project(tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "table.csv").write_text("x,y\n1,a\n2,b\n", encoding="utf-8")
    project = Project(name="My Model!", data=DataSpec(
        kind="csv", path=str(tmp_path / "data" / "table.csv"), target="y"))
    save_project(project, tmp_path / "project" / "my.dlstudio.json")
    return project


def test_a_new_run_goes_under_runs_beside_the_project(project, tmp_path):
    run = create_run(project)

    assert run.path.parent == tmp_path / "project" / "runs"
    assert run.path.name.endswith("-my-model")
    assert run.checkpoint_dir.is_dir()
    record = run.read_record()
    assert record.state == "running" and record.id == run.path.name
    assert record.pid == os.getpid() and record.schema_version == RUN_RECORD_VERSION


def test_the_snapshot_finds_the_data_from_the_run_folder(project, tmp_path):
    run = create_run(project, tmp_path / "elsewhere")

    snapshot = run.load_project()
    assert snapshot.data_path() == (tmp_path / "data" / "table.csv").resolve()
    assert snapshot.name == project.name


def test_two_runs_in_the_same_second_get_different_folders(project, tmp_path):
    first, second = create_run(project, tmp_path), create_run(project, tmp_path)

    assert first.path != second.path


def test_runs_are_named_by_project_model_and_time_so_a_list_tells_them_apart(project, tmp_path):
    project.model = ModelSpec(layers=[LayerSpec.of("Dense", units=4)])
    first, second = create_run(project, tmp_path), create_run(project, tmp_path)

    first_name, second_name = first.read_record().name, second.read_record().name
    assert re.fullmatch(r"My Model! · Dense · \d\d:\d\d", first_name)
    assert second_name != first_name and second_name.startswith(first_name)
    project.model.template = "mlp"
    assert " · mlp · " in create_run(project, tmp_path / "other").read_record().name


def test_update_record_changes_only_the_given_fields(project):
    run = create_run(project)

    run.update_record(state="finished", epochs_done=3)

    record = run.read_record()
    assert (record.state, record.epochs_done) == ("finished", 3)
    assert record.name.startswith("My Model!")
    with pytest.raises(TypeError, match="no field colour"):
        run.update_record(colour="red")


def test_metrics_rows_keep_the_first_header_and_can_be_truncated(project):
    run = create_run(project)
    for epoch in (1, 2, 3):
        run.append_metrics({"epoch": epoch, "loss": 1.0 / epoch, "learning_rate": 0.1})

    run.truncate_metrics(2)

    assert run.metrics_path.read_text().splitlines()[0] == "epoch,loss,learning_rate"
    assert [row["epoch"] for row in run.read_metrics()] == [1.0, 2.0]


def test_open_refuses_a_folder_that_is_not_a_run(tmp_path):
    with pytest.raises(UserInputError, match="not a run folder"):
        RunFolder.open(tmp_path)


def test_no_state_until_a_checkpoint_exists(project):
    run = create_run(project)
    run.write_state(CheckpointState(epochs_done=1))

    assert run.read_state() is None
    run.last_checkpoint_path.write_bytes(b"model")
    assert run.read_state().epochs_done == 1


@pytest.mark.parametrize("name, expected", [
    ("My Model!", "my-model"), ("  ", "run"), ("Iris 2025 / v2", "iris-2025-v2"),
])
def test_slug(name, expected):
    assert slug(name) == expected


def test_resume_without_checkpoint_starts_over_in_the_same_folder(project):
    run = create_run(project)
    run.update_record(state="stopped")

    point = prepare_resume(run.path)

    assert (point.run.path, point.epochs_done, point.checkpoint) == (run.path, 0, False)


def test_resume_drops_metrics_written_after_the_last_checkpoint(project):
    run = create_run(project)
    run.update_record(state="failed")
    run.last_checkpoint_path.write_bytes(b"model")
    run.write_state(CheckpointState(epochs_done=1))
    for epoch in (1, 2):
        run.append_metrics({"epoch": epoch, "loss": 0.5})

    point = prepare_resume(run.path)

    assert point.epochs_done == 1 and point.checkpoint
    assert len(run.read_metrics()) == 1


def test_a_finished_run_resumes_only_with_more_epochs(project):
    run = create_run(project)
    run.update_record(state="finished")
    run.last_checkpoint_path.write_bytes(b"model")
    run.write_state(CheckpointState(epochs_done=project.training.epochs))

    with pytest.raises(UserInputError, match="--epochs"):
        prepare_resume(run.path)
    point = prepare_resume(run.path, epochs=project.training.epochs + 5)
    assert point.project.training.epochs == project.training.epochs + 5
    assert run.load_project().training.epochs == project.training.epochs + 5


def test_a_run_whose_process_is_alive_is_not_resumed(project):
    run = create_run(project)
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        run.update_record(pid=sleeper.pid)
        with pytest.raises(UserInputError, match="still running"):
            prepare_resume(run.path)
    finally:
        sleeper.kill()
        sleeper.wait()
    assert prepare_resume(run.path).run.path == run.path


def test_fresh_point_overrides_epochs_on_a_copy(project):
    point = ResumePoint.fresh(project, epochs=3)

    assert point.project.training.epochs == 3 and project.training.epochs == 20


def test_the_snapshot_pins_the_task_and_every_column_as_read(tmp_path):
    from dlstudio.core.project.project import ColumnSpec, Project
    from dlstudio.core.runs.folder import create_run

    class ReadDataset:
        task = "regression"
        columns = [ColumnSpec("id", "ignored", "identifier"), ColumnSpec("y", "target")]

    project = Project(name="pinned")
    run = create_run(project, tmp_path / "runs", ReadDataset())
    snapshot = run.load_project()
    assert snapshot.data.task == "regression"
    assert snapshot.data.columns == ReadDataset.columns
    assert project.data.columns == []


def test_a_full_disk_leaves_no_half_written_metrics_row(tmp_path, monkeypatch):
    import csv
    import errno

    run = RunFolder(tmp_path / "run")
    run.path.mkdir()
    run.append_metrics({"epoch": 1, "loss": 0.5})
    before = run.metrics_path.read_bytes()

    def half_then_full(self, row):
        self.writer.writerow(["2"])  # part of the row reaches the file
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(csv.DictWriter, "writerow", half_then_full)
    with pytest.raises(OSError):
        run.append_metrics({"epoch": 2, "loss": 0.4})

    assert run.metrics_path.read_bytes() == before
    assert run.read_metrics(strict=True) == [{"epoch": 1.0, "loss": 0.5}]


def test_a_damaged_state_is_an_error_only_when_asked_to_be_strict(tmp_path):
    run = RunFolder(tmp_path / "run")
    run.checkpoint_dir.mkdir(parents=True)
    run.last_checkpoint_path.write_bytes(b"PK")
    run.state_path.write_text('{"epochs_done": "two"}')

    assert run.read_state() is None
    with pytest.raises(UserInputError, match="state.json is damaged"):
        run.read_state(strict=True)


def test_the_run_list_counts_inner_and_input_stack_layers_not_blocks(project):
    inner = [LayerSpec.of("Dense", units=4), LayerSpec.of("Dropout")]
    project.model = ModelSpec(layers=[LayerSpec.of("Residual", stacks=[inner])],
                              inputs={"review": [LayerSpec.of("Flatten")]})
    run = create_run(project)

    assert read_summary(run.path).settings.endswith(", 3 layers")


def test_the_run_list_names_a_gans_two_learning_rates(project):
    project.data.task = "gan"
    project.training.gan.generator_learning_rate = 0.0002
    project.training.gan.discriminator_learning_rate = 0.0004
    run = create_run(project)

    settings = read_summary(run.path).settings
    assert ", lr G 0.0002 D 0.0004, " in settings and "lr 0.001" not in settings
