"""'Show code': the project as a runnable Keras script, to read, copy or save."""

from __future__ import annotations

import keyword
import re

from PySide6.QtGui import QColor, QFont, QFontDatabase, QSyntaxHighlighter, QTextCharFormat
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from dlstudio.core.project.project import Project
from dlstudio.gui.background import run_in_background
from dlstudio.gui.output_choice import confirmed_output, project_inputs
from dlstudio.gui.theme import is_dark

_RULES = (
    (re.compile(r"\b(" + "|".join(keyword.kwlist) + r")\b"), "#c678dd", "#7c3aed"),
    (re.compile(r"\b(keras|layers|np|pd|tf)\b"), "#61afef", "#1d4ed8"),
    (re.compile(r"\b\d+(\.\d+)?(e-?\d+)?\b"), "#d19a66", "#b45309"),
    (re.compile(r"(\"[^\"\n]*\"|'[^'\n]*')"), "#98c379", "#15803d"),
    (re.compile(r"#[^\n]*"), "#7f848e", "#64748b"),
)


class PythonHighlighter(QSyntaxHighlighter):
    """Colours keywords, modules, numbers, strings and comments (line by line)."""

    def highlightBlock(self, text: str) -> None:  # Qt override
        for pattern, dark, light in _RULES:
            text_format = QTextCharFormat()
            text_format.setForeground(QColor(dark if is_dark() else light))
            for match in pattern.finditer(text):
                self.setFormat(match.start(), match.end() - match.start(), text_format)


class CodeDialog(QDialog):
    """Shows the generated script of a project.

    The script is generated off the GUI thread (it reads the data to learn the columns and
    classes); :meth:`show_project` returns at once.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("The model as Keras code")
        self.resize(900, 720)
        self.note = QLabel("This script builds and trains the same model with plain Keras. "
                           "Run it with python, or copy the parts you want.")
        self.note.setWordWrap(True)
        self.note.setProperty("role", "hint")
        self.editor = QPlainTextEdit(readOnly=True)
        self.editor.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        font.setStyleHint(QFont.StyleHint.Monospace)
        self.editor.setFont(font)
        self.highlighter = PythonHighlighter(self.editor.document())
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.copy_button = QPushButton("Copy")
        self.copy_button.setToolTip("Copy the whole script to the clipboard")
        self.save_button = QPushButton("Save as…")
        self.save_button.setToolTip("Save the script as a .py file")
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.save_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        self.copy_button.clicked.connect(
            lambda: QApplication.clipboard().setText(self.editor.toPlainText()))
        self.save_button.clicked.connect(self._save)
        layout = QVBoxLayout(self)
        layout.addWidget(self.note)
        layout.addWidget(self.editor, 1)
        layout.addWidget(buttons)
        self._stem = "model"
        self._inputs: list = []

    def show_project(self, project: Project) -> None:
        """Generate and show the script of ``project`` (a copy is taken)."""
        snapshot = project.copy()
        self._inputs = project_inputs(project)
        self._stem = "".join(c if c.isalnum() else "_" for c in project.name).strip("_") or "model"
        self.editor.setPlainText("# Generating the script…")
        self._set_ready(False)
        run_in_background(lambda: _generate(snapshot), self._show_script, self._show_problem,
                          receiver=self)

    def _show_script(self, script: str) -> None:
        self.editor.setPlainText(script)
        self._set_ready(True)

    def _show_problem(self, error: Exception) -> None:
        self.editor.setPlainText(f"# The script cannot be generated yet:\n# {error}\n"
                                 "# Fix the data settings (Data tab) and open this again.")

    def _set_ready(self, ready: bool) -> None:
        self.copy_button.setEnabled(ready)
        self.save_button.setEnabled(ready)

    def _save(self) -> None:
        path, _filter = QFileDialog.getSaveFileName(
            self, "Save the script", f"{self._stem}.py", "Python files (*.py)",
            options=QFileDialog.Option.DontConfirmOverwrite)  # asked below, inputs guarded
        if path and confirmed_output(self, path, inputs=self._inputs) is not None:
            with open(path, "w", encoding="utf-8") as stream:
                stream.write(self.editor.toPlainText())


def _generate(project: Project) -> str:
    from dlstudio.core.model.codegen import generate_script

    return generate_script(project)

