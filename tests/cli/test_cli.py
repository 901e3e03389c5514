"""The ``dlstudio`` command line as a user types it: results on stdout, exit status, and one
``dlstudio: error: …`` line on stderr for bad input."""

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import dlstudio
from dlstudio import cli
from dlstudio.cli_progress import ProgressPrinter
from dlstudio.core.project import layer_tree
from dlstudio.core.project.project import LayerSpec, load_project, save_project
from dlstudio.core.runs.folder import RunFolder
from dlstudio.core.training.devices import list_gpus
from dlstudio.core.training.events import (
    Batch,
    Epoch,
    Finished,
    Message,
    Phase,
    Started,
    decode,
)

REPOSITORY = Path(dlstudio.__file__).resolve().parents[1]


def run_cli(capsys, *arguments):
    status = cli.main([str(item) for item in arguments])
    out, err = capsys.readouterr()
    return status, out, err


def assert_one_line_error(status, err, *words):
    assert status == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("dlstudio: error: "), err
    for word in words:
        assert word in lines[0]


def test_layers_lists_every_type_with_its_parameters(capsys):
    status, out, _ = run_cli(capsys, "layers")

    assert status == 0
    assert "Dense:" in out and "units (int, default" in out


def test_layers_json_is_the_catalog(capsys):
    status, out, _ = run_cli(capsys, "layers", "--json")

    catalog = {entry["name"]: entry for entry in json.loads(out)}
    assert status == 0 and len(catalog) >= 40
    units = next(p for p in catalog["Dense"]["params"] if p["name"] == "units")
    assert units["kind"] == "int" and units["doc"]


def test_init_then_info_on_a_csv(capsys, toy_csv, tmp_path):
    project_path = tmp_path / "toy.dlstudio.json"

    status, out, _ = run_cli(capsys, "init", toy_csv, "-o", project_path)

    assert status == 0 and str(project_path) in out
    project = load_project(project_path)
    assert project.data.target == "label" and project.data.task == "classification"
    assert {column.name: column.role for column in project.data.columns} == {
        "id": "ignored", "x1": "feature", "x2": "feature", "colour": "feature",
        "label": "target"}
    assert project.model.template == "mlp" and project.model.layers

    status, out, _ = run_cli(capsys, "info", project_path)

    assert status == 0
    assert "label" in out and "Output shape" in out and "Total parameters:" in out
    assert "(batch, 3)" in out  # the softmax head over three classes
    layers = project.model.layers
    assert f"Layers: {layer_tree.count_layers(layers)} (inner stacks" in out
    devices = next(line for line in out.splitlines() if line.startswith("Devices: "))
    if list_gpus():  # what TensorFlow lists decides which line is right
        assert devices.startswith("Devices: GPU 0: ")
    else:
        assert devices.startswith("Devices: no GPU found \N{EM DASH} training will use the CPU (")


def test_info_marks_the_layer_that_cannot_be_built(capsys, toy_csv, tmp_path):
    project_path = tmp_path / "toy.dlstudio.json"
    run_cli(capsys, "init", toy_csv, "-o", project_path)
    project = load_project(project_path)
    project.model.layers.insert(1, LayerSpec.of("Conv2D"))
    save_project(project, project_path)

    status, out, err = run_cli(capsys, "info", project_path)

    row = next(line for line in out.splitlines() if line.startswith("2  Conv2D"))
    assert "! error" in row
    assert "not computed" in out  # the layers after it
    assert_one_line_error(status, err, "layer 2 (Conv2D)")


def test_init_on_an_image_folder_picks_the_cnn(capsys, image_folder, tmp_path):
    project_path = tmp_path / "shapes.dlstudio.json"

    status, _, _ = run_cli(capsys, "init", image_folder, "-o", project_path)

    project = load_project(project_path)
    assert status == 0 and project.data.kind == "images" and project.model.template == "cnn"


def test_init_refuses_to_overwrite_without_force(capsys, toy_csv, tmp_path):
    project_path = tmp_path / "toy.dlstudio.json"
    project_path.write_text("{}")

    status, _, err = run_cli(capsys, "init", toy_csv, "-o", project_path)

    assert_one_line_error(status, err, "--force")


@pytest.mark.parametrize("arguments, words", [
    (["init", "missing.csv", "-o", "p.dlstudio.json"], ["does not exist"]),
    (["info", "missing.dlstudio.json"], ["file not found"]),
    (["train"], ["project file"]),
    (["trian", "p.dlstudio.json"], ["did you mean `dlstudio train`"]),
    (["export", "some-run"], ["--format"]),
    (["train", "p.json", "--epochs", "0"], ["--epochs"]),
    (["evaluate", "."], ["not a run folder"]),
    (["evaluate", ".", "--threshold", "high"], ["--threshold expects a probability"]),
    (["explain", "."], ["not a run folder"]),
    (["robustness", ".", "--epsilons", "1,big"], ["--epsilons expects numbers"]),
])
def test_bad_input_gives_one_line_and_status_2(capsys, tmp_path, monkeypatch, arguments, words):
    monkeypatch.chdir(tmp_path)

    status, _, err = run_cli(capsys, *arguments)

    assert_one_line_error(status, err, *words)


def test_an_unknown_target_names_the_columns(capsys, toy_csv, tmp_path):
    status, _, err = run_cli(capsys, "init", toy_csv, "-o", tmp_path / "p.dlstudio.json",
                             "--target", "lable")

    assert_one_line_error(status, err, "'lable'", "did you mean 'label'", "x1")


def test_a_truncated_project_file_is_bad_input(capsys, tmp_path):
    broken = tmp_path / "broken.dlstudio.json"
    broken.write_text('{"schema_version": 1, "data": {')

    status, _, err = run_cli(capsys, "info", broken)

    assert_one_line_error(status, err, "not valid JSON")


def test_an_internal_fault_is_status_1_with_the_traceback_only_on_request(capsys,
                                                                         monkeypatch):
    def broken(_arguments):
        raise RuntimeError("a bug")

    monkeypatch.setattr("dlstudio.cli_commands.layers_command", broken)

    status, _, err = run_cli(capsys, "layers")
    assert status == 1 and "internal error: RuntimeError: a bug" in err
    assert "Traceback" not in err
    status, _, err = run_cli(capsys, "--debug", "layers")
    assert status == 1 and "Traceback" in err


def test_a_project_file_alone_opens_the_gui(capsys, monkeypatch):
    opened = []
    monkeypatch.setattr(cli, "open_gui", lambda arguments: opened.append(arguments) or 0)

    assert cli.main(["iris.dlstudio.json"]) == 0
    assert cli.main([]) == 0
    assert opened == [["iris.dlstudio.json"], []]


@pytest.mark.slow
def test_train_prints_progress_and_the_run_folder_last(capsys, toy_csv, tmp_path):
    project_path = tmp_path / "toy.dlstudio.json"
    run_cli(capsys, "init", toy_csv, "-o", project_path)

    status, out, err = run_cli(capsys, "train", project_path, "--epochs", 2,
                               "--runs-dir", tmp_path / "runs")

    lines = out.strip().splitlines()
    assert status == 0, err
    assert lines[0].startswith("Training 2 epoch(s) on CPU")
    assert lines[1].startswith("Epoch 1/2: loss ") and "val_accuracy" in lines[1]
    assert lines[-2].startswith("Finished. Best epoch")
    run = RunFolder.open(lines[-1])
    assert run.read_record().state == "finished"
    assert ("No GPU found" in err) == (not list_gpus())

    status, out, _ = run_cli(capsys, "evaluate", run.path, "--json")
    assert status == 0 and "accuracy" in json.dumps(json.loads(out))
    status, out, _ = run_cli(capsys, "explain", run.path, "--repeats", 1)
    assert status == 0 and "accuracy lost" in out and "x1" in out
    status, out, _ = run_cli(capsys, "robustness", run.path, "--epsilons", "0,0.5")
    assert status == 0 and "PGD" in out and "adversarial training" in out
    status, out, _ = run_cli(capsys, "export", run.path, "--format", "keras",
                             "-o", tmp_path / "toy.keras")
    assert status == 0 and (tmp_path / "toy.keras").is_file()
    status, out, err = run_cli(capsys, "export", run.path, "--format", "savedmodel",
                               "-o", tmp_path / "toy-savedmodel")
    assert status == 0, err
    assert (tmp_path / "toy-savedmodel" / "saved_model.pb").is_file()
    status, out, err = run_cli(capsys, "export", run.path, "--format", "onnx",
                               "-o", tmp_path / "toy-onnx")
    assert status == 0, err
    assert "accuracy: model → export" in out and "ms per batch of 32" in out
    status, _, err = run_cli(capsys, "export", run.path, "--format", "keras", "--quantize",
                             "int8", "-o", tmp_path / "q.keras")
    assert_one_line_error(status, err, "--quantize int8 does not apply to keras")
    status, out, _ = run_cli(capsys, "predict", run.path, "--data", toy_csv,
                             "-o", tmp_path / "predictions.csv")
    assert status == 0 and "240" in out
    assert len((tmp_path / "predictions.csv").read_text().splitlines()) == 241
    status, out, _ = run_cli(capsys, "predict", tmp_path / "toy-onnx", "--data", toy_csv,
                             "-o", tmp_path / "onnx-predictions.csv")
    assert status == 0
    assert (tmp_path / "onnx-predictions.csv").read_text().splitlines()[0] == \
        (tmp_path / "predictions.csv").read_text().splitlines()[0]


def test_a_terminal_gets_a_live_progress_bar_then_a_summary_line(monkeypatch):
    monkeypatch.setenv("COLUMNS", "200")
    out, err = io.StringIO(), io.StringIO()
    printer = ProgressPrinter(out, err, live=True)

    printer(Started("/runs/r", ["CPU (2 cores)"], "default", 5, 100, 32, 0, {"train": 3200}))
    printer(Batch(1, 40, 100, {"loss": 0.5, "accuracy": 0.8}, 1600.0))
    printer(Message("warning", "Skipped 2 files."))
    printer(Epoch(1, {"loss": 0.4, "val_loss": 0.45}, 0.001, 2.0, 1))

    text = out.getvalue()
    assert "\r\x1b[KEpoch 1/5 [##########" in text and "40/100" in text
    assert "1,600 samples/s" in text and "1s left" in text  # 60 batches of 32 at 1600/s
    assert text.endswith("Epoch 1/5: loss 0.4  val_loss 0.45 | lr 0.001 | 2s *best*\n")
    assert err.getvalue() == "warning: Skipped 2 files.\n"


def test_a_refit_phase_is_printed_and_lengthens_the_run():
    out = io.StringIO()
    printer = ProgressPrinter(out, io.StringIO(), live=False)

    printer(Started("/runs/r", ["CPU (2 cores)"], "default", 5, 10, 32, 0, {"train": 300}))
    printer(Phase("refit", 3, "Refit: a fresh model now trains on all rows.", 0.001, 10,
                  epochs=6))
    printer(Epoch(4, {"loss": 0.4}, 0.001, 2.0, 3))

    assert "After epoch 3: Refit: a fresh model" in out.getvalue()
    assert out.getvalue().endswith("Epoch 4/6: loss 0.4 | lr 0.001 | 2s\n")


def test_a_hint_with_a_fix_prints_the_setting_it_changes():
    err = io.StringIO()
    fix = {"label": "Set the learning rate to 0.1", "settings": {"training.learning_rate": 0.1}}

    ProgressPrinter(io.StringIO(), err, live=False)(Message("warning", "Too high.", fix))

    assert err.getvalue() == ("warning: Too high.\n"
                              "  fix for the next run: set training.learning_rate to 0.1\n")


@pytest.mark.slow
def test_train_events_prints_only_protocol_lines(toy_csv, tmp_path):
    project_path = tmp_path / "toy.dlstudio.json"
    assert cli.main(["init", str(toy_csv), "-o", str(project_path)]) == 0
    noisy = {**os.environ, "PYTHONPATH": str(REPOSITORY), "TF_CPP_MIN_LOG_LEVEL": "0"}

    finished = subprocess.run(
        [sys.executable, "-m", "dlstudio", "train", str(project_path), "--epochs", "1",
         "--events", "--runs-dir", str(tmp_path / "runs")],
        capture_output=True, text=True, timeout=120, env=noisy)

    events = [decode(line) for line in finished.stdout.splitlines()]
    assert finished.returncode == 0, finished.stderr
    assert isinstance(events[0], Started) and isinstance(events[-1], Finished)


@pytest.mark.slow
def test_train_resume_with_more_epochs_continues_the_same_run(capsys, toy_csv, tmp_path):
    project_path = tmp_path / "toy.dlstudio.json"
    run_cli(capsys, "init", toy_csv, "-o", project_path)
    project = load_project(project_path)
    project.training.refit_on_all = "off"  # a refit run is not trained further (test_refit)
    save_project(project, project_path)
    status, out, err = run_cli(capsys, "train", project_path, "--epochs", 2,
                               "--runs-dir", tmp_path / "runs")
    assert status == 0, err
    run_path = out.strip().splitlines()[-1]

    status, out, err = run_cli(capsys, "train", "--resume", run_path, "--epochs", 3)

    lines = out.strip().splitlines()
    assert status == 0, err
    assert lines[0].startswith("Resuming at epoch 3 of 3 on CPU")
    assert [line.split(":")[0] for line in lines if line.startswith("Epoch ")] == ["Epoch 3/3"]
    assert lines[-1] == run_path and "Resuming after epoch 2" in err
    run = RunFolder.open(run_path)
    assert [row["epoch"] for row in run.read_metrics()] == [1, 2, 3]
    assert run.read_record().state == "finished" and run.read_record().epochs_done == 3


@pytest.mark.slow
def test_a_reader_that_closes_the_pipe_early_ends_the_command_quietly():
    reader, writer = os.pipe()
    os.close(reader)  # like `| head -1` that has already gone: every write fails
    environment = {**os.environ, "PYTHONPATH": str(REPOSITORY)}
    try:
        finished = subprocess.run([sys.executable, "-m", "dlstudio", "layers", "--json"],
                                  stdout=writer, stderr=subprocess.PIPE, text=True,
                                  timeout=60, env=environment)
    finally:
        os.close(writer)

    assert finished.returncode == cli.PIPE_CLOSED
    assert finished.stderr == ""


def test_without_a_display_the_gui_command_says_to_use_the_command_line(capsys, monkeypatch):
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(cli.sys, "platform", "linux")
    assert cli.main([]) == 2
    error = capsys.readouterr().err
    assert error.startswith("dlstudio: error: no display to open the workbench on")
    assert "dlstudio train PROJECT" in error
    assert cli.has_display({"WAYLAND_DISPLAY": "wayland-0"})


@pytest.mark.slow
def test_lr_find_prints_a_suggestion_and_applies_it(capsys, toy_csv, tmp_path):
    project_path = tmp_path / "toy.dlstudio.json"
    assert cli.main(["init", str(toy_csv), "-o", str(project_path)]) == 0
    capsys.readouterr()

    status, out, err = run_cli(capsys, "lr-find", project_path, "--steps", "30", "--json",
                               "--apply")

    result = json.loads(out)
    assert status == 0 and 1 <= result["steps"] <= 30 and result["suggestion"] > 0
    assert load_project(project_path).training.learning_rate == result["suggestion"]
    assert "Wrote training.learning_rate" in err
    status, _out, err = run_cli(capsys, "lr-find", project_path, "--steps", "0")
    assert_one_line_error(status, err, "--steps must be 1 to 500")
