"""The model as a graph: boxes and arrows with shapes on the edges, so branches and shortcuts
show (read-only; clicking a box selects that row in the stack).

The layout is layered: the main stack runs top to bottom, the stacks of a ``Branches`` block
side by side above their merge, a ``Residual`` or ``Skip`` shortcut as an arrow around its inner
stack into the merge, a ``Repeat`` as a dashed frame marked ×N. Drawn with ``QGraphicsScene``,
rebuilt (after edits settle) only while the view is shown.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QPointF, QRectF, Qt, QTimer
from PySide6.QtGui import QBrush, QFontMetricsF, QPainter, QPainterPath, QPalette, QPen, QPolygonF
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsRectItem,
    QGraphicsScene,
    QGraphicsSceneMouseEvent,
    QGraphicsSimpleTextItem,
    QGraphicsView,
    QWidget,
)

from dlstudio.core.project.project import LayerSpec
from dlstudio.gui.document import Document
from dlstudio.gui.shape_inference import ShapeInference
from dlstudio.gui.theme import problem_foreground
from dlstudio.gui.widgets.layer_stack_model import format_shape

BOX_WIDTH = 170.0
BOX_HEIGHT = 40.0
GAP = 36.0
SIDE = 56.0
FRAME = 14.0
_SHORTCUT_BLOCKS = ("Residual", "Skip")


class LayerBox(QGraphicsRectItem):
    """One row as a box: its type and id; a click selects the row.

    Attributes:
        layer_id: The row's id (empty for the input and the head).
    """

    def __init__(self, rect: QRectF, title: str, detail: str, layer_id: str,
                 on_click: Callable[[str], None], palette: QPalette) -> None:
        super().__init__(rect)
        self.layer_id = layer_id
        self._on_click = on_click
        self.setBrush(QBrush(palette.color(QPalette.ColorRole.Base)))
        self.setPen(QPen(palette.color(QPalette.ColorRole.Mid), 1.2))
        if layer_id:
            self.setCursor(Qt.CursorShape.PointingHandCursor)
        self._title = title
        self.setToolTip(f"{title}\n{detail}".strip())
        for text, dy, bold in ((title, 4.0, True), (detail, 21.0, False)):
            label = QGraphicsSimpleTextItem(_elide(text, 26), self)
            font = label.font()
            font.setBold(bold)
            label.setFont(font)
            label.setBrush(palette.color(QPalette.ColorRole.Text))
            width = label.boundingRect().width()
            label.setPos(rect.center().x() - width / 2, rect.top() + dy)
        self.detail_item = label

    def set_detail(self, detail: str) -> None:
        """Show ``detail`` (a shape, the head's settings) on the box's second line."""
        text = _elide(detail, 26)
        if self.detail_item.text() != text:
            self.detail_item.setText(text)
            width = self.detail_item.boundingRect().width()
            self.detail_item.setX(self.rect().center().x() - width / 2)
            self.setToolTip(f"{self._title}\n{detail}".strip())

    def mark(self, selected: bool, problem: bool, palette: QPalette) -> None:
        """Show the box as selected and/or as the row with the problem."""
        colour = (problem_foreground() if problem
                  else palette.color(QPalette.ColorRole.Highlight) if selected
                  else palette.color(QPalette.ColorRole.Mid))
        self.setPen(QPen(colour, 3.0 if selected or problem else 1.2))

    def mousePressEvent(self, event: QGraphicsSceneMouseEvent) -> None:  # Qt override
        if self.layer_id:
            self._on_click(self.layer_id)
        event.accept()


class ModelGraphView(QGraphicsView):
    """The whole model drawn as a graph.

    Args:
        document: The document whose model is drawn; a click on a box selects that row.
        inference: The shape inference whose report gives the shapes on the edges.
    """

    def __init__(self, document: Document, inference: ShapeInference,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.inference = inference
        self.boxes: dict[str, LayerBox] = {}
        self._texts: list[Any] = []  # what a report changes: edge labels, input/head details
        self._layout_key: tuple | None = None
        self.setScene(QGraphicsScene(self))
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.setToolTip("The model as a graph (read-only); click a box to select its row.")
        self._stale = True
        self._timer = QTimer(self, singleShot=True, interval=60)
        self._timer.timeout.connect(self.rebuild)
        for signal in (document.layersInserted, document.layersRemoved, document.layersMoved,
                       document.stacksChanged, document.layerChanged):
            signal.connect(self._schedule)
        document.layersReset.connect(self._schedule)
        document.shownPartChanged.connect(self._schedule)
        document.changed.connect(
            lambda path: path == "model.add_output_head" and self._schedule())
        inference.reportChanged.connect(self._schedule)
        document.selectionChanged.connect(self._mark_boxes)

    def _schedule(self, *_signal_arguments: object) -> None:
        self._stale = True
        if self.isVisible():
            self._timer.start()

    def showEvent(self, event: Any) -> None:  # Qt override
        super().showEvent(event)
        if self._stale:
            self.rebuild()

    def rebuild(self) -> None:
        """Draw the model again from the document and the latest report: only the texts when
        the boxes stay where they were (a parameter changed), everything otherwise."""
        self._stale = False
        key = self._layout()
        if key == self._layout_key and self._texts:
            try:
                _GraphPainter(self, self.scene(), relabel=True).draw_model(
                    self.shown_stack())
            except StopIteration:  # the texts no longer match the boxes: draw it all again
                pass
            else:
                self._mark_boxes()
                return
        self._layout_key = key
        scene = self.scene()
        scene.clear()
        self.boxes, self._texts = {}, []
        painter = _GraphPainter(self, scene)
        painter.draw_model(self.shown_stack())
        scene.setSceneRect(scene.itemsBoundingRect().adjusted(-30, -30, 30, 30))
        self._mark_boxes()

    def shown_stack(self) -> Sequence[LayerSpec]:
        """The stack drawn: the part the layer stack shows (a model with parts), else
        ``model.layers``."""
        model = self.document.project.model
        part = self.document.shown_part
        return model.parts.get(part, []) if part is not None else model.layers

    def _layout(self) -> tuple:
        """Return what places the boxes: every row's id, type, merge and count, the input
        groups and whether the head is drawn (shapes only label the arrows)."""
        model = self.document.project.model
        inference = self.inference

        def rows(layers: Sequence[LayerSpec]) -> tuple:
            return tuple((row.id, row.type, row.params.get("merge"), row.params.get("count"),
                          tuple(rows(stack) for stack in row.stacks)) for row in layers)

        shapes = getattr(inference.data.info, "input_shapes", None) or {}
        head = bool(inference.rows_of_role("head")) or (
            inference.report is None and model.add_output_head)
        return (self.document.shown_part, rows(self.shown_stack()),
                tuple((group, rows(stack)) for group, stack
                                          in model.inputs.items()),
                model.merge, tuple(shapes) if model.inputs else (), head)

    def _select(self, layer_id: str) -> None:
        self.document.set_selection([layer_id])

    def _mark_boxes(self) -> None:
        selected = set(self.document.selection)
        first = self.inference.report.first_error() if self.inference.report else None
        problem = first.id if first is not None else None
        for layer_id, box in self.boxes.items():
            box.mark(layer_id in selected, layer_id == problem, self.palette())
        if self.document.selection and self.document.selection[0] in self.boxes:
            self.ensureVisible(self.boxes[self.document.selection[0]], 40, 40)


class _GraphPainter:
    """Lays out and draws one model into a scene (two passes: measure, then draw)."""

    def __init__(self, view: ModelGraphView, scene: QGraphicsScene, *,
                 relabel: bool = False) -> None:
        self.view = view
        self.scene = scene
        self.relabel = relabel  # the scene is drawn already: set the texts again, in order
        self._next_text = iter(view._texts) if relabel else None
        self.palette = view.palette()
        self.line = QPen(self.palette.color(QPalette.ColorRole.Text), 1.3)
        self.muted = self.palette.color(QPalette.ColorRole.PlaceholderText)

    # Measuring -------------------------------------------------------------------------------

    def stack_width(self, rows: Sequence[LayerSpec]) -> float:
        return max([BOX_WIDTH, *(self.row_width(row) for row in rows)])

    def row_width(self, row: LayerSpec) -> float:
        if not row.stacks:
            return BOX_WIDTH
        if row.type in _SHORTCUT_BLOCKS:
            return self.stack_width(row.stacks[0]) + 2 * SIDE
        if len(row.stacks) == 1:
            return self.stack_width(row.stacks[0]) + 2 * FRAME
        widths = [self.stack_width(stack) for stack in row.stacks]
        return max(BOX_WIDTH, sum(widths) + GAP * (len(widths) - 1))

    # Drawing ---------------------------------------------------------------------------------

    def draw_model(self, layers: Sequence[LayerSpec]) -> None:
        inference = self.view.inference
        inputs = [row for row in inference.rows_of_role("input")
                  if getattr(row, "input_group", None) is None]
        info = inference.data.info
        shape = inputs[0].output_shape if inputs else (info.feature_shape if info else None)
        if self.view.document.project.model.inputs:
            top, source = self.input_stacks(format_shape(shape))
        else:
            source = self.box(0.0, 0.0, "Input", format_shape(shape) or "from the data", "")
            top = source.y() + GAP
        bottom, source, label = self.stack(layers, 0.0, top, source, format_shape(shape))
        heads = inference.rows_of_role("head")
        if heads or (inference.report is None and self.view.document.project.model
                     .add_output_head):
            detail = heads[0].summary if heads else "added to fit the task"
            self.box(0.0, bottom + GAP, "Output (Dense)", detail, "")
            self.arrow([source, QPointF(0.0, bottom + GAP)], label)

    def input_stacks(self, joined_shape: str) -> tuple[float, QPointF]:
        """Draw one input box and stack per input group side by side, joined by the merge;
        return where ``model.layers`` starts and the merge's exit."""
        model = self.view.document.project.model
        info = self.view.inference.data.info
        shapes = getattr(info, "input_shapes", None) or {}
        groups = [*shapes, *(group for group in model.inputs if group not in shapes)]
        reported = {row.input_group: row for row in self.view.inference.rows_of_role("input")
                    if getattr(row, "input_group", None)}
        widths = [self.stack_width(model.inputs.get(group, [])) for group in groups]
        left = -(sum(widths) + GAP * (len(widths) - 1)) / 2
        ends = []
        for group, width in zip(groups, widths, strict=True):
            center = left + width / 2
            row = reported.get(group)
            shape = format_shape(row.output_shape if row else shapes.get(group))
            source = self.box(center, 0.0, f"Input: {group}", shape or "from the data", "")
            ends.append(self.stack(model.inputs.get(group, []), center, source.y() + GAP,
                                   source, shape))
            left += width + GAP
        merge_top = max(bottom for bottom, _, _ in ends) + GAP
        exit_point = self.box(0.0, merge_top, f"Inputs ({model.merge})", joined_shape, "")
        for _, last, label in ends:
            self.arrow([last, QPointF(last.x(), merge_top - GAP / 3), QPointF(0.0, merge_top)],
                       label, label_segment=0)
        return exit_point.y() + GAP, exit_point

    def stack(self, rows: Sequence[LayerSpec], center: float, top: float, source: QPointF,
              label: str) -> tuple[float, QPointF, str]:
        """Draw ``rows`` one under the other; return the bottom, the last exit and its shape."""
        for row in rows:
            top, source, label = self.row(row, center, top, source, label)
            top += GAP
        return top - GAP, source, label

    def row(self, row: LayerSpec, center: float, top: float, source: QPointF,
            label: str) -> tuple[float, QPointF, str]:
        reported = self.view.inference.row_for(row.id)
        shape = format_shape(reported.output_shape) if reported is not None else ""
        if not row.stacks and row.type not in ("Branches", *_SHORTCUT_BLOCKS, "Repeat"):
            exit_point = self.box(center, top, row.type, row.id, row.id)
            self.arrow([source, QPointF(center, top)], label)
            return exit_point.y(), exit_point, shape
        if row.type in _SHORTCUT_BLOCKS:
            return self.shortcut(row, center, top, source, label, shape)
        if len(row.stacks) == 1:
            return self.repeat(row, center, top, source, label, shape)
        return self.branches(row, center, top, source, label, shape)

    def shortcut(self, row: LayerSpec, center: float, top: float, source: QPointF, label: str,
                 shape: str) -> tuple[float, QPointF, str]:
        inner = row.stacks[0]
        split = QPointF(center, top)
        self.arrow([source, split], label, head=False)
        bottom, last, inner_label = self.stack(inner, center, top + GAP / 2, split, "")
        merge_top = bottom + GAP
        merge = row.params.get("merge", "add")
        exit_point = self.box(center, merge_top, f"{row.type} ({merge})", row.id, row.id)
        self.arrow([last, QPointF(center, merge_top)], inner_label)
        side = center + self.stack_width(inner) / 2 + SIDE / 2
        self.arrow([split, QPointF(side, split.y()), QPointF(side, merge_top + BOX_HEIGHT / 2),
                    QPointF(center + BOX_WIDTH / 2, merge_top + BOX_HEIGHT / 2)], "", dashed=True)
        return exit_point.y(), exit_point, shape

    def repeat(self, row: LayerSpec, center: float, top: float, source: QPointF, label: str,
               shape: str) -> tuple[float, QPointF, str]:
        count = row.params.get("count", 1)
        bottom, last, inner_label = self.stack(row.stacks[0], center, top + FRAME + 14, source,
                                               label)
        width = self.stack_width(row.stacks[0]) + 2 * FRAME
        end = bottom + FRAME
        if self.relabel:
            return end, QPointF(center, end), shape or inner_label
        frame = QGraphicsRectItem(QRectF(center - width / 2, top, width,
                                         bottom - top + FRAME))
        pen = QPen(self.muted, 1.2, Qt.PenStyle.DashLine)
        frame.setPen(pen)
        frame.setZValue(-1)
        self.scene.addItem(frame)
        tag = self.scene.addSimpleText(f"{row.type} ×{count}  ({row.id})")
        tag.setBrush(self.muted)
        tag.setPos(center - width / 2 + 4, top + 1)
        box = LayerBox(QRectF(center - width / 2, top, width, 14), "", "", row.id,
                       self.view._select, self.palette)
        box.setBrush(QBrush(Qt.BrushStyle.NoBrush))
        box.setPen(QPen(Qt.PenStyle.NoPen))
        self.scene.addItem(box)
        self.view.boxes[row.id] = box
        return end, QPointF(center, end), shape or inner_label

    def branches(self, row: LayerSpec, center: float, top: float, source: QPointF, label: str,
                 shape: str) -> tuple[float, QPointF, str]:
        widths = [self.stack_width(stack) for stack in row.stacks]
        left = center - (sum(widths) + GAP * (len(widths) - 1)) / 2
        split = QPointF(center, top)
        self.arrow([source, split], label, head=False)
        ends = []
        for stack, width in zip(row.stacks, widths, strict=True):
            branch_center = left + width / 2
            start = QPointF(branch_center, top + GAP / 2)
            self.arrow([split, start], "", head=False)
            bottom, last, inner_label = self.stack(stack, branch_center, start.y() + GAP / 2,
                                                   start, label)
            ends.append((bottom if stack else start.y(), last, inner_label))
            left += width + GAP
        merge_top = max(end for end, _, _ in ends) + GAP
        merge = row.params.get("merge", "concatenate")
        exit_point = self.box(center, merge_top, f"Branches ({merge})", row.id, row.id)
        for _, last, inner_label in ends:
            self.arrow([last, QPointF(last.x(), merge_top - GAP / 3),
                        QPointF(center, merge_top)], inner_label, label_segment=0)
        return exit_point.y(), exit_point, shape

    # Primitives ------------------------------------------------------------------------------

    def box(self, center: float, top: float, title: str, detail: str, layer_id: str) -> QPointF:
        """Draw a box under ``top``; return its bottom centre (where its output leaves)."""
        exit_point = QPointF(center, top + BOX_HEIGHT)
        if self.relabel:
            if not layer_id:
                next(self._next_text).set_detail(detail)
            return exit_point
        rect = QRectF(center - BOX_WIDTH / 2, top, BOX_WIDTH, BOX_HEIGHT)
        box = LayerBox(rect, title, detail, layer_id, self.view._select, self.palette)
        self.scene.addItem(box)
        if layer_id:
            self.view.boxes[layer_id] = box
        else:
            self.view._texts.append(box)
        return exit_point

    def arrow(self, points: Sequence[QPointF], label: str, *, head: bool = True,
              dashed: bool = False, label_segment: int = -1) -> None:
        """Draw a polyline through ``points``, an arrowhead at the end, ``label`` beside
        segment ``label_segment`` (the last by default; a branch's exit labels its own straight
        drop, away from where the branches meet the merge box)."""
        if self.relabel:
            text = next(self._next_text)
            if text.text() != label:
                text.setText(label)
            return
        path = QPainterPath(points[0])
        for point in points[1:]:
            path.lineTo(point)
        pen = QPen(self.line)
        if dashed:
            pen.setStyle(Qt.PenStyle.DashLine)
        item = self.scene.addPath(path, pen)
        item.setFlag(QGraphicsItem.GraphicsItemFlag.ItemIsSelectable, False)
        end, before = points[-1], points[-2]
        if head:
            self._head(before, end)
        text = self.scene.addSimpleText(label)  # even "" so that a report can fill it in
        text.setBrush(self.muted)
        text.setData(0, "edge-label")
        segment = label_segment % (len(points) - 1)
        start, stop = points[segment], points[segment + 1]
        middle = (start + stop) / 2
        text.setPos(middle.x() + 5, middle.y() - QFontMetricsF(text.font()).height() / 2)
        self.view._texts.append(text)

    def _head(self, before: QPointF, end: QPointF) -> None:
        direction = end - before
        length = max((direction.x() ** 2 + direction.y() ** 2) ** 0.5, 1e-6)
        unit = direction / length
        normal = QPointF(-unit.y(), unit.x())
        tip = QPolygonF([end, end - unit * 8 + normal * 4, end - unit * 8 - normal * 4])
        self.scene.addPolygon(tip, QPen(self.line.color()), QBrush(self.line.color()))


def _elide(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"

