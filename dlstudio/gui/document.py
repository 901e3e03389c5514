"""The open project: one QObject, its undo stack and the signals the views listen to.

Views read the project through :attr:`Document.project` and never keep a copy of it; they edit
it only through the methods here, each of which pushes a command
(:mod:`dlstudio.gui.commands`) onto the undo stack. Every change is announced by
:attr:`Document.changed` with the project path that changed; changes of the layer tree are also
announced row by row, keyed by the rows' stable ids (``layersInserted``, ``layersRemoved``,
``layersMoved``, ``layerChanged``, ``stacksChanged``), so views update those rows only. Layers
are named by id everywhere: the selection, the edits, the undo commands.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoStack

from dlstudio.core.project import layer_tree, tree_edits
from dlstudio.core.project import paths as project_paths
from dlstudio.core.project.project import LayerSpec, Project, load_project, save_project
from dlstudio.core.project.tree_edits import Slot
from dlstudio.gui import commands

_LAYER_FIELD = re.compile(r"(model\.(?:layers|inputs|parts).*\])\.(params|name)(\.|\[|$)")


class Document(QObject):
    """The project being edited.

    Signals:
        changed(str): A project path changed (``"training.epochs"``); ``""`` means everything.
        layersInserted(list): Rows with these ids (and what they hold) joined the tree.
        layersRemoved(list): Rows with these ids (and what they hold) left the tree.
        layersMoved(list): Rows with these ids moved (the rows they hold moved with them).
        layerChanged(str): The parameters or label of the row with this id changed.
        stacksChanged(str): The block with this id gained or lost a stack (a branch).
        layersReset(): The whole tree was replaced (a template, undo of one, another project).
        selectionChanged(): The selected layers changed.
        dirtyChanged(bool): The project got or lost unsaved changes.
        fileChanged(): The project's file path changed (open, save as, new).
        replaced(): Another project was opened or created (views of the old one reset).
        shownPartChanged(str): The part the layer stack shows changed (a model with parts:
            ``encoder``, ``decoder``, …; view state, not an edit).
    """

    changed = Signal(str)
    layersInserted = Signal(list)
    layersRemoved = Signal(list)
    layersMoved = Signal(list)
    layerChanged = Signal(str)
    stacksChanged = Signal(str)
    layersReset = Signal()
    selectionChanged = Signal()
    dirtyChanged = Signal(bool)
    fileChanged = Signal()
    replaced = Signal()
    shownPartChanged = Signal(str)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._project = Project()
        self._selection: list[str] = []
        self._located: dict[str, layer_tree.Located] | None = None
        self._groups: dict[str, str | None] = {}
        self._shown_part: str | None = None
        self._never_saved = False
        self._dirty = False
        self.undo_stack = QUndoStack(self)
        self.undo_stack.cleanChanged.connect(self._update_dirty)

    @property
    def project(self) -> Project:
        """The project (read it; change it only through this document's methods)."""
        return self._project

    @property
    def path(self) -> Path | None:
        """The project file, or ``None`` for a project never saved."""
        return self._project.path

    @property
    def shown_part(self) -> str | None:
        """The part of a model with parts (``model.parts``) that the stack shows and palette
        drops go into: the one chosen last, else the first; ``None`` without parts."""
        parts = self._project.model.parts
        if not parts:
            return None
        return self._shown_part if self._shown_part in parts else next(iter(parts))

    def show_part(self, part: str) -> None:
        """Show the part ``part`` in the stack (view state: not an edit, not undoable)."""
        if part in self._project.model.parts and part != self.shown_part:
            self._shown_part = part
            self.set_selection([])
            self.shownPartChanged.emit(part)

    @property
    def selection(self) -> list[str]:
        """Ids of the selected layers, in tree order (only layers that exist)."""
        located = self._locations()
        return [layer_id for layer_id in located if layer_id in self._selection]

    def locate(self, layer_id: str) -> layer_tree.Located | None:
        """Return the row ``layer_id`` with where it sits, or ``None`` when there is none."""
        return self._locations().get(layer_id)

    def layer(self, layer_id: str) -> LayerSpec:
        """Return the row ``layer_id`` (``KeyError`` when there is none)."""
        found = self.locate(layer_id)
        if found is None:
            raise KeyError(f"no layer with id {layer_id!r}")
        return found.layer

    def group_of(self, layer_id: str) -> str | None:
        """Return the input group whose stack holds row ``layer_id`` (``None``: the main
        stack, or no such row)."""
        self._locations()
        return self._groups.get(layer_id)

    def place(self, layer_id: str) -> str:
        """Return the project path of row ``layer_id``: ``model.layers[id=dense_1]``,
        ``model.inputs.review[id=embedding_1]`` (``KeyError`` when there is none)."""
        found = self.locate(layer_id)
        if found is None:
            raise KeyError(f"no layer with id {layer_id!r}")
        group = self._groups.get(layer_id)
        return found.place() if group is None else found.place(
            self._project.model.stack_place(group))

    def _locations(self) -> dict[str, layer_tree.Located]:
        if self._located is None:
            model = self._project.model
            every = tree_edits.walk_all(model.layers, model.side_stacks)
            self._located = {found.layer.id: found for _group, found in every}
            self._groups = {found.layer.id: group for group, found in every}
        return self._located

    def is_dirty(self) -> bool:
        """Whether the project has changes that are not saved."""
        return self._dirty

    def value(self, path: str) -> Any:
        """Return the project value at ``path`` (``"split.seed"``)."""
        return project_paths.get_value(self._project, path)

    # Whole documents (not undoable) ---------------------------------------------------------

    def replace(self, project: Project, *, unsaved: bool = False) -> None:
        """Start editing ``project``; the undo history is cleared.

        Args:
            project: The new project (the document keeps it; pass a copy to keep yours).
            unsaved: The project was made here and exists on no disk (started from data), so
                closing it should ask.
        """
        project.model.assign_ids()
        self._project = project
        self._located = None
        self._never_saved = unsaved
        self._selection = []
        self.undo_stack.clear()
        self.replaced.emit()
        self.fileChanged.emit()
        self.layersReset.emit()
        self.changed.emit("")
        self.selectionChanged.emit()
        self._update_dirty()

    def open(self, path: str | os.PathLike[str]) -> None:
        """Open the project file at ``path``.

        Raises:
            ProjectError: The file cannot be read or is invalid; the document is unchanged and
                nothing is written.
        """
        self.replace(load_project(path))

    def save(self, path: str | os.PathLike[str] | None = None) -> Path:
        """Write the project to ``path`` (or its own file) atomically and mark it clean.

        Raises:
            ValueError: There is no ``path`` and the project was never saved.
            OSError: The file cannot be written.
        """
        target = path if path is not None else self._project.path
        if target is None:
            raise ValueError("the project has no file yet; choose one with Save As")
        self._project.model.assign_ids()
        saved = self._project.copy()
        written = save_project(saved, target)
        self._project.path = written
        self._project.data.path = saved.data.path
        self._never_saved = False
        self.undo_stack.setClean()
        self.fileChanged.emit()
        self._update_dirty()
        return written

    # Edits (each one undo step) -------------------------------------------------------------

    def set_value(self, path: str, value: Any, text: str | None = None, *,
                  mergeable: bool = True) -> None:
        """Set the value at ``path`` (nothing happens when it is already that value)."""
        label = text or f"Set {path.rsplit('.', 1)[-1].replace('_', ' ')}"
        self.push(commands.SetValuesCommand(self, {path: value}, label, mergeable=mergeable))

    def set_values(self, values: Mapping[str, Any], text: str) -> None:
        """Set several values in one undo step."""
        self.push(commands.SetValuesCommand(self, values, text))

    def insert_layers(self, row: int, layers: Sequence[LayerSpec], parent: str | None = None,
                      stack: int = 0, group: str | None = None) -> None:
        """Insert copies of ``layers`` before row ``row`` of a stack and select them.

        Args:
            row: The position in the stack (its length appends).
            layers: The rows to insert; each gets a fresh id.
            parent: The id of the block whose stack receives them (``None``: the top level).
            stack: Which of the block's stacks.
            group: With ``parent`` ``None``: the input group whose stack receives them.
        """
        if layers:
            self.push(commands.InsertLayersCommand(self, Slot(parent, stack, row, group), layers))

    def append_layer(self, type_name: str) -> None:
        """Add a layer of catalog type ``type_name`` with default parameters at the end."""
        part = self.shown_part
        if part is not None:
            stack = self._project.model.parts[part]
            self.insert_layers(len(stack), [LayerSpec.of(type_name)], group=part)
            return
        self.insert_layers(len(self._project.model.layers), [LayerSpec.of(type_name)])

    def remove_layers(self, ids: Sequence[str]) -> None:
        """Delete the rows ``ids`` (a block goes with everything it holds)."""
        ids = [layer_id for layer_id in ids if self.locate(layer_id) is not None]
        if ids:
            self.push(commands.RemoveLayersCommand(self, ids))

    def move_layers(self, ids: Sequence[str], row: int, parent: str | None = None,
                    stack: int = 0, group: str | None = None) -> bool:
        """Move the rows ``ids`` before row ``row`` of a stack (counted before the move).

        Returns:
            Whether they moved: a block cannot move into its own stacks.
        """
        ids = [layer_id for layer_id in ids if self.locate(layer_id) is not None]
        model = self._project.model
        if not ids or not tree_edits.can_move_into(model.layers, ids, parent, model.side_stacks):
            return False
        slot = Slot(parent, stack, row, group)
        if self._lands_where_it_is(ids, slot):
            return False
        self.push(commands.MoveLayersCommand(self, ids, slot))
        return True

    def duplicate_layers(self, ids: Sequence[str]) -> None:
        """Insert copies of the rows ``ids`` right after the last of them, in its stack."""
        model = self._project.model
        chosen = tree_edits.outermost(model.layers, ids, model.side_stacks)
        if not chosen:
            return
        last = tree_edits.slot_of(model.layers, chosen[-1], model.side_stacks)
        rows = [self.layer(layer_id) for layer_id in chosen]
        text = "Duplicate layers" if len(rows) > 1 else f"Duplicate {rows[0].type}"
        slot = Slot(last.parent, last.stack, last.row + 1, last.group)
        command = commands.InsertLayersCommand(self, slot, rows)
        command.setText(text)
        self.push(command)

    def add_branch(self, block_id: str) -> None:
        """Give the block ``block_id`` (a ``Branches``) one more, empty, stack."""
        self.push(commands.AddBranchCommand(self, block_id))

    def remove_branch(self, block_id: str, stack: int) -> bool:
        """Delete stack ``stack`` of block ``block_id``, unless the block needs all it has.

        Returns:
            Whether the branch was deleted.
        """
        from dlstudio.core.model import catalog

        block = self.layer(block_id)
        layer_type = catalog.find(block.type)
        fewest = layer_type.stack_count[0] if layer_type is not None else 1
        if len(block.stacks) <= fewest or not 0 <= stack < len(block.stacks):
            return False
        self.push(commands.RemoveBranchCommand(self, block_id, stack))
        return True

    def set_layer_param(self, layer_id: str, name: str, value: Any) -> None:
        """Set parameter ``name`` of the row ``layer_id``."""
        place = self.place(layer_id)
        self.set_value(f"{place}.params.{name}", value,
                       f"Set {self.layer(layer_id).type} {name.replace('_', ' ')}")

    def rename_layer(self, layer_id: str, name: str | None) -> None:
        """Give the row ``layer_id`` a label of its own (``None`` removes it)."""
        if self.locate(layer_id) is not None:
            self.set_value(f"{self.place(layer_id)}.name", name, "Rename layer", mergeable=False)

    def replace_layers(self, layers: Sequence[LayerSpec], template: str | None,
                       text: str) -> None:
        """Replace the whole layer stack (a template) in one undo step."""
        self.push(commands.ReplaceLayersCommand(self, layers, template, text))

    def set_input_stacks(self, groups: Sequence[str] | None) -> None:
        """Give each input group of ``groups`` its own, empty, stack (``model.inputs``), or with
        ``None`` go back to one stack over the joined inputs; one undo step either way (undo
        brings back the rows the input stacks held)."""
        model = self._project.model
        if groups is None:
            inputs: dict[str, list[LayerSpec]] = {}
            text = "Join the inputs into one stack"
        else:
            inputs = {group: list(model.inputs.get(group, [])) for group in groups}
            text = "Give each input its own stack"
        self.push(commands.SetValuesCommand(self, {"model.inputs": inputs}, text, selection=[]))

    def push(self, command: commands.SetValuesCommand | commands.TreeCommand) -> None:
        """Apply ``command`` and put it on the undo stack, unless it changes nothing."""
        if command.changes_anything():
            self.undo_stack.push(command)

    # Used by commands and views -------------------------------------------------------------

    def write(self, path: str, value: Any) -> None:
        """Store ``value`` at ``path`` and announce it. Commands call this; views must not."""
        project_paths.set_value(self._project, path, value)
        field = _LAYER_FIELD.match(path)
        if field is not None:
            self.layerChanged.emit(project_paths.get_value(self._project, field.group(1)).id)
        elif any(project_paths.affects(path, stacks)
                 for stacks in ("model.layers", "model.inputs", "model.parts")):
            self._located = None
            self.layersReset.emit()
        self.changed.emit(path)

    def announce_structure(self, kind: str, ids: list[str]) -> None:
        """Announce a structural edit of the layer tree. Commands call this; views must not.

        Args:
            kind: ``inserted``, ``removed``, ``moved`` or ``stacks`` (a block's stacks).
            ids: The rows concerned (for ``stacks``, the block).
        """
        self._located = None
        signal = {"inserted": self.layersInserted, "removed": self.layersRemoved,
                  "moved": self.layersMoved}.get(kind)
        if signal is not None:
            signal.emit(list(ids))
        else:
            for block_id in ids:
                self.stacksChanged.emit(block_id)
        self.changed.emit("model.layers")

    def set_selection(self, ids: Sequence[str]) -> None:
        """Select the layers ``ids`` (view state: not an edit, not undoable)."""
        located = self._locations()
        wanted = set(ids)
        selection = [layer_id for layer_id in located if layer_id in wanted]
        if selection != self.selection:
            self._selection = selection
            self.selectionChanged.emit()

    def _lands_where_it_is(self, ids: list[str], slot: Slot) -> bool:
        """Whether moving ``ids`` to ``slot`` would leave the tree as it is."""
        layers, inputs = self._project.model.layers, self._project.model.side_stacks
        chosen = tree_edits.outermost(layers, ids, inputs)
        target = tree_edits.target_after_detach(layers, chosen, slot, inputs)
        slots = [tree_edits.slot_of(layers, layer_id, inputs) for layer_id in chosen]
        first = slots[0]
        return all(s.parent == target.parent and s.stack == target.stack
                   and s.group == target.group
                   and s.row == first.row + number for number, s in enumerate(slots)) and (
            first.row == target.row)

    def _update_dirty(self) -> None:
        dirty = self._never_saved or not self.undo_stack.isClean()
        if dirty != self._dirty:
            self._dirty = dirty
            self.dirtyChanged.emit(dirty)
