"""The layer stack view: a tree of rows to drop layers and blocks on, open blocks into their
inner stacks, reorder, delete and duplicate, with problems marked on the row that has them and
the totals below. Rows are named by layer id throughout (selection, edits, problems)."""

from __future__ import annotations

import html

from PySide6.QtCore import (
    QItemSelection,
    QItemSelectionModel,
    QModelIndex,
    QPersistentModelIndex,
    QPoint,
    QRect,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import (
    QAction,
    QColor,
    QDragLeaveEvent,
    QDragMoveEvent,
    QDropEvent,
    QKeyEvent,
    QKeySequence,
    QPainter,
    QPalette,
    QPen,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProxyStyle,
    QPushButton,
    QSpinBox,
    QStyle,
    QStyledItemDelegate,
    QStyleOption,
    QStyleOptionViewItem,
    QTabBar,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from dlstudio.core.model.cost_sheet import cost_sheet, device_memory
from dlstudio.core.model.parts import uses_latent_dim
from dlstudio.core.project import tree_edits
from dlstudio.core.project.wording import in_gui_words, row_words
from dlstudio.gui.document import Document
from dlstudio.gui.shape_inference import ShapeInference
from dlstudio.gui.theme import icon, problem_foreground
from dlstudio.gui.widgets.layer_stack_model import (
    KIND_ROLE,
    LAYER_ID_ROLE,
    PROBLEM_ROLE,
    LayerStackModel,
    StackNode,
)

_PADDING = 6


COST_TOOLTIP = (
    "<b>What training this model costs</b> (estimated from the shapes, nothing is built)"
    "<br><b>multiply-adds per sample</b>: the arithmetic of one forward pass of one sample "
    "(Dense: inputs × units; a convolution: output positions × kernel × input channels); "
    "training costs about three times that per sample."
    "<br><b>to train at batch N</b>: memory for the weights, one gradient per weight, the "
    "optimizer's state (Adam keeps 2 numbers per weight, SGD with momentum 1) and every "
    "layer's outputs for N samples, kept for the backward pass (about twice over)."
    "<br><b>batch up to</b>: the largest batch size whose training fits 80% of the device's "
    "memory (the GPU's, else the RAM free now). A larger batch trains faster per sample "
    "until it no longer fits."
    "<br>The time per epoch is measured when training starts.")


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
        if not problem or not isinstance(view, QTreeView):
            return size
        width = max(view.columnWidth(index.column()) - 2 * _PADDING - view.indentation(), 80)
        metrics = option.fontMetrics
        text = metrics.boundingRect(QRect(0, 0, width, 10_000), Qt.TextFlag.TextWordWrap, problem)
        return QSize(size.width(), metrics.height() + text.height() + _PADDING + 4)


class _DropIndicatorStyle(QProxyStyle):
    """Draws the drop indicator boldly in the highlight colour: a line with a dot where it
    starts (so its indent shows which stack it is in), a filled frame for "into this row"."""

    def drawPrimitive(self, element: QStyle.PrimitiveElement, option: QStyleOption,
                      painter: QPainter, widget: QWidget | None = None) -> None:  # Qt override
        if element != QStyle.PrimitiveElement.PE_IndicatorItemViewItemDrop:
            super().drawPrimitive(element, option, painter, widget)
            return
        colour = option.palette.color(QPalette.ColorRole.Highlight)
        rect = option.rect
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(QPen(colour, 2))
        if rect.height() <= 1:
            painter.drawLine(rect.left() + 4, rect.top(), rect.right(), rect.top())
            painter.setBrush(colour)
            painter.drawEllipse(QPoint(rect.left() + 4, rect.top()), 4, 4)
        else:
            fill = QColor(colour)
            fill.setAlpha(50)
            painter.setBrush(fill)
            painter.drawRoundedRect(rect.adjusted(1, 1, -1, -1), 3, 3)
        painter.restore()


class StackTree(QTreeView):
    """The tree of rows: a left rule per nesting level; Enter opens or closes a block; while a
    drag moves over it, :attr:`dropHint` says where the rows would go.

    Signals:
        dropHint(str): Where a drop here would put the rows, in words ("" when the drag
            leaves or ends).
    """

    dropHint = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._drop_style = _DropIndicatorStyle()
        self.setStyle(self._drop_style)

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:  # Qt override
        super().dragMoveEvent(event)
        if not event.isAccepted():
            self.dropHint.emit("")
            return
        row, parent = self.drop_target(event.position().toPoint())
        self.dropHint.emit(self.model().drop_hint(row, parent))

    def drop_target(self, point: QPoint) -> tuple[int, QModelIndex]:
        """Return the row and parent Qt gives a drop at ``point`` (after a drag move there)."""
        index = self.indexAt(point).siblingAtColumn(0)
        position = self.dropIndicatorPosition()
        if position == QAbstractItemView.DropIndicatorPosition.AboveItem:
            return index.row(), index.parent()
        if position == QAbstractItemView.DropIndicatorPosition.BelowItem:
            return index.row() + 1, index.parent()
        if position == QAbstractItemView.DropIndicatorPosition.OnItem:
            return -1, index
        return -1, QModelIndex()

    def dragLeaveEvent(self, event: QDragLeaveEvent) -> None:  # Qt override
        super().dragLeaveEvent(event)
        self.dropHint.emit("")

    def dropEvent(self, event: QDropEvent) -> None:  # Qt override
        super().dropEvent(event)
        self.dropHint.emit("")

    def drawBranches(self, painter: QPainter, rect: QRect,
                     index: QModelIndex | QPersistentModelIndex) -> None:  # Qt override
        super().drawBranches(painter, rect, index)
        depth, parent = 0, index.parent()
        while parent.isValid():
            depth, parent = depth + 1, parent.parent()
        if not depth:
            return
        painter.save()
        painter.setPen(QPen(self.palette().color(QPalette.ColorRole.Mid), 2))
        step = self.indentation()
        for level in range(depth):
            x = rect.left() + level * step + step // 2
            painter.drawLine(x, rect.top(), x, rect.bottom())
        painter.restore()

    def keyPressEvent(self, event: QKeyEvent) -> None:  # Qt override
        current = self.currentIndex()
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and current.isValid():
            first = current.siblingAtColumn(0)
            if self.model().rowCount(first):
                self.setExpanded(first, not self.isExpanded(first))
                return
        super().keyPressEvent(event)


class LayerStackView(QWidget):
    """The stack as a tree: drop palette layers and blocks on it, drag rows into, out of and
    between inner stacks; Enter opens a block, Del deletes, Ctrl+D duplicates, Ctrl+Up/Down move.

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
        self.tree = self._make_tree()
        self.status = QLabel()
        self.status.setProperty("role", "hint")
        self.totals = QLabel()
        self.totals.setProperty("role", "heading")
        self.cost = QLabel()
        self.cost.setObjectName("cost_line")
        self.cost.setProperty("role", "hint")
        self.cost.setWordWrap(True)
        self.cost.setToolTip(COST_TOOLTIP)
        self._device_memory: tuple[str, int | None] | None = None
        self.problem_banner, self.problem_label = self._make_banner()
        self.head_checkbox = QCheckBox("Add the output layer the task needs")
        self.head_checkbox.setToolTip("On: a final layer with one output per class (or one value "
                                      "for regression) is added after your layers.")
        self.part_tabs = QTabBar()
        self.part_tabs.setObjectName("part_tabs")
        self.part_tabs.setToolTip("This model trains more than one network: edit one part at "
                                  "a time; palette drops go into the part shown.")
        self.part_tabs.currentChanged.connect(self._on_part_tab)
        self.latent_label = QLabel("Latent size")
        self.latent_size = QSpinBox()
        self.latent_size.setObjectName("latent_size")
        self.latent_size.setRange(1, 4096)
        self.latent_size.setToolTip("How many numbers the code between the parts has: a "
                                    "VAE's latent vector, a GAN's noise (model.latent_dim)")
        self.latent_size.editingFinished.connect(self._set_latent_size)
        self._make_actions()
        self._layout()
        self.model.modelAboutToBeReset.connect(self._begin_sync)
        self.model.modelReset.connect(self._after_reset)
        self.model.rowsInserted.connect(self._after_insert)
        self.model.rowsAboutToBeRemoved.connect(self._begin_sync)
        self.model.rowsRemoved.connect(self._end_sync)
        self.tree.selectionModel().selectionChanged.connect(self._on_view_selection)
        self.tree.dropHint.connect(self._show_drop_hint)
        document.selectionChanged.connect(self._show_document_selection)
        self.head_checkbox.toggled.connect(
            lambda on: document.set_value("model.add_output_head", on, "Toggle output head"))
        inference.busyChanged.connect(self._update_status)
        inference.data.busyChanged.connect(self._update_status)
        self._problem_rows: set[str] = set()
        inference.reportChanged.connect(self._update_summary)
        inference.reportChanged.connect(self._relayout_if_problems_moved)
        document.changed.connect(self._on_document_changed)
        inference.data.infoChanged.connect(self._update_input_stacks_action)
        self._update_input_stacks_action()
        document.shownPartChanged.connect(lambda _part: self._sync_part_tabs())
        self._sync_part_tabs()
        self._after_reset()

    @property
    def table(self) -> StackTree:
        """The tree of rows (the name of the flat table it replaced)."""
        return self.tree

    def _make_tree(self) -> StackTree:
        tree = StackTree()
        tree.setModel(self.model)
        tree.setItemDelegateForColumn(1, _SettingsDelegate(tree))
        tree.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        tree.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        tree.setDragDropMode(QAbstractItemView.DragDropMode.DragDrop)
        tree.setDefaultDropAction(Qt.DropAction.MoveAction)
        tree.setDragDropOverwriteMode(False)
        tree.setDropIndicatorShown(True)
        tree.setAlternatingRowColors(True)
        tree.setWordWrap(True)
        tree.setIconSize(QSize(20, 20))
        tree.setIndentation(18)
        tree.setExpandsOnDoubleClick(False)
        tree.setAnimated(False)
        header = tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.resizeSection(0, 220)
        header.resizeSection(2, 105)
        header.resizeSection(3, 130)  # room for "939,120 · frozen"
        tree.setToolTip("Drop layers and blocks from the palette here; drop on a block to put "
                        "layers inside it; drag rows to move them.")
        return tree

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
            ("delete_action", "Delete layer", [QKeySequence(QKeySequence.StandardKey.Delete)],
             "Delete the selected layers, or the selected branch (Del)", self._delete),
            ("duplicate_action", "Duplicate layer", [QKeySequence("Ctrl+D")],
             "Insert a copy of the selected layers (Ctrl+D)", self._duplicate),
            ("move_up_action", "Move up", [QKeySequence("Ctrl+Up"), QKeySequence("Alt+Up")],
             "Move the selected layers up, out of a block at its top (Ctrl+Up)",
             lambda: self._move(-1)),
            ("move_down_action", "Move down",
             [QKeySequence("Ctrl+Down"), QKeySequence("Alt+Down")],
             "Move the selected layers down, out of a block at its end (Ctrl+Down)",
             lambda: self._move(1)),
            ("add_branch_action", "Add branch", [QKeySequence("Ctrl+B")],
             "Add an empty branch to the selected Branches block (Ctrl+B)", self._add_branch),
        ]
        for attribute, text, shortcuts, tip, slot in specs:
            action = QAction(text, self, toolTip=tip, statusTip=tip)
            action.setShortcuts(shortcuts)
            action.setShortcutContext(context)
            action.triggered.connect(slot)
            self.addAction(action)
            setattr(self, attribute, action)
        tip = ("Give each kind of input (the table's columns, each text column read as a "
               "sequence) a stack of its own, joined before the main stack; uncheck to go back "
               "to one stack over the joined inputs")
        self.input_stacks_action = QAction("Give each input its own stack", self, toolTip=tip,
                                           statusTip=tip, checkable=True)
        self.input_stacks_action.triggered.connect(self._toggle_input_stacks)
        self.tree.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        self.tree.addActions([self.move_up_action, self.move_down_action,
                              self.duplicate_action, self.delete_action,
                              self.add_branch_action, self.input_stacks_action])

    def data_input_groups(self) -> list[str]:
        """Return the data's input groups (``table``, then each text column read as a
        sequence); empty until the data is read."""
        info = self.inference.data.info
        return list(getattr(info, "input_shapes", None) or {})

    def _update_input_stacks_action(self) -> None:
        """Offer per-input stacks when the data has more than one input group (and always
        offer to turn them off)."""
        has_stacks = bool(self.document.project.model.inputs)
        self.input_stacks_action.setChecked(has_stacks)
        self.input_stacks_action.setEnabled(has_stacks or len(self.data_input_groups()) > 1)

    def _toggle_input_stacks(self, on: bool) -> None:
        groups = self.data_input_groups()
        if on and len(groups) > 1:
            self.document.set_input_stacks(groups)
        elif not on:
            self.document.set_input_stacks(None)
        self._update_input_stacks_action()

    def _layout(self) -> None:
        heading = QLabel("Model")
        heading.setProperty("role", "heading")
        buttons = QHBoxLayout()
        buttons.addWidget(heading)
        buttons.addStretch(1)
        self.add_branch_button = QPushButton(self.add_branch_action.text())
        for action in (self.add_branch_action, self.move_up_action, self.move_down_action,
                       self.duplicate_action, self.delete_action):
            button = (self.add_branch_button if action is self.add_branch_action
                      else QPushButton(action.text()))
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
        parts_row = QHBoxLayout()
        parts_row.addWidget(self.part_tabs, 1)
        parts_row.addWidget(self.latent_label)
        parts_row.addWidget(self.latent_size)
        layout.addLayout(parts_row)
        layout.addWidget(self.tree, 1)
        layout.addWidget(self.problem_banner)
        layout.addLayout(footer)
        layout.addWidget(self.cost)
        layout.addWidget(self.status)

    # Rows: blocks open as they appear ----------------------------------------------------------

    def _begin_sync(self, *_signal_arguments: object) -> None:
        self._syncing = True

    def _end_sync(self, *_signal_arguments: object) -> None:
        self._syncing = False

    def _span_empty_rows(self, parent: QModelIndex) -> None:
        """Let the "drop layers here" rows under ``parent`` run across every column."""
        for row in range(self.model.rowCount(parent)):
            index = self.model.index(row, 0, parent)
            if index.data(KIND_ROLE) == "empty":
                self.tree.setFirstColumnSpanned(row, parent, True)
            else:
                self._span_empty_rows(index)

    def _after_reset(self) -> None:
        self._syncing = True
        self._span_empty_rows(QModelIndex())
        self.tree.expandAll()
        self._show_document_selection()
        self._syncing = False
        self._update_summary()

    def _after_insert(self, parent: QModelIndex, first: int, last: int) -> None:
        for row in range(first, last + 1):
            index = self.model.index(row, 0, parent)
            if index.data(KIND_ROLE) == "empty":
                self.tree.setFirstColumnSpanned(row, parent, True)
            self._span_empty_rows(index)
            self.tree.expandRecursively(index)
        if parent.isValid():
            self.tree.expand(parent)

    def _relayout_if_problems_moved(self) -> None:
        """Rows with a problem are taller: lay the rows out again only when those changed."""
        problems = self.model.problem_ids()
        if problems != self._problem_rows:
            self._problem_rows = problems
            self.tree.scheduleDelayedItemsLayout()

    def _sync_part_tabs(self) -> None:
        """Show one tab per part (a model with parts), the shown part current."""
        parts = list(self.document.project.model.parts)
        names = [self.part_tabs.tabData(index) for index in range(self.part_tabs.count())]
        self._syncing_tabs = True
        try:
            if names != parts:
                while self.part_tabs.count():
                    self.part_tabs.removeTab(0)
                for part in parts:
                    self.part_tabs.setTabData(self.part_tabs.addTab(part.capitalize()), part)
            shown = self.document.shown_part
            if shown in parts:
                self.part_tabs.setCurrentIndex(parts.index(shown))
        finally:
            self._syncing_tabs = False
        self.part_tabs.setVisible(bool(parts))
        self.head_checkbox.setVisible(not parts)  # each part's output comes with its task
        latent = bool(parts) and uses_latent_dim(self.document.project.data.task)
        self.latent_label.setVisible(latent)
        self.latent_size.setVisible(latent)
        if not self.latent_size.hasFocus():
            self.latent_size.setValue(self.document.project.model.latent_dim)

    def _set_latent_size(self) -> None:
        value = self.latent_size.value()
        if value != self.document.project.model.latent_dim:
            self.document.set_value("model.latent_dim", value, "Set the latent size",
                                    mergeable=False)

    def _on_part_tab(self, index: int) -> None:
        if not getattr(self, "_syncing_tabs", False) and index >= 0:
            self.document.show_part(self.part_tabs.tabData(index))

    def _on_document_changed(self, path: str) -> None:
        if path in ("", "model", "data.task", "model.latent_dim") or path.startswith(
                ("model.inputs", "model.parts")):
            self._update_input_stacks_action()
            self._sync_part_tabs()
        if path in ("", "model", "model.add_output_head") or path.startswith("model.layers"):
            self._update_summary()
        elif path.startswith("training"):  # the batch size, optimizer, precision, device
            if path == "training.device":
                self._device_memory = None
            self._update_cost(self.inference.report)

    # Selection: the document's selection is the truth -------------------------------------

    def _show_document_selection(self) -> None:
        if self.selected_layers() == self.document.selection and self._view_has_branch():
            return
        was_syncing, self._syncing = self._syncing, True
        selection = QItemSelection()
        last = self.model.columnCount() - 1
        for layer_id in self.document.selection:
            first = self.model.index_of_layer(layer_id)
            if first.isValid():
                selection.select(first, first.siblingAtColumn(last))
        flags = QItemSelectionModel.SelectionFlag.ClearAndSelect
        self.tree.selectionModel().select(selection, flags)
        if self.document.selection:
            current = self.model.index_of_layer(self.document.selection[0])
            self.tree.selectionModel().setCurrentIndex(
                current, QItemSelectionModel.SelectionFlag.NoUpdate)
            self.tree.scrollTo(current)
        self._syncing = was_syncing
        self._update_actions()

    def _view_has_branch(self) -> bool:
        return self.selected_branch() is not None

    def _on_view_selection(self) -> None:
        if not self._syncing:
            self.document.set_selection(self.selected_layers())
        self._update_actions()

    def selected_layers(self) -> list[str]:
        """Return the ids of the layers selected in the tree, in tree order."""
        chosen = {index.data(LAYER_ID_ROLE) for index in self.tree.selectionModel().selectedRows()
                  if index.data(KIND_ROLE) == "layer"}
        model = self.document.project.model
        every = tree_edits.walk_all(model.layers, model.side_stacks)
        return [found.layer.id for _group, found in every if found.layer.id in chosen]

    def selected_branch(self) -> tuple[str, int] | None:
        """Return the block id and stack of the one selected branch row, or ``None``."""
        rows = self.tree.selectionModel().selectedRows()
        if len(rows) != 1 or rows[0].data(KIND_ROLE) != "branch":
            return None
        node: StackNode = self.model.node(rows[0])
        return node.layer_id, node.stack

    def _update_actions(self) -> None:
        self.add_branch_action.setEnabled(self._branches_block() is not None)
        self.add_branch_button.setVisible(self._branches_block() is not None)

    def _branches_block(self) -> str | None:
        branch = self.selected_branch()
        if branch is not None:
            return branch[0]
        selection = self.document.selection
        if len(selection) == 1:
            node = self.model.node_of_layer(selection[0])
            if node is not None and node.children and node.children[0].kind == "branch":
                return selection[0]
        return None

    # Edits -----------------------------------------------------------------------------------

    def _delete(self) -> None:
        branch = self.selected_branch()
        if branch is not None:
            self.document.remove_branch(*branch)
            return
        self.document.remove_layers(self.document.selection)

    def _duplicate(self) -> None:
        self.document.duplicate_layers(self.document.selection)

    def _add_branch(self) -> None:
        block = self._branches_block()
        if block is not None:
            self.document.add_branch(block)

    def _move(self, step: int) -> None:
        layers = self.document.project.model.layers
        inputs = self.document.project.model.side_stacks
        chosen = tree_edits.outermost(layers, self.document.selection, inputs)
        if not chosen:
            return
        slots = [tree_edits.slot_of(layers, layer_id, inputs) for layer_id in chosen]
        first, last = slots[0], slots[-1]
        if any((s.parent, s.stack, s.group) != (first.parent, first.stack, first.group)
               for s in slots):
            return
        stack = tree_edits.slot_stack(layers, first, inputs)
        if step < 0 and first.row > 0:
            target = tree_edits.Slot(first.parent, first.stack, first.row - 1, first.group)
        elif step > 0 and last.row + 1 < len(stack):
            target = tree_edits.Slot(first.parent, first.stack, last.row + 2, first.group)
        elif first.parent is not None:
            target = tree_edits.slot_of(layers, first.parent, inputs)
            target = tree_edits.Slot(target.parent, target.stack, target.row + (step > 0),
                                     target.group)
        else:
            return
        self.document.move_layers(chosen, target.row, target.parent, target.stack,
                                  target.group)

    def _select_first_problem(self) -> None:
        problem = self.model.first_problem()
        if problem is not None and problem[0].kind == "layer":
            self.document.set_selection([problem[0].layer_id])
        self.tree.setFocus()

    # Summary ---------------------------------------------------------------------------------

    def _update_summary(self) -> None:
        report = self.inference.report
        self.head_checkbox.blockSignals(True)
        self.head_checkbox.setChecked(self.document.project.model.add_output_head)
        self.head_checkbox.blockSignals(False)
        problem = self.model.first_problem()
        self.problem_banner.setVisible(problem is not None)
        if problem is not None:
            node, row = problem
            project = self.document.project
            group = self.document.group_of(node.layer_id) if node.kind == "layer" else None
            words = (row_words(project.model.layers, node.layer_id) if node.kind == "layer"
                     else None)
            if group is not None:
                words = f"{row.type} in the input stack of {group}"
            where = (words[0].upper() + words[1:] if words
                     else "The output head" if node.kind == "head" else "The input")
            error = html.escape(in_gui_words(row.error, project))
            fix = (f"<br><b>Fix:</b> {html.escape(in_gui_words(row.fix, project))}"
                   if row.fix else "")
            self.problem_label.setText(f"<b>{html.escape(where)}:</b> {error}{fix}")
        if report is not None and report.total_params is not None:
            self.totals.setText(f"Total: {report.total_params:,} parameters "
                                f"({report.trainable_params:,} trainable)")
        else:
            self.totals.setText("Total: –")
        self._update_cost(report)
        self._update_status()

    def _update_cost(self, report: object) -> None:
        """Show the cost sheet's line under the totals (hidden while the stack has an error)."""
        if not (getattr(report, "ok", False) and getattr(report, "every_row", None)
                and report.total_params):
            self.cost.setVisible(False)
            return
        training = self.document.project.training
        if self._device_memory is None:  # asks nvidia-smi or the RAM once per window
            self._device_memory = device_memory(training.device)
        sheet = cost_sheet(report, training, self._device_memory)
        self.cost.setText(sheet.short_line())
        self.cost.setVisible(True)

    def _show_drop_hint(self, hint: str) -> None:
        if hint:
            self.status.setText(hint)
            self.status.setVisible(True)
        else:
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
