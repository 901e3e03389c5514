"""The rows of the layer stack: the input, the user's layers and the output head.

:class:`LayerStackModel` is a Qt table model over the document's layers and the latest shape
report. It takes drops: a palette layer (:data:`~dlstudio.gui.widgets.palette.LAYER_TYPE_MIME`)
is inserted, stack rows (:data:`LAYER_ROWS_MIME`) are moved — both through the document, so both
are undoable.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QMimeData,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
)

from dlstudio.core.model import catalog
from dlstudio.core.project.project import LayerSpec
from dlstudio.gui.document import Document
from dlstudio.gui.shape_inference import ShapeInference
from dlstudio.gui.theme import icon, layer_icon, muted_foreground, problem_background
from dlstudio.gui.widgets.palette import LAYER_TYPE_MIME

LAYER_ROWS_MIME = "application/x-dlstudio-layer-rows"
"""MIME type of a drag inside the stack: the dragged layer indices as a JSON list."""

PROBLEM_ROLE = Qt.ItemDataRole.UserRole + 1
"""Item role holding a row's problem and fix as text (``None`` when the row is fine)."""

COLUMNS = ("Layer", "Settings", "Output shape", "Parameters")
_Index = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True)
class StackRow:
    """One row as shown.

    Attributes:
        role: ``input``, ``layer`` or ``head``.
        index: The layer's index in ``model.layers`` (``None`` for the input and the head).
        type: The layer type (``Dense``) or ``Input`` / the head's type.
        summary: The key settings (``units=64, activation=relu``).
        output_shape: The output shape as text (empty while unknown).
        param_count: The weights in the layer (``None`` while unknown).
        error: What is wrong with the layer, if anything.
        fix: How to fix it.
        blocked: Not computed because an earlier row has the error.
    """

    role: str
    index: int | None
    type: str
    summary: str
    output_shape: str = ""
    param_count: int | None = None
    error: str | None = None
    fix: str | None = None
    blocked: bool = False

    def problem_text(self) -> str | None:
        """Return the error and its fix as one text, or ``None``."""
        if not self.error:
            return None
        return f"⚠ {self.error}" + (f"\nFix: {self.fix}" if self.fix else "")


def format_shape(shape: Any) -> str:
    """Return a per-sample output shape as text: ``(28, 28, 32)``, ``(64,)``, ``(?, 16)``."""
    if shape is None:
        return ""
    dims = ["?" if dim is None else str(dim) for dim in shape]
    return "(" + ", ".join(dims) + ("," if len(dims) == 1 else "") + ")"


def build_rows(document: Document, inference: ShapeInference) -> list[StackRow]:
    """Return the rows for the document's stack, with shapes from the latest report."""
    model = document.project.model
    report_rows = list(inference.report.rows) if inference.report is not None else []
    by_index = {row.index: row for row in report_rows if row.role == "layer"}
    rows = [_input_row(report_rows, inference)]
    for index, layer in enumerate(model.layers):
        rows.append(_layer_row(index, layer, by_index.get(index)))
    heads = [row for row in report_rows if row.role == "head"]
    if heads:
        rows.extend(_from_report(row, "head", None, row.summary) for row in heads)
    elif model.add_output_head:
        rows.append(StackRow("head", None, "Output head", "added to fit the task"))
    return _block_after_first_error(rows)


def _block_after_first_error(rows: list[StackRow]) -> list[StackRow]:
    """Keep the first problem; rows after it were not computed because of it."""
    first = next((number for number, row in enumerate(rows) if row.error), None)
    if first is None:
        return rows
    return rows[:first + 1] + [
        replace(row, error=None, fix=None, blocked=True) if row.error else row
        for row in rows[first + 1:]
    ]


def _input_row(report_rows: list[Any], inference: ShapeInference) -> StackRow:
    reported = next((row for row in report_rows if row.role == "input"), None)
    if reported is not None:
        return _from_report(reported, "input", None, reported.summary)
    info = inference.data.info
    if info is not None:
        return StackRow("input", None, "Input", "from the data", format_shape(info.feature_shape))
    return StackRow("input", None, "Input", f"waiting for {inference.waiting_for}")


def _layer_row(index: int, layer: LayerSpec, reported: Any) -> StackRow:
    layer_type = catalog.find(layer.type)
    summary = layer_type.summary(layer.params) if layer_type else ""
    if layer.name:
        summary = f"“{layer.name}”  {summary}".strip()
    if reported is None or reported.type != layer.type:
        return StackRow("layer", index, layer.type, summary)
    return _from_report(reported, "layer", index, summary)


def _from_report(reported: Any, role: str, index: int | None, summary: str) -> StackRow:
    return StackRow(role, index, reported.type, summary, format_shape(reported.output_shape),
                    reported.param_count, reported.error, reported.fix)


class LayerStackModel(QAbstractTableModel):
    """The stack as table rows; rebuilt whenever the document or the shape report changes."""

    def __init__(self, document: Document, inference: ShapeInference,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.inference = inference
        self.rows: list[StackRow] = build_rows(document, inference)
        document.changed.connect(self._on_document_changed)
        inference.reportChanged.connect(self.refresh)
        inference.data.infoChanged.connect(self.refresh)

    def refresh(self) -> None:
        """Rebuild the rows from the document and the latest report."""
        self.beginResetModel()
        self.rows = build_rows(self.document, self.inference)
        self.endResetModel()

    def _on_document_changed(self, path: str) -> None:
        if not path or path.startswith("model"):
            self.refresh()

    def row_of_layer(self, index: int) -> int:
        """Return the table row of layer ``index`` (the input is row 0)."""
        return index + 1

    # Qt model interface ---------------------------------------------------------------------

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008  (Qt override)
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008  (Qt override)
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:  # Qt override
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:  # Qt override
        row = self.rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return _display(row, column)
        if role == PROBLEM_ROLE:
            return row.problem_text() if column == 1 else None
        if role == Qt.ItemDataRole.ToolTipRole:
            return _tooltip(row)
        if role == Qt.ItemDataRole.DecorationRole and column == 0:
            return _row_icon(row)
        if role == Qt.ItemDataRole.BackgroundRole and row.error:
            return problem_background()
        if role == Qt.ItemDataRole.ForegroundRole and (
                row.blocked or (row.role != "layer" and column == 1)):
            return muted_foreground()
        if role == Qt.ItemDataRole.TextAlignmentRole and column == 3:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def flags(self, index: _Index) -> Qt.ItemFlag:  # Qt override
        if not index.isValid():
            return Qt.ItemFlag.ItemIsDropEnabled
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if self.rows[index.row()].role == "layer":
            flags |= Qt.ItemFlag.ItemIsDragEnabled
        return flags

    def supportedDropActions(self) -> Qt.DropAction:  # Qt override
        return Qt.DropAction.CopyAction | Qt.DropAction.MoveAction

    def supportedDragActions(self) -> Qt.DropAction:  # Qt override
        return Qt.DropAction.MoveAction

    def mimeTypes(self) -> list[str]:  # Qt override
        return [LAYER_TYPE_MIME, LAYER_ROWS_MIME]

    def mimeData(self, indexes: list[QModelIndex]) -> QMimeData:  # Qt override
        layers = sorted({self.rows[i.row()].index for i in indexes
                         if self.rows[i.row()].role == "layer"})
        data = QMimeData()
        data.setData(LAYER_ROWS_MIME, json.dumps(layers).encode("utf-8"))
        return data

    def canDropMimeData(self, data: QMimeData, action: Qt.DropAction, row: int, column: int,
                        parent: _Index) -> bool:  # Qt override
        return data.hasFormat(LAYER_TYPE_MIME) or data.hasFormat(LAYER_ROWS_MIME)

    def dropMimeData(self, data: QMimeData, action: Qt.DropAction, row: int, column: int,
                     parent: _Index) -> bool:  # Qt override
        """Insert a palette layer or move stack layers to just before table row ``row``.

        ``row`` -1 means "on ``parent``" (before that row) or, with no parent, the end.
        """
        position = self._layer_position(row, parent)
        if data.hasFormat(LAYER_TYPE_MIME):
            type_name = bytes(data.data(LAYER_TYPE_MIME).data()).decode("utf-8")
            if catalog.find(type_name) is None:
                return False
            self.document.insert_layers(position, [LayerSpec.of(type_name)])
            return True
        if data.hasFormat(LAYER_ROWS_MIME):
            indices = json.loads(bytes(data.data(LAYER_ROWS_MIME).data()).decode("utf-8"))
            self.document.move_layers([int(i) for i in indices], position)
            return True
        return False

    def removeRows(self, row: int, count: int, parent: _Index = QModelIndex()) -> bool:  # noqa: B008
        """Refuse: the view must not delete rows after a move (the document did the move)."""
        return False

    def _layer_position(self, row: int, parent: _Index) -> int:
        layer_count = len(self.document.project.model.layers)
        if row < 0:
            row = parent.row() if parent.isValid() else len(self.rows)
        return max(0, min(row - 1, layer_count))


def _display(row: StackRow, column: int) -> str:
    if column == 0:
        return f"{row.type} (output)" if row.role == "head" and row.type != "Output head" else (
            row.type)
    if column == 1:
        return row.summary
    if column == 2:
        if row.blocked:
            return "not computed"
        if row.error:
            return "—"
        return row.output_shape or ("…" if row.role == "layer" else "")
    return "" if row.param_count is None else f"{row.param_count:,}"


def _row_icon(row: StackRow) -> Any:
    if row.error:
        return icon("warning")
    if row.role == "input":
        return icon("input")
    if row.role == "head":
        return icon("output")
    layer_type = catalog.find(row.type)
    return layer_icon(layer_type.icon, layer_type.category) if layer_type else None


def _tooltip(row: StackRow) -> str:
    if row.error:
        return row.problem_text() or ""
    if row.blocked:
        return "Not computed: fix the problem marked above first."
    if row.role == "input":
        return "The model's input, prepared from the data (see the Data tab)."
    if row.role == "head":
        return "The output layer the task needs (classes or a value); added automatically."
    layer_type = catalog.find(row.type)
    return layer_type.doc if layer_type else ""
