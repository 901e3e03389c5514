"""Fixtures of the GUI tests: isolated settings, tiny data made here, a main window."""

from __future__ import annotations

import gc
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QDialog, QMessageBox

from dlstudio.core.project.project import (
    ColumnSpec,
    DataSpec,
    LayerSpec,
    ModelSpec,
    Project,
    save_project,
)
from dlstudio.gui.background import wait_for_background


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path_factory):
    """Point QSettings at a fresh folder, and let background work end before the next test."""
    folder = tmp_path_factory.mktemp("settings")
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(folder))
    yield folder
    wait_for_background(30)
    gc.collect()  # free this test's Qt objects here, on the GUI thread


def write_csv(path: Path, rows: int = 40) -> Path:
    """A small table: two numbers, a category, and a three-class target."""
    rng = np.random.default_rng(0)
    lines = ["size,weight,colour,kind"]
    for row in range(rows):
        lines.append(f"{rng.normal(5, 1):.2f},{rng.normal(50, 9):.1f},"
                     f"{['red', 'green', 'blue'][row % 3]},{['a', 'b', 'c'][row % 3]}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def csv_path(tmp_path) -> Path:
    return write_csv(tmp_path / "table.csv")


@pytest.fixture
def csv_project(tmp_path, csv_path) -> Path:
    """A saved project on the small table: Dense, Dropout, Dense."""
    project = Project(
        name="Tiny table",
        data=DataSpec(kind="csv", path=str(csv_path), target="kind",
                      columns=[ColumnSpec("size"), ColumnSpec("weight"),
                               ColumnSpec("colour", kind="categorical"),
                               ColumnSpec("kind", role="target", kind="categorical")]),
        model=ModelSpec(layers=[LayerSpec.of("Dense", units=8), LayerSpec.of("Dropout"),
                                LayerSpec.of("Dense", units=4)]),
    )
    return save_project(project, tmp_path / "tiny.dlstudio.json")


@pytest.fixture
def image_folder(tmp_path) -> Path:
    """Two classes of six 12x12 images, and one file that is not an image."""
    rng = np.random.default_rng(1)
    root = tmp_path / "images"
    for name in ("cat", "dog"):
        (root / name).mkdir(parents=True)
        for number in range(6):
            pixels = rng.integers(0, 255, (12, 12, 3), dtype=np.uint8)
            Image.fromarray(pixels).save(root / name / f"{number}.png")
    (root / "dog" / "broken.png").write_bytes(b"not a png")
    return root


@pytest.fixture
def window(qtbot, monkeypatch):
    """A main window; closing it at the end discards unsaved changes without asking, and a
    new CSV project takes the suggested target."""
    from dlstudio.gui.main_window import MainWindow
    from dlstudio.gui.widgets.target_dialog import TargetDialog

    monkeypatch.setattr(QMessageBox, "question",
                        lambda *args, **kwargs: QMessageBox.StandardButton.Discard)
    # A new CSV project asks for its target: take the suggestion (tests that care replace it).
    monkeypatch.setattr(TargetDialog, "exec", lambda self: QDialog.DialogCode.Accepted)
    main = MainWindow()
    qtbot.addWidget(main)
    main.resize(1280, 800)
    return main


@pytest.fixture
def wait_for_info(qtbot):
    """Return a function that waits until a data session knows the data (or failed to)."""
    def wait(session, timeout: int = 20_000) -> None:
        qtbot.waitUntil(lambda: session.info is not None or session.info_error is not None,
                        timeout=timeout)

    return wait


@pytest.fixture
def wait_for_report(qtbot):
    """Return a function that waits until shape inference has an up-to-date report."""
    def wait(inference, timeout: int = 60_000) -> None:
        qtbot.waitUntil(lambda: not inference.is_busy() and (
            inference.report is not None or inference.error is not None), timeout=timeout)

    return wait
