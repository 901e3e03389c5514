"""The Evaluate tab's page for a GAN run: what the discriminator makes of the real test images,
and the samples the generator made at the end of training (the run's last sample grid)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QPixmap
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from dlstudio.core.tasks import get_task
from dlstudio.core.training.sample_grid import LATEST, SAMPLES_FOLDER

GRID_PIXELS = 420


class GanResultView(QWidget):
    """The discriminator's scores on the test images beside the run's last sample grid."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.report = QLabel()
        self.report.setFont(QFont("monospace"))
        self.report.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.caption = QLabel()
        self.caption.setWordWrap(True)
        self.grid = QLabel()
        self.grid.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        layout = QVBoxLayout(self)
        layout.addWidget(self.report)
        layout.addWidget(self.caption)
        layout.addWidget(self.grid, 1)

    def set_result(self, result: dict[str, Any], run_dir: Path | None) -> None:
        """Show ``result`` (a GAN run's ``evaluation.json``) and the run's last grid."""
        self.report.setText("\n".join(get_task("gan").report_lines(result)))
        grid = Path(run_dir) / SAMPLES_FOLDER / LATEST if run_dir is not None else None
        pixmap = QPixmap(str(grid)) if grid is not None and grid.is_file() else QPixmap()
        if pixmap.isNull():
            self.caption.setText("The run has no sample grid.")
            self.grid.clear()
            return
        self.caption.setText("Samples from the generator at the end of training (the same "
                             "noise as the live grid); `dlstudio generate` draws more.")
        self.grid.setPixmap(pixmap.scaled(GRID_PIXELS, GRID_PIXELS,
                                          Qt.AspectRatioMode.KeepAspectRatio,
                                          Qt.TransformationMode.FastTransformation))
