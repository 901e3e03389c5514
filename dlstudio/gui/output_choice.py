"""Where the window may write a file the person chose (no TensorFlow).

The GUI's counterpart of ``--force``: a path is first checked by the core's
:func:`~dlstudio.core.output_paths.check_output_path` (never over an input: the project's
data, a run's own files), then an existing file is replaced only after the person confirms,
and the core check runs with ``force=True``.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from PySide6.QtWidgets import QMessageBox, QWidget

from dlstudio.core.errors import UserInputError
from dlstudio.core.output_paths import check_output_path
from dlstudio.core.project.project import Project
from dlstudio.core.project.wording import in_gui_words


def project_inputs(project: Project) -> list[Path]:
    """The files a project reads (its data, test and validation files): never written over."""
    inputs = [project.data_path()] if project.data.path else []
    return inputs + list(project.split_file_paths().values())


def ask_replace(parent: QWidget | None, path: Path) -> bool:
    """Ask whether to replace the existing ``path`` (tests replace this)."""
    what = "folder" if path.is_dir() else "file"
    answer = QMessageBox.question(
        parent, "Replace?", f"{path.name} already exists in {path.parent}.\n\nReplace this "
        f"{what}? What it holds now is lost.",
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        QMessageBox.StandardButton.No)
    return answer == QMessageBox.StandardButton.Yes


def refuse(parent: QWidget | None, message: str) -> None:
    """Say why nothing was written (tests replace this)."""
    QMessageBox.warning(parent, "Cannot write there", message)


def confirmed_output(parent: QWidget | None, path: str | os.PathLike[str], *,
                     inputs: Iterable[str | os.PathLike[str]] = (),
                     folder: bool = False) -> Path | None:
    """Return ``path`` when it may be written, else ``None`` (the person was told why).

    A path over one of ``inputs`` is refused; an existing file (or non-empty folder) is
    replaced only when the person agrees.

    Args:
        parent: The window or dialog that asks.
        path: The chosen output.
        inputs: What the output must never replace.
        folder: The output is a folder (a SavedModel).
    """
    target = Path(path)
    try:
        check_output_path(target, inputs=list(inputs), force=True, folder=folder)
    except UserInputError as error:
        refuse(parent, in_gui_words(str(error)))
        return None
    exists = target.is_dir() and any(target.iterdir()) if folder else target.exists()
    if exists and not ask_replace(parent, target):
        return None
    return target
