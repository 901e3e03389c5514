"""Export a run as a TensorFlow SavedModel or a ``.keras`` file, and show the reload check.

The export runs :func:`dlstudio.core.export.exporter.export_run` off the GUI thread (it imports
TensorFlow and reloads what it wrote); the dialog then says where it went, what inputs it takes
and how the reloaded export compared with the trained model.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QButtonGroup,
    QCheckBox,
    QDialog,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from dlstudio.core.project.wording import in_gui_words
from dlstudio.gui.background import prepare_keras, run_in_background
from dlstudio.gui.theme import icon

FORMATS = {
    "savedmodel": ("TensorFlow SavedModel (a folder)",
                   "For TensorFlow Serving, TFLite conversion and other languages; takes raw "
                   "inputs (columns as in the CSV, or decoded image pixels)."),
    "keras": ("Keras file (.keras)",
              "For Python with Keras: keras.saving.load_model(path) after importing "
              "dlstudio.core.model.layers."),
}


def export_in_background(run_dir: str, fmt: str, out_path: str, overwrite: bool) -> list[str]:
    """Export and check (call it off the GUI thread); return the summary lines."""
    prepare_keras()
    from dlstudio.core.export.exporter import export_run

    result = export_run(run_dir, fmt, out_path, overwrite=overwrite)
    return [*result.summary_lines(), str(result.path)]


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
        QVBoxLayout(self.result_frame).addWidget(self.result_scroll)
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
        """The chosen format: ``savedmodel`` or ``keras``."""
        return self.format_group.checkedButton().property("format")

    def select_format(self, fmt: str) -> None:
        """Choose ``fmt``."""
        for button in self.format_group.buttons():
            button.setChecked(button.property("format") == fmt)

    def _format_changed(self) -> None:
        exports = self.run_dir / "exports"
        default = exports / ("savedmodel" if self.format == "savedmodel" else "model.keras")
        self.path_edit.setText(str(default))

    def _browse(self) -> None:
        if self.format == "savedmodel":
            path = QFileDialog.getExistingDirectory(self, "Folder to hold the SavedModel",
                                                    str(self.run_dir))
            path = str(Path(path) / "savedmodel") if path else ""
        else:
            path, _ = QFileDialog.getSaveFileName(self, "Save the .keras file",
                                                  self.path_edit.text(), "Keras (*.keras)")
        if path:
            self.path_edit.setText(path)

    def export(self) -> None:
        """Export off the GUI thread; the result shows in the dialog."""
        if self.busy:
            return
        self.busy = True
        self.export_button.setEnabled(False)
        self._show_result("Exporting and checking the export by reloading it… (the first "
                          "export loads TensorFlow, a few seconds)", None)
        arguments = (str(self.run_dir), self.format, self.path_edit.text().strip(),
                     self.overwrite.isChecked())
        run_in_background(lambda: export_in_background(*arguments), self._exported,
                          self._failed, receiver=self)

    def _exported(self, lines: list[Any]) -> None:
        *summary, path = lines
        self.busy = False
        self.export_button.setEnabled(True)
        self.exported_path = Path(path)
        self._show_result("✔ " + "\n".join(summary), True)
        self.open_button.show()

    def _failed(self, error: Exception) -> None:
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
