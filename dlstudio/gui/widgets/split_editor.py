"""The split settings: training and validation fractions (test takes the rest), seed,
stratification, and the number of samples each split gets; for a CSV file, the test and the
validation rows may come from separate files (``init --test/--validation``). A time series is
split in time order: only the fractions apply, and a line says how."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QWidget,
)

from dlstudio.core.project import paths as project_paths
from dlstudio.core.project.project import SplitSpec, split_shares
from dlstudio.gui import settings as app_settings
from dlstudio.gui.data_session import DataSession

SHARE, SEPARATE_FILE = "A share of the data file", "A separate file"
CSV_FILTER = "CSV files (*.csv *.tsv *.txt);;All files (*)"


class SplitFileRow(QWidget):
    """Where one split's rows come from: a share of the data file, or a separate CSV file
    (a combo box, the file's name and a button to choose another)."""

    def __init__(self, split: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.split = split
        self.source = QComboBox()
        self.source.addItems([SHARE, SEPARATE_FILE])
        self.source.setToolTip(f"Take the {split} rows from the data file (its share below), or "
                               f"from a separate CSV file with the same columns.")
        self.file = QLabel()
        self.file.setProperty("role", "hint")
        self.choose = QPushButton("Choose…")
        self.choose.setToolTip(f"Choose the CSV file that holds the {split} rows.")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for widget in (self.source, self.file, self.choose):
            layout.addWidget(widget)
        layout.addStretch(1)

    def show_path(self, path: Path | None) -> None:
        """Show ``path`` (``None``: the rows are a share of the data file)."""
        self.source.blockSignals(True)
        self.source.setCurrentText(SEPARATE_FILE if path else SHARE)
        self.source.blockSignals(False)
        self.file.setText(path.name if path else "")
        self.file.setToolTip(str(path) if path else "")
        self.file.setVisible(path is not None)
        self.choose.setVisible(path is not None)


class SplitEditor(QGroupBox):
    """Edits ``project.split``; shows the counts the data session reports for it."""

    def __init__(self, session: DataSession, parent: QWidget | None = None) -> None:
        super().__init__("Split", parent)
        self.session = session
        self.document = session.document
        self.train = self._fraction("Share of the samples the model learns from.")
        self.validation = self._fraction("Share used to watch for overfitting after each epoch "
                                         "(curves, early stopping).")
        self.test = QLabel()
        self.test.setToolTip("Held out for the final evaluation: what is left after training "
                             "and validation.")
        self.seed = QSpinBox(keyboardTracking=False, maximum=2**31 - 1)
        self.seed.setToolTip("The same seed always gives the same split.")
        self.seed.setMaximumWidth(120)
        self.stratified = QCheckBox("Keep class proportions in every split")
        self.stratified.setToolTip("Stratified split (classification only).")
        self.counts = QLabel()
        self.counts.setProperty("role", "hint")
        self.counts.setWordWrap(True)
        self.test_file = SplitFileRow("test")
        self.validation_file = SplitFileRow("validation")
        form = QFormLayout(self)
        self.form = form
        form.addRow("Test data", self.test_file)
        form.addRow("Validation data", self.validation_file)
        form.addRow("Training", self.train)
        form.addRow("Validation", self.validation)
        form.addRow("Test", self.test)
        form.addRow("Seed", self.seed)
        form.addRow(self.stratified)
        self.time_order = QLabel("Training comes first, then validation, then test, with a gap "
                                 "of the horizon between them; nothing is shuffled across them, "
                                 "so the test measures forecasts of a future the model never "
                                 "saw.")
        self.time_order.setWordWrap(True)
        self.time_order.setProperty("role", "hint")
        form.addRow(self.time_order)
        form.addRow(self.counts)
        self.train.valueChanged.connect(lambda _v: self._set_fractions())
        self.validation.valueChanged.connect(lambda _v: self._set_fractions())
        self.seed.valueChanged.connect(
            lambda value: self.document.set_value("split.seed", value, "Set split seed"))
        self.stratified.toggled.connect(
            lambda on: self.document.set_value("split.stratified", on, "Toggle stratified split",
                                               mergeable=False))
        for row in (self.test_file, self.validation_file):
            row.source.activated.connect(lambda _index, row=row: self._source_chosen(row))
            row.choose.clicked.connect(lambda _checked=False, row=row: self._choose_file(row))
        self.document.changed.connect(self._on_changed)
        session.infoChanged.connect(self._show_counts)
        session.busyChanged.connect(self._show_counts)
        self._show_values()

    @staticmethod
    def _fraction(tip: str) -> QDoubleSpinBox:
        spin = QDoubleSpinBox(keyboardTracking=False, decimals=2, singleStep=0.05)
        spin.setRange(0.0, 1.0)
        spin.setMaximumWidth(120)
        spin.setToolTip(tip)
        return spin

    def _set_fractions(self) -> None:
        train = round(self.train.value(), 4)
        validation = round(min(self.validation.value(), 1.0 - train), 4)
        test = round(1.0 - train - validation, 4)
        if train <= 0:
            self._show_values()
            return
        self.document.set_values({"split.train": train, "split.validation": validation,
                                  "split.test": test}, "Change split fractions")

    def use_file(self, split: str, path: str | Path | None) -> None:
        """Take ``split``'s rows (``test`` or ``validation``) from the CSV file ``path``, or
        from a share of the data file when ``path`` is ``None``; the shares of the data file
        follow, as ``dlstudio init --test/--validation`` sets them (one undo step)."""
        data = self.document.project.data
        files = {"test": data.test_path, "validation": data.validation_path}
        files[split] = str(Path(path).resolve()) if path else None
        train, validation, test = split_shares(
            SplitSpec(), test_file=bool(files["test"]),
            validation_file=bool(files["validation"]))
        text = f"Use a separate {split} file" if path else f"Take the {split} rows from the data"
        self.document.set_values({f"data.{split}_path": files[split], "split.train": train,
                                  "split.validation": validation, "split.test": test}, text)

    def ask_file(self, split: str) -> str:
        """Ask for the CSV file of ``split``'s rows; ``""`` when the person cancels."""
        path, _filter = QFileDialog.getOpenFileName(
            self, f"Choose the {split} data", app_settings.last_folder(), CSV_FILTER)
        app_settings.remember_folder(path)
        return path

    def _source_chosen(self, row: SplitFileRow) -> None:
        if row.source.currentText() == SHARE:
            self.use_file(row.split, None)
            return
        self._choose_file(row)

    def _choose_file(self, row: SplitFileRow) -> None:
        path = self.ask_file(row.split)
        if path:
            self.use_file(row.split, path)
        else:
            self._show_values()  # cancelled: the combo box shows what the project says

    def _on_changed(self, path: str) -> None:
        if project_paths.affects(path, "split") or project_paths.affects(path, "data"):
            self._show_values()

    def _show_values(self) -> None:
        split = self.document.project.split
        for spin, value in ((self.train, split.train), (self.validation, split.validation),
                            (self.seed, split.seed)):
            spin.blockSignals(True)
            spin.setValue(value)
            spin.blockSignals(False)
        self.stratified.blockSignals(True)
        self.stratified.setChecked(split.stratified)
        self.stratified.blockSignals(False)
        self.test.setText(f"{split.test:.2f}")
        project = self.document.project
        files = project.split_file_paths() if project.data.kind == "csv" else {}
        series = project.data.series is not None
        for row in (self.test_file, self.validation_file):
            row.show_path(files.get(row.split))
            self.form.setRowVisible(row, project.data.kind == "csv" and not series)
        # A series is split in time order: no seed, no classes to stratify, no other files.
        self.form.setRowVisible(self.seed, not series)
        self.form.setRowVisible(self.stratified, not series)
        self.form.setRowVisible(self.time_order, series)
        self.setTitle("Split, in time order" if series else "Split")
        self.validation.setEnabled("validation" not in files)
        self.validation.setToolTip(
            f"The validation rows come from {files['validation'].name}." if "validation" in files
            else "Share used to watch for overfitting after each epoch (curves, early stopping).")
        self.test.setToolTip(
            f"The test rows come from {files['test'].name}." if "test" in files
            else "Held out for the final evaluation: what is left after training and validation.")
        self._show_counts()

    def _show_counts(self, *_signal_arguments: object) -> None:
        info = self.session.info
        if info is None:
            busy = self.session.is_busy()
            self.counts.setText("Counting…" if busy else "Counts appear once the data is read.")
            return
        sizes = info.split_sizes
        self.counts.setText(" · ".join(f"{name.capitalize()}: {sizes.get(name, 0):,}"
                                       for name in ("train", "validation", "test")))
