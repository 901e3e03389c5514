"""RunClient against a fake worker: events become signals; stop, pause, resume; a crash."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from dlstudio.core.runs.folder import RunFolder
from dlstudio.core.training import events
from dlstudio.gui.run_client import RunClient, explain_exit

FAKE_WORKER = str(Path(__file__).with_name("fake_worker.py"))
pytestmark = pytest.mark.slow


def fake_client(*options: str) -> RunClient:
    return RunClient(program=[sys.executable, FAKE_WORKER, *options])


class Recorder:
    """Collects every signal of a client, in order."""

    def __init__(self, client: RunClient) -> None:
        self.events: list[object] = []
        self.logs: list[str] = []
        self.crashes: list[tuple[str, str]] = []
        self.states: list[str] = []
        for signal in (client.started, client.batch, client.epoch, client.message,
                       client.finished, client.error):
            signal.connect(self.events.append)
        client.log.connect(self.logs.append)
        client.crashed.connect(lambda text, run: self.crashes.append((text, run)))
        client.state_changed.connect(self.states.append)

    def of(self, kind: type) -> list:
        return [event for event in self.events if isinstance(event, kind)]


def test_a_whole_run_turns_every_line_into_a_signal(qtbot, tmp_path):
    client = fake_client("--epochs", "2", "--steps", "3")
    seen = Recorder(client)
    with qtbot.waitSignal(client.finished, timeout=20000):
        client.start(tmp_path / "p.dlstudio.json", runs_dir=tmp_path / "runs")
    qtbot.waitUntil(lambda: not client.is_active(), timeout=5000)
    assert isinstance(seen.events[0], events.Message)
    assert isinstance(seen.events[1], events.Started)
    assert seen.events[1].devices == ["CPU (fake)"]
    assert len(seen.of(events.Batch)) == 6
    assert [epoch.epoch for epoch in seen.of(events.Epoch)] == [1, 2]
    assert seen.of(events.Message)[0].text.startswith("No GPU")
    assert seen.of(events.Finished)[0].state == "finished"
    assert "fake worker starting" in seen.logs
    assert seen.crashes == []
    assert Path(client.run_dir).parent == tmp_path / "runs"
    assert seen.states == ["running", "idle"]


def test_stop_ends_the_run_cleanly(qtbot, tmp_path):
    client = fake_client("--epochs", "50", "--steps", "10", "--delay", "0.02")
    seen = Recorder(client)
    with qtbot.waitSignal(client.batch, timeout=20000):
        client.start(tmp_path / "p.dlstudio.json", runs_dir=tmp_path)
    with qtbot.waitSignal(client.finished, timeout=10000) as finished:
        client.stop()
    assert finished.args[0].state == "stopped"
    qtbot.waitUntil(lambda: client.state == "idle", timeout=5000)
    assert seen.states == ["running", "stopping", "idle"]
    assert len(seen.of(events.Epoch)) < 50
    assert seen.crashes == []


def test_pause_holds_the_batches_until_resume(qtbot, tmp_path):
    client = fake_client("--epochs", "50", "--steps", "10", "--delay", "0.02")
    seen = Recorder(client)
    with qtbot.waitSignal(client.batch, timeout=20000):
        client.start(tmp_path / "p.dlstudio.json", runs_dir=tmp_path)
    client.pause()
    qtbot.waitUntil(lambda: "paused" in seen.logs, timeout=5000)
    qtbot.wait(100)
    count = len(seen.of(events.Batch))
    qtbot.wait(300)
    assert len(seen.of(events.Batch)) == count
    assert client.state == "paused"
    with qtbot.waitSignal(client.batch, timeout=5000):
        client.resume()
    assert client.state == "running"
    assert client.stop_and_wait(10000)
    assert seen.of(events.Finished)[0].state == "stopped"


def test_a_killed_worker_reports_a_crash_with_its_run_folder(qtbot, tmp_path):
    client = fake_client("--epochs", "3", "--steps", "4", "--crash-at-epoch", "2")
    seen = Recorder(client)
    with qtbot.waitSignal(client.crashed, timeout=20000) as crash:
        client.start(tmp_path / "p.dlstudio.json", runs_dir=tmp_path)
    explanation, run_dir = crash.args
    assert "killed" in explanation and "out of memory" in explanation
    assert RunFolder(run_dir).read_state().epochs_done == 1
    assert not client.is_active() and client.state == "idle"
    assert seen.of(events.Finished) == []


def test_resume_passes_the_run_folder_and_continues_from_its_checkpoint(qtbot, tmp_path):
    crashing = fake_client("--epochs", "3", "--steps", "2", "--crash-at-epoch", "2")
    with qtbot.waitSignal(crashing.crashed, timeout=20000) as crash:
        crashing.start(tmp_path / "p.dlstudio.json", runs_dir=tmp_path)
    run_dir = crash.args[1]
    client = fake_client("--epochs", "3", "--steps", "2")
    seen = Recorder(client)
    with qtbot.waitSignal(client.finished, timeout=20000):
        client.start(None, resume_from=run_dir)
    assert seen.of(events.Started)[0].initial_epoch == 1
    assert [epoch.epoch for epoch in seen.of(events.Epoch)] == [2, 3]


def test_an_error_event_is_not_a_crash(qtbot, tmp_path):
    client = fake_client("--fail")
    seen = Recorder(client)
    with qtbot.waitSignal(client.error, timeout=20000) as error:
        client.start(tmp_path / "p.dlstudio.json", runs_dir=tmp_path)
    qtbot.waitUntil(lambda: not client.is_active(), timeout=5000)
    assert error.args[0].kind == "nan_loss"
    assert seen.crashes == []


def test_a_missing_program_is_reported_as_a_crash(qtbot, tmp_path):
    client = RunClient(program=[str(tmp_path / "no-such-python")])
    with qtbot.waitSignal(client.crashed, timeout=5000) as crash:
        client.start(tmp_path / "p.dlstudio.json")
    assert "could not start" in crash.args[0]
    assert client.state == "idle" and not client.is_active()


def test_lines_that_are_not_events_go_to_the_log(qtbot):
    client = RunClient()
    logs: list[str] = []
    client.log.connect(logs.append)
    client._handle_line("Epoch 1/3 ━━━━━━")
    assert logs and "not a worker event" in logs[0]


def test_exit_explanations_speak_plainly():
    assert "out of memory" in explain_exit(9, crashed=True)
    assert "segmentation fault" in explain_exit(11, crashed=True)
    assert "exit code 3" in explain_exit(3, crashed=False)


def _gone(pid: int) -> bool:
    """Whether process ``pid`` has exited (a zombie nobody reaped counts as gone)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] in ("Z", "X")
    except FileNotFoundError:
        return True


def test_a_warm_worker_takes_the_run_and_a_fresh_one_waits_after_it(qtbot, tmp_path):
    client = fake_client("--epochs", "2", "--steps", "2")
    seen = Recorder(client)
    with qtbot.waitSignal(client.spare_ready, timeout=20000):
        client.keep_warm(True)
    warm = client.spare_pid()
    assert client.is_warm() and not client.is_active() and client.state == "idle"

    with qtbot.waitSignal(client.finished, timeout=20000):
        client.start(tmp_path / "p.dlstudio.json", runs_dir=tmp_path, epochs=1)

    assert Path(seen.of(events.Started)[0].run_dir).name == f"fake-{warm}"
    assert [epoch.epoch for epoch in seen.of(events.Epoch)] == [1]
    assert "fake worker starting" in seen.logs  # the spare's stderr reaches the log
    qtbot.waitUntil(lambda: client.is_warm() and client.spare_pid() != warm, timeout=20000)
    assert _gone(warm) and seen.crashes == []
    fresh = client.spare_pid()
    client.keep_warm(False)
    assert client.spare_pid() == 0
    qtbot.waitUntil(lambda: _gone(fresh), timeout=5000)


def test_no_warm_worker_is_kept_while_a_run_goes_on(qtbot, tmp_path):
    client = fake_client("--epochs", "1", "--steps", "3", "--delay", "0.2")
    with qtbot.waitSignal(client.started, timeout=20000):
        client.start(tmp_path / "p.dlstudio.json", runs_dir=tmp_path)
    client.keep_warm(True)
    assert client.spare_pid() == 0
    with qtbot.waitSignal(client.spare_ready, timeout=20000):
        pass  # the run ends, then the spare starts
    assert not client.is_active()
    client.end_spare()


APP = """
import os, signal, sys
from PySide6.QtCore import QCoreApplication, QTimer
from dlstudio.gui.run_client import RunClient
app = QCoreApplication([])
client = RunClient(program=sys.argv[2:] or None)
def ready():
    print(client.spare_pid(), flush=True)
    if sys.argv[1] == "crash":
        os.kill(os.getpid(), signal.SIGKILL)
    QTimer.singleShot(0, app.quit)
client.spare_ready.connect(ready)
client.keep_warm(True)
sys.exit(app.exec())
"""


@pytest.mark.parametrize("ending", ["quit", "crash"])
def test_the_warm_worker_never_outlives_the_app(tmp_path, ending):
    """The real worker when the app crashes (its stdin closes); the fake one when it quits."""
    program = [] if ending == "crash" else [sys.executable, FAKE_WORKER]
    app = subprocess.run([sys.executable, "-c", APP, ending, *program], capture_output=True,
                         text=True, timeout=240,
                         env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[2])})
    assert app.stdout.strip(), app.stderr[-2000:]
    spare = int(app.stdout.split()[0])
    deadline = time.monotonic() + 10
    while not _gone(spare) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _gone(spare), f"the warm worker {spare} outlived the app ({ending})"
