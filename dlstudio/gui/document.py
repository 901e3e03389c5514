"""The open project: one QObject, its undo stack and the signals the views listen to.

Views read the project through :attr:`Document.project` and never keep a copy of it; they edit
it only through the methods here, each of which pushes a command
(:mod:`dlstudio.gui.commands`) onto the undo stack. Every change is announced by
:attr:`Document.changed` with the project path that changed.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoStack

from dlstudio.core.project import paths as project_paths
from dlstudio.core.project.project import LayerSpec, Project, load_project, save_project
from dlstudio.gui import commands


class Document(QObject):
    """The project being edited.

    Signals:
        changed(str): A project path changed (``"training.epochs"``); ``""`` means everything.
        selectionChanged(): The selected layers changed.
        dirtyChanged(bool): The project got or lost unsaved changes.
        fileChanged(): The project's file path changed (open, save as, new).
        replaced(): Another project was opened or created (views of the old one reset).
    """

    changed = Signal(str)
    selectionChanged = Signal()
    dirtyChanged = Signal(bool)
    fileChanged = Signal()
    replaced = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._project = Project()
        self._selection: list[int] = []
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
    def selection(self) -> list[int]:
        """Indices of the selected layers, ascending (only layers that exist)."""
        count = len(self._project.model.layers)
        return [index for index in self._selection if index < count]

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
        self._never_saved = unsaved
        self._selection = []
        self.undo_stack.clear()
        self.replaced.emit()
        self.fileChanged.emit()
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

    def insert_layers(self, row: int, layers: Sequence[LayerSpec]) -> None:
        """Insert ``layers`` before layer ``row`` and select them."""
        if layers:
            self.push(commands.InsertLayersCommand(self, row, layers))

    def append_layer(self, type_name: str) -> None:
        """Add a layer of catalog type ``type_name`` with default parameters at the end."""
        self.insert_layers(len(self._project.model.layers), [LayerSpec.of(type_name)])

    def remove_layers(self, indices: Sequence[int]) -> None:
        """Delete the layers at ``indices``."""
        if indices:
            self.push(commands.RemoveLayersCommand(self, indices))

    def move_layers(self, indices: Sequence[int], row: int) -> None:
        """Move the layers at ``indices`` before layer ``row`` (counted before the move)."""
        if indices:
            self.push(commands.MoveLayersCommand(self, indices, row))

    def duplicate_layers(self, indices: Sequence[int]) -> None:
        """Insert copies of the layers at ``indices`` after the last of them."""
        if indices:
            self.push(commands.DuplicateLayersCommand(self, indices))

    def set_layer_param(self, index: int, name: str, value: Any) -> None:
        """Set parameter ``name`` of layer ``index``."""
        layer_type = self._project.model.layers[index].type
        self.set_value(f"model.layers[{index}].params.{name}", value,
                       f"Set {layer_type} {name.replace('_', ' ')}")

    def replace_layers(self, layers: Sequence[LayerSpec], template: str | None,
                       text: str) -> None:
        """Replace the whole layer stack (a template) in one undo step."""
        self.push(commands.ReplaceLayersCommand(self, layers, template, text))

    def push(self, command: commands.SetValuesCommand) -> None:
        """Apply ``command`` and put it on the undo stack, unless it changes nothing."""
        if command.changes_anything():
            self.undo_stack.push(command)

    # Used by commands and views -------------------------------------------------------------

    def write(self, path: str, value: Any) -> None:
        """Store ``value`` at ``path`` and announce it. Commands call this; views must not."""
        project_paths.set_value(self._project, path, value)
        self.changed.emit(path)

    def set_selection(self, indices: Sequence[int]) -> None:
        """Select the layers at ``indices`` (view state: not an edit, not undoable)."""
        count = len(self._project.model.layers)
        selection = sorted({i for i in indices if 0 <= i < count})
        if selection != self._selection:
            self._selection = selection
            self.selectionChanged.emit()

    def _update_dirty(self) -> None:
        dirty = self._never_saved or not self.undo_stack.isClean()
        if dirty != self._dirty:
            self._dirty = dirty
            self.dirtyChanged.emit(dirty)
