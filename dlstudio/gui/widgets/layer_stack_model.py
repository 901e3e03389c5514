"""The rows of the layer stack as a tree: the input, the user's rows (blocks open into their
inner stacks, a ``Branches`` block into one row per branch) and the output head.

:class:`LayerStackModel` is a Qt item model over the document's layer tree and the latest shape
report, both looked up by layer id. It follows the document's fine-grained events
(``layersInserted``, ``layersRemoved``, ``layersMoved``, ``layerChanged``, ``stacksChanged``)
with ``beginInsertRows``/``beginRemoveRows``/``dataChanged`` on the rows concerned, and resets
only when the whole tree was replaced. It takes drops: a palette layer
(:data:`~dlstudio.gui.widgets.palette.LAYER_TYPE_MIME`) is inserted, stack rows
(:data:`LAYER_ROWS_MIME`) are moved — into, out of and between inner stacks, through the
document, so each drop is one undo step.
"""

from __future__ import annotations

import json
from typing import Any

from PySide6.QtCore import (
    QAbstractItemModel,
    QMimeData,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSize,
    Qt,
)
from PySide6.QtGui import QFont

from dlstudio.core.model import catalog
from dlstudio.core.project import layer_tree, tree_edits
from dlstudio.core.project.project import LayerSpec
from dlstudio.core.project.tree_edits import Slot
from dlstudio.core.project.wording import block_words, in_gui_words
from dlstudio.gui.block_help import block_help_text
from dlstudio.gui.document import Document
from dlstudio.gui.shape_inference import ShapeInference
from dlstudio.gui.theme import icon, layer_icon, muted_foreground, problem_background
from dlstudio.gui.widgets.palette import LAYER_TYPE_MIME

LAYER_ROWS_MIME = "application/x-dlstudio-layer-rows"
"""MIME type of a drag inside the stack: the dragged layer ids as a JSON list."""

PROBLEM_ROLE = Qt.ItemDataRole.UserRole + 1
"""Item role holding a row's problem and fix as text (``None`` when the row is fine)."""

LAYER_ID_ROLE = Qt.ItemDataRole.UserRole + 2
"""Item role holding a row's layer id (for a branch row, its block's id)."""

KIND_ROLE = Qt.ItemDataRole.UserRole + 3
"""Item role holding what a row is: ``input``, ``layer``, ``branch``, ``empty`` (the
"drop layers here" row of an empty inner stack) or ``head``."""

EMPTY_STACK_TEXT = "empty (the input passes through): drop layers here"
"""What the row of an empty inner stack says (the view spans it over every column)."""

COLUMNS = ("Layer", "Settings", "Output shape", "Parameters")

# Qt asks data() and flags() about a thousand times per repaint: roles as plain ints, flags ready.
_DISPLAY = int(Qt.ItemDataRole.DisplayRole.value)
_SIZE_HINT = int(Qt.ItemDataRole.SizeHintRole.value)
_FONT = int(Qt.ItemDataRole.FontRole.value)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole.value)
_DECORATION = int(Qt.ItemDataRole.DecorationRole.value)
_BACKGROUND = int(Qt.ItemDataRole.BackgroundRole.value)
_FOREGROUND = int(Qt.ItemDataRole.ForegroundRole.value)
_ALIGNMENT = int(Qt.ItemDataRole.TextAlignmentRole.value)
_RIGHT = int((Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter).value)
_ENABLED = Qt.ItemFlag.ItemIsEnabled
_SHOWN_ONLY = _ENABLED | Qt.ItemFlag.ItemIsSelectable
_DROP_INTO = _ENABLED | Qt.ItemFlag.ItemIsDropEnabled
_ROW = _SHOWN_ONLY | Qt.ItemFlag.ItemIsDropEnabled
_LAYER = _ROW | Qt.ItemFlag.ItemIsDragEnabled
_Index = QModelIndex | QPersistentModelIndex


class StackNode:
    """One row of the tree as the model holds it (the layer itself stays in the document).

    Attributes:
        kind: ``root``, ``input``, ``layer``, ``branch``, ``empty`` or ``head``; the rows of
            an input stack are ``layer`` rows under their group's ``input`` row.
        layer_id: The layer's id (a branch or empty row: its block's id).
        stack: A branch or empty row's stack index.
        group: An input group's name, on its input row (and its stack's "drop here" row).
        parent: The node above (``None`` for the root).
        children: The rows below.
    """

    __slots__ = ("kind", "layer_id", "stack", "parent", "children", "shown", "group")

    def __init__(self, kind: str, layer_id: str = "", stack: int = 0,
                 parent: StackNode | None = None, group: str | None = None) -> None:
        self.kind = kind
        self.layer_id = layer_id
        self.stack = stack
        self.parent = parent
        self.group = group
        self.children: list[StackNode] = []
        self.shown: tuple[int, _RowText] | None = None

    def row(self) -> int:
        """Return the node's row under its parent."""
        return self.parent.children.index(self) if self.parent is not None else 0

    def depth(self) -> int:
        """Return how many rows enclose this one (0 at the top level)."""
        depth, node = 0, self.parent
        while node is not None and node.kind != "root":
            depth, node = depth + 1, node.parent
        return depth


def shows_branch_rows(layer: LayerSpec) -> bool:
    """Whether a block opens into one row per stack (``Branches``) rather than into its rows."""
    layer_type = catalog.find(layer.type)
    most = layer_type.stack_count[1] if layer_type is not None else None
    return len(layer.stacks) > 1 or (layer.is_block and most != 1)


def format_shape(shape: Any) -> str:
    """Return a per-sample output shape as text: ``(28, 28, 32)``, ``(64,)``, ``(?, 16)``."""
    if shape is None:
        return ""
    dims = ["?" if dim is None else str(dim) for dim in shape]
    return "(" + ", ".join(dims) + ("," if len(dims) == 1 else "") + ")"


def problem_text(error: str | None, fix: str | None) -> str | None:
    """Return an error and its fix as one text, or ``None``."""
    if not error:
        return None
    return f"⚠ {error}" + (f"\nFix: {fix}" if fix else "")


class LayerStackModel(QAbstractItemModel):
    """The stack as a tree of rows, updated row by row as the document changes."""

    def __init__(self, document: Document, inference: ShapeInference,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.inference = inference
        self.root = StackNode("root")
        self._nodes: dict[str, StackNode] = {}
        self._first_error: str | None = None
        self._blocked: set[str] = set()
        self._generation = 0
        self._summaries: dict[str, str] = {}
        self._rebuild()
        document.layersInserted.connect(self._on_inserted)
        document.layersRemoved.connect(self._on_removed)
        document.layersMoved.connect(self._on_moved)
        document.layerChanged.connect(self._on_layer_changed)
        document.stacksChanged.connect(self._on_stacks_changed)
        document.layersReset.connect(self.refresh)
        document.shownPartChanged.connect(self.refresh)
        document.changed.connect(self._on_document_changed)
        inference.reportChanged.connect(self._on_report)
        inference.data.infoChanged.connect(self._on_report)

    # Structure ------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Rebuild every row from the document and the latest report (a whole new tree)."""
        self.beginResetModel()
        self._rebuild()
        self.endResetModel()

    def _rebuild(self) -> None:
        self._generation += 1
        self._summaries = {}
        self.root = StackNode("root")
        self._nodes = {}
        self._groups = self.input_groups()
        self._part = self.document.shown_part
        for group in self._groups:
            node = StackNode("input", parent=self.root, group=group)
            node.children = self._stack_nodes(self.document.project.model.inputs.get(group, []),
                                              node)
            self.root.children.append(node)
        self.root.children.append(StackNode("input", parent=self.root))
        for layer in self.main_stack():
            self.root.children.append(self._make_node(layer, self.root))
        if self._wants_head():
            self.root.children.append(StackNode("head", parent=self.root))
        self._update_problems()

    @property
    def part(self) -> str | None:
        """The part of a model with parts that the tree shows (``None`` without parts)."""
        return getattr(self, "_part", None)

    def main_stack(self) -> list[LayerSpec]:
        """Return the stack shown at the top level: the shown part's, else ``model.layers``."""
        model = self.document.project.model
        return model.parts.get(self.part, []) if self.part is not None else model.layers

    def part_rows(self, role: str) -> list[Any]:
        """Return the report's rows of ``role`` (``input``, ``head``) of the shown stack."""
        return [row for row in self.inference.rows_of_role(role)
                if getattr(row, "input_group", None) is None
                and getattr(row, "part", None) == self.part]

    def input_groups(self) -> list[str]:
        """Return the input groups shown with a stack of their own (none without
        ``model.inputs``): the data's groups in its order once it is read."""
        inputs = self.document.project.model.inputs
        if not inputs or self.document.project.model.parts:
            return []
        info = self.inference.data.info
        shapes = getattr(info, "input_shapes", None) or {}
        return [*shapes, *(group for group in inputs if group not in shapes)]

    def _make_node(self, layer: LayerSpec, parent: StackNode) -> StackNode:
        node = StackNode("layer", layer.id, parent=parent)
        self._nodes[layer.id] = node
        self._fill_children(node, layer)
        return node

    def _fill_children(self, node: StackNode, layer: LayerSpec) -> None:
        if shows_branch_rows(layer):
            for stack_index, stack in enumerate(layer.stacks):
                branch = StackNode("branch", layer.id, stack_index, node)
                branch.children = self._stack_nodes(stack, branch)
                node.children.append(branch)
        elif layer.stacks:
            node.children = self._stack_nodes(layer.stacks[0], node)

    def _stack_nodes(self, stack: list[LayerSpec], parent: StackNode) -> list[StackNode]:
        """Return the rows of an inner stack: its layers, or one "drop layers here" row."""
        if not stack:
            return [StackNode("empty", parent.layer_id, parent.stack, parent, parent.group)]
        return [self._make_node(inner, parent) for inner in stack]

    def _drop_empty_row(self, container: StackNode) -> None:
        """Remove an inner stack's "drop layers here" row before a layer goes in."""
        if container.children and container.children[0].kind == "empty":
            self.beginRemoveRows(self.index_of(container), 0, 0)
            container.children.pop(0)
            self.endRemoveRows()

    def _add_empty_row(self, container: StackNode) -> None:
        """Give an inner stack that lost its last layer its "drop layers here" row."""
        inner = container.kind in ("layer", "branch") or (
            container.kind == "input" and container.group is not None)
        if inner and not container.children:
            self.beginInsertRows(self.index_of(container), 0, 0)
            container.children.append(StackNode("empty", container.layer_id, container.stack,
                                                container, container.group))
            self.endInsertRows()

    def _forget(self, node: StackNode) -> None:
        if node.kind == "layer" and self._nodes.get(node.layer_id) is node:
            del self._nodes[node.layer_id]
        for child in node.children:
            self._forget(child)

    def _container(self, slot: Slot) -> tuple[StackNode, int]:
        """Return the node whose children hold ``slot``'s stack, and the rows before it."""
        if slot.parent is None and slot.group is not None and slot.group == self.part:
            return self.root, self.leading_rows()
        if slot.parent is None and slot.group is not None:
            return next(node for node in self.root.children if node.group == slot.group), 0
        if slot.parent is None:
            return self.root, self.leading_rows()
        block = self._nodes[slot.parent]
        if block.children and block.children[0].kind == "branch":
            return block.children[slot.stack], 0
        return block, 0

    def _on_inserted(self, ids: list[str]) -> None:
        self._generation += 1
        located = [self.document.locate(layer_id) for layer_id in ids]
        for found in sorted((f for f in located if f is not None), key=lambda f: f.address):
            model = self.document.project.model
            slot = tree_edits.slot_of(model.layers, found.layer.id, model.side_stacks)
            if not self._shows(slot):
                continue  # a row of another part
            container, offset = self._container(slot)
            self._drop_empty_row(container)
            row = slot.row + offset
            self.beginInsertRows(self.index_of(container), row, row)
            container.children.insert(row, self._make_node(found.layer, container))
            self.endInsertRows()

    def _shows(self, slot: Slot) -> bool:
        """Whether the stack ``slot`` points into has rows in this tree (not another part)."""
        if slot.parent is not None:
            return slot.parent in self._nodes
        return self.part is None or slot.group == self.part

    def _on_removed(self, ids: list[str]) -> None:
        self._generation += 1
        for layer_id in ids:
            node = self._nodes.get(layer_id)
            if node is None or node.parent is None:
                continue
            parent, row = node.parent, node.row()
            self.beginRemoveRows(self.index_of(parent), row, row)
            parent.children.pop(row)
            self._forget(node)
            self.endRemoveRows()
            self._add_empty_row(parent)

    def _on_moved(self, ids: list[str]) -> None:
        self._on_removed(ids)
        self._on_inserted(ids)

    def _on_stacks_changed(self, block_id: str) -> None:
        node = self._nodes.get(block_id)
        if node is None:
            return
        self._generation += 1
        parent = self.index_of(node)
        if node.children:
            self.beginRemoveRows(parent, 0, len(node.children) - 1)
            for child in node.children:
                self._forget(child)
            node.children = []
            self.endRemoveRows()
        layer = self.document.layer(block_id)
        fresh = StackNode("layer", block_id)
        self._fill_children(fresh, layer)
        if fresh.children:
            self.beginInsertRows(parent, 0, len(fresh.children) - 1)
            for child in fresh.children:
                child.parent = node
            node.children = fresh.children
            self.endInsertRows()

    def _on_layer_changed(self, layer_id: str) -> None:
        node = self._nodes.get(layer_id)
        self._summaries.pop(layer_id, None)
        if node is not None:
            node.shown = None
            self.dataChanged.emit(self.index_of(node), self.index_of(node, len(COLUMNS) - 1))

    def _on_document_changed(self, path: str) -> None:
        if path == "model.add_output_head":
            self._sync_head()

    # Shapes and problems --------------------------------------------------------------------

    def _wants_head(self) -> bool:
        if self.part is not None:
            return True  # every part has its output row
        return bool(self.inference.rows_of_role("head")) or (
            self.inference.report is None and self.document.project.model.add_output_head)

    def _sync_head(self) -> None:
        has_head = self.root.children[-1].kind == "head"
        wants = self._wants_head()
        count = len(self.root.children)
        if has_head and not wants:
            self.beginRemoveRows(QModelIndex(), count - 1, count - 1)
            self.root.children.pop()
            self.endRemoveRows()
        elif wants and not has_head:
            self.beginInsertRows(QModelIndex(), count, count)
            self.root.children.append(StackNode("head", parent=self.root))
            self.endInsertRows()

    def leading_rows(self) -> int:
        """Return how many rows come before ``model.layers`` (the input rows)."""
        return len(self._groups) + 1

    def _on_report(self) -> None:
        if self.input_groups() != self._groups:
            self.refresh()
            return
        self._sync_head()
        self._update_problems()
        self._generation += 1
        self._announce_changed(self.root)

    def _update_problems(self) -> None:
        """Keep the problem that causes the others; rows it stopped (after it, or the blocks
        around it) show "not computed"."""
        self._first_error, self._blocked = None, set()
        report = self.inference.report
        if report is None:
            return
        first = report.first_error()
        for row in report.every_row:
            if row.error:
                key = _report_key(row)
                if row is first:
                    self._first_error = key
                else:
                    self._blocked.add(key)

    def _announce_changed(self, node: StackNode) -> None:
        """Emit ``dataChanged`` for the rows under ``node`` whose text changed (a report
        usually changes a few rows: the edited one and those whose shapes follow from it)."""
        for row, child in enumerate(node.children):
            basis = self._basis(child)
            kept = child.shown[1] if child.shown is not None else None
            if basis is not None and kept is not None and kept.basis == basis:
                kept.report = self.inference.row_for(child.layer_id)  # same text, newer row
                child.shown = (self._generation, kept)
            elif (kept.signature() if kept is not None else None) != self._shown(
                    child).signature():
                self.dataChanged.emit(self.createIndex(row, 0, child),
                                      self.createIndex(row, len(COLUMNS) - 1, child))
            self._announce_changed(child)

    def _basis(self, node: StackNode) -> tuple | None:
        """Return what a layer row's text is made of besides the layer itself (which resets
        the row when edited): its report row's values and its problem state. ``None`` for other
        rows. A 200-row report mostly repeats the last one; this tells so cheaply."""
        if node.kind != "layer":
            return None
        row = self.inference.row_for(node.layer_id)
        values = None if row is None else (row.type, row.output_shape, row.param_count,
                                           getattr(row, "trainable_count", None), row.error,
                                           row.fix, row.note)
        return values, node.layer_id in self._blocked, node.layer_id == self._first_error

    def first_problem(self) -> tuple[StackNode, Any] | None:
        """Return the node of the first row with a problem and its report row, or ``None``."""
        key = self._first_error
        if key is None:
            return None
        if key in ("<input>", "<head>"):
            kind = key.strip("<>")
            node = next((n for n in self.root.children if n.kind == kind and n.group is None),
                        None)
            rows = self.part_rows(kind)
            return (node, rows[0]) if node is not None and rows else None
        node = self._nodes.get(key)
        return (node, self.inference.row_for(key)) if node is not None else None

    def node_of_layer(self, layer_id: str) -> StackNode | None:
        """Return the row of layer ``layer_id``."""
        return self._nodes.get(layer_id)

    # Qt model interface ---------------------------------------------------------------------

    def node(self, index: _Index) -> StackNode:
        """Return the node behind ``index`` (the root for an invalid index)."""
        return index.internalPointer() if index.isValid() else self.root

    def index_of(self, node: StackNode, column: int = 0) -> QModelIndex:
        """Return the index of ``node`` (invalid for the root)."""
        if node.parent is None:
            return QModelIndex()
        return self.createIndex(node.row(), column, node)

    def index_of_layer(self, layer_id: str, column: int = 0) -> QModelIndex:
        """Return the index of layer ``layer_id`` (invalid when it has no row)."""
        node = self._nodes.get(layer_id)
        return self.index_of(node, column) if node is not None else QModelIndex()

    def index(self, row: int, column: int,
              parent: _Index = QModelIndex()) -> QModelIndex:  # noqa: B008  (Qt override)
        node = self.node(parent)
        if not 0 <= row < len(node.children) or not 0 <= column < len(COLUMNS):
            return QModelIndex()
        return self.createIndex(row, column, node.children[row])

    def parent(self, index: _Index = QModelIndex()) -> QModelIndex:  # noqa: B008  (Qt override)
        if not index.isValid():
            return QModelIndex()
        parent = index.internalPointer().parent
        return self.index_of(parent) if parent is not None else QModelIndex()

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008  (Qt override)
        if parent.isValid() and parent.column() != 0:
            return 0
        return len(self.node(parent).children)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008  (Qt override)
        return len(COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:  # Qt override
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section]
        return None

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:  # Qt override
        if not index.isValid():
            return None
        node = index.internalPointer()
        role = int(role)
        if role == LAYER_ID_ROLE:
            return node.layer_id or None
        if role == KIND_ROLE:
            return node.kind
        shown = self._shown(node)
        column = index.column()
        if role == _DISPLAY:
            return shown.column(column)
        if role == _SIZE_HINT:
            return QSize(0, 24) if node.kind == "empty" else None  # as tall as icon rows
        if role == _FONT:
            if node.kind != "empty":
                return None
            font = QFont()
            font.setItalic(True)
            return font
        if role == PROBLEM_ROLE:
            return problem_text(shown.error, shown.fix) if column == 1 else None
        if role == _TOOLTIP:
            return shown.tooltip()
        if role == _DECORATION:
            return shown.icon() if column == 0 else None
        if role == _BACKGROUND:
            return problem_background() if shown.error else None
        if role == _FOREGROUND:
            muted = shown.blocked or node.kind == "empty" or (node.kind != "layer"
                                                              and column == 1)
            return muted_foreground() if muted else None
        if role == _ALIGNMENT:
            return _RIGHT if column == 3 else None
        return None

    def _shown(self, node: StackNode) -> _RowText:
        """Return what ``node`` shows, worked out once per change of the row or the report."""
        if node.shown is None or node.shown[0] != self._generation:
            shown = _RowText.of(self, node)
            shown.basis = self._basis(node)
            if shown.error:  # the core names rows as reports do; say it as the window does
                project = self.document.project
                shown.error = in_gui_words(shown.error, project)
                shown.fix = in_gui_words(shown.fix, project) if shown.fix else shown.fix
            node.shown = (self._generation, shown)
        return node.shown[1]

    def summary(self, layer: LayerSpec) -> str:
        """Return a row's key settings as text (kept until the row changes)."""
        text = self._summaries.get(layer.id)
        if text is None:
            layer_type = catalog.find(layer.type)
            text = layer_type.summary(layer.params) if layer_type else ""
            if layer.name:
                text = f"“{layer.name}”  {text}".strip()
            self._summaries[layer.id] = text
        return text

    def problem_ids(self) -> set[str]:
        """Return the keys of the rows that show a problem (the first one and those it stopped)."""
        return self._blocked | ({self._first_error} if self._first_error else set())

    def flags(self, index: _Index) -> Qt.ItemFlag:  # Qt override
        if not index.isValid():
            return Qt.ItemFlag.ItemIsDropEnabled
        node = index.internalPointer()
        if node.kind == "empty":
            return _DROP_INTO
        return _LAYER if node.kind == "layer" else _ROW

    def supportedDropActions(self) -> Qt.DropAction:  # Qt override
        return Qt.DropAction.CopyAction | Qt.DropAction.MoveAction

    def supportedDragActions(self) -> Qt.DropAction:  # Qt override
        return Qt.DropAction.MoveAction

    def mimeTypes(self) -> list[str]:  # Qt override
        return [LAYER_TYPE_MIME, LAYER_ROWS_MIME]

    def mimeData(self, indexes: list[QModelIndex]) -> QMimeData:  # Qt override
        chosen = {index.internalPointer().layer_id for index in indexes
                  if index.isValid() and index.internalPointer().kind == "layer"}
        model = self.document.project.model
        ids = tree_edits.outermost(model.layers, list(chosen), model.side_stacks)
        data = QMimeData()
        data.setData(LAYER_ROWS_MIME, json.dumps(ids).encode("utf-8"))
        return data

    def canDropMimeData(self, data: QMimeData, action: Qt.DropAction, row: int, column: int,
                        parent: _Index) -> bool:  # Qt override
        if data.hasFormat(LAYER_TYPE_MIME):
            return True
        if not data.hasFormat(LAYER_ROWS_MIME):
            return False
        slot = self.drop_slot(row, parent)
        model = self.document.project.model
        return tree_edits.can_move_into(model.layers, _dragged_ids(data), slot.parent,
                                        model.side_stacks)

    def dropMimeData(self, data: QMimeData, action: Qt.DropAction, row: int, column: int,
                     parent: _Index) -> bool:  # Qt override
        """Insert a palette layer or move stack rows to where they were dropped.

        ``row`` -1 means "on ``parent``": into a block (at the end of its first stack), into a
        branch (at its end), or before a plain layer; with no parent, the end of the stack.
        """
        slot = self.drop_slot(row, parent)
        if data.hasFormat(LAYER_TYPE_MIME):
            type_name = bytes(data.data(LAYER_TYPE_MIME).data()).decode("utf-8")
            if catalog.find(type_name) is None:
                return False
            self.document.insert_layers(slot.row, [LayerSpec.of(type_name)], slot.parent,
                                        slot.stack, slot.group)
            return True
        if data.hasFormat(LAYER_ROWS_MIME):
            return self.document.move_layers(_dragged_ids(data), slot.row, slot.parent,
                                             slot.stack, slot.group)
        return False

    def removeRows(self, row: int, count: int, parent: _Index = QModelIndex()) -> bool:  # noqa: B008
        """Refuse: the view must not delete rows after a move (the document did the move)."""
        return False

    def drop_hint(self, row: int, parent: _Index) -> str:
        """Return where a drop at ``row`` under ``parent`` puts rows, in words: ``Drop: inside
        residual_1, row 2 of 3``, ``Drop: the main stack, row 4 of 7``."""
        slot = self.drop_slot(row, parent)
        if slot.parent is None and slot.group is not None and slot.group == self.part:
            where, size = f"the {slot.group}", len(self.main_stack())
        elif slot.parent is None and slot.group is not None:
            where = f"the input stack of {slot.group}"
            size = len(self.document.project.model.inputs.get(slot.group, []))
        elif slot.parent is None:
            where, size = "the main stack", len(self.document.project.model.layers)
        else:
            block = self.document.layer(slot.parent)
            where = f"inside {block_words(block, slot.stack)}"
            size = len(block.stacks[slot.stack])
        return f"Drop: {where}, row {min(slot.row, size) + 1} of {size + 1}"

    def drop_slot(self, row: int, parent: _Index) -> Slot:
        """Return where a drop at ``row`` under ``parent`` puts rows in the document."""
        node = self.node(parent)
        layers = self.document.project.model.layers
        main, part = self.main_stack(), self.part
        if node.kind == "root":
            count = len(main)
            first = self.leading_rows()
            return Slot(None, 0, count if row < 0 else max(0, min(row - first, count)), part)
        if node.kind == "input" and node.group is not None:
            stack = self.document.project.model.inputs.get(node.group, [])
            return Slot(None, 0, len(stack) if row < 0 else row, node.group)
        if node.kind in ("input", "head"):
            return Slot(None, 0, 0 if node.kind == "input" else len(main), part)
        if node.kind == "empty" and node.group is not None and not node.layer_id:
            return Slot(None, 0, 0, node.group)
        if node.kind == "empty":
            return Slot(node.layer_id, node.stack, 0)
        if node.kind == "branch":
            stack = self.document.layer(node.layer_id).stacks[node.stack]
            return Slot(node.layer_id, node.stack, len(stack) if row < 0 else row)
        layer = self.document.layer(node.layer_id)
        if layer.is_block and layer.stacks:
            if node.children and node.children[0].kind == "branch":
                branch = 0 if row <= 0 else min(row - 1, len(layer.stacks) - 1)
                at_end = row != 0
                stack = layer.stacks[branch]
                return Slot(node.layer_id, branch, len(stack) if at_end else 0)
            return Slot(node.layer_id, 0, len(layer.stacks[0]) if row < 0 else row)
        return tree_edits.slot_of(layers, node.layer_id, self.document.project.model.side_stacks)


def _report_key(row: Any) -> str:
    """Return a report row's key: its layer id, or ``<input>`` / ``<head>``."""
    return row.id or f"<{row.role}>"


def _dragged_ids(data: QMimeData) -> list[str]:
    return [str(i) for i in json.loads(bytes(data.data(LAYER_ROWS_MIME).data()).decode("utf-8"))]


class _RowText:
    """What one row shows, worked out from the document and the report when Qt asks."""

    def __init__(self, kind: str, type_name: str, summary: str, report: Any = None,
                 blocked: bool = False) -> None:
        self.kind = kind
        self.type = type_name
        self.summary = summary
        self.report = report
        self.blocked = blocked
        self.error = None if blocked or report is None else report.error
        self.fix = None if blocked or report is None else report.fix

    @classmethod
    def of(cls, model: LayerStackModel, node: StackNode) -> _RowText:
        inference = model.inference
        if node.kind == "input":
            report_rows = inference.report.every_row if inference.report is not None else []
            rows = [row for row in report_rows if row.role == "input"
                    and getattr(row, "input_group", None) == node.group
                    and (node.group is not None or getattr(row, "part", None) == model.part)]
            title = (f"Input: {node.group}" if node.group
                     else "Inputs joined" if model.input_groups()
                     else f"Input of the {model.part}" if model.part else "Input")
            if rows:
                return cls("input", title, rows[0].summary, rows[0])
            if node.group:
                return cls("input", title, "an input group of the data")
            info = inference.data.info
            if info is not None:
                shown = cls("input", title, "from the data")
                if not model.input_groups():  # joined stacks: their size comes with shapes
                    shown.shape_text = format_shape(info.feature_shape)
                return shown
            return cls("input", title, f"waiting for {inference.waiting_for}")
        if node.kind == "head":
            rows = model.part_rows("head")
            if model.part is not None:
                summary = rows[0].summary if rows else "added to fit the task"
                return cls("head", f"Output of the {model.part}", summary,
                           rows[0] if rows else None)
            if rows:
                return cls("head", f"{rows[0].type} (output)", rows[0].summary, rows[0],
                           "<head>" in model._blocked)
            return cls("head", "Output head", "added to fit the task")
        if node.kind == "empty":
            shown = cls("empty", EMPTY_STACK_TEXT, "")
            shown.group = node.group
            return shown
        found = model.document.locate(node.layer_id)
        if found is None:  # asked while the row is being removed: the layer is already gone
            return cls(node.kind, "", "")
        layer = found.layer
        if node.kind == "branch":
            rows = layer.stacks[node.stack]
            count = layer_tree.count_layers(rows)
            summary = (f"{count} layer{'s' if count != 1 else ''}" if rows
                       else "no layers: passes the input on")
            last = rows[-1].id if rows else None
            return cls("branch", f"branch {node.stack + 1}", summary,
                       inference.row_for(last) if last else None)
        summary = model.summary(layer)
        reported = inference.row_for(layer.id)
        if reported is not None and reported.type != layer.type:
            reported = None
        if reported is not None and reported.note:
            summary = f"{summary}  · {reported.note}"
        return cls("layer", layer.type, summary, reported, layer.id in model._blocked)

    shape_text = ""
    basis: tuple | None = None
    group: str | None = None

    def signature(self) -> tuple:
        """Return everything the row shows, to tell whether it changed."""
        return (*(self.column(column) for column in range(len(COLUMNS))), self.error, self.fix,
                self.blocked)

    def column(self, column: int) -> str:
        if column == 0:
            return self.type
        if column == 1:
            return self.summary
        if column == 2:
            if self.blocked:
                return "not computed"
            if self.error:
                return "—"
            if self.report is not None:
                return format_shape(self.report.output_shape)
            return self.shape_text or ("…" if self.kind == "layer" else "")
        if self.kind == "branch" or self.report is None or self.report.param_count is None:
            return ""
        return f"{self.report.param_count:,}" + self._training_text()

    def _training_text(self) -> str:
        """For a pretrained network: whether its weights train (`` · frozen``, `` · 195,266
        train``); the palette's other layers always train all they have."""
        layer_type = catalog.find(self.type)
        trainable = getattr(self.report, "trainable_count", None)
        if layer_type is None or layer_type.category != "Pretrained" or trainable is None:
            return ""
        return " · frozen" if trainable == 0 else f" · {trainable:,} train"

    def icon(self) -> Any:
        if self.error:
            return icon("warning")
        if self.kind == "empty":
            return None
        if self.kind == "input":
            return icon("input")
        if self.kind == "head":
            return icon("output")
        if self.kind == "branch":
            return icon("category-blocks")
        layer_type = catalog.find(self.type)
        return layer_icon(layer_type.icon, layer_type.category) if layer_type else None

    def tooltip(self) -> str:
        if self.error:
            return problem_text(self.error, self.fix) or ""
        if self.blocked:
            return "Not computed: fix the problem marked in the stack first."
        if self.kind == "input":
            return "The model's input, prepared from the data (see the Data tab)."
        if self.kind == "head":
            return "The output layer the task needs (classes or a value); added automatically."
        if self.kind == "branch":
            return "One branch of the block: its layers run on the block's input."
        if self.kind == "empty" and self.group:
            return (f"The input stack of {self.group} is empty: the input joins the others "
                    "as it arrives. Drag layers from the palette (or rows of the stack) onto this "
                    "row to give it layers of its own.")
        if self.kind == "empty":
            return ("This stack inside the block is empty: drag layers from the palette (or "
                    "rows of the stack) onto this row to put them inside the block.")
        layer_type = catalog.find(self.type)
        return layer_type.doc + block_help_text(self.type) if layer_type else ""
