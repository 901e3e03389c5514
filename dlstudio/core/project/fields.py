"""Reading untrusted JSON into typed values while collecting every problem with its exact place.

The project loader reads each field through a :class:`FieldReader`, which never raises on a bad
value: it records ``place: expected …, got …`` and returns the default, so one pass reports all the
problems of a file at once.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from typing import Any

_MISSING = object()


def describe(value: Any) -> str:
    """Return a short, JSON-like rendering of ``value`` for error messages."""
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, bool) or value is None:
        return json.dumps(value)
    text = json.dumps(value, default=str) if isinstance(value, list | dict) else repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


class FieldReader:
    """Typed access to one JSON object, with problems recorded under a dotted path.

    Args:
        data: The JSON object (anything else is recorded as a problem and read as empty).
        path: The place of ``data`` in the file, such as ``"training.schedule"``.
        problems: The shared list that problems are appended to.
    """

    def __init__(self, data: Any, path: str, problems: list[str]) -> None:
        self.path = path
        self.problems = problems
        if isinstance(data, Mapping):
            self.data: Mapping[str, Any] = data
        else:
            self.problem(path, f"expected an object, got {describe(data)}")
            self.data = {}

    def place(self, key: str | int) -> str:
        """Return the dotted or indexed place of ``key`` under this reader's path."""
        if isinstance(key, int):
            return f"{self.path}[{key}]"
        return f"{self.path}.{key}" if self.path else key

    def problem(self, place: str, message: str) -> None:
        """Record a problem at ``place``."""
        self.problems.append(f"{place}: {message}")

    def check_known(self, known: Iterable[str]) -> None:
        """Record a problem for every key that is not in ``known`` (typos are common)."""
        allowed = set(known)
        for key in self.data:
            if key not in allowed:
                names = ", ".join(sorted(allowed))
                self.problem(self.place(key), f"unknown setting; expected one of: {names}")

    def raw(self, key: str, default: Any = _MISSING) -> Any:
        """Return the value of ``key`` unchecked, or ``default`` (a problem if there is none)."""
        if key in self.data:
            return self.data[key]
        if default is _MISSING:
            self.problem(self.place(key), "is required but missing")
            return None
        return default

    def child(self, key: str) -> FieldReader:
        """Return a reader for the object at ``key`` (an empty one when it is absent)."""
        return FieldReader(self.data.get(key, {}), self.place(key), self.problems)

    def string(self, key: str, default: Any = _MISSING, *, optional: bool = False) -> Any:
        """Read a string (``None`` allowed when ``optional``)."""
        value = self.raw(key, default)
        if value is None and (optional or default is None):
            return None
        if not isinstance(value, str):
            self.problem(self.place(key), f"expected a string, got {describe(value)}")
            return None if default is _MISSING else default
        return value

    def choice(self, key: str, choices: Iterable[str], default: Any = _MISSING) -> Any:
        """Read a string that must be one of ``choices``."""
        options = list(choices)
        value = self.raw(key, default)
        if value not in options:
            listed = ", ".join(json.dumps(c) for c in options)
            self.problem(self.place(key), f"expected one of {listed}, got {describe(value)}")
            return options[0] if default is _MISSING else default
        return value

    def boolean(self, key: str, default: Any = _MISSING) -> Any:
        """Read ``true`` or ``false``."""
        value = self.raw(key, default)
        if not isinstance(value, bool):
            self.problem(self.place(key), f"expected true or false, got {describe(value)}")
            return False if default is _MISSING else default
        return value

    def integer(
        self,
        key: str,
        default: Any = _MISSING,
        *,
        minimum: int | None = None,
        maximum: int | None = None,
        optional: bool = False,
    ) -> Any:
        """Read an integer within ``[minimum, maximum]`` (``None`` allowed when ``optional``)."""
        value = self.raw(key, default)
        if value is None and optional:
            return None
        fallback = (minimum or 0) if default is _MISSING else default
        if isinstance(value, bool) or not isinstance(value, int):
            self.problem(self.place(key), f"expected {_range_text('an integer', minimum, maximum)}"
                         f", got {describe(value)}")
            return fallback
        if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
            self.problem(self.place(key), f"expected {_range_text('an integer', minimum, maximum)}"
                         f", got {describe(value)}")
            return fallback
        return value

    def number(
        self,
        key: str,
        default: Any = _MISSING,
        *,
        minimum: float | None = None,
        maximum: float | None = None,
        exclusive_minimum: bool = False,
        optional: bool = False,
    ) -> Any:
        """Read a finite number within the given bounds (``None`` allowed when ``optional``)."""
        value = self.raw(key, default)
        if value is None and optional:
            return None
        fallback = (minimum or 0.0) if default is _MISSING else default
        expected = _range_text("a number", minimum, maximum, exclusive_minimum)
        is_number = isinstance(value, int | float) and not isinstance(value, bool)
        if not is_number or not math.isfinite(value):
            self.problem(self.place(key), f"expected {expected}, got {describe(value)}")
            return fallback
        too_low = minimum is not None and (
            value <= minimum if exclusive_minimum else value < minimum
        )
        if too_low or (maximum is not None and value > maximum):
            self.problem(self.place(key), f"expected {expected}, got {describe(value)}")
            return fallback
        return float(value)

    def items(self, key: str) -> list[tuple[FieldReader | Any, str]]:
        """Return ``(element, place)`` pairs of the list at ``key`` (empty when absent)."""
        value = self.data.get(key, [])
        if not isinstance(value, list):
            self.problem(self.place(key), f"expected a list, got {describe(value)}")
            return []
        return [(item, f"{self.place(key)}[{index}]") for index, item in enumerate(value)]


def _range_text(
    noun: str, minimum: float | None, maximum: float | None, exclusive_minimum: bool = False
) -> str:
    if minimum is not None and maximum is not None:
        low = ">" if exclusive_minimum else ">="
        return f"{noun} {low} {minimum} and <= {maximum}"
    if minimum is not None:
        return f"{noun} {'>' if exclusive_minimum else '>='} {minimum}"
    if maximum is not None:
        return f"{noun} <= {maximum}"
    return noun
