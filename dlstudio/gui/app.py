"""Starting the desktop app: ``dlstudio [PROJECT]`` ends up in :func:`run_app`."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from PySide6.QtWidgets import QApplication

from dlstudio.gui import settings as app_settings
from dlstudio.gui.main_window import MainWindow
from dlstudio.gui.theme import THEMES, apply_theme, icon


def create_application() -> QApplication:
    """Return the QApplication, created with the app's names, icon and saved theme."""
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        app = QApplication(sys.argv[:1])
    app.setOrganizationName(app_settings.ORGANIZATION)
    app.setApplicationName(app_settings.APPLICATION)
    app.setApplicationDisplayName("dlstudio")
    app.setWindowIcon(icon("app"))
    theme = app_settings.settings().value("appearance/theme", "light")
    apply_theme(app, theme if theme in THEMES else "light")
    return app


def open_in(window: MainWindow, path: str) -> None:
    """Open ``path`` in ``window``: a project file, or a CSV file or image folder to start from."""
    target = Path(path)
    if target.is_dir() or target.suffix.lower() in (".csv", ".tsv", ".txt"):
        window.start_from_data(str(target))
    else:
        window.open_path(str(target))


def run_app(project_path: str | None = None) -> int:
    """Show the main window (on ``project_path`` when given) and run until it closes.

    Returns:
        The exit status (0 on a normal close).
    """
    app = create_application()
    window = MainWindow()
    window.show()
    if project_path:
        open_in(window, project_path)
    status = app.exec()
    exit_now(window, status)
    return status  # not reached


def exit_now(window: MainWindow, status: int) -> None:
    """End the process as soon as the window has closed.

    By then everything is saved: the project (or the person chose not to), the settings, and
    any run the window was closed during (its worker reported that it stopped). What would
    otherwise keep the process alive for seconds — a worker still tearing TensorFlow down,
    background work such as shape inference finishing in the GUI's helper thread, TensorFlow's
    own exit handlers — has nothing left to save, so a worker still running is ended and the
    process leaves without waiting for the rest.
    """
    window.training_tabs.end_worker()
    app_settings.settings().sync()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)
