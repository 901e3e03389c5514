"""“Try it”: pick an image or type a row, and see what a trained run predicts.

:class:`TryItDialog` asks the core's
:class:`~dlstudio.core.evaluation.predict_one.SamplePredictor` off the GUI thread (it reads the
row or image from memory as the run's data was read) and shows the prediction with a bar per
class and which empty inputs the model filled.
"""

from __future__ import annotations

import csv
import io
from functools import partial
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from dlstudio.core.data.csv_reading import DELIMITERS, sniff_delimiter
from dlstudio.core.data.image_scan import IMAGE_EXTENSIONS
from dlstudio.core.evaluation.predict_one import SamplePrediction, SamplePredictor
from dlstudio.core.project.project import Project
from dlstudio.core.project.wording import in_gui_words
from dlstudio.core.runs.folder import RunFolder
from dlstudio.gui import settings as app_settings
from dlstudio.gui.background import prepare_keras, run_in_background
from dlstudio.gui.theme import icon

CLASSES_SHOWN = 10
EFFECTS_SHOWN = 8
MAP_SIZE = 136
IMAGE_FILTER = f"Images ({' '.join('*' + suffix for suffix in IMAGE_EXTENSIONS)})"
HEAD_BYTES = 65536


class TryItDialog(QDialog):
    """Try a trained run on one image or one row.

    Args:
        run_dir: The run folder (it must have a trained model).
        parent: The Qt parent.
    """

    def __init__(self, run_dir: str | Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.run_dir = Path(run_dir)
        self.project: Project = RunFolder(self.run_dir).load_project()
        self.predictor = SamplePredictor(self.run_dir, prepare=prepare_keras)
        self.image_path: Path | None = None
        self.fields: dict[str, QLineEdit] = {}
        self.delimiter = ","
        self.busy = False
        self.setWindowTitle(f"Try {self.run_dir.name}")
        self.resize(760, 560)
        self._build()

    @property
    def is_images(self) -> bool:
        """Whether the run reads images (else table rows)."""
        return self.project.data.kind == "images"

    def _build(self) -> None:
        self.predict_button = QPushButton(icon("train"), "Predict")
        self.predict_button.setProperty("role", "primary")
        self.predict_button.clicked.connect(self.predict)
        self.answer = QLabel("Prediction: —")
        self.answer.setProperty("role", "heading")
        self.filled_note = QLabel(wordWrap=True)
        self.filled_note.setProperty("role", "warning")
        self.filled_note.setStyleSheet("color: #b45309")
        self.filled_note.hide()
        self.status = QLabel(wordWrap=True)
        self.status.setProperty("role", "hint")
        self.bars = QGridLayout()
        bars = QWidget()
        bars.setLayout(self.bars)
        self.effects = QLabel(wordWrap=True)
        self.effects.setTextFormat(Qt.TextFormat.RichText)
        self.effects.hide()
        right = QVBoxLayout()
        right.addWidget(self.answer)
        right.addWidget(self.filled_note)
        right.addWidget(bars)
        right.addWidget(self.effects)
        right.addStretch(1)
        right.addWidget(self.status)
        columns = QHBoxLayout()
        columns.addWidget(self._image_input() if self.is_images else self._row_input(), 1)
        columns.addLayout(right, 1)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.predict_button)
        what = "an image" if self.is_images else "a row (type the values or paste a CSV row)"
        name = RunFolder(self.run_dir).display_name()
        heading = QLabel(f"Try run {name}: give it {what} and press Predict.")
        heading.setProperty("role", "heading")
        heading.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(heading)
        layout.addLayout(columns, 1)
        layout.addLayout(buttons)
        self.predict_button.setEnabled(not self.is_images)

    def _image_input(self) -> QWidget:
        box = QWidget()
        self.preview = QLabel("Choose an image to try")
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview.setMinimumSize(280, 280)
        self.preview.setProperty("role", "hint")
        choose = QPushButton(icon("images"), "Choose image…")
        choose.clicked.connect(self._choose_image)
        self.grad_cam = QLabel()
        self.saliency = QLabel()
        maps = QHBoxLayout()
        for label in (self.grad_cam, self.saliency):
            label.setAlignment(Qt.AlignmentFlag.AlignCenter)
            label.hide()
            maps.addWidget(label)
        layout = QVBoxLayout(box)
        layout.addWidget(self.preview, 1)
        layout.addLayout(maps)
        layout.addWidget(choose)
        return box

    def _row_input(self) -> QWidget:
        self.paste = QLineEdit()
        self.paste.setPlaceholderText("Paste a row of the data file here to fill the fields")
        self.delimiter = sniff_delimiter(self._data_head())
        self.paste.returnPressed.connect(lambda: self.fill_from_text(self.paste.text()))
        form = QFormLayout()
        for name in self.feature_columns():
            self.fields[name] = QLineEdit()
            form.addRow(name, self.fields[name])
        inner = QWidget()
        inner.setLayout(form)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(inner)
        box = QWidget()
        layout = QVBoxLayout(box)
        layout.addWidget(self.paste)
        layout.addWidget(scroll, 1)
        self.fill_from_text(self._first_data_row())
        return box

    def feature_columns(self) -> list[str]:
        """The columns the model reads, in file order."""
        return [column.name for column in self.project.data.columns if column.role == "feature"]

    def _data_head(self) -> str:
        """The start of the data file (empty when it cannot be read)."""
        try:
            with self.project.data_path().open(encoding="utf-8-sig", errors="replace") as stream:
                return stream.read(HEAD_BYTES)
        except OSError:
            return ""

    def _data_rows(self) -> list[list[str]]:
        """The header and first row of the data file, split by its delimiter."""
        rows = csv.reader(io.StringIO(self._data_head()), delimiter=self.delimiter)
        return [row for _, row in zip(range(2), rows, strict=False)]

    def _first_data_row(self) -> str:
        rows = self._data_rows()
        return self.delimiter.join(rows[1]) if len(rows) > 1 else ""

    def fill_from_text(self, text: str) -> None:
        """Fill the fields from a pasted row — every column of the data file, or the feature
        columns only, in order — split by the data file's delimiter, or by the one the
        pasted text itself uses (comma, semicolon, tab or pipe)."""
        if not text.strip():
            return
        header = (self._data_rows() or [[]])[0]
        features = self.feature_columns()
        tried = []
        for delimiter in dict.fromkeys((self.delimiter, sniff_delimiter(text.strip()))):
            values = next(csv.reader(io.StringIO(text.strip()), delimiter=delimiter), [])
            tried.append(f"{len(values)} when split by {DELIMITERS[delimiter]}s")
            if len(values) in (len(header), len(features)):
                names = header if len(values) == len(header) else features
                for name, value in zip(names, values, strict=True):
                    if name in self.fields:
                        self.fields[name].setText(value)
                self.status.clear()
                return
        self.status.setText(f"The pasted row has {' or '.join(tried)} values; expected "
                            f"{len(header)} (a whole row of the data file) or {len(features)} "
                            "(the feature columns).")

    def _choose_image(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Image to try", app_settings.last_folder(),
                                              IMAGE_FILTER)
        app_settings.remember_folder(path)
        if path:
            self.set_image(path)

    def set_image(self, path: str | Path) -> None:
        """Use the image at ``path`` (the file dialog's choice comes here too); a file the
        data pipeline cannot read is refused with a message saying what it reads."""
        path = Path(path)
        pixmap = QPixmap(str(path))
        problem = None
        if path.suffix.lower() not in IMAGE_EXTENSIONS:
            problem = f"{path.name} is a {path.suffix or 'file without extension'} file"
        elif pixmap.isNull():
            problem = f"{path.name} cannot be read as an image"
        if problem:
            readable = ", ".join(suffix.removeprefix(".").upper() for suffix in IMAGE_EXTENSIONS)
            self.status.setText(f"{problem}; the model reads {readable} images. Save it in one "
                                "of those formats (for example as PNG) and choose it again.")
            return
        self.status.clear()
        self.image_path = path
        self.preview.setPixmap(pixmap.scaled(280, 280, Qt.AspectRatioMode.KeepAspectRatio,
                                             Qt.TransformationMode.SmoothTransformation))
        self.predict_button.setEnabled(True)

    def predict(self) -> None:
        """Predict the current image or row off the GUI thread."""
        if self.busy or (self.is_images and self.image_path is None):
            return
        self.busy = True
        self.predict_button.setEnabled(False)
        self.status.setText("Predicting… (the first prediction loads the model and "
                            "TensorFlow, a few seconds)")
        if self.is_images:
            work = partial(self.predictor.predict_image, self.image_path, explain=True)
        else:
            work = partial(self.predictor.predict_row,
                           {name: field.text() for name, field in self.fields.items()},
                           explain=True)
        run_in_background(work, self._show, self._failed, receiver=self)

    def _show(self, result: SamplePrediction | dict[str, Any]) -> None:
        image = None
        if isinstance(result, SamplePrediction):
            image = result.image
            result = result.as_dict()
        self.busy = False
        self.predict_button.setEnabled(True)
        self.status.clear()
        prediction = result["prediction"]
        shown = prediction if isinstance(prediction, str) else f"{prediction:.6g}"
        self.answer.setText(f"Prediction: {shown}")
        filled = result.get("filled") or ""
        self.filled_note.setText(f"⚠ {filled}" if filled else "")
        self.filled_note.setVisible(bool(filled))
        self._show_bars(result["probabilities"])
        self._show_effects(result.get("effects") or [], isinstance(prediction, str))
        if self.is_images:
            self._show_maps(image)

    def _show_effects(self, effects: list[dict[str, Any]], classified: bool) -> None:
        """List the columns that moved this prediction most (emptying each in turn)."""
        self.effects.setVisible(bool(effects))
        if not effects:
            return
        unit = "probability" if classified else "value"
        lines = [f"<b>What moved this prediction</b> (how much its {unit} falls when each "
                 "column is emptied):"]
        for entry in effects[:EFFECTS_SHOWN]:
            colour = "#15803d" if entry["effect"] >= 0 else "#b91c1c"
            change = f"{entry['effect']:+.3f}" if classified else f"{entry['effect']:+.4g}"
            lines.append(f"<span style='color:{colour}'>{change}</span> "
                         f"{entry['column']} = {entry['value']}")
        lines.append("<i>+ pushed toward this prediction, − pulled away; an emptied column is "
                     "filled as in training.</i>")
        self.effects.setText("<br>".join(lines))

    def _show_maps(self, explanation: Any) -> None:
        """Show the Grad-CAM and saliency maps over the image (hidden when absent)."""
        from dlstudio.core.evaluation.explain_images import overlay

        pairs = ((self.grad_cam, "Grad-CAM", getattr(explanation, "grad_cam", None)),
                 (self.saliency, "Saliency", getattr(explanation, "saliency", None)))
        for label, title, heat in pairs:
            label.setVisible(heat is not None)
            if heat is None:
                continue
            pixmap = rgb_pixmap(overlay(explanation.pixels, heat))
            label.setPixmap(pixmap.scaled(MAP_SIZE, MAP_SIZE,
                                          Qt.AspectRatioMode.KeepAspectRatio,
                                          Qt.TransformationMode.SmoothTransformation))
            label.setToolTip(f"{title}: where the model looked for "
                             f"{self.answer.text().removeprefix('Prediction: ')} (red: most)")

    def _show_bars(self, probabilities: dict[str, float]) -> None:
        while self.bars.count():
            self.bars.takeAt(0).widget().deleteLater()
        ranked = sorted(probabilities.items(), key=lambda item: -item[1])[:CLASSES_SHOWN]
        for row, (name, value) in enumerate(ranked):
            bar = QProgressBar()
            bar.setRange(0, 1000)
            bar.setValue(round(value * 1000))
            bar.setFormat(f"{value:.1%}")
            self.bars.addWidget(QLabel(name), row, 0)
            self.bars.addWidget(bar, row, 1)

    def _failed(self, error: Exception) -> None:
        self.busy = False
        self.predict_button.setEnabled(True)
        self.status.setText(f"Prediction failed: {in_gui_words(str(error))}")


def rgb_pixmap(pixels: Any) -> QPixmap:
    """A pixmap of a ``(height, width, 3)`` uint8 array."""
    import numpy as np

    pixels = np.ascontiguousarray(pixels, dtype=np.uint8)
    height, width = pixels.shape[:2]
    image = QImage(pixels.data, width, height, 3 * width, QImage.Format.Format_RGB888)
    return QPixmap.fromImage(image.copy())
