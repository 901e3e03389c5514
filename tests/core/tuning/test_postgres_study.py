"""One study shared by two study processes through a real PostgreSQL server (the path for many
machines). The test starts a throwaway cluster with initdb and pg_ctl on a free port; it is
skipped, saying why, when the server's programs are not installed (``.ci/run`` installs them).
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import optuna
import pytest

from dlstudio.core.tuning.storage import open_storage
from dlstudio.core.tuning.summary import counted

pytestmark = pytest.mark.slow
DRIVER = Path(__file__).with_name("study_driver.py")


def server_program(name: str) -> str | None:
    """The path of a PostgreSQL server program (PATH first, then Debian's versioned folders)."""
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return candidates[-1] if candidates else None


def as_server_user(command: list[str]) -> list[str]:
    """initdb refuses to run as root: run the server as ``postgres`` when we are root."""
    if os.geteuid() != 0:
        return command
    return ["runuser", "-u", "postgres", "--", *command]


@pytest.fixture
def postgres_url() -> Iterator[str]:
    initdb, pg_ctl = server_program("initdb"), server_program("pg_ctl")
    if not initdb or not pg_ctl:
        pytest.skip("PostgreSQL server programs (initdb, pg_ctl) are not installed; "
                    "apt-get install postgresql to run this test")
    if os.geteuid() == 0 and (shutil.which("runuser") is None or _no_user("postgres")):
        pytest.skip("running as root, and no 'postgres' user to run the server as")
    pytest.importorskip("psycopg", reason="the PostgreSQL driver psycopg is not installed "
                                          "(pip install 'dlstudio[tune-postgres]')")
    folder = Path(tempfile.mkdtemp(prefix="dlstudio-pg-"))
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
    port = _free_port()
    data, log = folder / "data", folder / "server.log"
    subprocess.run(as_server_user([initdb, "-D", str(data), "-U", "dlstudio", "--auth=trust",
                                   "--no-sync"]), check=True, capture_output=True)
    subprocess.run(as_server_user([pg_ctl, "-D", str(data), "-l", str(log), "-w", "-o",
                                   f"-p {port} -k {folder} -h 127.0.0.1 -F", "start"]),
                   check=True, capture_output=True)
    try:
        yield f"postgresql://dlstudio@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(as_server_user([pg_ctl, "-D", str(data), "-m", "immediate", "stop"]),
                       capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)


def _no_user(name: str) -> bool:
    import pwd

    try:
        pwd.getpwnam(name)
    except KeyError:
        return True
    return False


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_two_study_processes_share_one_postgresql_study(tune_project, postgres_url):
    runs = tune_project.parent / "runs"
    command = [sys.executable, str(DRIVER), str(tune_project), str(runs), postgres_url, "6", "1",
               "--resume"]
    env = {**os.environ, "FAKE_EPOCH_SECONDS": "0.15"}
    processes = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True, env=env) for _ in range(2)]
    outputs = [process.communicate(timeout=120) for process in processes]
    assert [process.returncode for process in processes] == [0, 0], outputs
    study = optuna.load_study(study_name="study", storage=open_storage(postgres_url))
    trials = study.get_trials()
    assert len(counted(trials)) == 6
    assert all(trial.state.name == "COMPLETE" for trial in trials)
    assert {trial.user_attrs["pid"] for trial in trials} == {p.pid for p in processes}
