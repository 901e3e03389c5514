"""Starting the desktop app: ``dlstudio [PROJECT]`` ends up in :func:`run_app`."""

from __future__ import annotations

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
    return app.exec()
