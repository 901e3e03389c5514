"""The data view of an image folder: classes, thumbnails, skipped files, image settings and
augmentation with a live preview."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from PIL import Image
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from dlstudio.core.model.catalog import ParamSpec
from dlstudio.core.project import paths as project_paths
from dlstudio.core.project import project as project_module
from dlstudio.gui.background import run_in_background
from dlstudio.gui.data_session import DataSession
from dlstudio.gui.widgets.augmentation_preview import AugmentationPreview, to_pixmap
from dlstudio.gui.widgets.health_panel import HealthPanel
from dlstudio.gui.widgets.normal_classes_field import NormalClassesField, detects_anomalies
from dlstudio.gui.widgets.split_editor import SplitEditor
from dlstudio.gui.widgets.tables import fill_table, read_only_table, titled
from dlstudio.gui.widgets.value_editors import ParamField

if TYPE_CHECKING:
    from dlstudio.core.data.image_scan import ImageFolderScan

THUMBNAILS_PER_CLASS = 40
THUMBNAIL_SIZE = 72
PREVIEW_SOURCES = 8

IMAGE_SETTINGS = (
    ("Height", ParamSpec("image_size[0]", "int", 64, "Images are resized to this height "
                         "inside the model.", minimum=8, maximum=4096)),
    ("Width", ParamSpec("image_size[1]", "int", 64, "…and to this width.", minimum=8,
                        maximum=4096)),
    ("Colour", ParamSpec("color_mode", "choice", "rgb", "rgb: three channels; grayscale: one "
                         "(smaller, for shapes and digits).", choices=project_module.COLOR_MODES)),
)
AUGMENTATION_SETTINGS = (
    ("Flip", ParamSpec("flip", "choice", "none", "Mirror images at random.",
                       choices=project_module.FLIP_MODES)),
    ("Rotation", ParamSpec("rotation", "float", 0.0, "Largest turn, as a fraction of a full "
                           "turn (0.1 = 36°).", minimum=0.0, maximum=1.0)),
    ("Zoom", ParamSpec("zoom", "float", 0.0, "Largest zoom in or out (0.2 = 20%).", minimum=0.0,
                       maximum=0.9)),
    ("Shift", ParamSpec("translation", "float", 0.0, "Largest shift, as a fraction of the "
                        "size.", minimum=0.0, maximum=0.9)),
    ("Contrast", ParamSpec("contrast", "float", 0.0, "Largest contrast change (0.2 = ±20%).",
                           minimum=0.0, maximum=1.0)),
)


@dataclass
class SampleImages:
    """Thumbnails and facts read from a few images of each class.

    Attributes:
        thumbnails: Per class, ``(relative path, small image)`` pairs.
        previews: A few images (one per class first) for the augmentation preview.
        sizes: How often each ``width×height`` occurs among the images read.
        modes: How often each Pillow colour mode occurs.
    """

    thumbnails: dict[str, list[tuple[str, Image.Image]]] = field(default_factory=dict)
    previews: list[Image.Image] = field(default_factory=list)
    sizes: Counter = field(default_factory=Counter)
    modes: Counter = field(default_factory=Counter)


def read_samples(scan: ImageFolderScan) -> SampleImages:
    """Read up to :data:`THUMBNAILS_PER_CLASS` images per class (runs off the GUI thread)."""
    samples = SampleImages()
    for class_name in scan.class_names:
        files = [f for f in scan.files if f.class_name == class_name][:THUMBNAILS_PER_CLASS]
        samples.thumbnails[class_name] = []
        for number, image_file in enumerate(files):
            with Image.open(scan.root / image_file.path) as image:
                samples.sizes[f"{image.width}×{image.height}"] += 1
                samples.modes[image.mode] += 1
                if number < 2:
                    samples.previews.append(image.convert("RGB").resize((128, 128)))
                samples.thumbnails[class_name].append((image_file.path, _thumbnail(image)))
    samples.previews = samples.previews[::2] + samples.previews[1::2]
    samples.previews = samples.previews[:PREVIEW_SOURCES]
    return samples


def _thumbnail(image: Image.Image) -> Image.Image:
    """Return ``image`` scaled (up or down) to fit a square of :data:`THUMBNAIL_SIZE`."""
    scale = THUMBNAIL_SIZE / max(image.width, image.height)
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    resample = Image.Resampling.NEAREST if scale > 2 else Image.Resampling.BILINEAR
    return image.convert("RGB").resize(size, resample)


class ImageDataView(QWidget):
    """Everything about an image folder, with its settings editable.

    Args:
        session: The data session (the document is ``session.document``).
    """

    def __init__(self, session: DataSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.document = session.document
        self.samples = SampleImages()
        self.classes = read_only_table(("Class", "Images"), stretch_column=0)
        self.skipped = read_only_table(("Skipped file", "Why"), stretch_column=0)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.class_picker = QComboBox()
        self.class_picker.setToolTip("The class whose images are shown")
        self.thumbnails = QListWidget()
        self.thumbnails.setViewMode(QListWidget.ViewMode.IconMode)
        self.thumbnails.setIconSize(QSize(THUMBNAIL_SIZE, THUMBNAIL_SIZE))
        self.thumbnails.setResizeMode(QListWidget.ResizeMode.Adjust)
        self.thumbnails.setMovement(QListWidget.Movement.Static)
        self.thumbnails.setSpacing(4)
        self.preview = AugmentationPreview()
        self.health = HealthPanel(session)
        self.fields: dict[str, ParamField] = {}
        self._layout()
        session.sourceChanged.connect(self._on_source)
        session.infoChanged.connect(self._show_summary)
        self.document.changed.connect(self._on_document_changed)
        self.class_picker.currentTextChanged.connect(self._show_thumbnails)
        self._on_source()

    def _layout(self) -> None:
        left = QSplitter(Qt.Orientation.Vertical)
        left.addWidget(titled("Classes", self.classes))
        left.addWidget(titled("Skipped files", self.skipped))
        middle = QWidget()
        middle_layout = QVBoxLayout(middle)
        middle_layout.setContentsMargins(0, 0, 0, 0)
        heading = QLabel("Samples")
        heading.setProperty("role", "heading")
        middle_layout.addWidget(heading)
        middle_layout.addWidget(self.class_picker)
        middle_layout.addWidget(self.thumbnails, 1)
        middle_layout.addWidget(self.summary)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.addWidget(self.health)
        right_layout.addWidget(self._settings_group("Images", IMAGE_SETTINGS, "data"))
        self.anomaly_box = QGroupBox("Anomaly detection")
        self.normal_classes = NormalClassesField(self.document)
        QFormLayout(self.anomaly_box).addRow("Normal classes", self.normal_classes)
        self.anomaly_box.setVisible(detects_anomalies(self.document.project.data.task))
        right_layout.addWidget(self.anomaly_box)
        augmentation = self._settings_group("Augmentation (training only)",
                                            AUGMENTATION_SETTINGS, "data.augmentation")
        augmentation.layout().addRow(self.preview)
        right_layout.addWidget(augmentation)
        right_layout.addWidget(SplitEditor(self.session))
        right_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        scroll.setWidget(right)
        scroll.setMinimumWidth(470)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        for widget in (left, middle, scroll):
            splitter.addWidget(widget)
        splitter.setSizes([260, 420, 480])
        self.splitter = splitter
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addWidget(splitter)

    def _settings_group(self, title: str, settings: tuple[tuple[str, ParamSpec], ...],
                        prefix: str) -> QGroupBox:
        box = QGroupBox(title)
        form = QFormLayout(box)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        for label, spec in settings:
            path = f"{prefix}.{spec.name}"
            param_field = ParamField(spec)
            param_field.editor.committed.connect(
                lambda value, p=path, text=label: self.document.set_value(p, value,
                                                                          f"Set {text.lower()}"))
            form.addRow(label, param_field)
            self.fields[path] = param_field
        return box

    def _on_source(self) -> None:
        scan = self.session.source.scan
        self.samples = SampleImages()
        self._fill_tables(scan)
        self.class_picker.blockSignals(True)
        self.class_picker.clear()
        self.class_picker.addItems(scan.class_names if scan else [])
        self.class_picker.blockSignals(False)
        self._show_thumbnails()
        self._show_settings()
        self._show_summary()
        if scan is not None:
            run_in_background(lambda: read_samples(scan),
                              lambda samples: self._samples_read(scan, samples),
                              self._samples_failed, receiver=self)

    def _samples_read(self, scan: ImageFolderScan, samples: SampleImages) -> None:
        if scan is self.session.source.scan:
            self.samples = samples
            self._show_thumbnails()
            self._show_summary()
            self._show_preview()

    def _samples_failed(self, error: Exception) -> None:
        self.summary.setText(f"<span style='color:#dc2626'>⚠ Could not read the sample images: "
                             f"{error}</span>")

    def _fill_tables(self, scan: ImageFolderScan | None) -> None:
        counts = scan.class_counts() if scan else {}
        fill_table(self.classes, [(name, f"{count:,}") for name, count in counts.items()],
                   numeric_columns=(1,))
        skipped = [(entry.path, entry.reason) for entry in (scan.skipped if scan else [])]
        if scan is not None and not skipped:
            skipped = [("none", "every image file could be read")]
        fill_table(self.skipped, skipped)

    def _show_thumbnails(self) -> None:
        self.thumbnails.clear()
        for path, image in self.samples.thumbnails.get(self.class_picker.currentText(), []):
            item = QListWidgetItem(QIcon(to_pixmap(image)), "")
            item.setToolTip(path)
            self.thumbnails.addItem(item)

    def _show_summary(self) -> None:
        scan = self.session.source.scan
        if scan is None:
            problem = self.session.source_error
            self.summary.setText(f"<span style='color:#dc2626'>⚠ {problem}</span>" if problem
                                 else "Reading the folder…")
            return
        sizes = ", ".join(f"{size} ({n})" for size, n in self.samples.sizes.most_common(3))
        modes = ", ".join(f"{mode} ({n})" for mode, n in self.samples.modes.most_common(3))
        self.normal_classes.set_classes(scan.class_names)
        lines = [f"<b>{len(scan.files):,}</b> images in <b>{len(scan.class_names)}</b> classes"
                 + (" (split given by the folders)" if scan.predefined_split else "")]
        if sizes:
            lines.append(f"Sizes read: {sizes}<br>Colour modes: {modes}")
        lines += [f"• {warning}" for warning in scan.warnings]
        self.summary.setText("<br>".join(lines))

    def _on_document_changed(self, path: str) -> None:
        if project_paths.affects(path, "data"):
            self.anomaly_box.setVisible(detects_anomalies(self.document.project.data.task))
            self._show_settings()
            self._show_preview()

    def _show_settings(self) -> None:
        for path, param_field in self.fields.items():
            param_field.editor.set_value(self.document.value(path))

    def _show_preview(self) -> None:
        self.preview.show_augmented(self.samples.previews,
                                    self.document.project.data.augmentation)
