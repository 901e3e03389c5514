"""Icons, style sheets and the light and dark themes (Qt's Fusion style plus a palette)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from PySide6.QtGui import QColor, QGuiApplication, QIcon, QPalette
from PySide6.QtWidgets import QApplication

RESOURCES = Path(__file__).resolve().parent.parent / "resources"
THEMES = ("light", "dark")

_LIGHT = {
    QPalette.ColorRole.Window: "#f8fafc",
    QPalette.ColorRole.WindowText: "#0f172a",
    QPalette.ColorRole.Base: "#ffffff",
    QPalette.ColorRole.AlternateBase: "#f8fafc",
    QPalette.ColorRole.Text: "#0f172a",
    QPalette.ColorRole.Button: "#f1f5f9",
    QPalette.ColorRole.ButtonText: "#0f172a",
    QPalette.ColorRole.Highlight: "#2563eb",
    QPalette.ColorRole.HighlightedText: "#ffffff",
    QPalette.ColorRole.ToolTipBase: "#0f172a",
    QPalette.ColorRole.ToolTipText: "#f8fafc",
    QPalette.ColorRole.PlaceholderText: "#94a3b8",
    QPalette.ColorRole.Link: "#2563eb",
}
_DARK = {
    QPalette.ColorRole.Window: "#0f172a",
    QPalette.ColorRole.WindowText: "#e2e8f0",
    QPalette.ColorRole.Base: "#111827",
    QPalette.ColorRole.AlternateBase: "#1e293b",
    QPalette.ColorRole.Text: "#e2e8f0",
    QPalette.ColorRole.Button: "#1e293b",
    QPalette.ColorRole.ButtonText: "#e2e8f0",
    QPalette.ColorRole.Highlight: "#3b82f6",
    QPalette.ColorRole.HighlightedText: "#ffffff",
    QPalette.ColorRole.ToolTipBase: "#f8fafc",
    QPalette.ColorRole.ToolTipText: "#0f172a",
    QPalette.ColorRole.PlaceholderText: "#64748b",
    QPalette.ColorRole.Link: "#93c5fd",
}


@cache
def icon(name: str) -> QIcon:
    """Return the icon ``resources/icons/<name>.svg`` (an empty icon when there is none)."""
    path = RESOURCES / "icons" / f"{name}.svg"
    return QIcon(str(path)) if path.exists() else QIcon()


def layer_icon(icon_name: str, category: str) -> QIcon:
    """Return a layer type's own icon, or its category's icon when it has none."""
    own = icon(icon_name) if icon_name else QIcon()
    return own if not own.isNull() else icon(f"category-{category.lower()}")


def apply_theme(app: QApplication, name: str) -> None:
    """Switch ``app`` to the ``light`` or ``dark`` theme (Fusion, palette, style sheet)."""
    if name not in THEMES:
        raise ValueError(f"unknown theme {name!r}; expected one of {', '.join(THEMES)}")
    app.setStyle("Fusion")
    palette = QPalette()
    for role, colour in (_DARK if name == "dark" else _LIGHT).items():
        palette.setColor(role, QColor(colour))
    disabled = QColor("#64748b" if name == "dark" else "#94a3b8")
    for role in (QPalette.ColorRole.Text, QPalette.ColorRole.WindowText,
                 QPalette.ColorRole.ButtonText):
        palette.setColor(QPalette.ColorGroup.Disabled, role, disabled)
    app.setPalette(palette)
    app.setStyleSheet((RESOURCES / "style" / f"{name}.qss").read_text(encoding="utf-8"))
    app.setProperty("dlstudio_theme", name)


def is_dark() -> bool:
    """Whether the running application uses a dark palette."""
    app = QGuiApplication.instance()
    return bool(app) and app.palette().color(QPalette.ColorRole.Window).lightness() < 128


def problem_background() -> QColor:
    """Return the background colour of a row or field with a problem, for the current theme."""
    return QColor("#4c1d1d") if is_dark() else QColor("#fee2e2")


def problem_foreground() -> QColor:
    """Return the text colour of a problem message, for the current theme."""
    return QColor("#fca5a5") if is_dark() else QColor("#b91c1c")


def muted_foreground() -> QColor:
    """Return the colour of secondary text, for the current theme."""
    return QColor("#94a3b8") if is_dark() else QColor("#64748b")
