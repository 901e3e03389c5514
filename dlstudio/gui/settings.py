"""What the app remembers between sessions (QSettings) and where the bundled examples are.

The organisation and application names set in :func:`dlstudio.gui.app.run_app` pick the
settings file; tests point QSettings at a temporary folder with ``QSettings.setPath``.
"""

from __future__ import annotations

import json
from pathlib import Path

from PySide6.QtCore import QSettings

ORGANIZATION = "dlstudio"
APPLICATION = "dlstudio"
MAX_RECENT = 8
EXAMPLES_DIR = Path(__file__).resolve().parents[2] / "examples"


def settings() -> QSettings:
    """Return the app's settings store."""
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORGANIZATION,
                     APPLICATION)


def recent_files() -> list[str]:
    """Return the recent project files that still exist, most recent first."""
    stored = settings().value("recent_files", [])
    paths = [stored] if isinstance(stored, str) else list(stored or [])
    return [path for path in paths if Path(path).is_file()][:MAX_RECENT]


def remember_recent(path: Path) -> list[str]:
    """Put ``path`` first in the recent files and return the new list."""
    text = str(Path(path).resolve())
    paths = [text] + [p for p in recent_files() if p != text]
    settings().setValue("recent_files", paths[:MAX_RECENT])
    return paths[:MAX_RECENT]


def last_folder(fallback: Path | None = None) -> str:
    """The folder of the last file or folder chosen in any file dialog (``fallback``, else the
    home folder, when there is none or it is gone)."""
    stored = settings().value("dialogs/last_folder", "")
    if isinstance(stored, str) and stored and Path(stored).is_dir():
        return stored
    return str(fallback if fallback is not None and fallback.is_dir() else Path.home())


def remember_folder(chosen: str | Path) -> None:
    """Remember the folder that holds ``chosen`` (a file, or a folder picked as such), for the
    next file dialog; an empty choice (a cancelled dialog) changes nothing."""
    if chosen:
        settings().setValue("dialogs/last_folder", str(Path(chosen).resolve().parent))


def examples(folder: Path | None = None) -> list[tuple[str, str, str]]:
    """Return ``(title, description, path)`` of each example project under ``folder``
    (default :data:`EXAMPLES_DIR`)."""
    found = []
    for path in sorted((folder or EXAMPLES_DIR).glob("*.dlstudio.json")):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        kind = data.get("data", {}).get("kind", "csv")
        source = "image folder" if kind == "images" else "CSV table"
        task = data.get("data", {}).get("task", "auto")
        description = f"{source} · {task}" if task != "auto" else source
        found.append((str(data.get("name") or path.stem), description, str(path)))
    return found
