"""Structural edits of the layer tree by id: where a row sits, take rows out, put rows in.

The GUI's undoable edits (:mod:`dlstudio.gui.commands`) are built from these three moves, so an
edit and its undo touch exactly the rows they name and leave every other row object in place
(views keep pointing at them). A :class:`Slot` names a position in a stack by the enclosing
block's id, never by list position of the block: ``Slot(None, 0, 3)`` is before the fourth
top-level row, ``Slot("branches_1", 1, 0)`` the top of the second branch of ``branches_1``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from dlstudio.core.project import layer_tree


@dataclass(frozen=True)
class Slot:
    """A position in one stack of the tree.

    Attributes:
        parent: The id of the block that holds the stack, or ``None`` for the top level.
        stack: Which of the block's stacks (0 at the top level).
        row: The index in that stack (the stack's length appends).
    """

    parent: str | None
    stack: int
    row: int


def stack_of(layers: list[Any], parent: str | None, stack: int) -> list[Any]:
    """Return the list object of ``stack`` of block ``parent`` (the top level for ``None``).

    Raises:
        KeyError: There is no block ``parent`` or it has no stack ``stack``.
    """
    if parent is None:
        return layers
    found = layer_tree.find(layers, parent)
    if found is None or not 0 <= stack < len(found.layer.stacks):
        raise KeyError(f"no stack {stack} in a block with id {parent!r}")
    return found.layer.stacks[stack]


def slot_of(layers: Sequence[Any], layer_id: str) -> Slot:
    """Return where the row ``layer_id`` sits.

    Raises:
        KeyError: No row has that id.
    """
    found = layer_tree.find(layers, layer_id)
    if found is None:
        raise KeyError(f"no layer with id {layer_id!r}")
    parent = found.parent.id if found.parent is not None else None
    return Slot(parent, found.stack or 0, found.address[-1])


def outermost(layers: Sequence[Any], ids: Sequence[str]) -> list[str]:
    """Return the rows of ``ids`` that no other row of ``ids`` encloses, in tree order.

    Deleting or moving a block takes its inner rows with it, so they are not edited twice.
    """
    wanted = set(ids)
    return [found.layer.id for found in layer_tree.walk(layers)
            if found.layer.id in wanted
            and not any(parent.id in wanted for parent in found.parents)]


def detach(layers: list[Any], ids: Sequence[str]) -> list[tuple[Slot, Any]]:
    """Take the rows ``ids`` out of the tree.

    Returns:
        Each row with the slot it had, in tree order: putting them back in that order with
        :func:`attach` restores the tree.
    """
    chosen = outermost(layers, ids)
    taken = [(slot_of(layers, layer_id), layer_tree.find(layers, layer_id).layer)
             for layer_id in chosen]
    for slot, _layer in reversed(taken):
        stack_of(layers, slot.parent, slot.stack).pop(slot.row)
    return taken


def attach(layers: list[Any], slot: Slot, rows: Sequence[Any]) -> None:
    """Insert ``rows`` (the objects themselves) at ``slot``, in order."""
    stack = stack_of(layers, slot.parent, slot.stack)
    row = max(0, min(slot.row, len(stack)))
    stack[row:row] = list(rows)


def restore(layers: list[Any], taken: Sequence[tuple[Slot, Any]]) -> None:
    """Put back rows that :func:`detach` returned, each at its old slot."""
    for slot, layer in taken:
        attach(layers, slot, [layer])


def can_move_into(layers: Sequence[Any], ids: Sequence[str], parent: str | None) -> bool:
    """Whether rows ``ids`` may move into a stack of block ``parent`` (not into themselves)."""
    if parent is None:
        return True
    found = layer_tree.find(layers, parent)
    if found is None:
        return False
    enclosing = {parent, *(block.id for block in found.parents)}
    return not enclosing & set(ids)


def target_after_detach(layers: Sequence[Any], ids: Sequence[str], slot: Slot) -> Slot:
    """Return ``slot`` (counted before the move) as counted once rows ``ids`` are taken out."""
    stack = stack_of(list(layers), slot.parent, slot.stack)
    moving = set(outermost(layers, ids))
    before = sum(1 for layer in stack[:slot.row] if layer.id in moving)
    return Slot(slot.parent, slot.stack, slot.row - before)
