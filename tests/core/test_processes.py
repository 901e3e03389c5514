"""Whether a recorded process still runs: never guessed from a bad pid, never by ending it."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from dlstudio.core.processes import process_alive


def test_this_process_is_alive():
    assert process_alive(os.getpid(), unknown=False)


def test_a_finished_process_is_not_alive():
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    assert not process_alive(child.pid, unknown=True)


@pytest.mark.parametrize("pid", [None, "123", 0, -4, True, 3.5])
def test_a_pid_that_is_not_a_process_id_gets_the_callers_answer(pid):
    assert process_alive(pid, unknown=True) is True
    assert process_alive(pid, unknown=False) is False
