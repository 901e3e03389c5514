"""The data view's time-series part: the series plotted over time and its gaps in words.

:class:`SeriesSection` reads the CSV table and the project's ``data.series`` settings and feeds
:class:`~dlstudio.gui.widgets.series_plot.SeriesPlot`: the targets, the inputs and the other
numeric columns against the time column (or the row number), missing cells as breaks in the
lines and missing time stamps shaded. Under the plot one line says how many values and time
stamps are missing, where, and what the chosen missing-value rule does with them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape

import numpy as np
import pandas as pd
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from dlstudio.core.project.project import SeriesSpec
from dlstudio.gui.widgets.series_plot import SeriesPlot
from dlstudio.gui.widgets.time_axis import plot_times, time_text

MOST_COLUMNS = 12
MOST_PLACES = 4
RULE_WORDS = {
    "interpolate": "they are filled by a straight line between their neighbours before "
                   "windows are cut",
    "forward_fill": "they are filled with the last value seen before windows are cut",
    "drop_windows": "every window that touches one is left out",
}
GAP_TIP = ("Why it matters: a window is a run of consecutive rows, so the model assumes equal "
           "steps between them. A missing month makes one step twice as long, and an empty "
           "cell is a hole the model cannot read; the missing-value rule decides what happens.")


@dataclass
class SeriesGaps:
    """What is missing in a series.

    Attributes:
        missing: Empty cells per plotted column (only columns with some).
        missing_at: A few time stamps (as text) of each column's first empty cells.
        gaps: ``(before, after)`` plot coordinates around each missing stretch of time stamps.
        step: The usual step between time stamps (plot units).
    """

    missing: dict[str, int] = field(default_factory=dict)
    missing_at: dict[str, list[str]] = field(default_factory=dict)
    gaps: list[tuple[float, float]] = field(default_factory=list)
    step: float = 1.0


def find_gaps(times: np.ndarray, dates: bool, columns: dict[str, np.ndarray]) -> SeriesGaps:
    """Find empty cells in ``columns`` and steps of ``times`` longer than the usual one.

    Args:
        times: Plot coordinates in row order (see :func:`plot_times`).
        dates: Whether ``times`` are dates (for the words).
        columns: The values of each column (NaN where empty).
    """
    found = SeriesGaps()
    for name, values in columns.items():
        empty = np.flatnonzero(~np.isfinite(values))
        if empty.size:
            found.missing[name] = int(empty.size)
            found.missing_at[name] = [time_text(float(times[i]), dates)
                                      for i in empty[:MOST_PLACES]]
    finite = times[np.isfinite(times)]
    steps = np.diff(finite)
    if steps.size:
        usual = float(np.median(steps))
        found.step = usual or 1.0
        if usual > 0:
            # A month is 28 to 31 days: a step counts as a gap when it is 1.5 usual steps.
            for at in np.flatnonzero(steps > 1.5 * usual):
                found.gaps.append((float(finite[at]), float(finite[at + 1])))
    return found


def gaps_in_words(found: SeriesGaps, dates: bool, rule: str) -> str:
    """Say what is missing, where, and what ``rule`` does about it (HTML)."""
    parts = []
    for name, count in found.missing.items():
        places = ", ".join(found.missing_at[name])
        more = ", …" if count > len(found.missing_at[name]) else ""
        parts.append(f"{count} empty value(s) in <b>{escape(name)}</b> (at {places}{more})")
    if found.gaps:
        places = ", ".join(f"between {time_text(a, dates)} and {time_text(b, dates)}"
                           for a, b in found.gaps[:MOST_PLACES])
        more = ", …" if len(found.gaps) > MOST_PLACES else ""
        parts.append(f"{len(found.gaps)} gap(s) in the time stamps ({places}{more}; shaded)")
    if not parts:
        return "✓ No empty values and no gaps in the time stamps."
    return "⚠ " + "; ".join(parts) + f". With “{rule.replace('_', ' ')}”, " + \
        RULE_WORDS.get(rule, "") + "."


class SeriesSection(QWidget):
    """The series plot and the gap report of a CSV table read as a time series."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot = SeriesPlot()
        self.gaps_label = QLabel()
        self.gaps_label.setWordWrap(True)
        self.gaps_label.setTextFormat(Qt.TextFormat.RichText)
        self.gaps_label.setToolTip(GAP_TIP)
        self.found = SeriesGaps()
        title = QLabel("The series over time")
        title.setProperty("role", "heading")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(title)
        layout.addWidget(self.plot, 1)
        layout.addWidget(self.gaps_label)

    def show_series(self, frame: pd.DataFrame | None, series: SeriesSpec | None) -> None:
        """Plot ``frame`` as ``series`` reads it (clears the plot when either is missing)."""
        if frame is None or series is None:
            self.plot.clear()
            self.gaps_label.setText("")
            return
        if series.time_column and series.time_column in frame.columns:
            raw = frame[series.time_column].to_numpy()
            time_name = series.time_column
        else:
            raw, time_name = np.arange(1, len(frame) + 1), "row"
        times, dates = plot_times(raw)
        columns = {name: _numbers(frame[name]) for name in _plotted(frame, series)}
        self.found = find_gaps(times, dates, columns)
        self.plot.set_series(raw, columns, [n for n in series.targets if n in columns],
                             time_name=time_name, gaps=self.found.gaps)
        self.gaps_label.setText(gaps_in_words(self.found, dates, series.missing))


def _plotted(frame: pd.DataFrame, series: SeriesSpec) -> list[str]:
    """Targets, then inputs, then the table's other numeric columns (a dozen at most)."""
    used = [*series.targets, *series.past_covariates, *series.known_covariates]
    others = [name for name in frame.columns if name not in used and
              name != series.time_column and pd.api.types.is_numeric_dtype(frame[name])]
    return [name for name in dict.fromkeys(used + others) if name in frame.columns][:MOST_COLUMNS]


def _numbers(column: pd.Series) -> np.ndarray:
    return pd.to_numeric(column, errors="coerce").to_numpy(dtype=float)
