"""Before a run: the ImageNet weights a project's Backbone rows need, downloaded with progress.

:func:`ensure_weights` looks the files up in the Keras cache (no Keras import: the lookup and the
download are plain Python); when some are missing it downloads them on a thread of its own while
a progress dialog shows the bytes, and Cancel stops the download. Offline, the message names the
exact file and where to put it (``dlstudio weights fetch NAME`` on a machine that is online).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEventLoop, QObject, Qt, Signal
from PySide6.QtWidgets import QProgressDialog, QWidget

from dlstudio.core.errors import UserInputError
from dlstudio.core.model import backbone_weights


class DownloadCancelled(Exception):
    """The person pressed Cancel in the progress dialog."""


class _Relay(QObject):
    """Carries the download thread's progress and outcome to the GUI thread."""

    progressed = Signal(str, int, int)
    ended = Signal(object)


def ensure_weights(parent: QWidget, project: Any,
                   warn: Callable[[str, str], None]) -> bool:
    """Make sure the ImageNet weights ``project`` needs are in the Keras cache.

    Args:
        parent: The dialog's parent.
        project: The project about to train.
        warn: Shows a problem to the person (title, text).

    Returns:
        Whether training may start (``False``: offline, cancelled or a damaged file; ``warn``
        said why, except for a cancellation).
    """
    try:
        missing = backbone_weights.missing_imagenet(project)
    except UserInputError as error:
        warn("Pretrained weights", str(error))
        return False
    if not missing:
        return True
    outcome = _download_with_dialog(parent, project, missing)
    if isinstance(outcome, DownloadCancelled):
        return False
    if isinstance(outcome, BaseException):
        warn("Pretrained weights", str(outcome))
        return False
    return True


def _download_with_dialog(parent: QWidget, project: Any, missing: list[str]) -> Any:
    dialog = QProgressDialog(f"Downloading the ImageNet weights of {', '.join(missing)}…",
                             "Cancel", 0, 1000, parent)
    dialog.setWindowTitle("Pretrained weights")
    dialog.setWindowModality(Qt.WindowModality.WindowModal)
    dialog.setMinimumDuration(0)
    dialog.setValue(0)
    relay, loop, result = _Relay(), QEventLoop(), {}
    cancelled = threading.Event()
    dialog.canceled.connect(cancelled.set)

    def show(network: str, done: int, total: int) -> None:
        megabytes = f"{done / 1e6:.1f}" + (f" of {total / 1e6:.1f}" if total > 0 else "")
        dialog.setLabelText(f"Downloading the ImageNet weights of {network}: {megabytes} MB")
        dialog.setValue(int(1000 * done / total) if total > 0 else 0)

    def finish(outcome: Any) -> None:
        result["outcome"] = outcome
        loop.quit()

    relay.progressed.connect(show)
    relay.ended.connect(finish)

    def progress(network: str, done: int, total: int | None) -> None:
        if cancelled.is_set():
            raise DownloadCancelled()
        relay.progressed.emit(network, done, total or 0)

    def download() -> None:
        try:
            backbone_weights.fetch_missing(project, progress)
            relay.ended.emit(None)
        except BaseException as error:  # the outcome goes back to the GUI thread
            relay.ended.emit(error)

    thread = threading.Thread(target=download, name="weights-download", daemon=True)
    thread.start()
    if "outcome" not in result:
        loop.exec()
    thread.join()
    dialog.reset()
    dialog.deleteLater()
    return result.get("outcome")
