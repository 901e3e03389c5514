"""Qt table models of a CSV source: its rows, and its columns with their roles and statistics.

:class:`DataFrameModel` reads cells straight from the DataFrame's column arrays, so a table of
100k rows opens at once (Qt asks only for the visible cells). :class:`ColumnsModel` shows how
each column is read; editing a role or kind there is an edit of the document.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtGui import QColor

from dlstudio.core.data.statistics import format_number
from dlstudio.core.data.target_choice import column_problems
from dlstudio.core.project.project import COLUMN_KINDS, COLUMN_ROLES, ColumnSpec, Project
from dlstudio.gui.theme import icon, muted_foreground

if TYPE_CHECKING:
    import pandas as pd

    from dlstudio.gui.data_session import DataSession

_Index = QModelIndex | QPersistentModelIndex
_NO_PARENT = QModelIndex()
PROBLEM_ROLE = Qt.ItemDataRole.UserRole + 1  # what stops this column from training, or None
PROBLEM_COLOUR = "#dc2626"


def effective_columns(project: Project, inferred: list[ColumnSpec]) -> list[ColumnSpec]:
    """Return how every column is read: as the project lists it, else as inferred.

    The target column has role ``target`` whatever the inference said.
    """
    columns = []
    for guess in inferred:
        listed = project.data.column(guess.name)
        spec = ColumnSpec(guess.name, guess.role, guess.kind) if listed is None else (
            ColumnSpec(listed.name, listed.role, listed.kind))
        if spec.name == project.data.target:
            spec.role = "target"
        elif spec.role == "target":
            spec.role = "feature"
        columns.append(spec)
    return columns


class DataFrameModel(QAbstractTableModel):
    """The rows of a DataFrame, read-only; missing cells are shown empty.

    Args:
        frame: The table (``None`` for an empty model).
    """

    def __init__(self, frame: pd.DataFrame | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._names: list[str] = []
        self._columns: list[Any] = []
        self._rows = 0
        self.target: str | None = None
        self.ignored: set[str] = set()
        self.set_frame(frame)

    def set_frame(self, frame: pd.DataFrame | None) -> None:
        """Show ``frame``."""
        self.beginResetModel()
        self._names = [] if frame is None else [str(name) for name in frame.columns]
        self._columns = [] if frame is None else [frame[name].to_numpy() for name in frame.columns]
        self._rows = 0 if frame is None else len(frame)
        self.endResetModel()

    def set_roles(self, columns: list[ColumnSpec]) -> None:
        """Mark the target and the ignored columns."""
        self.target = next((c.name for c in columns if c.role == "target"), None)
        self.ignored = {c.name for c in columns if c.role == "ignored"}
        if self._rows:
            self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(self._names) - 1)
            self.dataChanged.emit(self.index(0, 0), self.index(self._rows - 1,
                                                               len(self._names) - 1))

    def rowCount(self, parent: _Index = _NO_PARENT) -> int:  # Qt override
        return 0 if parent.isValid() else self._rows

    def columnCount(self, parent: _Index = _NO_PARENT) -> int:  # Qt override
        return 0 if parent.isValid() else len(self._names)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:  # Qt override
        if role == Qt.ItemDataRole.DisplayRole:
            return _cell_text(self._columns[index.column()][index.row()])
        name = self._names[index.column()]
        if role == Qt.ItemDataRole.ForegroundRole and name in self.ignored:
            return muted_foreground()
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:  # Qt override
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Vertical:
            return str(section + 1)
        name = self._names[section]
        return f"◎ {name}" if name == self.target else name


def _cell_text(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, float):
        return format_number(value)
    return str(value)


class ColumnsModel(QAbstractTableModel):
    """Every column of the source: name, role and kind (editable), and its statistics."""

    HEADERS = ("Column", "Role", "Kind", "Missing", "Distinct", "Range", "Mean")
    ROLE_COLUMN = 1
    KIND_COLUMN = 2
    CHOICES = {ROLE_COLUMN: COLUMN_ROLES, KIND_COLUMN: COLUMN_KINDS}

    def __init__(self, session: DataSession, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.columns: list[ColumnSpec] = []
        self.problems: dict[str, str] = {}
        self.health_notes: dict[str, str] = {}
        self.refresh()
        session.healthChanged.connect(self._show_health)

    def _show_health(self) -> None:
        """Mark the columns that the data health check names (critical and warning)."""
        notes: dict[str, list[str]] = {}
        for finding in self.session.health.findings if self.session.health else ():
            if finding.severity in ("critical", "warning"):
                for name in finding.columns:
                    notes.setdefault(name, []).append(finding.title)
        self.health_notes = {name: "Data health: " + "; ".join(titles)
                             for name, titles in notes.items()}
        if self.columns:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self.columns) - 1, 0))

    def refresh(self) -> None:
        """Re-read the columns from the document and the source."""
        self.beginResetModel()
        self.columns = effective_columns(self.session.document.project,
                                         self.session.source.inferred)
        self.problems = column_problems(self.columns) if self.columns else {}
        self.endResetModel()

    def rowCount(self, parent: _Index = _NO_PARENT) -> int:  # Qt override
        return 0 if parent.isValid() else len(self.columns)

    def columnCount(self, parent: _Index = _NO_PARENT) -> int:  # Qt override
        return 0 if parent.isValid() else len(self.HEADERS)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:  # Qt override
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.HEADERS[section]
        return None

    def flags(self, index: _Index) -> Qt.ItemFlag:  # Qt override
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if index.column() in self.CHOICES and not self._is_time(index.row()):
            flags |= Qt.ItemFlag.ItemIsEditable
        return flags

    def _is_time(self, row: int) -> bool:
        """Whether the row is a series' time column (its kind is ``time``, set on the series
        settings, not a tabular kind such as ``identifier``)."""
        series = self.session.document.project.data.series
        return series is not None and self.columns[row].name == series.time_column

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:  # Qt override
        column = self.columns[index.row()]
        problem = self.problems.get(column.name)
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            return self._text(index.row(), index.column())
        if role == PROBLEM_ROLE:
            return problem
        note = self.health_notes.get(column.name) if column.role == "feature" else None
        if (problem or note) and role == Qt.ItemDataRole.DecorationRole and index.column() == 0:
            return icon("warning")
        if problem and role == Qt.ItemDataRole.ForegroundRole:
            return QColor(PROBLEM_COLOUR)
        if role == Qt.ItemDataRole.ForegroundRole and column.role == "ignored":
            return muted_foreground()
        if role == Qt.ItemDataRole.ToolTipRole:
            hint = ("The series' time column: it orders the rows (change it in the series "
                    "settings)" if self._is_time(index.row()) else
                    "Double-click to change how this column is read"
                    if index.column() in self.CHOICES else "")
            return "\n".join(text for text in (problem, note, hint) if text) or None
        return None

    def _text(self, row: int, column: int) -> str:
        spec = self.columns[row]
        if column == 0:
            return spec.name
        if column == self.ROLE_COLUMN:
            return spec.role
        if column == self.KIND_COLUMN:
            return "time" if self._is_time(row) else spec.kind
        statistics = self.session.source.statistics
        stats = statistics[row] if row < len(statistics) else None
        if stats is None:
            return ""
        if column == 3:
            return f"{stats.missing:,}"
        if column == 4:
            return f"{stats.distinct:,}"
        if column == 5:
            return stats.range_text()
        return "" if stats.mean is None else format_number(stats.mean)

    def setData(self, index: _Index, value: Any,
                role: int = Qt.ItemDataRole.EditRole) -> bool:  # Qt override
        """Change a column's role or kind through the document."""
        if role != Qt.ItemDataRole.EditRole or value not in self.CHOICES.get(index.column(), ()):
            return False
        name = self.columns[index.row()].name
        if index.column() == self.ROLE_COLUMN:
            set_column_role(self.session, name, value)
        else:
            set_column_kind(self.session, name, value)
        return True


def set_column_role(session: DataSession, name: str, role: str) -> None:
    """Give column ``name`` ``role`` in one undoable edit (a new target replaces the old one)."""
    project = session.document.project
    columns = effective_columns(project, session.source.inferred)
    target = project.data.target
    if role == "target":
        target = name
    elif name == target:
        target = None
    for column in columns:
        if column.name == name:
            column.role = role
            if role == "target" and session.source.frame is not None:
                column.kind = _target_kind(session.source.frame[name])
        elif column.role == "target" and role == "target":
            column.role = "feature"
    session.document.set_values({"data.columns": columns, "data.target": target},
                                f"Make {name} {'the target' if role == 'target' else role}")


def _target_kind(series: pd.Series) -> str:
    from dlstudio.core.data.csv_reading import infer_target_kind

    return infer_target_kind(series)


def set_column_kind(session: DataSession, name: str, kind: str) -> None:
    """Read column ``name`` as ``kind`` (one undoable edit)."""
    columns = effective_columns(session.document.project, session.source.inferred)
    for column in columns:
        if column.name == name:
            column.kind = kind
    session.document.set_values({"data.columns": columns}, f"Read {name} as {kind}")
