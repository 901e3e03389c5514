"""The searched settings and the study's budget, edited in the project (each edit one undo
step through the document): a table of settings with their ranges or choices, and the
objective, trials, epochs per trial, workers, sampler and pruner."""

from __future__ import annotations

import copy
import json
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHeaderView,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from dlstudio.core.project import paths as project_paths
from dlstudio.core.project.project import (
    TUNING_PRUNERS,
    TUNING_SAMPLERS,
    SearchParameter,
)
from dlstudio.gui.document import Document

COLUMNS = ("Setting", "From", "To", "Log", "Choices")


def setting_name(path: str) -> str:
    """``model.layers[id=dense_1].params.units`` → ``dense_1 · units``; training paths
    without their prefix."""
    if "[id=" in path:
        layer, _, param = path.rsplit("[id=", 1)[1].partition("].params.")
        return f"{layer} · {param.replace('_', ' ')}"
    return path.removeprefix("training.").replace("_", " ").replace(".", " · ")


class TuneSpaceEditor(QWidget):
    """The project's search space and budget.

    Args:
        document: The open project.
    """

    def __init__(self, document: Document, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self._showing = False
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.itemChanged.connect(self._item_changed)
        self.table.setToolTip("Right-click a training setting or a layer parameter and choose "
                              "\"Search this\" to add it here. Edit From/To (or the choices, "
                              "separated by commas) in place.")
        self.remove_button = QPushButton("Remove from search")
        self.remove_button.clicked.connect(self._remove_selected)
        self.objective = QLineEdit()
        self.objective.editingFinished.connect(
            lambda: self._set("objective", self.objective.text().strip() or "val_loss"))
        self.trials = self._spin(1, 100_000, "trials")
        self.epochs = self._spin(0, 100_000, "epochs")
        self.epochs.setSpecialValueText("as in training")
        self.workers = self._spin(0, 256, "workers")
        self.workers.setSpecialValueText("auto")
        self.minutes = QDoubleSpinBox(maximum=1e6, decimals=0, suffix=" min")
        self.minutes.setSpecialValueText("no limit")
        self.minutes.editingFinished.connect(
            lambda: self._set("timeout_minutes", float(self.minutes.value())))
        self.sampler = self._combo(TUNING_SAMPLERS, "sampler")
        self.pruner = self._combo(TUNING_PRUNERS, "pruner")
        form = QFormLayout()
        for label, widget in (("Objective", self.objective), ("Trials", self.trials),
                              ("Epochs per trial", self.epochs), ("Workers", self.workers),
                              ("Time limit", self.minutes), ("Sampler", self.sampler),
                              ("Pruner", self.pruner)):
            form.addRow(label, widget)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.remove_button)
        layout.addLayout(form)
        document.changed.connect(self._changed)
        document.replaced.connect(self.show_values)
        self.show_values()

    def _spin(self, low: int, high: int, name: str) -> QSpinBox:
        spin = QSpinBox(minimum=low, maximum=high)
        spin.editingFinished.connect(lambda: self._set(name, spin.value()))
        return spin

    def _combo(self, choices: tuple[str, ...], name: str) -> QComboBox:
        combo = QComboBox()
        combo.addItems(list(choices))
        combo.activated.connect(lambda _index: self._set(name, combo.currentText()))
        return combo

    def _set(self, name: str, value: Any) -> None:
        if not self._showing:
            self.document.set_value(f"tuning.{name}", value,
                                    f"Set tuning {name.replace('_', ' ')}")

    def _changed(self, path: str) -> None:
        if project_paths.affects(path, "tuning"):
            self.show_values()

    def show_values(self) -> None:
        """Show the project's tuning section."""
        tuning = self.document.project.tuning
        self._showing = True
        try:
            self.table.setRowCount(len(tuning.search))
            for row, parameter in enumerate(tuning.search):
                self._show_row(row, parameter)
            self.objective.setText(tuning.objective)
            for spin, value in ((self.trials, tuning.trials), (self.epochs, tuning.epochs),
                                (self.workers, tuning.workers)):
                spin.setValue(value)
            self.minutes.setValue(tuning.timeout_minutes)
            self.sampler.setCurrentText(tuning.sampler)
            self.pruner.setCurrentText(tuning.pruner)
        finally:
            self._showing = False
        self.remove_button.setEnabled(bool(tuning.search))

    def _show_row(self, row: int, parameter: SearchParameter) -> None:
        name = QTableWidgetItem(setting_name(parameter.path))
        name.setFlags(name.flags() & ~Qt.ItemFlag.ItemIsEditable)
        name.setToolTip(parameter.path)
        self.table.setItem(row, 0, name)
        choice = parameter.is_choice
        texts = ("", "", "", ", ".join(json.dumps(c) if not isinstance(c, str) else c
                                       for c in parameter.choices)) if choice else (
            _number(parameter.low), _number(parameter.high), "", "")
        for column, text in zip((1, 2, 4), (texts[0], texts[1], texts[3]), strict=True):
            item = QTableWidgetItem(text)
            editable = (column == 4) == choice
            if not editable:
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
            self.table.setItem(row, column, item)
        log = QTableWidgetItem()
        log.setFlags(Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsEnabled)
        log.setCheckState(Qt.CheckState.Checked if parameter.log else Qt.CheckState.Unchecked)
        if choice:
            log.setFlags(Qt.ItemFlag.NoItemFlags)
        self.table.setItem(row, 3, log)

    def _item_changed(self, item: QTableWidgetItem) -> None:
        if self._showing:
            return
        search = copy.deepcopy(self.document.project.tuning.search)
        parameter = search[item.row()]
        try:
            if item.column() in (1, 2):
                value = _parse_number(item.text(), parameter.low if item.column() == 1
                                      else parameter.high)
                setattr(parameter, "low" if item.column() == 1 else "high", value)
            elif item.column() == 3:
                parameter.log = item.checkState() == Qt.CheckState.Checked
            elif item.column() == 4:
                parameter.choices = [_parse_choice(text) for text in item.text().split(",")
                                     if text.strip()]
        except ValueError:
            self.show_values()
            return
        self.document.set_value("tuning.search", search,
                                f"Search {setting_name(parameter.path)}", mergeable=False)

    def _remove_selected(self) -> None:
        rows = {index.row() for index in self.table.selectionModel().selectedRows()}
        if not rows and self.table.currentRow() >= 0:
            rows = {self.table.currentRow()}
        search = [parameter for row, parameter in
                  enumerate(self.document.project.tuning.search) if row not in rows]
        self.document.set_value("tuning.search", search, "Remove from search", mergeable=False)


def toggle_search(document: Document, parameter: SearchParameter) -> None:
    """Add ``parameter`` to the project's search, or take its setting out when searched."""
    search = copy.deepcopy(document.project.tuning.search)
    kept = [item for item in search if item.path != parameter.path]
    if len(kept) == len(search):
        document.set_value("tuning.search", [*search, parameter],
                           f"Search {setting_name(parameter.path)}", mergeable=False)
    else:
        document.set_value("tuning.search", kept,
                           f"Stop searching {setting_name(parameter.path)}", mergeable=False)


def _number(value: Any) -> str:
    return "" if value is None else f"{value:g}" if isinstance(value, float) else str(value)


def _parse_number(text: str, like: Any) -> int | float:
    value = float(text)
    return int(value) if isinstance(like, int) and value.is_integer() else value


def _parse_choice(text: str) -> Any:
    text = text.strip()
    try:
        return json.loads(text)
    except ValueError:
        return text
