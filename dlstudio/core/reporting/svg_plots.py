"""Small inline SVG plots for offline HTML pages: line charts, scatter plots, heat maps.

The SVG is written as text for embedding in HTML5 (no ``xmlns`` attribute, so the page names no
web address); values are escaped; nothing is fetched.
"""

from __future__ import annotations

from html import escape

import numpy as np

WIDTH, HEIGHT, MARGIN = 460, 240, 40
COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b")


def line_chart(title: str, series: dict[str, list[float]], x_label: str = "epoch") -> str:
    """A line chart of named series over their index + 1 (epochs)."""
    values = [v for points in series.values() for v in points if np.isfinite(v)]
    if not values:
        return ""
    low, high = min(values), max(values)
    length = max(len(points) for points in series.values())
    lines, legend = [], []
    for index, (name, points) in enumerate(series.items()):
        colour = COLOURS[index % len(COLOURS)]
        coords = " ".join(f"{_x(i, max(1, length - 1)):.1f},{_y(v, low, high):.1f}"
                          for i, v in enumerate(points) if np.isfinite(v))
        lines.append(f'<polyline fill="none" stroke="{colour}" stroke-width="2" '
                     f'points="{coords}"/>')
        legend.append(f'<text x="{WIDTH - MARGIN - 110}" y="{MARGIN - 18 + 14 * index}" '
                      f'fill="{colour}" font-size="11">{escape(name)}</text>')
    return _frame(title, low, high, x_label, "".join(lines + legend), length)


def scatter(title: str, x: list[float], y: list[float], x_label: str, y_label: str) -> str:
    """A scatter plot (predicted against true) with the diagonal."""
    if not x:
        return ""
    low = float(min(min(x), min(y)))
    high = float(max(max(x), max(y)))
    span = (high - low) or 1.0
    dots = "".join(f'<circle cx="{MARGIN + (a - low) / span * (WIDTH - 2 * MARGIN):.1f}" '
                   f'cy="{_y(b, low, high):.1f}" r="2.5" fill="{COLOURS[0]}" opacity="0.7"/>'
                   for a, b in zip(x, y, strict=True))
    diagonal = (f'<line x1="{MARGIN}" y1="{HEIGHT - MARGIN}" x2="{WIDTH - MARGIN}" '
                f'y2="{MARGIN}" stroke="#999" stroke-dasharray="4"/>')
    body = diagonal + dots + (f'<text x="{WIDTH / 2}" y="{HEIGHT - 6}" font-size="11" '
                              f'text-anchor="middle">{escape(x_label)}</text>'
                              f'<text x="12" y="{MARGIN - 8}" font-size="11">'
                              f'{escape(y_label)}</text>')
    return _svg(title, body + _axes(low, high))


def heat_map(title: str, labels: list[str], matrix: list[list[int]]) -> str:
    """A confusion matrix as coloured cells with counts (rows: true, columns: predicted)."""
    count = len(labels)
    if not count:
        return ""
    cell = min(48, 320 // count)
    left, top = 90, 40
    peak = max(1, max(max(row) for row in matrix))
    cells = []
    for i, row in enumerate(matrix):
        for j, value in enumerate(row):
            shade = int(255 - 200 * value / peak)
            x, y = left + j * cell, top + i * cell
            cells.append(f'<rect x="{x}" y="{y}" width="{cell}" height="{cell}" '
                         f'fill="rgb({shade},{shade},255)" stroke="#fff"/>'
                         f'<text x="{x + cell / 2}" y="{y + cell / 2 + 4}" font-size="11" '
                         f'text-anchor="middle">{value}</text>')
    names = "".join(
        f'<text x="{left - 6}" y="{top + i * cell + cell / 2 + 4}" font-size="11" '
        f'text-anchor="end">{escape(label[:12])}</text>'
        f'<text x="{left + i * cell + cell / 2}" y="{top - 6}" font-size="11" '
        f'text-anchor="middle">{escape(label[:8])}</text>' for i, label in enumerate(labels))
    size = max(left + count * cell + 20, 260), top + count * cell + 30
    return (f'<figure><svg width="{size[0]}" height="{size[1]}" role="img" '
            f'aria-label="{escape(title)}">{"".join(cells)}{names}'
            f'<text x="{left}" y="{size[1] - 8}" font-size="11">rows: true class · columns: '
            f'predicted</text></svg><figcaption>{escape(title)}</figcaption></figure>')


def _x(index: int, last: int) -> float:
    return MARGIN + index / last * (WIDTH - 2 * MARGIN)


def _y(value: float, low: float, high: float) -> float:
    span = (high - low) or 1.0
    return HEIGHT - MARGIN - (value - low) / span * (HEIGHT - 2 * MARGIN)


def _axes(low: float, high: float) -> str:
    return (f'<line x1="{MARGIN}" y1="{HEIGHT - MARGIN}" x2="{WIDTH - MARGIN}" '
            f'y2="{HEIGHT - MARGIN}" stroke="#333"/><line x1="{MARGIN}" y1="{MARGIN}" '
            f'x2="{MARGIN}" y2="{HEIGHT - MARGIN}" stroke="#333"/>'
            f'<text x="4" y="{HEIGHT - MARGIN}" font-size="10">{low:.3g}</text>'
            f'<text x="4" y="{MARGIN + 4}" font-size="10">{high:.3g}</text>')


def _frame(title: str, low: float, high: float, x_label: str, body: str, length: int) -> str:
    ticks = (f'<text x="{MARGIN}" y="{HEIGHT - MARGIN + 14}" font-size="10">1</text>'
             f'<text x="{WIDTH - MARGIN}" y="{HEIGHT - MARGIN + 14}" font-size="10" '
             f'text-anchor="end">{length}</text>'
             f'<text x="{WIDTH / 2}" y="{HEIGHT - 6}" font-size="11" text-anchor="middle">'
             f'{escape(x_label)}</text>')
    return _svg(title, _axes(low, high) + ticks + body)


def _svg(title: str, body: str) -> str:
    return (f'<figure><svg width="{WIDTH}" height="{HEIGHT}" role="img" '
            f'aria-label="{escape(title)}">{body}</svg>'
            f'<figcaption>{escape(title)}</figcaption></figure>')
