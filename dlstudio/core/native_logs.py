"""Keep TensorFlow's native start-up chatter off the user's terminal.

Importing TensorFlow prints absl INFO lines (oneDNN, "Could not find cuda drivers", CPU
features) straight to file descriptor 2 before any log level is read, and listing GPUs on a
machine without one prints a ``failed call to cuInit`` error. ``TF_CPP_MIN_LOG_LEVEL`` does not
reach these, so the calls that trigger them run inside :func:`filtered_native_stderr`, which
captures descriptor 2 and passes on every line that is not known noise.
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
import tempfile
from collections.abc import Iterator

_NOISE = re.compile(
    r"^(WARNING: All log messages before absl::InitializeLog\(\) is called"
    r"|[IW]\d{4} \d\d:\d\d:\d\d"
    r"|E\d{4} .*(failed call to cuInit|Unable to register cu)"
    r"|To enable the following instructions:.*rebuild TensorFlow"
    r"|WARNING: All log messages before absl)"
)


def is_noise(line: str) -> bool:
    """Whether ``line`` is TensorFlow start-up chatter that says nothing to the user."""
    return bool(_NOISE.match(line))


@contextlib.contextmanager
def filtered_native_stderr() -> Iterator[None]:
    """Capture descriptor 2 for the block, then write back only the lines that matter."""
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile(mode="w+b") as capture:
        os.dup2(capture.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            capture.seek(0)
            text = capture.read().decode("utf-8", "replace")
    kept = [line for line in text.splitlines() if line.strip() and not is_noise(line)]
    if kept:
        sys.stderr.write("\n".join(kept) + "\n")
        sys.stderr.flush()


def import_tensorflow_quietly() -> None:
    """Import TensorFlow and Keras and look for GPUs, with the chatter filtered (idempotent)."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    if "tensorflow" in sys.modules and "keras" in sys.modules:
        return
    with filtered_native_stderr():
        import keras  # noqa: F401
        import tensorflow

        tensorflow.config.list_physical_devices("GPU")  # the cuInit attempt happens here
