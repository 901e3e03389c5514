"""The split settings: training and validation fractions (test takes the rest), seed,
stratification, and the number of samples each split gets."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QSpinBox,
    QWidget,
)

from dlstudio.core.project import paths as project_paths
from dlstudio.gui.data_session import DataSession


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
        form = QFormLayout(self)
        form.addRow("Training", self.train)
        form.addRow("Validation", self.validation)
        form.addRow("Test", self.test)
        form.addRow("Seed", self.seed)
        form.addRow(self.stratified)
        form.addRow(self.counts)
        self.train.valueChanged.connect(lambda _v: self._set_fractions())
        self.validation.valueChanged.connect(lambda _v: self._set_fractions())
        self.seed.valueChanged.connect(
            lambda value: self.document.set_value("split.seed", value, "Set split seed"))
        self.stratified.toggled.connect(
            lambda on: self.document.set_value("split.stratified", on, "Toggle stratified split",
                                               mergeable=False))
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

    def _on_changed(self, path: str) -> None:
        if project_paths.affects(path, "split"):
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
