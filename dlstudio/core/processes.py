"""Whether a process recorded by an earlier dlstudio process still runs."""

from __future__ import annotations

import os
import sys


def process_alive(pid: object, *, unknown: bool) -> bool:
    """Return whether process ``pid`` on this machine still runs.

    Args:
        pid: A process id as recorded in a file (anything: files are not trusted).
        unknown: The answer where it cannot be told — ``pid`` is not a positive integer, or the
            platform is Windows, where ``os.kill(pid, 0)`` would end the process instead.
    """
    if not isinstance(pid, int) or isinstance(pid, bool) or pid <= 0 or sys.platform == "win32":
        return unknown
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
