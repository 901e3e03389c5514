"""Where a command may write: never over its own inputs, never over a file without consent.

:func:`check_output_path` is the one check behind ``dlstudio predict -o``, ``dlstudio export
-o`` and the GUI's save and export dialogs (which pass ``force=True`` once the person has
confirmed replacing a file, and still get the refusal to write over an input).
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from dlstudio.core.errors import UserInputError


def check_output_path(path: str | os.PathLike[str], *,
                      inputs: Iterable[str | os.PathLike[str]] = (), force: bool = False,
                      folder: bool = False, force_hint: str = "pass --force") -> Path:
    """Return ``path`` after checking that writing it loses nothing the person did not agree to.

    Args:
        path: The file (or, with ``folder``, the folder) to write.
        inputs: Files and folders the command reads. The output may not be one of them, may
            not hold one of them (a folder replaced with everything in it), and may not replace
            an existing file inside one of them (a new file inside an input folder is fine).
        force: Whether an existing output may be replaced.
        folder: The output is a folder (a SavedModel) rather than a file.
        force_hint: How the person gives consent, for the message (``pass --force``).

    Raises:
        UserInputError: The output is an input, lies over one, is a folder where a file is
            written (or the reverse), or exists and ``force`` is off.
    """
    target = Path(path)
    resolved = _resolved(target)
    for source in inputs:
        guarded = _resolved(Path(source))
        over = resolved == guarded or _inside(guarded, resolved)
        if over or (target.exists() and _inside(resolved, guarded)):
            raise UserInputError(
                f"{target} would write over {_short(Path(source))}, which this command reads; "
                "choose another output path (dlstudio never replaces its inputs)")
    if not folder and target.is_dir():
        raise UserInputError(f"{target} is a folder; give a file path for the output, such as "
                             f"{target / 'predictions.csv'}")
    if folder and target.exists() and not target.is_dir():
        raise UserInputError(f"{target} is a file; this output is a folder — give a new "
                             "folder path")
    if target.exists() and not force and not (folder and not any(target.iterdir())):
        raise UserInputError(f"{target} already exists; choose another path, or {force_hint} "
                             "to replace it")
    existing = next(parent for parent in _resolved(target).parents if parent.exists())
    if not existing.is_dir():
        raise UserInputError(f"{existing} is a file, so {target} cannot be made inside it; "
                             "choose another output path")
    return target


def _resolved(path: Path) -> Path:
    return Path(os.path.realpath(path))


def _inside(path: Path, folder: Path) -> bool:
    """Whether ``path`` lies strictly inside ``folder``."""
    return path != folder and folder in path.parents


def _short(path: Path) -> str:
    return path.name or str(path)
