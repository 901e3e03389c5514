"""Structural edits of the layer tree by id: where a row sits, take rows out, put rows in.

The GUI's undoable edits (:mod:`dlstudio.gui.commands`) are built from these three moves, so an
edit and its undo touch exactly the rows they name and leave every other row object in place
(views keep pointing at them). A :class:`Slot` names a position in a stack by the enclosing
block's id, never by list position of the block: ``Slot(None, 0, 3)`` is before the fourth
top-level row, ``Slot("branches_1", 1, 0)`` the top of the second branch of ``branches_1``,
``Slot(None, 0, 0, group="review")`` the top of the input stack of the group ``review``
(``model.inputs.review``). Every function takes the main stack ``layers`` and, optionally, the
input stacks ``inputs`` (``model.inputs``): ids are unique across all of them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
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
        group: With ``parent`` ``None``: the input group whose stack (``model.inputs``) is
            meant; ``None`` is the main stack.
    """

    parent: str | None
    stack: int
    row: int
    group: str | None = None


Inputs = Mapping[str, list[Any]] | None
"""The input stacks (``model.inputs``), or ``None`` for a model without them."""


def roots(layers: list[Any], inputs: Inputs = None) -> list[tuple[str | None, list[Any]]]:
    """Return every top-level stack with its group: the input stacks, then the main stack."""
    return [*((group, stack) for group, stack in (inputs or {}).items()), (None, layers)]


def locate(layers: Sequence[Any], layer_id: str,
           inputs: Inputs = None) -> tuple[str | None, layer_tree.Located] | None:
    """Return the group of the stack that holds row ``layer_id`` (``None``: the main stack)
    and the row located in that stack, or ``None`` when no row has that id."""
    for group, stack in roots(list(layers), inputs):
        found = layer_tree.find(stack, layer_id)
        if found is not None:
            return group, found
    return None


def walk_all(layers: Sequence[Any],
             inputs: Inputs = None) -> list[tuple[str | None, layer_tree.Located]]:
    """Return every row of every stack (input stacks first) with its stack's group."""
    return [(group, found) for group, stack in roots(list(layers), inputs)
            for found in layer_tree.walk(stack)]


def stack_of(layers: list[Any], parent: str | None, stack: int, inputs: Inputs = None,
             group: str | None = None) -> list[Any]:
    """Return the list object of ``stack`` of block ``parent`` (for ``None``: the main stack,
    or the input stack of ``group``).

    Raises:
        KeyError: There is no block ``parent``, it has no stack ``stack``, or there is no input
            stack for ``group``.
    """
    if parent is None:
        if group is None:
            return layers
        if inputs is None or group not in inputs:
            raise KeyError(f"no input stack for the group {group!r}")
        return inputs[group]
    located = locate(layers, parent, inputs)
    if located is None or not 0 <= stack < len(located[1].layer.stacks):
        raise KeyError(f"no stack {stack} in a block with id {parent!r}")
    return located[1].layer.stacks[stack]


def slot_stack(layers: list[Any], slot: Slot, inputs: Inputs = None) -> list[Any]:
    """Return the list object ``slot`` points into."""
    return stack_of(layers, slot.parent, slot.stack, inputs, slot.group)


def slot_of(layers: Sequence[Any], layer_id: str, inputs: Inputs = None) -> Slot:
    """Return where the row ``layer_id`` sits.

    Raises:
        KeyError: No row has that id.
    """
    located = locate(layers, layer_id, inputs)
    if located is None:
        raise KeyError(f"no layer with id {layer_id!r}")
    group, found = located
    if found.parent is not None:
        return Slot(found.parent.id, found.stack or 0, found.address[-1])
    return Slot(None, 0, found.address[-1], group)


def outermost(layers: Sequence[Any], ids: Sequence[str], inputs: Inputs = None) -> list[str]:
    """Return the rows of ``ids`` that no other row of ``ids`` encloses, in tree order (input
    stacks first).

    Deleting or moving a block takes its inner rows with it, so they are not edited twice.
    """
    wanted = set(ids)
    return [found.layer.id for _group, found in walk_all(layers, inputs)
            if found.layer.id in wanted
            and not any(parent.id in wanted for parent in found.parents)]


def detach(layers: list[Any], ids: Sequence[str],
           inputs: Inputs = None) -> list[tuple[Slot, Any]]:
    """Take the rows ``ids`` out of the tree.

    Returns:
        Each row with the slot it had, in tree order: putting them back in that order with
        :func:`attach` restores the tree.
    """
    chosen = outermost(layers, ids, inputs)
    taken = [(slot_of(layers, layer_id, inputs), locate(layers, layer_id, inputs)[1].layer)
             for layer_id in chosen]
    for slot, _layer in reversed(taken):
        slot_stack(layers, slot, inputs).pop(slot.row)
    return taken


def attach(layers: list[Any], slot: Slot, rows: Sequence[Any], inputs: Inputs = None) -> None:
    """Insert ``rows`` (the objects themselves) at ``slot``, in order."""
    stack = slot_stack(layers, slot, inputs)
    row = max(0, min(slot.row, len(stack)))
    stack[row:row] = list(rows)


def restore(layers: list[Any], taken: Sequence[tuple[Slot, Any]], inputs: Inputs = None) -> None:
    """Put back rows that :func:`detach` returned, each at its old slot."""
    for slot, layer in taken:
        attach(layers, slot, [layer], inputs)


def can_move_into(layers: Sequence[Any], ids: Sequence[str], parent: str | None,
                  inputs: Inputs = None) -> bool:
    """Whether rows ``ids`` may move into a stack of block ``parent`` (not into themselves)."""
    if parent is None:
        return True
    located = locate(layers, parent, inputs)
    if located is None:
        return False
    enclosing = {parent, *(block.id for block in located[1].parents)}
    return not enclosing & set(ids)


def target_after_detach(layers: Sequence[Any], ids: Sequence[str], slot: Slot,
                        inputs: Inputs = None) -> Slot:
    """Return ``slot`` (counted before the move) as counted once rows ``ids`` are taken out."""
    stack = slot_stack(list(layers), slot, inputs)
    moving = set(outermost(layers, ids, inputs))
    before = sum(1 for layer in stack[:slot.row] if layer.id in moving)
    return Slot(slot.parent, slot.stack, slot.row - before, slot.group)
