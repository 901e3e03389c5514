"""A page of the Evaluate tab that shows one JSON result of a run, computed on demand.

:class:`RunResultPage` reads ``<run>/<result_file>`` when it exists and draws it; otherwise it
invites the person to compute it, and computes it off the GUI thread (through
:func:`dlstudio.gui.background.run_in_background`). Subclasses say which file, which texts and
how to draw the result: the column importance and robustness pages are two of them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyqtgraph as pg
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from dlstudio.core.project.wording import in_gui_words
from dlstudio.gui.background import run_in_background


class RunResultPage(QWidget):
    """A status line, a compute button and a plot for one run's result file.

    Class attributes set by subclasses:
        result_file: The file name inside the run folder.
        plot_title: The plot's title.
        button_text, button_tip: The compute button before the first result, and its tooltip.
        busy_text, again_text: The button while computing and once a result is shown.
        invitation: The status line when the run has no result yet.
        working_text: The status line while computing.
        failure_text: The start of the status line when computing failed.
    """

    result_file = ""
    plot_title = ""
    button_text = button_tip = busy_text = again_text = ""
    invitation = working_text = failure_text = ""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.run_dir: Path | None = None
        self.result: dict[str, Any] | None = None
        self.busy = False
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setProperty("role", "hint")
        self.compute_button = QPushButton(self.button_text)
        self.compute_button.setToolTip(self.button_tip)
        self.compute_button.clicked.connect(self.compute)
        self.plot = pg.PlotWidget(title=self.plot_title)
        self.plot.setBackground(None)
        self.plot.setMouseEnabled(False, False)
        top = QHBoxLayout()
        top.addWidget(self.status, 1)
        top.addWidget(self.compute_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.plot, 1)

    @staticmethod
    def compute_result(run_dir: str) -> dict[str, Any]:
        """Compute and write the result of ``run_dir`` (runs off the GUI thread)."""
        raise NotImplementedError

    def show_result(self, result: dict[str, Any]) -> None:
        """Draw ``result``, the contents of the result file."""
        raise NotImplementedError

    def set_run(self, run_dir: Path | None) -> None:
        """Show ``run_dir``'s result file, or offer to compute it."""
        self.run_dir, self.result = run_dir, None
        self.plot.clear()
        path = run_dir / self.result_file if run_dir else None
        if path is not None and path.is_file():
            try:
                self.show_result(json.loads(path.read_text(encoding="utf-8")))
                return
            except (OSError, ValueError, KeyError, TypeError) as error:
                self.status.setText(f"{path.name} cannot be read ({error}); "
                                    f"press “{self.button_text}” again.")
        else:
            self.status.setText(self.invitation)
        self._update_button()

    def compute(self) -> None:
        """Compute the result off the GUI thread."""
        if self.run_dir is None or self.busy:
            return
        self.busy = True
        self._update_button()
        self.status.setText(self.working_text)
        run_dir, compute_result = str(self.run_dir), self.compute_result
        run_in_background(lambda: compute_result(run_dir),
                          lambda result: self._computed(run_dir, result),
                          lambda error: self._failed(run_dir, error), receiver=self)

    def _computed(self, run_dir: str, result: dict[str, Any]) -> None:
        self.busy = False
        if self.run_dir is not None and str(self.run_dir) == run_dir:
            self.show_result(result)
        self._update_button()

    def _failed(self, run_dir: str, error: Exception) -> None:
        self.busy = False
        self._update_button()
        if self.run_dir is not None and str(self.run_dir) == run_dir:
            self.status.setText(f"{self.failure_text}: {in_gui_words(str(error))}")

    def _update_button(self) -> None:
        self.compute_button.setEnabled(self.run_dir is not None and not self.busy)
        self.compute_button.setText(self.busy_text if self.busy else self.again_text
                                    if self.result else self.button_text)
