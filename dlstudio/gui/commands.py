"""The undoable edits of a document: every change to a project is one of these commands.

Each command keeps deep copies of the values it replaces, so undo restores the project exactly
and redo reapplies exactly what was done. Structural edits of the layer tree (insert, remove,
move, add or delete a branch) work on the rows themselves by id
(:mod:`dlstudio.core.project.tree_edits`), announce exactly the rows they touched, and restore
the selection on undo.
"""

from __future__ import annotations

import copy
import weakref
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from PySide6.QtGui import QUndoCommand

from dlstudio.core.project import tree_edits
from dlstudio.core.project.project import LayerSpec
from dlstudio.core.project.tree_edits import Slot

if TYPE_CHECKING:
    from dlstudio.gui.document import Document

_MERGE_ID = 1


class SetValuesCommand(QUndoCommand):
    """Set one or more project values at once (one undo step).

    Args:
        document: The document edited.
        values: New values keyed by project path (``training.epochs``).
        text: What the edit does, shown in the Edit menu (``Set epochs``).
        mergeable: Merge with the next command that sets the same paths (typing in a field or
            clicking a spin box's arrows makes one undo step).
        selection: The selected layer ids after the edit (``None`` leaves the selection alone).
    """

    def __init__(self, document: Document, values: Mapping[str, Any], text: str, *,
                 mergeable: bool = False, selection: Sequence[str] | None = None) -> None:
        super().__init__(text)
        self._document_ref = weakref.ref(document)
        self._new = {path: copy.deepcopy(value) for path, value in values.items()}
        self._old = {path: copy.deepcopy(document.value(path)) for path in values}
        self._mergeable = mergeable
        self._selection_after = None if selection is None else list(selection)
        self._selection_before = list(document.selection)

    def changes_anything(self) -> bool:
        """Whether applying the command would change the project."""
        return self._new != self._old

    @property
    def _document(self) -> Document:
        """The document edited (held weakly: the document's undo stack holds the command, and a
        cycle through Qt objects must not be left to Python's collector)."""
        return self._document_ref()

    def redo(self) -> None:  # Qt override
        for path, value in self._new.items():
            self._document.write(path, copy.deepcopy(value))
        if self._selection_after is not None:
            self._document.set_selection(self._selection_after)

    def undo(self) -> None:  # Qt override
        for path, value in reversed(self._old.items()):
            self._document.write(path, copy.deepcopy(value))
        if self._selection_after is not None:
            self._document.set_selection(self._selection_before)

    def id(self) -> int:  # Qt override
        return _MERGE_ID if self._mergeable else -1

    def mergeWith(self, other: QUndoCommand) -> bool:  # Qt override
        if not isinstance(other, SetValuesCommand) or other._new.keys() != self._new.keys():
            return False
        self._new = other._new
        self.setText(other.text())
        if self._new == self._old:
            self.setObsolete(True)
        return True


class TreeCommand(QUndoCommand):
    """An edit of the layer tree's structure that announces exactly the rows it touched.

    Subclasses implement :meth:`_apply` and :meth:`_revert`, each returning the kind of event
    (``inserted``, ``removed``, ``moved``, ``stacks``) and the ids it concerns.
    """

    def __init__(self, document: Document, text: str, selection: Sequence[str]) -> None:
        super().__init__(text)
        self._document_ref = weakref.ref(document)
        self._selection_before = list(document.selection)
        self._selection_after = list(selection)

    def changes_anything(self) -> bool:
        """Structural edits always change the tree (callers refuse empty ones)."""
        return True

    @property
    def _document(self) -> Document:
        """The document edited (held weakly: the document's undo stack holds the command, and a
        cycle through Qt objects must not be left to Python's collector)."""
        return self._document_ref()

    @property
    def layers(self) -> list[LayerSpec]:
        return self._document.project.model.layers

    @property
    def inputs(self) -> dict[str, list[LayerSpec]]:
        """The named side stacks (``model.inputs``, or ``model.parts``): tree edits reach
        them too."""
        return self._document.project.model.side_stacks

    def redo(self) -> None:  # Qt override
        self._document.announce_structure(*self._apply())
        self._document.set_selection(self._selection_after)

    def undo(self) -> None:  # Qt override
        self._document.announce_structure(*self._revert())
        self._document.set_selection(self._selection_before)

    def _apply(self) -> tuple[str, list[str]]:
        raise NotImplementedError

    def _revert(self) -> tuple[str, list[str]]:
        raise NotImplementedError


class InsertLayersCommand(TreeCommand):
    """Insert copies of ``layers`` (with fresh ids) at ``slot`` and select them."""

    def __init__(self, document: Document, slot: Slot, layers: Sequence[LayerSpec]) -> None:
        model = document.project.model
        stack = tree_edits.slot_stack(model.layers, slot, model.side_stacks)
        self._slot = Slot(slot.parent, slot.stack, max(0, min(slot.row, len(stack))), slot.group)
        self._rows = document.project.model.prepared(list(layers))
        self._ids = [layer.id for layer in self._rows]
        names = ", ".join(layer.type for layer in self._rows)
        super().__init__(document, f"Add {names}", self._ids)

    def _apply(self) -> tuple[str, list[str]]:
        tree_edits.attach(self.layers, self._slot, self._rows, self.inputs)
        return "inserted", self._ids

    def _revert(self) -> tuple[str, list[str]]:
        tree_edits.detach(self.layers, self._ids, self.inputs)
        return "removed", self._ids


class RemoveLayersCommand(TreeCommand):
    """Remove the rows ``ids`` (and what blocks among them hold); the next row gets selected."""

    def __init__(self, document: Document, ids: Sequence[str]) -> None:
        layers, inputs = document.project.model.layers, document.project.model.side_stacks
        self._ids = tree_edits.outermost(layers, ids, inputs)
        self._taken: list[tuple[Slot, LayerSpec]] = []
        text = f"Delete {len(self._ids)} layers" if len(self._ids) > 1 else "Delete layer"
        super().__init__(document, text, _neighbour_after(layers, self._ids, inputs))

    def _apply(self) -> tuple[str, list[str]]:
        self._taken = tree_edits.detach(self.layers, self._ids, self.inputs)
        return "removed", self._ids

    def _revert(self) -> tuple[str, list[str]]:
        tree_edits.restore(self.layers, self._taken, self.inputs)
        return "inserted", self._ids


class MoveLayersCommand(TreeCommand):
    """Move the rows ``ids`` (in tree order) to ``slot``, counted before the move."""

    def __init__(self, document: Document, ids: Sequence[str], slot: Slot) -> None:
        layers, inputs = document.project.model.layers, document.project.model.side_stacks
        self._ids = tree_edits.outermost(layers, ids, inputs)
        self._target = tree_edits.target_after_detach(layers, self._ids, slot, inputs)
        self._taken: list[tuple[Slot, LayerSpec]] = []
        text = "Move layers" if len(self._ids) > 1 else "Move layer"
        super().__init__(document, text, self._ids)

    def _apply(self) -> tuple[str, list[str]]:
        self._taken = tree_edits.detach(self.layers, self._ids, self.inputs)
        tree_edits.attach(self.layers, self._target, [layer for _, layer in self._taken],
                          self.inputs)
        return "moved", self._ids

    def _revert(self) -> tuple[str, list[str]]:
        tree_edits.detach(self.layers, self._ids, self.inputs)
        tree_edits.restore(self.layers, self._taken, self.inputs)
        return "moved", self._ids


class AddBranchCommand(TreeCommand):
    """Add an empty stack (a branch) at the end of block ``block_id``'s stacks."""

    def __init__(self, document: Document, block_id: str) -> None:
        self._block_id = block_id
        super().__init__(document, "Add branch", [block_id])

    def _apply(self) -> tuple[str, list[str]]:
        self._document.layer(self._block_id).stacks.append([])
        return "stacks", [self._block_id]

    def _revert(self) -> tuple[str, list[str]]:
        self._document.layer(self._block_id).stacks.pop()
        return "stacks", [self._block_id]


class RemoveBranchCommand(TreeCommand):
    """Remove stack ``stack`` of block ``block_id`` with the rows it holds."""

    def __init__(self, document: Document, block_id: str, stack: int) -> None:
        self._block_id, self._stack = block_id, stack
        self._rows: list[LayerSpec] = []
        super().__init__(document, "Delete branch", [block_id])

    def _apply(self) -> tuple[str, list[str]]:
        self._rows = self._document.layer(self._block_id).stacks.pop(self._stack)
        return "stacks", [self._block_id]

    def _revert(self) -> tuple[str, list[str]]:
        self._document.layer(self._block_id).stacks.insert(self._stack, self._rows)
        return "stacks", [self._block_id]


def _neighbour_after(layers: Sequence[LayerSpec], ids: Sequence[str],
                     inputs: tree_edits.Inputs = None) -> list[str]:
    """Return the row to select once ``ids`` are deleted: the next sibling of the last one, else
    the previous sibling of the first, else the enclosing block."""
    if not ids:
        return []
    doomed = set(ids)
    last = tree_edits.slot_of(layers, ids[-1], inputs)
    stack = tree_edits.slot_stack(list(layers), last, inputs)
    after = [layer.id for layer in stack[last.row + 1:] if layer.id not in doomed]
    before = [layer.id for layer in stack[:last.row] if layer.id not in doomed]
    if after or before:
        return [after[0] if after else before[-1]]
    return [last.parent] if last.parent is not None else []


class ReplaceLayersCommand(SetValuesCommand):
    """Replace the whole stack (a template), remembering where it came from."""

    def __init__(self, document: Document, layers: Sequence[LayerSpec], template: str | None,
                 text: str) -> None:
        layers = document.project.model.prepared(list(layers))
        super().__init__(document, {"model.layers": layers, "model.template": template},
                         text, selection=[])

