""""Search this" on any setting field or layer parameter: a right-click adds the setting to
the project's search space with a first range around its value (or takes it out again).

One small hook for the forms that show settings (:func:`offer_search`): it watches the field
and everything inside it for context-menu requests, keeps a line edit's own menu, and adds the
action at the end.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QContextMenuEvent
from PySide6.QtWidgets import QLineEdit, QMenu, QWidget

from dlstudio.core.model.catalog import ParamSpec
from dlstudio.core.project import paths as project_paths
from dlstudio.core.tuning.space import default_search
from dlstudio.gui.document import Document


class SearchThis(QObject):
    """Adds "Search this" to the context menu of a setting's field.

    Args:
        field: The field (its children get the menu too).
        document: The open project.
        path: Returns the setting's path now (``None`` when there is none, such as no layer
            selected).
        spec: The setting's kind, limits and choices.
    """

    def __init__(self, field: QWidget, document: Document, path: Callable[[], str | None],
                 spec: ParamSpec) -> None:
        super().__init__(field)
        self.document, self.path, self.spec = document, path, spec
        for widget in (field, *field.findChildren(QWidget)):
            widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # Qt override
        if event.type() != QEvent.Type.ContextMenu or self.action_text() is None:
            return False
        menu = watched.createStandardContextMenu() if isinstance(watched, QLineEdit) else QMenu()
        if not menu.isEmpty():
            menu.addSeparator()
        menu.addAction(self.action_text(), self.toggle)
        assert isinstance(event, QContextMenuEvent)
        menu.exec(event.globalPos())
        return True

    def action_text(self) -> str | None:
        """``Search this``, ``Stop searching this``, or ``None`` when it cannot be searched."""
        path = self.path()
        if path is None or self._parameter(path) is None:
            return None
        searched = any(item.path == path for item in self.document.project.tuning.search)
        return "Stop searching this" if searched else "Search this"

    def toggle(self) -> None:
        """Add the setting to the search, or take it out."""
        from dlstudio.gui.widgets.tune_space import toggle_search

        path = self.path()
        parameter = self._parameter(path) if path else None
        if parameter is not None:
            toggle_search(self.document, parameter)

    def _parameter(self, path: str):  # noqa: ANN202 - a SearchParameter or None
        try:
            value = project_paths.get_value(self.document.project, path)
        except (KeyError, AttributeError, IndexError, ValueError):
            return None
        spec = self.spec
        return default_search(path, value, spec.kind, choices=tuple(spec.choices),
                              minimum=spec.minimum, maximum=spec.maximum,
                              exclusive_minimum=spec.exclusive_minimum)


def offer_search(field: QWidget, document: Document, path: Callable[[], str | None],
                 spec: ParamSpec) -> SearchThis:
    """Give ``field`` the "Search this" context-menu action (see :class:`SearchThis`)."""
    return SearchThis(field, document, path, spec)


def layer_param_path(document: Document, layer_id: str | None, name: str) -> str | None:
    """The path of parameter ``name`` of row ``layer_id`` (``None`` without a row)."""
    found = document.locate(layer_id) if layer_id else None
    return f"{found.place()}.params.{name}" if found is not None else None
