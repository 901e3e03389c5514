"""The worker process: its protocol on stdout, commands on stdin, signals, and being killed.

Every line a worker writes on stdout must decode as an event (``WorkerProcess.next_event``
fails otherwise), so these tests also prove that Keras and TensorFlow output stays off the
protocol channel.
"""

import io
import os
import queue
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from dlstudio import worker
from dlstudio.core.runs.folder import RunFolder
from dlstudio.core.training.control import RunControl
from dlstudio.core.training.events import (
    Batch,
    Epoch,
    Error,
    Finished,
    Message,
    Ready,
    Started,
    encode_run_command,
)
from dlstudio.worker import parse_arguments, read_commands

REPOSITORY = Path(__file__).resolve().parents[2]


def test_commands_on_stdin_steer_the_run_control():
    control, sent = RunControl(), []

    read_commands(io.StringIO("pause\n"), control, sent.append)
    assert control.pause_requested
    read_commands(io.StringIO(" RESUME \n\nfaster\n"), control, sent.append)
    assert not control.pause_requested
    assert [event.level for event in sent] == ["warning"] and "faster" in sent[0].text
    read_commands(io.StringIO("stop\n"), control, sent.append)
    assert control.stop_requested


@pytest.mark.slow
def test_pause_resume_and_stop_take_effect_within_a_batch(slow_project, start_worker):
    worker = start_worker(slow_project)
    started = worker.wait_for(Started)
    assert started.protocol == 1 and started.steps_per_epoch == 175
    worker.wait_for(Batch)

    worker.send("pause")
    paused = worker.wait_for(Message, timeout=5)
    assert paused.text.startswith("Paused before batch")
    with pytest.raises(queue.Empty):
        worker.next_event(timeout=1.0)  # nothing happens while paused
    worker.send("resume")
    assert worker.wait_for(Message, timeout=5).text == "Resumed."
    worker.wait_for(Batch, timeout=5)
    worker.send("stop")
    finished = worker.wait_for(Finished, timeout=10)

    assert finished.state == "stopped"
    assert worker.rest() == [] and worker.close() == 0
    assert RunFolder(finished.run_dir).read_record().state == "stopped"


@pytest.mark.slow
def test_sigterm_stops_cleanly_and_keeps_the_checkpoint(slow_project, start_worker):
    worker = start_worker(slow_project)
    run_dir = worker.wait_for(Started).run_dir
    worker.wait_for(Epoch)

    worker.process.send_signal(signal.SIGTERM)
    finished = worker.wait_for(Finished, timeout=10)

    assert worker.close() == 0 and finished.state == "stopped"
    run = RunFolder(run_dir)
    assert run.read_state().epochs_done >= 1 and run.model_path.exists()


@pytest.mark.slow
def test_a_killed_worker_leaves_a_checkpoint_that_resumes(slow_project, start_worker):
    worker = start_worker(slow_project)
    run_dir = worker.wait_for(Started).run_dir
    worker.wait_for(Epoch)

    os.kill(worker.process.pid, signal.SIGKILL)
    worker.close()
    run = RunFolder(run_dir)
    assert run.read_record().state == "running"  # nobody could say otherwise
    done = run.read_state().epochs_done
    assert done >= 1 and run.last_checkpoint_path.exists()

    resumed = start_worker(slow_project, "--resume", run_dir, "--epochs", done + 1)
    started = resumed.wait_for(Started)
    finished = resumed.wait_for(Finished)

    assert started.initial_epoch == done and started.run_dir == run_dir
    assert [event.epoch for event in resumed.events if isinstance(event, Epoch)] == [done + 1]
    assert finished.state == "finished" and resumed.close() == 0
    assert [row["epoch"] for row in run.read_metrics()] == list(range(1, done + 2))
    assert run.read_state().optimizer_iterations == (done + 1) * started.steps_per_epoch


@pytest.mark.slow
def test_a_bad_project_gives_an_error_event_and_exit_status_2(tmp_path, start_worker):
    worker = start_worker(tmp_path / "missing.dlstudio.json")

    events = worker.rest()

    assert len(events) == 1 and isinstance(events[0], Error)
    assert events[0].kind == "settings" and "file not found" in events[0].message
    assert worker.close() == 2


@pytest.mark.slow
def test_a_warm_worker_waits_ready_then_runs_what_it_is_given(slow_project, start_worker,
                                                                tmp_path):
    worker = start_worker("--wait")
    assert worker.wait_for(Ready, timeout=120).protocol == 1

    worker.send(encode_run_command(str(slow_project), epochs=1, runs_dir=str(tmp_path / "r")))
    started = worker.wait_for(Started)
    finished = worker.wait_for(Finished, timeout=60)

    assert Path(started.run_dir).parent == tmp_path / "r" and started.epochs == 1
    assert finished.state == "finished" and worker.rest() == [] and worker.close() == 0


@pytest.mark.slow
def test_a_warm_worker_quits_on_quit_and_refuses_a_bad_command(start_worker):
    quitting = start_worker("--wait")
    quitting.send("quit")
    assert quitting.close() == 0
    confused = start_worker("--wait")
    confused.send("train please")
    (error,) = [event for event in confused.rest(timeout=120) if isinstance(event, Error)]
    assert "does not understand" in error.message and confused.close() == 2


@pytest.mark.slow
def test_where_a_gpu_may_be_warming_up_touches_no_device():
    """Imports only: TensorFlow's context (which takes GPU memory) is not made."""
    check = ("import dlstudio.worker as worker; worker.gpus_in_sight = lambda: True; "
             "worker.warm_up(); from tensorflow.python.eager import context; "
             "print('initialized', context.context()._initialized)")
    result = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True,
                            timeout=240, env={**os.environ, "PYTHONPATH": str(REPOSITORY)})
    assert result.stdout.split()[-2:] == ["initialized", "False"], result.stderr[-2000:]


def test_gpus_are_in_sight_unless_hidden_or_without_a_device_file(monkeypatch):
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "-1")
    assert not worker.gpus_in_sight()
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES")
    monkeypatch.setattr(worker.glob, "glob", lambda pattern: [])
    assert not worker.gpus_in_sight()
    monkeypatch.setattr(worker.glob, "glob",
                        lambda pattern: ["/dev/nvidia0"] if "nvidia" in pattern else [])
    assert worker.gpus_in_sight()
    monkeypatch.setattr(sys, "platform", "win32")
    monkeypatch.setattr(worker.glob, "glob", lambda pattern: [])
    assert worker.gpus_in_sight()


@pytest.mark.slow
def test_a_warm_worker_trains_exactly_as_a_fresh_one(slow_project, start_worker, tmp_path):
    """The rehearsal before the run changes nothing of the run: same seed, same numbers."""
    cold = start_worker(slow_project, "--epochs", "1", "--runs-dir", tmp_path / "cold")
    cold_run = cold.wait_for(Finished, timeout=120).run_dir
    warm = start_worker("--wait")
    warm.wait_for(Ready, timeout=120)
    warm.send(encode_run_command(str(slow_project), epochs=1, runs_dir=str(tmp_path / "warm")))
    warm_run = warm.wait_for(Finished, timeout=120).run_dir
    assert cold.close() == 0 and warm.close() == 0
    cold_rows, warm_rows = RunFolder(cold_run).read_metrics(), RunFolder(warm_run).read_metrics()
    numbers = [key for key in cold_rows[0] if key not in ("epoch", "time", "elapsed")]
    assert [[row[key] for key in numbers] for row in warm_rows] == [
        [row[key] for key in numbers] for row in cold_rows]


def test_wait_takes_no_other_arguments():
    with pytest.raises(SystemExit):
        parse_arguments(["--wait", "p.dlstudio.json"])
    assert parse_arguments(["--wait"]).wait
