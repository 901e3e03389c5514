"""Aligned text tables for the terminal (evaluation reports)."""

from __future__ import annotations

from typing import Any


def table(headers: list[str], rows: list[list[Any]], align: str | None = None) -> list[str]:
    """Return ``rows`` under ``headers`` as aligned text lines.

    Args:
        headers: Column titles.
        rows: Cell values (turned into text with ``str``).
        align: One letter per column, ``l`` (left) or ``r`` (right); by default the first
            column is left-aligned and the others right-aligned, so numbers line up.
    """
    align = align or "l" + "r" * (len(headers) - 1)
    cells = [[str(value) for value in row] for row in [headers, *rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    return ["  ".join(cell.ljust(width) if side == "l" else cell.rjust(width)
                      for cell, width, side in zip(row, widths, align, strict=True)).rstrip()
            for row in cells]
