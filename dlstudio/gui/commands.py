"""The undoable edits of a document: every change to a project is one of these commands.

Each command keeps deep copies of the values it replaces, so undo restores the project exactly
and redo reapplies exactly what was done. Structural edits of the layer stack also restore the
layer selection.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from PySide6.QtGui import QUndoCommand

from dlstudio.core.project.project import LayerSpec

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
        selection: The layer selection after the edit (``None`` leaves the selection alone).
    """

    def __init__(self, document: Document, values: Mapping[str, Any], text: str, *,
                 mergeable: bool = False, selection: Sequence[int] | None = None) -> None:
        super().__init__(text)
        self._document = document
        self._new = {path: copy.deepcopy(value) for path, value in values.items()}
        self._old = {path: copy.deepcopy(document.value(path)) for path in values}
        self._mergeable = mergeable
        self._selection_after = None if selection is None else list(selection)
        self._selection_before = list(document.selection)

    def changes_anything(self) -> bool:
        """Whether applying the command would change the project."""
        return self._new != self._old

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


class InsertLayersCommand(SetValuesCommand):
    """Insert ``layers`` before layer ``row`` (``row`` = the layer count appends)."""

    def __init__(self, document: Document, row: int, layers: Sequence[LayerSpec]) -> None:
        current = document.project.model.layers
        row = max(0, min(row, len(current)))
        layers = document.project.model.prepared(list(layers))
        names = ", ".join(layer.type for layer in layers)
        super().__init__(document, {"model.layers": current[:row] + list(layers) + current[row:]},
                         f"Add {names}", selection=range(row, row + len(layers)))


class RemoveLayersCommand(SetValuesCommand):
    """Remove the layers at ``indices``; the layer after them becomes selected."""

    def __init__(self, document: Document, indices: Sequence[int]) -> None:
        current = document.project.model.layers
        doomed = set(indices)
        remaining = [layer for i, layer in enumerate(current) if i not in doomed]
        after = min(min(doomed, default=0), len(remaining) - 1)
        text = f"Delete {len(doomed)} layers" if len(doomed) > 1 else "Delete layer"
        super().__init__(document, {"model.layers": remaining}, text,
                         selection=[after] if after >= 0 else [])


class MoveLayersCommand(SetValuesCommand):
    """Move the layers at ``indices`` (in order) to just before layer ``row`` of today's stack."""

    def __init__(self, document: Document, indices: Sequence[int], row: int) -> None:
        layers, start = moved_layers(document.project.model.layers, indices, row)
        text = "Move layers" if len(indices) > 1 else "Move layer"
        super().__init__(document, {"model.layers": layers}, text,
                         selection=range(start, start + len(indices)))


class DuplicateLayersCommand(SetValuesCommand):
    """Insert copies of the layers at ``indices`` right after the last of them."""

    def __init__(self, document: Document, indices: Sequence[int]) -> None:
        current = document.project.model.layers
        chosen = sorted(set(indices))
        row = chosen[-1] + 1
        copies = document.project.model.prepared([current[i] for i in chosen])
        text = "Duplicate layers" if len(chosen) > 1 else f"Duplicate {current[chosen[0]].type}"
        super().__init__(document, {"model.layers": current[:row] + copies + current[row:]},
                         text, selection=range(row, row + len(copies)))


class ReplaceLayersCommand(SetValuesCommand):
    """Replace the whole stack (a template), remembering where it came from."""

    def __init__(self, document: Document, layers: Sequence[LayerSpec], template: str | None,
                 text: str) -> None:
        layers = document.project.model.prepared(list(layers))
        super().__init__(document, {"model.layers": layers, "model.template": template},
                         text, selection=[])


def moved_layers(layers: Sequence[LayerSpec], indices: Sequence[int],
                 row: int) -> tuple[list[LayerSpec], int]:
    """Return ``layers`` with those at ``indices`` moved before ``row``, and their new start.

    ``row`` counts in the stack before the move (``len(layers)`` moves them to the end).
    """
    chosen = sorted(set(indices))
    picked = set(chosen)
    remaining = [layer for i, layer in enumerate(layers) if i not in picked]
    start = max(0, min(row, len(layers))) - sum(1 for i in chosen if i < row)
    moving = [layers[i] for i in chosen]
    return remaining[:start] + moving + remaining[start:], start
