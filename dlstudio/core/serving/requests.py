"""Checks of what a prediction request holds, with errors that name the field (no Qt, no web).

The server turns :class:`RequestProblem` into a 4xx answer whose ``detail`` names the field
(``rows[3].age``) and says what was expected. Values are only ever data: nothing in a request
is a path, a module name or code.
"""

from __future__ import annotations

import difflib
import io
import math
from dataclasses import dataclass
from typing import Any

MAX_ROWS = 1024
MAX_IMAGES = 64
MAX_IMAGE_BYTES = 10 * 1024 * 1024
MAX_IMAGE_PIXELS = 40_000_000
IMAGE_FORMATS = ("PNG", "JPEG", "BMP", "GIF")


@dataclass
class RequestProblem(Exception):
    """A request the server refuses.

    Attributes:
        field: Where the problem is (``rows[0].size``, ``images[2]``).
        message: What was wrong and what was expected.
        status: The HTTP status: 422 for bad values, 413 for too much.
    """

    field: str
    message: str
    status: int = 422

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


@dataclass
class InputColumn:
    """A CSV column the model reads: its name and ``numeric``, ``categorical`` or ``text``."""

    name: str
    kind: str


def rows_as_text(rows: Any, columns: list[InputColumn], known: set[str]) -> list[dict[str, str]]:
    """Check JSON rows and return them as text per input column (``""`` for missing).

    Args:
        rows: The request's ``rows``: a list of objects, column name → value.
        columns: The columns the model reads, in order.
        known: Every column name of the data (targets and ignored columns are accepted and
            left out).

    Raises:
        RequestProblem: Not a list of objects, too many rows, an unknown column or a value of
            the wrong type.
    """
    if not isinstance(rows, list) or not rows:
        raise RequestProblem("rows", "expected a non-empty list of objects, one per row, "
                                     'such as {"rows": [{"column": value}]}')
    if len(rows) > MAX_ROWS:
        raise RequestProblem("rows", f"{len(rows)} rows is more than the {MAX_ROWS} a request "
                                     "may hold; send them in several requests", 413)
    kinds = {column.name: column.kind for column in columns}
    texts = []
    for index, row in enumerate(rows):
        if not isinstance(row, dict):
            raise RequestProblem(f"rows[{index}]", f"expected an object of column → value, "
                                                   f"got {type(row).__name__}")
        unknown = [name for name in row if name not in known]
        if unknown:
            close = difflib.get_close_matches(unknown[0], list(known), n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            raise RequestProblem(f"rows[{index}].{unknown[0]}", f"unknown column; {hint}the "
                                 f"model reads {', '.join(kinds)}")
        texts.append({name: _text(row.get(name), kind, f"rows[{index}].{name}")
                      for name, kind in kinds.items()})
    return texts


def _text(value: Any, kind: str, field: str) -> str:
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        expected = "a number or null" if kind == "numeric" else "a string, a number or null"
        raise RequestProblem(field, f"expected {expected}, got {_json_type(value)}")
    if isinstance(value, float) and not math.isfinite(value):
        raise RequestProblem(field, "expected a finite number or null")
    if kind == "numeric" and isinstance(value, str) and value.strip():
        try:
            float(value)
        except ValueError:
            raise RequestProblem(field, f"expected a number or null, got the text "
                                        f"{value[:40]!r}") from None
    return value if isinstance(value, str) else repr(value)


def check_image(data: bytes, field: str) -> None:
    """Check that ``data`` is one PNG, JPEG, BMP or GIF image of a sensible size.

    Raises:
        RequestProblem: Too large (413), or not an image of those formats (422).
    """
    from PIL import Image, UnidentifiedImageError

    if len(data) > MAX_IMAGE_BYTES:
        raise RequestProblem(field, f"{len(data)} bytes is more than the "
                                    f"{MAX_IMAGE_BYTES // (1024 * 1024)} MB an image may have",
                             413)
    try:
        with Image.open(io.BytesIO(data)) as image:
            fmt, (width, height) = image.format, image.size
            image.verify()
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        raise RequestProblem(field, "not an image; expected a PNG, JPEG, BMP or GIF file") \
            from None
    if fmt not in IMAGE_FORMATS:
        raise RequestProblem(field, f"a {fmt} image; expected PNG, JPEG, BMP or GIF")
    if width * height > MAX_IMAGE_PIXELS:
        raise RequestProblem(field, f"{width}x{height} pixels is more than the "
                                    f"{MAX_IMAGE_PIXELS:,} an image may have", 413)


def _json_type(value: Any) -> str:
    names = {bool: "true/false", list: "a list", dict: "an object"}
    return names.get(type(value), type(value).__name__)
