"""Errors that a person can act on.

Every error raised for bad input derives from :class:`UserInputError`; its message says what
happened, what was expected and how to fix it, in one or a few lines. The command line turns it
into ``dlstudio: error: …`` with exit status 2; the GUI shows it in a dialog or inline.
Anything else that escapes is an internal fault (exit status 1).
"""

from __future__ import annotations


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
        layer_index: Index of the offending layer in ``model.layers`` (``None`` when the problem
            is in the input or the output head).
    """

    def __init__(self, message: str, layer_index: int | None = None) -> None:
        self.layer_index = layer_index
        super().__init__(message)


class TrainingError(UserInputError):
    """Training stopped for a reason the user can fix (NaN loss, out of memory, bad settings)."""
