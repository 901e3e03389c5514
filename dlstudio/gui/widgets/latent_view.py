"""The Evaluate tab's "Latent space" page of a VAE.

The test samples' codes as a 2-D scatter (the first two dimensions, or the first two principal
components of a larger code), coloured by label when the data has labels; a grid of samples the
decoder makes from codes drawn from the prior; and an interpolation strip between two chosen
samples (their codes joined by a straight line, decoded step by step). Computed off the GUI
thread when the page is asked to.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from dlstudio.gui.background import prepare_keras, run_in_background
from dlstudio.gui.widgets.sample_images import ImageGrid
from dlstudio.gui.widgets.tables import fill_table, read_only_table, titled

PRIOR_SAMPLES = 36
COLOURS = [(31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189),
           (140, 86, 75), (227, 119, 194), (127, 127, 127), (188, 189, 34), (23, 190, 207)]


def latent_in_background(run_dir: str, seed: int = 0) -> dict[str, Any]:
    """Codes of the test samples, samples from the prior and the decoder for interpolations
    (off the GUI thread: it loads Keras)."""
    prepare_keras()
    from dlstudio.core.evaluation.reconstructions import ReconstructionRun, plane

    opened = ReconstructionRun(run_dir)
    found = opened.reconstructions()
    points, axes = plane(found.codes)
    prior = opened.prior_samples(PRIOR_SAMPLES, seed)
    return {"opened": opened, "kind": found.kind, "ids": found.sample_ids,
            "labels": found.labels, "codes": found.codes, "points": points, "axes": axes,
            "prior": prior if found.kind == "images" else opened.as_rows(prior)}


def interpolate_in_background(opened: Any, first: np.ndarray, second: np.ndarray) -> Any:
    """Decode the codes between two samples (off the GUI thread)."""
    strip = opened.interpolate(first, second)
    return strip if opened.dataset.kind == "images" else opened.as_rows(strip)


class LatentView(QWidget):
    """A VAE's latent scatter, prior samples and an interpolation strip."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.run_dir: Path | None = None
        self.found: dict[str, Any] | None = None
        self._computing: str | None = None  # the run being computed
        self.scatter = pg.PlotWidget()
        self.scatter.setBackground(None)
        self.legend = QLabel()  # under the plot: a legend inside it would hide points
        self.legend.setWordWrap(True)
        self.legend.setTextFormat(Qt.TextFormat.RichText)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setProperty("role", "hint")
        self.show_button = QPushButton("Show the latent space")
        self.show_button.clicked.connect(self.compute)
        self.prior = ImageGrid(6)
        self.prior_rows = read_only_table([])
        self.first = QComboBox()
        self.second = QComboBox()
        for combo in (self.first, self.second):
            combo.setToolTip("A test sample: the strip walks from the first to the second "
                             "through the latent space")
            combo.activated.connect(lambda _index: self.interpolate())
        self.strip = ImageGrid(8)
        self.strip_rows = read_only_table([])
        self._layout()

    def _layout(self) -> None:
        top = QHBoxLayout()
        top.addWidget(self.status, 1)
        top.addWidget(self.show_button)
        prior = QWidget()
        prior_layout = QVBoxLayout(prior)
        prior_layout.addWidget(self.prior)
        prior_layout.addWidget(self.prior_rows, 1)
        prior_layout.addStretch(0)
        upper = QSplitter(Qt.Orientation.Horizontal)
        codes = QWidget()
        codes_layout = QVBoxLayout(codes)
        codes_layout.setContentsMargins(0, 0, 0, 0)
        codes_layout.addWidget(self.scatter, 1)
        codes_layout.addWidget(self.legend)
        upper.addWidget(titled("Codes of the test samples", codes))
        upper.addWidget(titled("Samples drawn from the prior", _scrolled(prior)))
        upper.setSizes([520, 480])
        choose = QHBoxLayout()
        choose.addWidget(QLabel("From"))
        choose.addWidget(self.first, 1)
        choose.addWidget(QLabel("to"))
        choose.addWidget(self.second, 1)
        lower = QWidget()
        lower_layout = QVBoxLayout(lower)
        lower_layout.setContentsMargins(0, 0, 0, 0)
        heading = QLabel("Interpolation between two samples")
        heading.setProperty("role", "heading")
        lower_layout.addWidget(heading)
        lower_layout.addLayout(choose)
        lower_layout.addWidget(self.strip)
        lower_layout.addWidget(self.strip_rows, 1)
        outer = QSplitter(Qt.Orientation.Vertical)
        outer.addWidget(upper)
        outer.addWidget(lower)
        outer.setSizes([480, 200])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(outer, 1)
        self.prior_rows.setVisible(False)
        self.strip_rows.setVisible(False)

    def set_run(self, run_dir: Path | None) -> None:
        """Show the run ``run_dir`` (nothing computed until asked)."""
        self.run_dir = run_dir
        self.found = None
        self.scatter.clear()
        self.legend.clear()
        self.prior.set_samples([])
        self.strip.set_samples([])
        self.first.clear()
        self.second.clear()
        self.show_button.setEnabled(run_dir is not None)
        self.status.setText("Where the encoder puts each test sample, what the decoder makes "
                            "of random codes, and the way from one sample to another.")
        if run_dir is not None and self.isVisible():  # the page is open: show the new run
            self.compute()

    def showEvent(self, event: QShowEvent) -> None:  # Qt override
        """Compute the page the first time it is shown for a run: it takes a second (one
        pass over the test split), and an empty scatter behind a button read as broken."""
        super().showEvent(event)
        if self.run_dir is not None and self.found is None and self.show_button.isEnabled():
            self.compute()

    def compute(self) -> None:
        """Compute the page off the GUI thread."""
        if self.run_dir is None or self._computing == str(self.run_dir):
            return
        self.show_button.setEnabled(False)
        self.status.setText("Encoding the test samples… (the first time loads TensorFlow)")
        run_dir = self._computing = str(self.run_dir)
        run_in_background(lambda: latent_in_background(run_dir),
                          lambda found: self._computed(run_dir, found),
                          lambda error: self._computed(run_dir, None, error), receiver=self)

    def _computed(self, run_dir: str, found: dict[str, Any] | None,
                  error: Exception | None = None) -> None:
        """Show a computation's outcome if it is for the run shown now."""
        self._computing = None
        if self.run_dir is None or str(self.run_dir) != run_dir:
            self.show_button.setEnabled(self.run_dir is not None)
            return
        if found is None:
            self._failed(error)
        else:
            self.show_found(found)

    def show_found(self, found: dict[str, Any]) -> None:
        """Show what :func:`latent_in_background` computed."""
        self.found = found
        self.show_button.setEnabled(True)
        self.status.setText(f"{len(found['ids'])} test samples placed by their code's "
                            f"{found['axes']}" + (", coloured by label." if found["labels"]
                                                   else "."))
        self._draw_scatter()
        if found["kind"] == "images":
            self.prior.set_samples(list(found["prior"]))
        else:
            _fill_frame(self.prior_rows, found["prior"])
            self.prior_rows.setVisible(True)
        names = [f"{Path(name).name}" + (f" ({label})" if label else "")
                 for name, label in zip(found["ids"], found["labels"] or [""] * len(
                     found["ids"]), strict=True)]
        for combo in (self.first, self.second):
            combo.clear()
            combo.addItems(names)
        first, second = _far_apart(found["points"], found["labels"])
        self.first.setCurrentIndex(first)
        self.second.setCurrentIndex(second)
        self.interpolate()

    def _draw_scatter(self) -> None:
        self.scatter.clear()
        points, labels = self.found["points"], self.found["labels"]
        horizontal, vertical = axis_labels(self.found["axes"])
        self.scatter.setLabel("bottom", horizontal)
        self.scatter.setLabel("left", vertical)
        groups = sorted(set(labels)) if labels else [""]
        chips = []
        for number, group in enumerate(groups):
            chosen = [i for i in range(len(points)) if not labels or labels[i] == group]
            colour = COLOURS[number % len(COLOURS)]
            self.scatter.addItem(pg.ScatterPlotItem(
                points[chosen, 0], points[chosen, 1], size=7, pen=None,
                brush=pg.mkBrush(*colour, 200), name=group or "samples"))
            hex_colour = "#{:02x}{:02x}{:02x}".format(*colour[:3])
            chips.append(f'<span style="color:{hex_colour}">●</span>&nbsp;{group}')
        self.legend.setText("Label: " + " &nbsp; ".join(chips) if labels else "")

    def interpolate(self) -> None:
        """Decode the way between the two chosen samples (off the GUI thread)."""
        if self.found is None or self.first.currentIndex() < 0:
            return
        codes = self.found["codes"]
        first, second = codes[self.first.currentIndex()], codes[self.second.currentIndex()]
        opened = self.found["opened"]
        run_in_background(lambda: interpolate_in_background(opened, first, second),
                          self._show_strip, self._failed, receiver=self)

    def _show_strip(self, strip: Any) -> None:
        if self.found is not None and self.found["kind"] == "images":
            self.strip.set_samples(list(strip))
        else:
            _fill_frame(self.strip_rows, strip)
            self.strip_rows.setVisible(True)

    def _failed(self, error: Exception | None) -> None:
        self.show_button.setEnabled(True)
        self.status.setText(f"The latent space could not be computed: {error}")


def axis_labels(axes: str) -> tuple[str, str]:
    """The scatter's two axis titles from the core's words for them (``dimensions 1 and 2``
    → ``dimension 1``, ``dimension 2``)."""
    if axes.startswith("dimensions"):
        return "dimension 1", "dimension 2"
    if "principal" in axes:
        return "principal component 1", "principal component 2"
    return axes or "code", ""


def _far_apart(points: np.ndarray, labels: list[str]) -> tuple[int, int]:
    """Two samples to interpolate between: of two labels when there are labels, far apart."""
    if len(points) < 2:
        return 0, 0
    first = 0
    others = [i for i in range(len(points)) if not labels or labels[i] != labels[first]]
    distances = np.linalg.norm(points[others] - points[first], axis=1)
    return first, int(others[int(np.argmax(distances))]) if others else 1


def _fill_frame(table: Any, frame: Any) -> None:
    table.setColumnCount(len(frame.columns))
    table.setHorizontalHeaderLabels([str(column) for column in frame.columns])
    fill_table(table, [[f"{value:.4g}" if isinstance(value, float) else str(value)
                        for value in row] for row in frame.itertuples(index=False)])


def _scrolled(widget: QWidget) -> QScrollArea:
    scroll = QScrollArea()
    scroll.setWidgetResizable(True)
    scroll.setWidget(widget)
    return scroll
