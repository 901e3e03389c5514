"""The layer stack view: rows to drop layers on, reorder, delete and duplicate, with problems
marked on the row that has them and the totals below."""

from __future__ import annotations

from PySide6.QtCore import QItemSelection, QItemSelectionModel, QModelIndex, QRect, QSize, Qt
from PySide6.QtGui import QAction, QKeySequence, QPainter, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from dlstudio.gui.document import Document
from dlstudio.gui.shape_inference import ShapeInference
from dlstudio.gui.theme import icon, problem_foreground
from dlstudio.gui.widgets.layer_stack_model import PROBLEM_ROLE, LayerStackModel

_PADDING = 6


class _SettingsDelegate(QStyledItemDelegate):
    """Draws a row's settings and, below them, its problem and fix in the problem colour."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem,
              index: QModelIndex) -> None:  # Qt override
        problem = index.data(PROBLEM_ROLE)
        if not problem:
            super().paint(painter, option, index)
            return
        item = QStyleOptionViewItem(option)
        self.initStyleOption(item, index)
        summary, item.text = item.text, ""
        style = item.widget.style() if item.widget else QStyle()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, item, painter, item.widget)
        area = item.rect.adjusted(_PADDING, _PADDING // 2, -_PADDING, -_PADDING // 2)
        line = item.fontMetrics.height()
        selected = bool(item.state & QStyle.StateFlag.State_Selected)
        text_role = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        painter.save()
        painter.setPen(item.palette.color(text_role))
        painter.drawText(QRect(area.left(), area.top(), area.width(), line),
                         Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, summary)
        if not selected:
            painter.setPen(problem_foreground())
        painter.drawText(area.adjusted(0, line + 2, 0, 0), Qt.TextFlag.TextWordWrap, problem)
        painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex) -> QSize:  # Qt override
        size = super().sizeHint(option, index)
        problem = index.data(PROBLEM_ROLE)
        view = self.parent()
        if not problem or not isinstance(view, QTableView):
            return size
        width = max(view.columnWidth(index.column()) - 2 * _PADDING, 80)
        metrics = option.fontMetrics
        text = metrics.boundingRect(QRect(0, 0, width, 10_000), Qt.TextFlag.TextWordWrap, problem)
        return QSize(size.width(), metrics.height() + text.height() + _PADDING + 4)


class LayerStackView(QWidget):
    """The stack as a table: drop palette layers on it, drag rows to reorder, Del, Ctrl+D.

    Args:
        document: The document whose stack is shown and edited.
        inference: The shape inference whose reports fill shapes, counts and problems.
    """

    def __init__(self, document: Document, inference: ShapeInference,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.inference = inference
        self.model = LayerStackModel(document, inference, self)
        self._syncing = False
        self.table = self._make_table()
        self.status = QLabel()
        self.status.setProperty("role", "hint")
        self.totals = QLabel()
        self.totals.setProperty("role", "heading")
        self.problem_banner, self.problem_label = self._make_banner()
        self.head_checkbox = QCheckBox("Add the output layer the task needs")
        self.head_checkbox.setToolTip("On: a final layer with one output per class (or one value "
                                      "for regression) is added after your layers.")
        self._make_actions()
        self._layout()
        self.model.modelAboutToBeReset.connect(self._begin_sync)
        self.model.modelReset.connect(self._after_reset)
        self.table.selectionModel().selectionChanged.connect(self._on_view_selection)
        document.selectionChanged.connect(self._show_document_selection)
        self.head_checkbox.toggled.connect(
            lambda on: document.set_value("model.add_output_head", on, "Toggle output head"))
        inference.busyChanged.connect(self._update_status)
        inference.data.busyChanged.connect(self._update_status)
        self._after_reset()

    def _make_table(self) -> QTableView:
        table = QTableView()
        table.setModel(self.model)
        table.setItemDelegateForColumn(1, _SettingsDelegate(table))
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        table.setDragDropMode(QAbstractItemView.DragDropMode.DragDrop)
        table.setDefaultDropAction(Qt.DropAction.MoveAction)
        table.setDragDropOverwriteMode(False)
        table.setDropIndicatorShown(True)
        table.setShowGrid(False)
        table.setAlternatingRowColors(True)
        table.setWordWrap(True)
        table.setIconSize(QSize(20, 20))
        table.verticalHeader().hide()
        table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header = table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.resizeSection(0, 175)
        header.resizeSection(2, 105)
        header.resizeSection(3, 88)
        header.sectionResized.connect(lambda *_: table.resizeRowsToContents())
        table.setToolTip("Drop layers from the palette here; drag rows to reorder them.")
        return table

    def _make_banner(self) -> tuple[QFrame, QLabel]:
        banner = QFrame()
        banner.setProperty("role", "banner-error")
        label = QLabel()
        label.setWordWrap(True)
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        show = QPushButton("Show layer")
        show.setObjectName("show_problem")
        show.setToolTip("Select the layer with the problem")
        show.clicked.connect(self._select_first_problem)
        layout = QHBoxLayout(banner)
        warning = QLabel()
        warning.setPixmap(icon("warning").pixmap(20, 20))
        layout.addWidget(warning, 0, Qt.AlignmentFlag.AlignTop)
        layout.addWidget(label, 1)
        layout.addWidget(show, 0, Qt.AlignmentFlag.AlignTop)
        banner.hide()
        return banner, label

    def _make_actions(self) -> None:
        context = Qt.ShortcutContext.WidgetWithChildrenShortcut
        specs = [
            ("delete_action", "Delete layer", QKeySequence.StandardKey.Delete,
             "Delete the selected layers (Del)", self._delete),
            ("duplicate_action", "Duplicate layer", QKeySequence("Ctrl+D"),
             "Insert a copy of the selected layers (Ctrl+D)", self._duplicate),
            ("move_up_action", "Move up", QKeySequence("Alt+Up"),
             "Move the selected layers up (Alt+Up)", lambda: self._move(-1)),
            ("move_down_action", "Move down", QKeySequence("Alt+Down"),
             "Move the selected layers down (Alt+Down)", lambda: self._move(1)),
        ]
        for attribute, text, shortcut, tip, slot in specs:
            action = QAction(text, self, shortcut=shortcut, toolTip=tip, statusTip=tip)
            action.setShortcutContext(context)
            action.triggered.connect(slot)
            self.addAction(action)
            setattr(self, attribute, action)

    def _layout(self) -> None:
        heading = QLabel("Model")
        heading.setProperty("role", "heading")
        buttons = QHBoxLayout()
        buttons.addWidget(heading)
        buttons.addStretch(1)
        for action in (self.move_up_action, self.move_down_action, self.duplicate_action,
                       self.delete_action):
            button = QPushButton(action.text())
            button.setToolTip(action.toolTip())
            button.clicked.connect(action.trigger)
            buttons.addWidget(button)
        footer = QHBoxLayout()
        footer.addWidget(self.totals)
        footer.addStretch(1)
        footer.addWidget(self.head_checkbox)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(buttons)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.problem_banner)
        layout.addLayout(footer)
        layout.addWidget(self.status)

    # Selection: the document's selection is the truth -------------------------------------

    def _begin_sync(self) -> None:
        self._syncing = True

    def _after_reset(self) -> None:
        self._syncing = True
        self._show_document_selection()
        self._syncing = False
        self.table.resizeRowsToContents()
        self._update_summary()

    def _show_document_selection(self) -> None:
        was_syncing, self._syncing = self._syncing, True
        selection = QItemSelection()
        last = self.model.columnCount() - 1
        for layer in self.document.selection:
            row = self.model.row_of_layer(layer)
            selection.select(self.model.index(row, 0), self.model.index(row, last))
        flags = QItemSelectionModel.SelectionFlag.ClearAndSelect
        self.table.selectionModel().select(selection, flags)
        if self.document.selection:
            current = self.model.index(self.model.row_of_layer(self.document.selection[0]), 0)
            self.table.selectionModel().setCurrentIndex(
                current, QItemSelectionModel.SelectionFlag.NoUpdate)
        self._syncing = was_syncing

    def _on_view_selection(self) -> None:
        if not self._syncing:
            self.document.set_selection(self.selected_layers())

    def selected_layers(self) -> list[int]:
        """Return the indices of the layers selected in the table."""
        rows = {index.row() for index in self.table.selectionModel().selectedRows()}
        return sorted(self.model.rows[row].index for row in rows
                      if self.model.rows[row].role == "layer")

    # Edits -----------------------------------------------------------------------------------

    def _delete(self) -> None:
        self.document.remove_layers(self.document.selection)

    def _duplicate(self) -> None:
        self.document.duplicate_layers(self.document.selection)

    def _move(self, step: int) -> None:
        selection = self.document.selection
        if not selection:
            return
        row = selection[0] - 1 if step < 0 else selection[-1] + 2
        if 0 <= row <= len(self.document.project.model.layers):
            self.document.move_layers(selection, row)

    def _select_first_problem(self) -> None:
        problem = next((row for row in self.model.rows if row.error), None)
        if problem is not None and problem.index is not None:
            self.document.set_selection([problem.index])
        self.table.setFocus()

    # Summary ---------------------------------------------------------------------------------

    def _update_summary(self) -> None:
        report = self.inference.report
        self.head_checkbox.blockSignals(True)
        self.head_checkbox.setChecked(self.document.project.model.add_output_head)
        self.head_checkbox.blockSignals(False)
        problem = next((row for row in self.model.rows if row.error), None)
        self.problem_banner.setVisible(problem is not None)
        if problem is not None:
            where = (f"Layer {problem.index + 1} ({problem.type})" if problem.index is not None
                     else problem.type)
            fix = f"<br><b>Fix:</b> {problem.fix}" if problem.fix else ""
            self.problem_label.setText(f"<b>{where}:</b> {problem.error}{fix}")
        if report is not None and report.total_params is not None:
            self.totals.setText(f"Total: {report.total_params:,} parameters "
                                f"({report.trainable_params:,} trainable)")
        else:
            self.totals.setText("Total: –")
        self._update_status()

    def _update_status(self, *_signal_arguments: object) -> None:
        if self.inference.is_busy():
            text = "Computing shapes…"
        elif self.inference.error:
            text = f"Shapes could not be computed: {self.inference.error}"
        elif self.inference.data.info_error:
            text = f"Shapes need usable data: {self.inference.data.info_error}"
        elif self.inference.data.is_busy():
            text = "Reading the data…"
        elif self.inference.data.info is None:
            text = "Choose the data (Data tab) to see shapes and parameter counts."
        else:
            text = ""
        self.status.setText(text)
        self.status.setVisible(bool(text))
