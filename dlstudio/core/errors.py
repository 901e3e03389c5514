"""Errors that a person can act on.

Every error raised for bad input derives from :class:`UserInputError`; its message says what
happened, what was expected and how to fix it, in one or a few lines. The command line turns it
into ``dlstudio: error: …`` with exit status 2; the GUI shows it in a dialog or inline.
Anything else that escapes is an internal fault (exit status 1).
"""

from __future__ import annotations

import contextlib
import errno
import os
from collections.abc import Iterable, Iterator


class UserInputError(Exception):
    """Bad input from the user: a file, a folder, a project setting or a command-line value."""


class DataError(UserInputError):
    """A data source (CSV file or image folder) cannot be used as it is."""


class ProjectError(UserInputError):
    """A project file or project setting is invalid.

    Attributes:
        problems: One line per problem, each starting with the exact place in the project
            (``model.layers[3].params.units: expected an integer >= 1, got -4``).
    """

    def __init__(self, problems: list[str], source: str | None = None) -> None:
        self.problems = list(problems)
        self.source = source
        where = f"{source}: " if source else ""
        if len(self.problems) == 1:
            message = f"{where}{self.problems[0]}"
        else:
            lines = "\n  ".join(self.problems)
            message = f"{where}{len(self.problems)} problems:\n  {lines}"
        super().__init__(message)


class ModelBuildError(UserInputError):
    """The layer stack cannot be turned into a model.

    Attributes:
        layer_index: Index in ``model.layers`` of the offending row, or of the top-level block
            that holds it (``None`` when the problem is in the input or the output head).
        layer_id: The id of the offending row at any depth (``None`` for input and head).
    """

    def __init__(self, message: str, layer_index: int | None = None,
                 layer_id: str | None = None) -> None:
        self.layer_index = layer_index
        self.layer_id = layer_id
        super().__init__(message)


class TrainingError(UserInputError):
    """Training stopped for a reason the user can fix (NaN loss, out of memory, bad settings)."""


class StorageError(UserInputError):
    """A folder could not be written: its disk is full, or it is read-only."""


FULL_DISK_ERRNOS = (errno.ENOSPC, errno.EDQUOT)
READ_ONLY_ERRNOS = (errno.EACCES, errno.EPERM, errno.EROFS)


def storage_message(error: OSError, folder: str | os.PathLike[str] | None,
                    what: str = "the output") -> str | None:
    """Return the plain-words message for a write that failed on a full or read-only folder.

    Args:
        error: The error the write raised.
        folder: The folder being written (``None``: taken from the error's file name).
        what: What was being written, for the message (``the run's checkpoint``).

    Returns:
        The message, or ``None`` when the error is neither of those (a bug to report as such).
    """
    if folder is None:
        folder = os.path.dirname(error.filename) if isinstance(error.filename, str) else None
    place = str(folder) if folder else "the output folder"
    reason = error.strerror or os.strerror(error.errno or 0)
    if error.errno in FULL_DISK_ERRNOS:
        return (f"the disk holding {place} is full ({reason}) while writing {what}; free some "
                "space there, or write to a folder on another disk")
    if error.errno in READ_ONLY_ERRNOS:
        return (f"{place} cannot be written ({reason}) while writing {what}; choose a folder "
                "you may write to, or change its permissions")
    return None


@contextlib.contextmanager
def writing_into(folder: str | os.PathLike[str], what: str) -> Iterator[None]:
    """Turn a full disk or a read-only folder met while writing ``what`` into ``folder`` into a
    :class:`StorageError` that names the folder."""
    try:
        yield
    except UserInputError:
        raise
    except OSError as error:
        message = storage_message(error, folder, what)
        if message is None:
            raise
        raise StorageError(message) from error


NAME_CHARS = 24
NAMES_LISTED = 8


def quote_name(name: object, limit: int = NAME_CHARS) -> str:
    """Return a column name quoted for a message, cut to ``limit`` characters.

    Messages quote only names, never lines of a file; a "name" that is really a whole line (a
    file that is not a table, read as one column) is cut short so it is never repeated whole.
    """
    text = " ".join(str(name).split())
    return repr(text if len(text) <= limit else text[: limit - 1] + "\N{HORIZONTAL ELLIPSIS}")


def name_list(names: Iterable[object], limit: int = NAMES_LISTED) -> str:
    """Return names quoted and cut by :func:`quote_name`, at most ``limit`` of them."""
    listed = list(names)
    shown = ", ".join(quote_name(name) for name in listed[:limit])
    return shown + (f" and {len(listed) - limit} more" if len(listed) > limit else "")
