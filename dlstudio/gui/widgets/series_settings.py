"""The time-series settings of a forecasting project (``data.series``), explained as they are set.

:class:`SeriesSettings` walks the core's settings schema (``SERIES_GROUPS``) for labels, ranges
and help: the time column, a role for every other column (forecast, past input, known input,
not used — one role each, so two lists can never both claim a column), the calendar inputs, the
window, horizon, stride, missing-value rule and season length. A sentence under the numbers
says what one sample is with the current values, and the tooltips teach what each is for.
Every change is one undoable edit of the document.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QResizeEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from dlstudio.core.project import paths as project_paths
from dlstudio.core.project.project import SeriesSpec
from dlstudio.core.project.settings_schema import SERIES_SETTINGS
from dlstudio.gui.document import Document
from dlstudio.gui.widgets.value_editors import ParamField

NO_TIME = "(none: the rows are in time order)"
ROLES = {"forecast": "targets", "past input": "past_covariates",
         "known input": "known_covariates", "not used": ""}
ROLE_TIPS = {
    "forecast": SERIES_SETTINGS["targets"].help,
    "past input": SERIES_SETTINGS["past_covariates"].help,
    "known input": SERIES_SETTINGS["known_covariates"].help,
    "not used": "The model does not read this column.",
}
NUMBERS = ("window", "horizon", "stride", "missing", "season_length")
TEACHING = {
    "window": "The window (lookback) is how many past rows the model reads to make one "
              "forecast. Longer windows see slower patterns (a whole year of monthly data is "
              "12) but leave fewer windows to learn from.",
    "horizon": "The horizon is how many steps ahead each forecast reaches. With a horizon of "
               "3 the model predicts the next 3 rows at once; later steps are harder, so the "
               "errors are shown per step.",
    "stride": "How far apart training windows start. 1 uses every window; a larger stride "
              "trains faster on long series with fewer, less overlapping windows.",
    "missing": "Empty cells and missing time stamps (gaps) must be filled or avoided before "
               "windows are cut: interpolate draws a straight line across, forward fill "
               "repeats the last value, drop windows leaves out every window that touches one.",
    "season_length": "Rows per season (12 for monthly data with a yearly cycle, 7 for daily "
                     "data with a weekly one). The seasonal naive baseline repeats the value "
                     "one season earlier; 0 detects the season from the training part.",
    "calendar_features": "Inputs made from the time column and known in advance (the month of "
                         "the forecast step), each as a sine and a cosine so that December "
                         "sits next to January.",
}


class SeriesSettings(QGroupBox):
    """Every ``data.series`` setting of the document's project, edited through its undo stack.

    Args:
        document: The open project.
        parent: The Qt parent.
    """

    def __init__(self, document: Document, parent: QWidget | None = None) -> None:
        super().__init__("Time series", parent)
        self.document = document
        self.columns: list[str] = []
        self.time_column = QComboBox()
        self.time_column.setToolTip(SERIES_SETTINGS["time_column"].help)
        self.time_column.activated.connect(lambda _i: self._pick_time())
        self.roles = QTableWidget(0, 2)
        self.roles.setHorizontalHeaderLabels(["column", "use as"])
        self.roles.verticalHeader().hide()
        self.roles.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.roles.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Fixed)
        self.roles.horizontalHeader().resizeSection(1, 130)
        self.roles.setToolTip("What each column is to the model: the series to forecast, an "
                              "input known only up to now, an input known in advance, or "
                              "nothing")
        self.role_boxes: dict[str, QComboBox] = {}
        self.calendar: dict[str, QCheckBox] = {}
        calendar_grid = QGridLayout()
        calendar_grid.setContentsMargins(0, 0, 0, 0)
        calendar_setting = SERIES_SETTINGS["calendar_features"]
        for number, name in enumerate(calendar_setting.choices):
            box = QCheckBox(name.replace("_", " "))
            box.setToolTip(f"{calendar_setting.help}\n{TEACHING['calendar_features']}")
            box.toggled.connect(lambda _checked: self._pick_calendar())
            self.calendar[name] = box
            calendar_grid.addWidget(box, number // 2, number % 2)
        self.fields: dict[str, ParamField] = {}
        self.explanation = QLabel()
        self.explanation.setWordWrap(True)
        self.explanation.setProperty("role", "hint")
        self.explanation.setTextFormat(Qt.TextFormat.RichText)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow(SERIES_SETTINGS["time_column"].label, self.time_column)
        form.addRow(self.roles)
        self.calendar_label = QLabel(calendar_setting.label)
        form.addRow(self.calendar_label, calendar_grid)
        for name in NUMBERS:
            setting = SERIES_SETTINGS[name]
            field = ParamField(setting.param_spec())
            field.setToolTip(f"{TEACHING[name]}\n\n{field.toolTip()}")
            field.editor.committed.connect(
                lambda value, key=name, label=setting.label: self.document.set_value(
                    f"data.series.{key}", value, f"Set {label.lower()}"))
            label = QLabel(setting.label)
            label.setToolTip(TEACHING[name])
            form.addRow(label, field)
            self.fields[name] = field
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.explanation)
        document.changed.connect(self._on_changed)

    def resizeEvent(self, event: QResizeEvent) -> None:  # Qt override
        """Keep each wrapped explanation as tall as its lines at the new width: the scroll
        area around the data view's side panel sizes it by its hint, which would squeeze
        them under their editors."""
        super().resizeEvent(event)
        QTimer.singleShot(0, self._fit_explanations)  # once the children have their widths

    def _fit_explanations(self) -> None:
        for field in self.fields.values():
            if field.width() > 0 and field.hasHeightForWidth():
                field.setMinimumHeight(field.heightForWidth(field.width()))

    # Showing --------------------------------------------------------------------------------

    def set_columns(self, columns: Sequence[str]) -> None:
        """The file's columns, in file order (the choices of the time column and roles)."""
        self.columns = list(columns)
        self.refresh()

    def series(self) -> SeriesSpec | None:
        """The project's series settings (``None`` when it is not read as a series)."""
        return self.document.project.data.series

    def _on_changed(self, path: str) -> None:
        if project_paths.affects(path, "data"):
            self.refresh()

    def refresh(self) -> None:
        """Show the project's settings."""
        series = self.series()
        self.setEnabled(series is not None)
        if series is None:
            return
        self.time_column.clear()
        self.time_column.addItem(NO_TIME, "")
        for name in self.columns:
            self.time_column.addItem(name, name)
        self.time_column.setCurrentIndex(max(0, self.time_column.findData(series.time_column)))
        self._fill_roles(series)
        for name, box in self.calendar.items():
            box.blockSignals(True)
            box.setChecked(name in series.calendar_features)
            box.setEnabled(bool(series.time_column))
            box.blockSignals(False)
        self.calendar_label.setEnabled(bool(series.time_column))
        for name, field in self.fields.items():
            field.editor.set_value(getattr(series, name))
        self.explanation.setText(explain(series))

    def _fill_roles(self, series: SeriesSpec) -> None:
        names = [name for name in self.columns if name != series.time_column]
        self.roles.setRowCount(len(names))
        self.role_boxes = {}
        for row, name in enumerate(names):
            item = QTableWidgetItem(name)
            item.setFlags(Qt.ItemFlag.ItemIsEnabled)
            self.roles.setItem(row, 0, item)
            combo = QComboBox()
            for role, tip in ROLE_TIPS.items():
                combo.addItem(role)
                combo.setItemData(combo.count() - 1, tip, Qt.ItemDataRole.ToolTipRole)
            combo.setCurrentText(role_of(series, name))
            combo.setToolTip(ROLE_TIPS[combo.currentText()])
            combo.activated.connect(lambda _i, n=name, c=combo: self.set_role(n, c.currentText()))
            self.roles.setCellWidget(row, 1, combo)
            self.role_boxes[name] = combo
        self.roles.resizeRowsToContents()
        rows = self.roles.verticalHeader()
        shown = sum(rows.sectionSize(row) for row in range(min(len(names), 8))) or 30
        self.roles.setFixedHeight(shown + self.roles.horizontalHeader().sizeHint().height() +
                                  2 * self.roles.frameWidth())

    # Editing --------------------------------------------------------------------------------

    def _pick_time(self) -> None:
        series = self.series()
        chosen = str(self.time_column.currentData() or "")
        if series is None or chosen == series.time_column:
            return
        lists = {key: [name for name in getattr(series, key) if name != chosen]
                 for key in ("targets", "past_covariates", "known_covariates")}
        calendar = list(series.calendar_features) if chosen else []
        self.document.set_value("data.series", replace(series, time_column=chosen,
                                                       calendar_features=calendar, **lists),
                                f"Use {chosen} as the time" if chosen else "No time column",
                                mergeable=False)

    def set_role(self, column: str, role: str) -> None:
        """Give ``column`` one role: ``forecast``, ``past input``, ``known input`` or
        ``not used`` (one undoable edit)."""
        series = self.series()
        if series is None or role not in ROLES or role_of(series, column) == role:
            return
        lists = {key: [name for name in getattr(series, key) if name != column]
                 for key in ("targets", "past_covariates", "known_covariates")}
        if ROLES[role]:
            lists[ROLES[role]].append(column)
        self.document.set_value("data.series", replace(series, **lists),
                                f"Use {column} as {role}", mergeable=False)

    def _pick_calendar(self) -> None:
        series = self.series()
        chosen = [name for name, box in self.calendar.items() if box.isChecked()]
        if series is not None and chosen != list(series.calendar_features):
            self.document.set_value("data.series.calendar_features", chosen,
                                    "Set calendar inputs", mergeable=False)


def role_of(series: SeriesSpec, column: str) -> str:
    """The role of ``column`` in ``series``, in the words of the roles table."""
    for role, key in ROLES.items():
        if key and column in getattr(series, key):
            return role
    return "not used"


def explain(series: SeriesSpec) -> str:
    """One sample of ``series`` in words, with its current numbers."""
    targets = ", ".join(series.targets) or "the target"
    inputs = [*series.past_covariates, *series.known_covariates,
              *(name.replace("_", " ") for name in series.calendar_features)]
    extra = f" (and {', '.join(inputs)})" if inputs else ""
    steps = "the next row" if series.horizon == 1 else f"the next {series.horizon} rows"
    return (f"Each sample: the model reads <b>{series.window}</b> consecutive rows of "
            f"{targets}{extra} and forecasts {targets} for <b>{steps}</b>. Windows start every "
            f"{series.stride} row(s). Training, validation and test follow each other in time, "
            f"{series.horizon} row(s) apart, so no window looks into the test period.")


def default_series(frame: Any, target: str | None) -> SeriesSpec:
    """Series settings to start a forecast of ``frame`` with, when the person picks
    forecasting: the core's (its time column, the target or the likeliest numeric column, a
    window sized to the data), as ``dlstudio init --task forecasting`` makes them."""
    if frame is None:
        return SeriesSpec(targets=[target] if target else [])
    from dlstudio.core.data.series_detection import series_settings

    return series_settings(frame, target)
