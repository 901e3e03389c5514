"""The data view's "Data health" box: what the core's health check found, most serious first,
each finding with its fix button where the fix is a project setting (one undo step)."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from dlstudio.core.data.health import Finding, fix_applied, fix_edits
from dlstudio.core.data.health.findings import SEVERITY_WORDS
from dlstudio.core.project import paths as project_paths
from dlstudio.gui.data_session import DataSession
from dlstudio.gui.theme import is_dark

_COLOURS = {"critical": ("#dc2626", "#f87171"), "warning": ("#b45309", "#fbbf24"),
            "note": ("#2563eb", "#93c5fd")}
TOOLTIP_ITEMS = 20


def severity_colour(severity: str) -> str:
    """The colour of a severity's word and border, for the current theme."""
    light, dark = _COLOURS[severity]
    return dark if is_dark() else light


class FindingRow(QFrame):
    """One finding: severity and headline, the message, the fix button when there is one, and
    a "Show" link when the view can point at what it names (the panel connects both)."""

    def __init__(self, finding: Finding, can_show: bool = False,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.finding = finding
        colour = severity_colour(finding.severity)
        bar = QFrame()
        bar.setFixedWidth(3)
        bar.setStyleSheet(f"background: {colour}; border: none;")
        outer = QHBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.setSpacing(8)
        outer.addWidget(bar)
        layout = QVBoxLayout()
        layout.setContentsMargins(0, 2, 2, 4)
        layout.setSpacing(3)
        outer.addLayout(layout, 1)
        self.title = QLabel(f"<span style='color:{colour}'><b>"
                            f"{SEVERITY_WORDS[finding.severity]}</b></span> · "
                            f"<b>{escape(finding.title)}</b>")
        self.title.setWordWrap(True)
        self.message = QLabel(finding.message)
        self.message.setTextFormat(Qt.TextFormat.PlainText)
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.title)
        layout.addWidget(self.message)
        if finding.items:
            self.setToolTip(_items_tooltip(finding))
        self.fix_button: QPushButton | None = None
        self.show_button: QPushButton | None = None
        self.applied = QLabel("✓ Applied to the project")
        self.applied.setProperty("role", "ok")
        row = QHBoxLayout()
        if finding.fix is not None:
            self.fix_button = QPushButton(finding.fix.label)
            self.fix_button.setProperty("role", "fix")
            self.fix_button.setToolTip("Changes the project, not the data file (undo with "
                                       "Ctrl+Z)")
            row.addWidget(self.fix_button)
            row.addWidget(self.applied)
        if can_show and (finding.columns or table_rows(finding)):
            what = "column" if finding.columns else "rows"
            self.show_button = QPushButton(f"Show the {what}")
            self.show_button.setProperty("role", "link")
            self.show_button.setToolTip("Select them in the tables on the left")
            row.addWidget(self.show_button)
        if row.count():
            row.addStretch(1)
            layout.addLayout(row)
        self.applied.hide()

    def show_applied(self, applied: bool) -> None:
        """Show whether the project already has the fix (the button then rests)."""
        if self.fix_button is not None:
            self.fix_button.setVisible(not applied)
            self.applied.setVisible(applied)


def table_rows(finding: Finding) -> list[int]:
    """The rows of the main file a finding names, counted from 0 (``row 17`` → 16)."""
    return [int(item[4:]) - 1 for item in finding.items
            if item.startswith("row ") and item[4:].isdigit()]


def _items_tooltip(finding: Finding) -> str:
    items = list(finding.items[:TOOLTIP_ITEMS])
    more = finding.count - len(items)
    return "\n".join(items) + (f"\n… and {more} more" if more > 0 else "")


class HealthPanel(QGroupBox):
    """The data health report of the session's data.

    Args:
        session: The data session; its ``health`` is shown, its document takes the fixes.
        can_show: Offer "Show the rows/column" links (the view connects
            :attr:`showRequested`).

    Signals:
        showRequested(Finding): The person asked to see what a finding names.
    """

    showRequested = Signal(object)

    def __init__(self, session: DataSession, can_show: bool = False,
                 parent: QWidget | None = None) -> None:
        super().__init__("Data health", parent)
        self.can_show = can_show
        self.session = session
        self.document = session.document
        self.headline = QLabel()
        self.headline.setWordWrap(True)
        self.rows: list[FindingRow] = []
        self._rows_layout = QVBoxLayout()
        self._rows_layout.setSpacing(8)
        layout = QVBoxLayout(self)
        layout.addWidget(self.headline)
        layout.addLayout(self._rows_layout)
        session.healthChanged.connect(self._show)
        session.infoChanged.connect(self._show)
        session.sourceChanged.connect(self._show)
        self.document.changed.connect(self._on_document_changed)
        self._show()

    def _show(self) -> None:
        for row in self.rows:
            self._rows_layout.removeWidget(row)
            row.deleteLater()
        self.rows = []
        report = self.session.health
        self.setVisible(report is None or bool(report.checks))  # no checks for this data yet
        if report is None:
            self._show_headline(self._waiting_text(), "hint")
            return
        if not report.findings:
            self._show_headline(f"✓ No problems found ({len(report.checks)} checks: "
                                "duplicates, leakage, identifiers, balance …)", "ok")
        else:
            self._show_headline(f"{report.headline().capitalize()} — most serious first. "
                                "Hover a finding for the rows or files it names.", "")
        for finding in report.findings:
            row = FindingRow(finding, self.can_show)
            if row.fix_button is not None:
                row.fix_button.clicked.connect(lambda _checked=False, f=finding: self.apply(f))
            if row.show_button is not None:
                row.show_button.clicked.connect(
                    lambda _checked=False, f=finding: self.showRequested.emit(f))
            self._rows_layout.addWidget(row)
            self.rows.append(row)
        self._show_applied()

    def changeEvent(self, event: QEvent) -> None:  # Qt override
        """Redraw the findings in the new theme's severity colours."""
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange and self.rows:
            self._show()

    def _waiting_text(self) -> str:
        session = self.session
        if session.health_error:
            return f"⚠ {session.health_error}"
        if session.source_error or session.info_error:
            return "Checked once the data can be read as set (see the messages below)."
        if not self.document.project.data.path:
            return ""
        return "Checking the data…"

    def _show_headline(self, text: str, role: str) -> None:
        self.headline.setText(text)
        self.headline.setProperty("role", role)
        self.headline.style().unpolish(self.headline)
        self.headline.style().polish(self.headline)

    def apply(self, finding: Finding) -> None:
        """Apply a finding's fix to the project in one undo step."""
        if finding.fix is not None:
            project = self.document.project
            self.document.set_values(fix_edits(project, finding.fix), finding.fix.label)

    def _on_document_changed(self, path: str) -> None:
        if project_paths.affects(path, "training") or project_paths.affects(path, "data"):
            self._show_applied()

    def _show_applied(self) -> None:
        project = self.document.project
        for row in self.rows:
            if row.finding.fix is not None:
                row.show_applied(fix_applied(project, row.finding.fix))
