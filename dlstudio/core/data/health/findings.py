"""What a data health check finds, in one form for the GUI, ``dlstudio info`` and ``--json``.

A :class:`Finding` says what is wrong in plain words and how to fix it, names what it touches
(rows or image files, columns) and, where the fix is a project setting, carries it as a
:class:`Fix` that :func:`fix_edits` turns into project edits. A fix never changes the data
files: it changes how the project reads them (ignore a column, weigh the classes).
"""

from __future__ import annotations

import copy
import textwrap
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from dlstudio.core.project.project import ColumnSpec

if TYPE_CHECKING:
    from dlstudio.core.project.project import Project

SEVERITIES = ("critical", "warning", "note")
"""``critical``: the scores cannot be trusted (the same sample in training and test, a column
that gives the answer away); ``warning``: training will likely be worse than it could be;
``note``: worth knowing. No finding stops training."""
SEVERITY_WORDS = {"critical": "Critical", "warning": "Warning", "note": "Note"}
TEXT_WIDTH = 100
"""``dlstudio info`` wraps a finding's message at this many characters."""
MAX_ITEMS = 50
"""At most this many affected rows or files are listed per finding (``count`` has them all)."""


@dataclass(frozen=True)
class Fix:
    """A change to the project (never to the data) that removes a finding.

    Attributes:
        label: The button's text (``Ignore column 'customer_no'``).
        settings: Project paths and the values to give them (``training.class_weights``:
            ``balanced``).
        ignore_columns: CSV columns to read with role ``ignored``, each with its kind.
    """

    label: str
    settings: Mapping[str, Any] = field(default_factory=dict)
    ignore_columns: Mapping[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """Return the fix as JSON-ready data."""
        return {"label": self.label, "settings": dict(self.settings),
                "ignore_columns": sorted(self.ignore_columns)}

    @classmethod
    def from_json(cls, data: Any) -> Fix:
        """Read a fix written by :meth:`to_json` (the training doctor's ``message`` events
        carry fixes so). A column ignored by a fix read back is added, when the project does
        not list it, as ``categorical`` (an ignored column's kind is never used).

        Raises:
            ValueError: ``data`` is not such a dict; the message says which part is wrong.
        """
        from dlstudio.core.project import paths as project_paths

        if not isinstance(data, dict) or not {"label", "settings"} <= set(data):
            raise ValueError(f"a fix is an object with 'label' and 'settings', got {data!r}")
        label, settings = data["label"], data["settings"]
        ignored = data.get("ignore_columns", [])
        if not isinstance(label, str) or not label:
            raise ValueError(f"a fix's label must be a non-empty string, got {label!r}")
        if not isinstance(settings, dict) or not isinstance(ignored, list) or not (
                settings or ignored):
            raise ValueError(f"a fix sets values or ignores columns, got {data!r}")
        for path, value in settings.items():
            project_paths.parse(path)  # raises ValueError on a bad path
            if not isinstance(value, bool | int | float | str):
                raise ValueError(f"a fix sets plain values; {path} got {value!r}")
        return cls(label, dict(settings), {str(name): "categorical" for name in ignored})

    def describe(self) -> str:
        """Return the change in a project's terms (``set training.class_weights to
        balanced``), for the command line."""
        parts = [f"set {path} to {str(value).lower() if isinstance(value, bool) else value}"
                 for path, value in self.settings.items()]
        parts += [f"set the role of column '{name}' to ignored" for name in self.ignore_columns]
        return "; ".join(parts)


@dataclass(frozen=True)
class Finding:
    """One thing a health check found.

    Attributes:
        check: Which check found it (``duplicate_rows``, ``id_column``, …), stable for tools.
        severity: One of :data:`SEVERITIES`.
        title: A short headline (``12 rows repeat another row``).
        message: What is wrong, why it matters and how to fix it, in plain words.
        items: The affected rows (``row 17``, ``test.csv row 3``) or image files (paths
            relative to the folder), at most :data:`MAX_ITEMS`.
        count: How many rows or files are affected in all (``items`` may be cut short).
        columns: The affected CSV columns.
        fix: The project change that removes it, when there is one.
    """

    check: str
    severity: str
    title: str
    message: str
    items: tuple[str, ...] = ()
    count: int = 0
    columns: tuple[str, ...] = ()
    fix: Fix | None = None

    def to_json(self) -> dict[str, Any]:
        """Return the finding as JSON-ready data."""
        return {"check": self.check, "severity": self.severity, "title": self.title,
                "message": self.message, "items": list(self.items), "count": self.count,
                "columns": list(self.columns),
                "fix": None if self.fix is None else self.fix.to_json()}


@dataclass
class HealthReport:
    """Every finding of a data source, most serious first.

    Attributes:
        findings: What the checks found, by severity then in check order.
        checks: The checks that ran (a check that found nothing is still listed).
        seconds: How long the checks took.
    """

    findings: list[Finding] = field(default_factory=list)
    checks: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def __post_init__(self) -> None:
        self.findings.sort(key=lambda finding: SEVERITIES.index(finding.severity))

    def counts(self) -> dict[str, int]:
        """Return the number of findings per severity (every severity present)."""
        return {severity: sum(f.severity == severity for f in self.findings)
                for severity in SEVERITIES}

    def headline(self) -> str:
        """Return one line: ``2 critical, 1 warning, 3 notes`` or ``no problems found``."""
        if not self.findings:
            return f"no problems found ({len(self.checks)} checks)"
        words = {"critical": ("critical", "critical"), "warning": ("warning", "warnings"),
                 "note": ("note", "notes")}
        return ", ".join(f"{count} {words[severity][count != 1]}"
                         for severity, count in self.counts().items() if count)

    def by_check(self, check: str) -> list[Finding]:
        """Return the findings of one check."""
        return [finding for finding in self.findings if finding.check == check]

    def to_json(self, project: Project | None = None) -> dict[str, Any]:
        """Return the report as JSON-ready data; with ``project``, each fix says whether the
        project has it already (``applied``)."""
        findings = [finding.to_json() for finding in self.findings]
        if project is not None:
            for finding, entry in zip(self.findings, findings, strict=True):
                if finding.fix is not None:
                    entry["fix"]["applied"] = fix_applied(project, finding.fix)
        return {"summary": self.headline(), "counts": self.counts(), "checks": list(self.checks),
                "seconds": round(self.seconds, 3), "findings": findings}

    def lines(self, project: Project | None = None) -> list[str]:
        """Return the report as text lines for ``dlstudio info``; with ``project``, a fix it
        already has is marked as applied."""
        lines = [f"Data health: {self.headline()}"]
        for finding in self.findings:
            lines.append(f"  {SEVERITY_WORDS[finding.severity]}: {finding.title}")
            lines += textwrap.wrap(finding.message, TEXT_WIDTH, initial_indent="    ",
                                   subsequent_indent="    ", break_on_hyphens=False)
            if finding.fix is not None:
                done = project is not None and fix_applied(project, finding.fix)
                lines.append(f"    fix{' (applied)' if done else ''}: {finding.fix.describe()}")
        return lines


def fix_edits(project: Project, fix: Fix) -> dict[str, Any]:
    """Return the project values a fix sets: paths to values, for one undoable edit.

    ``ignore_columns`` becomes a new ``data.columns`` list: listed columns get role
    ``ignored``, unlisted ones are added with it (the others stay as they are read).
    """
    edits = dict(fix.settings)
    if fix.ignore_columns:
        columns = copy.deepcopy(project.data.columns)
        for name, kind in fix.ignore_columns.items():
            listed = next((column for column in columns if column.name == name), None)
            if listed is None:
                columns.append(ColumnSpec(name, "ignored", kind))
            else:
                listed.role = "ignored"
        edits["data.columns"] = columns
    return edits


def fix_applied(project: Project, fix: Fix) -> bool:
    """Whether the project already has every value the fix would set."""
    from dlstudio.core.project import paths as project_paths

    for path, value in fix.settings.items():
        if project_paths.get_value(project, path) != value:
            return False
    return all((listed := project.data.column(name)) is not None and listed.role == "ignored"
               for name in fix.ignore_columns)


def apply_fix(project: Project, fix: Fix) -> None:
    """Change ``project`` in place as the fix says (the command line and tests; the GUI sets
    :func:`fix_edits` through its undo stack)."""
    from dlstudio.core.project import paths as project_paths

    for path, value in fix_edits(project, fix).items():
        project_paths.set_value(project, path, value)


def count_words(number: int, noun: str, plural: str | None = None) -> str:
    """Return ``1 row`` or ``3 rows``."""
    return f"{number} {noun if number == 1 else plural or noun + 's'}"


def listing(items: list[str] | tuple[str, ...], shown: int = 3) -> str:
    """Return the first few items joined (``row 3, row 9 and 4 more``)."""
    head = ", ".join(items[:shown])
    return head + (f" and {len(items) - shown} more" if len(items) > shown else "")
