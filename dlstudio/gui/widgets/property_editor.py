"""The property editor: the selected layer's parameters as typed, validated controls."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from dlstudio.core.model import catalog
from dlstudio.gui.document import Document
from dlstudio.gui.search_menu import layer_param_path, offer_search
from dlstudio.gui.theme import layer_icon
from dlstudio.gui.widgets.value_editors import ParamField


class PropertyEditor(QWidget):
    """Edits the one selected layer or block (named by its id): its label and every parameter.

    Each parameter gets the control its kind calls for (spin box with the allowed range, drop-down
    of choices, check box, shape and regularizer fields), its explanation underneath, and a
    message as soon as a typed value is invalid. Valid values go to the document at once.
    """

    def __init__(self, document: Document, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.fields: dict[str, ParamField] = {}
        self._layer_id: str | None = None
        self._layer_type: str | None = None
        self.icon = QLabel()
        self.title = QLabel()
        self.title.setProperty("role", "heading")
        self.description = QLabel()
        self.description.setWordWrap(True)
        self.description.setProperty("role", "hint")
        self.name_edit = QLineEdit(placeholderText="optional label, shown in the stack")
        self.name_edit.setToolTip("A label of your own for this layer (leave empty for none)")
        self.name_edit.editingFinished.connect(self._rename)
        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        self._layout()
        document.selectionChanged.connect(self._show_selection)
        document.layerChanged.connect(self._on_layer_changed)
        for signal in (document.layersRemoved, document.layersInserted, document.layersReset):
            signal.connect(self._show_selection)
        self._show_selection()

    def _layout(self) -> None:
        heading = QLabel("Properties")
        heading.setProperty("role", "heading")
        title_row = QHBoxLayout()
        title_row.addWidget(self.icon)
        title_row.addWidget(self.title, 1)
        body = QWidget()
        body_layout = QVBoxLayout(body)
        body_layout.addLayout(title_row)
        body_layout.addWidget(self.description)
        self.name_row = QFormLayout()
        self.name_row.addRow("Label", self.name_edit)
        body_layout.addLayout(self.name_row)
        body_layout.addLayout(self.form)
        body_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(body)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(heading)
        layout.addWidget(scroll, 1)

    def _show_selection(self, *_signal_arguments: object) -> None:
        selection = self.document.selection
        layer_id = selection[0] if len(selection) == 1 else None
        layer_type = self.document.layer(layer_id).type if layer_id is not None else None
        if layer_type != self._layer_type:
            self._build(layer_type)
        self._layer_id = layer_id
        if layer_id is None:
            self._show_empty(len(selection))
        else:
            self._show_values()

    def _build(self, type_name: str | None) -> None:
        while self.form.rowCount():
            self.form.removeRow(0)
        self.fields = {}
        self._layer_type = type_name
        layer_type = catalog.find(type_name) if type_name else None
        if layer_type is None:
            return
        self.icon.setPixmap(layer_icon(layer_type.icon, layer_type.category).pixmap(28, 28))
        self.title.setText(f"{layer_type.name}  ·  {layer_type.category}")
        self.description.setText(layer_type.doc)
        for spec in layer_type.params:
            field = ParamField(spec)
            field.editor.committed.connect(lambda value, name=spec.name: self._commit(name, value))
            label = QLabel(spec.name.replace("_", " "))
            label.setToolTip(spec.doc)
            self.form.addRow(label, field)
            self.fields[spec.name] = field
            offer_search(field, self.document,
                         lambda name=spec.name: layer_param_path(self.document, self._layer_id,
                                                                 name), spec)
        if not layer_type.params:
            self.form.addRow(QLabel("This layer has no settings."))

    def _show_empty(self, count: int) -> None:
        self.icon.clear()
        self.title.setText("No layer selected" if count == 0 else f"{count} layers selected")
        self.description.setText(
            "Select a layer in the stack to edit its settings." if count == 0
            else "Select a single layer to edit its settings.")
        self._set_editing_visible(False)

    def _show_values(self) -> None:
        layer = self.document.layer(self._layer_id)
        self._set_editing_visible(True)
        self.name_edit.setText(layer.name or "")
        self.title.setToolTip(f"id: {layer.id}")
        for name, field in self.fields.items():
            field.editor.set_value(layer.params.get(name))

    def _set_editing_visible(self, visible: bool) -> None:
        self.name_edit.setVisible(visible)
        label = self.name_row.labelForField(self.name_edit)
        if label is not None:
            label.setVisible(visible)

    def _on_layer_changed(self, layer_id: str) -> None:
        if layer_id == self._layer_id:
            self._show_values()

    def _commit(self, name: str, value: Any) -> None:
        if self._layer_id is not None:
            self.document.set_layer_param(self._layer_id, name, value)

    def _rename(self) -> None:
        if self._layer_id is not None:
            self.document.rename_layer(self._layer_id, self.name_edit.text().strip() or None)
