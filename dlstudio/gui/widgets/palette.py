"""The layer palette: every catalog layer, grouped by category, searchable, draggable."""

from __future__ import annotations

from PySide6.QtCore import QMimeData, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QLabel,
    QLineEdit,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from dlstudio.core.model import catalog
from dlstudio.gui.block_help import block_help_html
from dlstudio.gui.theme import icon, layer_icon

LAYER_TYPE_MIME = "application/x-dlstudio-layer-type"
"""MIME type of a palette drag: the layer type's name, UTF-8."""

_TYPE_ROLE = Qt.ItemDataRole.UserRole


def layer_type_mime(type_name: str) -> QMimeData:
    """Return the drag data of a palette layer of type ``type_name``."""
    data = QMimeData()
    data.setData(LAYER_TYPE_MIME, type_name.encode("utf-8"))
    data.setText(type_name)
    return data


class _CatalogTree(QTreeWidget):
    def mimeData(self, items: list[QTreeWidgetItem]) -> QMimeData:  # Qt override
        names = [item.data(0, _TYPE_ROLE) for item in items if item.data(0, _TYPE_ROLE)]
        return layer_type_mime(names[0]) if names else QMimeData()

    def mimeTypes(self) -> list[str]:  # Qt override
        return [LAYER_TYPE_MIME]


class LayerPalette(QWidget):
    """The catalog as a tree of categories; drag a layer onto the stack or double-click it.

    Signals:
        layerActivated(str): A layer type was double-clicked (or Enter pressed on it).
    """

    layerActivated = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        heading = QLabel("Layers")
        heading.setProperty("role", "heading")
        self.search = QLineEdit(placeholderText="Search layers…  (Ctrl+F)", clearButtonEnabled=True)
        self.search.setToolTip("Filter the layers by name, category or description")
        self.tree = _CatalogTree()
        self.tree.setHeaderHidden(True)
        self.tree.setDragEnabled(True)
        self.tree.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.tree.setRootIsDecorated(True)
        self.tree.setIndentation(14)
        hint = QLabel("Drag a layer onto the stack, or double-click to add it at the end.")
        hint.setProperty("role", "hint")
        hint.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        for widget in (heading, self.search, self.tree, hint):
            layout.addWidget(widget)
        self._fill()
        self.search.textChanged.connect(self._filter)
        self.tree.itemActivated.connect(self._activate)

    def _fill(self) -> None:
        groups: dict[str, QTreeWidgetItem] = {}
        for layer_type in catalog.all_types():
            group = groups.get(layer_type.category)
            if group is None:
                group = QTreeWidgetItem(self.tree, [layer_type.category])
                group.setIcon(0, icon(f"category-{layer_type.category.lower()}"))
                group.setFlags(Qt.ItemFlag.ItemIsEnabled)
                group.setExpanded(True)
                groups[layer_type.category] = group
            item = QTreeWidgetItem(group, [layer_type.name])
            item.setIcon(0, layer_icon(layer_type.icon, layer_type.category))
            item.setData(0, _TYPE_ROLE, layer_type.name)
            item.setToolTip(0, _tooltip(layer_type))
            item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
                          | Qt.ItemFlag.ItemIsDragEnabled)

    def _filter(self, text: str) -> None:
        words = text.lower().split()
        for group_index in range(self.tree.topLevelItemCount()):
            group = self.tree.topLevelItem(group_index)
            visible = 0
            for child_index in range(group.childCount()):
                child = group.child(child_index)
                layer_type = catalog.get(child.data(0, _TYPE_ROLE))
                haystack = f"{layer_type.name} {layer_type.category} {layer_type.doc}".lower()
                hidden = not all(word in haystack for word in words)
                child.setHidden(hidden)
                visible += not hidden
            group.setHidden(visible == 0)

    def _activate(self, item: QTreeWidgetItem) -> None:
        name = item.data(0, _TYPE_ROLE)
        if name:
            self.layerActivated.emit(name)

    def item_for(self, type_name: str) -> QTreeWidgetItem | None:
        """Return the palette entry of ``type_name`` (``None`` when there is none)."""
        matches = self.tree.findItems(type_name, Qt.MatchFlag.MatchExactly
                                      | Qt.MatchFlag.MatchRecursive)
        return next((m for m in matches if m.data(0, _TYPE_ROLE) == type_name), None)


def _tooltip(layer_type: catalog.LayerType) -> str:
    params = "".join(f"<li><b>{p.name}</b>: {p.doc}</li>" for p in layer_type.params[:6])
    more = "<li>…</li>" if len(layer_type.params) > 6 else ""
    body = f"<ul style='margin-left:-20px'>{params}{more}</ul>" if params else ""
    return (f"<b>{layer_type.name}</b> <i>({layer_type.category})</i><br>{layer_type.doc}"
            f"{block_help_html(layer_type.name)}{body}")
