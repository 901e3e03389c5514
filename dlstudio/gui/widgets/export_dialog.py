"""Export a run in any format (SavedModel, .keras, ONNX, LiteRT with its quantizations) and
show the fresh-process check's report.

The export runs :func:`dlstudio.core.export.exporter.export_run` off the GUI thread (it imports
TensorFlow, converts, and checks the export in a new process); the dialog then says where it
went, what inputs it takes, and shows the report table: the largest difference from the trained
model, the metric of both, the size on disk and the CPU latency.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from dlstudio.core.errors import ProjectError
from dlstudio.core.project.project import load_project
from dlstudio.core.project.wording import in_gui_words
from dlstudio.core.runs.folder import RunFolder
from dlstudio.gui.background import prepare_keras, run_in_background
from dlstudio.gui.output_choice import confirmed_output
from dlstudio.gui.theme import icon

FORMATS = {
    "savedmodel": ("TensorFlow SavedModel (a folder)",
                   "For TensorFlow Serving, TFLite conversion and other languages; takes raw "
                   "inputs (columns as in the CSV, or decoded image pixels); a GAN run's "
                   "generator takes noise and returns pixels."),
    "keras": ("Keras file (.keras)",
              "For Python with Keras: keras.saving.load_model(path) after importing "
              "dlstudio.core.model.layers."),
    "onnx": ("ONNX (a folder with model.onnx)",
             "For onnxruntime in any language. Category and text columns cannot live inside "
             "the graph: it takes encoded numbers, and the folder ships encoding.json and "
             "encode.py (NumPy) that turn a CSV row into them."),
    "litert": ("LiteRT / TensorFlow Lite (a folder with model.tflite)",
               "For phones and edge devices. Quantization makes it smaller and faster; the "
               "report says what accuracy it lost. Tables take encoded numbers, as for ONNX."),
}
QUANTIZATIONS = {
    "float32": "float32 (no quantization)",
    "float16": "float16 weights (half the size)",
    "dynamic": "dynamic range: int8 weights",
    "int8": "full integer int8 (calibrated on training samples)",
}


def export_in_background(run_dir: str, fmt: str, out_path: str, overwrite: bool,
                         quantize: str = "float32") -> dict[str, Any]:
    """Export and check (call it off the GUI thread); return the summary lines, the report's
    rows and the path."""
    prepare_keras()
    from dlstudio.core.export.exporter import export_run

    result = export_run(run_dir, fmt, out_path, overwrite=overwrite, quantize=quantize)
    lines = [line for line in result.summary_lines() if not line.startswith("  ")]
    rows = result.report.rows() if result.report is not None else []
    return {"summary": lines, "rows": rows, "path": str(result.path)}


class ExportDialog(QDialog):
    """Choose a format and a place, export, and read the reload check.

    Args:
        run_dir: The run folder to export.
        parent: The Qt parent.
    """

    def __init__(self, run_dir: str | Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.run_dir = Path(run_dir)
        self.busy = False
        self.exported_path: Path | None = None
        self.setWindowTitle(f"Export {self.run_dir.name}")
        self.setMinimumWidth(640)
        self._build()
        self._format_changed()

    def _build(self) -> None:
        self.format_group = QButtonGroup(self)
        layout = QVBoxLayout(self)
        heading = QLabel(f"Export the trained model of run {self.run_dir.name}")
        heading.setProperty("role", "heading")
        layout.addWidget(heading)
        for fmt, (title, explanation) in FORMATS.items():
            button = QRadioButton(title)
            button.setProperty("format", fmt)
            button.setChecked(fmt == "savedmodel")
            self.format_group.addButton(button)
            note = QLabel(explanation, wordWrap=True)
            note.setProperty("role", "hint")
            note.setContentsMargins(24, 0, 0, 6)
            layout.addWidget(button)
            layout.addWidget(note)
        self.format_group.buttonToggled.connect(lambda *_: self._format_changed())
        self.quantize_box = QComboBox()
        for key, title in QUANTIZATIONS.items():
            self.quantize_box.addItem(title, key)
        self.quantize_box.currentIndexChanged.connect(lambda *_: self._format_changed())
        quantize_row = QHBoxLayout()
        self.quantize_label = QLabel("LiteRT quantization")
        quantize_row.addWidget(self.quantize_label)
        quantize_row.addWidget(self.quantize_box, 1)
        layout.addLayout(quantize_row)
        self.path_edit = QLineEdit()
        browse = QPushButton(icon("open"), "Browse…")
        browse.clicked.connect(self._browse)
        row = QHBoxLayout()
        row.addWidget(QLabel("Save to"))
        row.addWidget(self.path_edit, 1)
        row.addWidget(browse)
        layout.addLayout(row)
        self.overwrite = QCheckBox("Replace an existing export there")
        layout.addWidget(self.overwrite)
        self.result_frame = QFrame()
        self.result_text = QLabel(wordWrap=True)
        self.result_text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.result_text.setAlignment(Qt.AlignmentFlag.AlignTop | Qt.AlignmentFlag.AlignLeft)
        # The summary lists every input; it scrolls rather than being cut off.
        self.result_scroll = QScrollArea()
        self.result_scroll.setWidgetResizable(True)
        self.result_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.result_scroll.setWidget(self.result_text)
        self.result_scroll.setMinimumHeight(150)
        self.result_scroll.setStyleSheet("background: transparent")
        frame_layout = QVBoxLayout(self.result_frame)
        frame_layout.addWidget(self.result_scroll)
        self.report_table = QTableWidget(0, 2)
        self.report_table.setHorizontalHeaderLabels(["Check", "Result"])
        self.report_table.verticalHeader().hide()
        self.report_table.horizontalHeader().setStretchLastSection(True)
        self.report_table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.report_table.verticalHeader().setDefaultSectionSize(24)
        self.report_table.hide()
        frame_layout.addWidget(self.report_table)
        self.result_frame.hide()
        layout.addWidget(self.result_frame)
        layout.addStretch(1)
        self.export_button = QPushButton(icon("export"), "Export")
        self.export_button.setProperty("role", "primary")
        self.export_button.clicked.connect(self.export)
        self.open_button = QPushButton(icon("open"), "Show in folder")
        self.open_button.clicked.connect(self._show_in_folder)
        self.open_button.hide()
        close = QPushButton("Close")
        close.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(self.open_button)
        buttons.addStretch(1)
        buttons.addWidget(close)
        buttons.addWidget(self.export_button)
        layout.addLayout(buttons)

    @property
    def format(self) -> str:
        """The chosen format: ``savedmodel``, ``keras``, ``onnx`` or ``litert``."""
        return self.format_group.checkedButton().property("format")

    @property
    def quantize(self) -> str:
        """The chosen LiteRT quantization (``float32`` for the other formats)."""
        return self.quantize_box.currentData() if self.format == "litert" else "float32"

    def select_quantization(self, quantize: str) -> None:
        """Choose a LiteRT quantization: ``float32``, ``float16``, ``dynamic`` or ``int8``."""
        self.quantize_box.setCurrentIndex(self.quantize_box.findData(quantize))

    def select_format(self, fmt: str) -> None:
        """Choose ``fmt``."""
        for button in self.format_group.buttons():
            button.setChecked(button.property("format") == fmt)

    def _format_changed(self) -> None:
        litert = self.format == "litert"
        self.quantize_box.setEnabled(litert)
        self.quantize_label.setEnabled(litert)
        name = {"savedmodel": "savedmodel", "keras": "model.keras"}.get(self.format, self.format)
        if litert and self.quantize != "float32":
            name = f"{name}-{self.quantize}"
        self.path_edit.setText(str(self.run_dir / "exports" / name))

    def _browse(self) -> None:
        if self.format != "keras":
            path = QFileDialog.getExistingDirectory(self, "Folder to hold the export",
                                                    str(self.run_dir))
            path = str(Path(path) / Path(self.path_edit.text()).name) if path else ""
        else:
            path, _ = QFileDialog.getSaveFileName(self, "Save the .keras file",
                                                  self.path_edit.text(), "Keras (*.keras)")
        if path:
            self.path_edit.setText(path)

    def export(self) -> None:
        """Export off the GUI thread; the result shows in the dialog."""
        if self.busy:
            return
        path = self.path_edit.text().strip()
        replace = self.overwrite.isChecked()
        if path and not replace:
            if confirmed_output(self, path, inputs=self._inputs(),
                                folder=self.format != "keras") is None:
                return
            replace = True  # the person agreed to replace what is there (or nothing is)
        self.busy = True
        self.export_button.setEnabled(False)
        self._show_result("Exporting, then checking the export in a fresh process… (the "
                          "first export loads TensorFlow, a few seconds)", None)
        arguments = (str(self.run_dir), self.format, path, replace, self.quantize)
        run_in_background(lambda: export_in_background(*arguments), self._exported,
                          self._failed, receiver=self)

    def _inputs(self) -> list[Path]:
        """The run's own files and its data: an export never replaces them."""
        folder = RunFolder(self.run_dir)
        inputs = folder.own_files()
        with contextlib.suppress(ProjectError, OSError):
            inputs.append(load_project(folder.project_path).data_path())
        return inputs

    def _exported(self, outcome: dict[str, Any]) -> None:
        self.busy = False
        self.export_button.setEnabled(True)
        self.exported_path = Path(outcome["path"])
        self._show_report(outcome["rows"])
        self._show_result("✔ " + "\n".join(outcome["summary"]), True)
        self.open_button.show()

    def _show_report(self, rows: list[tuple[str, str]]) -> None:
        self.report_table.setRowCount(len(rows))
        for number, (what, value) in enumerate(rows):
            self.report_table.setItem(number, 0, QTableWidgetItem(what))
            self.report_table.setItem(number, 1, QTableWidgetItem(value))
        self.report_table.resizeColumnToContents(0)
        frame = 2 * self.report_table.frameWidth()
        self.report_table.setFixedHeight(24 * (len(rows) + 1) + frame + 4)  # header + rows
        self.report_table.setVisible(bool(rows))
        # The summary is short when a report follows; the table must fit a small screen.
        self.result_scroll.setMinimumHeight(90 if rows else 150)

    def _failed(self, error: Exception) -> None:
        self.report_table.hide()
        self.busy = False
        self.export_button.setEnabled(True)
        self._show_result(f"Export failed: {in_gui_words(str(error))}", False)

    def _show_result(self, text: str, ok: bool | None) -> None:
        self.result_text.setText(text)
        role = {True: "banner-ok", False: "banner-error", None: ""}[ok]
        self.result_frame.setProperty("role", role)
        self.result_frame.style().unpolish(self.result_frame)
        self.result_frame.style().polish(self.result_frame)
        self.result_frame.show()
        self.adjustSize()

    def _show_in_folder(self) -> None:
        if self.exported_path is not None:
            folder = self.exported_path if self.exported_path.is_dir() else \
                self.exported_path.parent
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))
