"""The data view of a CSV source: columns and their roles, rows, target, classes and split."""

from __future__ import annotations

from html import escape
from typing import Any

from PySide6.QtCore import QItemSelection, QItemSelectionModel, QModelIndex, Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHeaderView,
    QLabel,
    QScrollArea,
    QSplitter,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from dlstudio.core.data.health import Finding
from dlstudio.core.data.statistics import class_counts
from dlstudio.core.model.catalog import ParamSpec
from dlstudio.core.project import paths as project_paths
from dlstudio.core.project import project as project_module
from dlstudio.core.project.wording import in_gui_words
from dlstudio.gui.data_session import DataSession
from dlstudio.gui.widgets.class_balance import ClassBalanceChart
from dlstudio.gui.widgets.data_models import (
    PROBLEM_COLOUR,
    ColumnsModel,
    DataFrameModel,
    set_column_role,
)
from dlstudio.gui.widgets.health_panel import HealthPanel, table_rows
from dlstudio.gui.widgets.normal_classes_field import (
    NormalClassesField,
    detects_anomalies,
)
from dlstudio.gui.widgets.normal_classes_field import learns_from_inputs as _learns_from_inputs
from dlstudio.gui.widgets.series_section import SeriesSection
from dlstudio.gui.widgets.series_settings import SeriesSettings, default_series
from dlstudio.gui.widgets.split_editor import SplitEditor
from dlstudio.gui.widgets.value_editors import ParamField

NO_TARGET = "(none)"
TEXT_SETTINGS = (
    ParamSpec("text_encoding", "choice", "tfidf", "tfidf: a bag of weighted words (fast, good "
              "baseline); sequence: token ids for an Embedding layer.",
              choices=project_module.TEXT_ENCODINGS),
    ParamSpec("max_tokens", "int", 5000, "How many distinct words are kept.", minimum=10,
              maximum=10_000_000),
    ParamSpec("sequence_length", "int", 64, "Words kept per text (sequence mode).", minimum=1,
              maximum=100_000),
)


class _ChoiceDelegate(QStyledItemDelegate):
    """A drop-down editor for the role and kind columns; the edit is applied after it closes."""

    def createEditor(self, parent: QWidget, option: QStyleOptionViewItem,
                     index: QModelIndex) -> QWidget:  # Qt override
        combo = QComboBox(parent)
        combo.addItems(list(ColumnsModel.CHOICES[index.column()]))
        combo.activated.connect(lambda _i: self.commitData.emit(combo))
        return combo

    def setEditorData(self, editor: QComboBox, index: QModelIndex) -> None:  # Qt override
        editor.setCurrentText(index.data(Qt.ItemDataRole.EditRole))

    def setModelData(self, editor: QComboBox, model: Any,
                     index: QModelIndex) -> None:  # Qt override
        value, row, column = editor.currentText(), index.row(), index.column()
        QTimer.singleShot(0, lambda: model.setData(model.index(row, column), value))


class CsvDataView(QWidget):
    """Everything about a CSV source, editable where it is a project setting.

    Args:
        session: The data session (the document is ``session.document``).
    """

    def __init__(self, session: DataSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.document = session.document
        self.rows_model = DataFrameModel(parent=self)
        self.columns_model = ColumnsModel(session, self)
        self.columns_table = self._table(self.columns_model)
        self.columns_table.setItemDelegateForColumn(ColumnsModel.ROLE_COLUMN,
                                                    _ChoiceDelegate(self.columns_table))
        self.columns_table.setItemDelegateForColumn(ColumnsModel.KIND_COLUMN,
                                                    _ChoiceDelegate(self.columns_table))
        self.rows_table = self._table(self.rows_model)
        self.rows_table.verticalHeader().show()
        self.source_label = QLabel()
        self.source_label.setWordWrap(True)
        self.target_banner = QLabel()
        self.target_banner.setWordWrap(True)
        self.target_banner.setTextFormat(Qt.TextFormat.RichText)
        self.target_banner.setProperty("role", "heading")
        self.target = QComboBox()
        self.target.setToolTip("The column the model learns to predict")
        self.task = QComboBox()
        self.task.addItems(list(project_module.TASKS))
        self.task.setToolTip("auto: classification for a categorical target, regression for a "
                             "numeric one")
        self.normal_classes = NormalClassesField(self.document)
        self.task_note = QLabel()
        self.task_note.setProperty("role", "hint")
        self.task_note.setWordWrap(True)
        self.chart = ClassBalanceChart()
        self.split_editor = SplitEditor(session)
        self.health = HealthPanel(session, can_show=True)
        self.drop_repeats = QCheckBox("Leave out rows that repeat an earlier row")
        self.drop_repeats.setToolTip("Exact repeats (every feature and the target) are left "
                                     "out when the data is read, before the split; the file "
                                     "is not changed")
        self.series_section = SeriesSection()
        self.series_settings = SeriesSettings(self.document)
        self.text_fields = {spec.name: ParamField(spec) for spec in TEXT_SETTINGS}
        self.messages = QLabel()
        self.messages.setWordWrap(True)
        self.messages.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._layout()
        self._connect()
        self._on_source()

    @staticmethod
    def _table(model: Any) -> QTableView:
        table = QTableView()
        table.setModel(model)
        table.setAlternatingRowColors(True)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                              | QAbstractItemView.EditTrigger.SelectedClicked
                              | QAbstractItemView.EditTrigger.EditKeyPressed)
        table.verticalHeader().hide()
        table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        table.verticalHeader().setDefaultSectionSize(24)
        table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        table.horizontalHeader().setStretchLastSection(True)
        table.horizontalHeader().setDefaultSectionSize(110)
        return table

    def _layout(self) -> None:
        columns_title = QLabel("Columns — double-click a role or kind to change it")
        self.rows_title = QLabel("Rows")
        columns_box = self._titled(columns_title, self.columns_table)
        rows_box = self._titled(self.rows_title, self.rows_table)
        tables = QSplitter(Qt.Orientation.Vertical)
        tables.addWidget(self.series_section)
        tables.addWidget(columns_box)
        tables.addWidget(rows_box)
        tables.setSizes([380, 160, 200])
        self.tables = tables
        target_box = QGroupBox("What to predict")
        form = QFormLayout(target_box)
        self.target_form = form
        form.addRow("Target", self.target)
        form.addRow("Task", self.task)
        form.addRow("Normal classes", self.normal_classes)
        form.addRow(self.task_note)
        self.chart_box = QGroupBox("Class balance")
        QVBoxLayout(self.chart_box).addWidget(self.chart)
        self.text_box = QGroupBox("Text columns")
        text_form = QFormLayout(self.text_box)
        for name, field in self.text_fields.items():
            text_form.addRow(name.replace("_", " ").capitalize(), field)
            field.editor.committed.connect(
                lambda value, key=name: self.document.set_value(f"data.{key}", value))
        side = QWidget()
        side_layout = QVBoxLayout(side)
        self.health.layout().addWidget(self.drop_repeats)  # the setting its fixes use
        for widget in (self.source_label, target_box, self.series_settings, self.health,
                       self.chart_box, self.split_editor, self.text_box, self.messages):
            side_layout.addWidget(widget)
        side_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(side)
        scroll.setMinimumWidth(360)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(tables)
        splitter.addWidget(scroll)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        self.splitter = splitter
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(self.target_banner)
        layout.addWidget(splitter, 1)

    @staticmethod
    def _titled(label: QLabel, table: QTableView) -> QWidget:
        box = QWidget()
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        label.setProperty("role", "heading")
        layout.addWidget(label)
        layout.addWidget(table)
        return box

    def _connect(self) -> None:
        self.session.sourceChanged.connect(self._on_source)
        self.session.infoChanged.connect(self._show_messages)
        self.session.healthChanged.connect(self._fit_column_names)
        self.health.showRequested.connect(self.show_finding)
        self.drop_repeats.clicked.connect(
            lambda checked: self.document.set_value("data.drop_duplicates", checked,
                                                    "Leave out repeated rows" if checked
                                                    else "Keep repeated rows", mergeable=False))
        self.document.changed.connect(self._on_document_changed)
        self.target.activated.connect(lambda _i: self._pick_target(self.target.currentText()))
        self.task.activated.connect(lambda _i: self._pick_task(self.task.currentText()))

    def show_finding(self, finding: Finding) -> None:
        """Select the columns or rows a health finding names, and scroll to the first."""
        if finding.columns:
            names = [column.name for column in self.columns_model.columns]
            rows = [names.index(name) for name in finding.columns if name in names]
            self._select(self.columns_table, rows)
        else:
            self._select(self.rows_table, table_rows(finding))

    @staticmethod
    def _select(table: QTableView, rows: list[int]) -> None:
        model, selection = table.model(), QItemSelection()
        rows = [row for row in rows if 0 <= row < model.rowCount()]
        for row in rows:
            selection.select(model.index(row, 0), model.index(row, model.columnCount() - 1))
        table.selectionModel().select(selection,
                                      QItemSelectionModel.SelectionFlag.ClearAndSelect)
        if rows:
            table.scrollTo(model.index(rows[0], 0))

    def _fit_column_names(self) -> None:
        """Widen the names when the health check marks some with an icon."""
        self.columns_table.resizeColumnToContents(0)

    def _on_source(self) -> None:
        self.rows_model.set_frame(self.session.source.frame)
        self.rows_table.resizeColumnsToContents()
        frame = self.session.source.frame
        rows, columns = (0, 0) if frame is None else frame.shape
        self.rows_title.setText(f"Rows ({rows:,})")
        path = self.document.project.data.path
        self.source_label.setText(f"<b>{path}</b><br>{rows:,} rows × {columns} columns"
                                  if frame is not None else f"<b>{path}</b>")
        self._on_document_changed("data")

    def _on_document_changed(self, path: str) -> None:
        if not project_paths.affects(path, "data"):
            return
        self.columns_model.refresh()
        self.columns_table.resizeColumnsToContents()
        columns = self.columns_model.columns
        self.rows_model.set_roles(columns)
        self.rows_table.resizeColumnsToContents()  # the target's header gained its mark
        self._show_target(columns)
        self._show_series()
        self._show_text_settings(columns)
        self.drop_repeats.setChecked(self.document.project.data.drop_duplicates)
        self._show_messages()

    def _show_series(self) -> None:
        """Show the series plot and settings when the table is read as a time series."""
        series = self.document.project.data.series
        frame = self.session.source.frame
        shown = series is not None
        self.series_section.setVisible(shown)
        self.series_settings.setVisible(shown)
        self.drop_repeats.setVisible(not shown)  # a series keeps every time step
        # A forecast's roles are the series settings', not the columns table's.
        self.columns_table.setColumnHidden(ColumnsModel.ROLE_COLUMN, shown)
        if shown:
            self.series_settings.set_columns([] if frame is None else list(frame.columns))
            self.series_section.show_series(frame, series)

    def _pick_task(self, task: str) -> None:
        """Set the task; forecasting reads the table as a series (and only forecasting)."""
        data = self.document.project.data
        if task == data.task:
            return
        if task == "forecasting":
            series = default_series(self.session.source.frame, data.target)
            self.document.set_values({"data.task": task, "data.series": series},
                                     "Forecast a time series")
        elif data.series is not None:
            self.document.set_values({"data.task": task, "data.series": None}, f"Set task {task}")
        else:
            self.document.set_value("data.task", task, "Set task", mergeable=False)

    def _show_target(self, columns: list[Any]) -> None:
        data = self.document.project.data
        self.target_form.setRowVisible(self.normal_classes, detects_anomalies(data.task))
        self.target.clear()
        self.target.addItems([NO_TARGET] + [column.name for column in columns])
        self.target.setCurrentText(data.target or NO_TARGET)
        self.task.setCurrentText(data.task)
        frame = self.session.source.frame
        self.target_form.setRowVisible(self.target, data.series is None)
        target = next((c for c in columns if c.role == "target"), None)
        classes = data.series is None and target is not None and (
            data.task == "classification" or (data.task == "auto" and target.kind != "numeric"))
        self.chart_box.setVisible(bool(classes and frame is not None))
        if classes and frame is not None:
            self.chart.set_counts(class_counts(frame, target.name))
        self._show_target_banner(target, bool(classes))

    def _show_target_banner(self, target: Any, classes: bool) -> None:
        """Say in large type what the model predicts, or that nothing is chosen yet."""
        if self.session.source.frame is None:
            self.target_banner.hide()
            return
        series = self.document.project.data.series
        if series is not None:
            self.target_banner.setText(_forecast_banner(series))
            self.target_banner.show()
            return
        if _learns_from_inputs(self.document.project.data.task):
            text = ("Rebuilding ◎ <b>each row</b> from its columns — no target needed"
                    + (f"; ◎ <b>{escape(target.name)}</b> labels the rows" if target else ""))
        elif target is None:
            text = (f"<span style='color:{PROBLEM_COLOUR}'>⚠ No target yet:</span> choose the "
                    "column to predict in “What to predict” (or set a column's role to target).")
        else:
            what = "a class" if classes else "a number"
            text = f"Predicting ◎ <b>{escape(target.name)}</b> — {what} for each row"
        self.target_banner.setText(text)
        self.target_banner.show()

    def _show_text_settings(self, columns: list[Any]) -> None:
        data = self.document.project.data
        self.text_box.setVisible(any(column.kind == "text" and column.role == "feature"
                                     for column in columns))
        for name, field in self.text_fields.items():
            field.editor.set_value(getattr(data, name))
        sequence = data.text_encoding == "sequence"
        self.text_fields["sequence_length"].setVisible(sequence)
        form = self.text_box.layout()
        label = form.labelForField(self.text_fields["sequence_length"])
        if label is not None:
            label.setVisible(sequence)

    def _pick_target(self, name: str) -> None:
        if name == NO_TARGET:
            current = self.document.project.data.target
            if current:
                set_column_role(self.session, current, "feature")
        elif name != self.document.project.data.target:
            set_column_role(self.session, name, "target")

    def _show_messages(self) -> None:
        info = self.session.info
        if info is not None:
            classes = f" ({len(info.class_names)} classes)" if info.class_names else ""
            self.task_note.setText(f"The model will do {info.task}{classes}; "
                                   f"input shape {info.feature_shape}.")
            self.normal_classes.set_classes(info.class_names)
        else:
            self.task_note.setText("")
        project = self.document.project
        problems = [in_gui_words(p, project) for p in (self.session.source_error,
                                                       self.session.info_error) if p]
        problems += [text for name, text in self.columns_model.problems.items() if name]
        notes = [in_gui_words(n, project) for n in (*self.session.source.read_warnings,
                                                    *(info.warnings if info else ()))]
        html = "".join(f"<p style='color:{PROBLEM_COLOUR}'>⚠ {escape(p)}</p>"
                       for p in dict.fromkeys(problems))
        html += "".join(f"<p>• {escape(n)}</p>" for n in notes)
        self.messages.setText(html)
        self.messages.setVisible(bool(html))
        data = self.document.project.data
        if data.series is not None:
            self.task_note.setText("Set the series to forecast, the window and the horizon "
                                   "under “Time series”.")
        elif (not data.target and self.session.source.frame is not None
              and not _learns_from_inputs(data.task)):
            self.task_note.setText("Pick the column to predict.")


def _forecast_banner(series: Any) -> str:
    """Say in large type what the forecast is, or that it has no series to forecast yet."""
    if not series.targets:
        return (f"<span style='color:{PROBLEM_COLOUR}'>⚠ Nothing to forecast yet:</span> set a "
                "column to “forecast” under “Time series”.")
    names = ", ".join(f"◎ <b>{escape(name)}</b>" for name in series.targets)
    steps = "the next step" if series.horizon == 1 else f"the next {series.horizon} steps"
    return f"Forecasting {names} — {steps} from the last {series.window} rows"
