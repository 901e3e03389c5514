"""Tiny CSV files made on the spot, and projects that read them."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from pathlib import Path

import pytest

from dlstudio.core.project.project import ColumnSpec, DataSpec, Project, SplitSpec

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"
NOTES = ["late delivery again today", "great service thanks a lot", "box arrived badly damaged",
         "asked for a refund twice", "very happy with the price", "driver was rude to me"]


@pytest.fixture
def write_file(tmp_path: Path) -> Callable[..., Path]:
    """Return a function that writes text (UTF-8) or bytes to a file under ``tmp_path``."""

    def write(content: str | bytes, name: str = "data.csv") -> Path:
        path = tmp_path / name
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
        return path

    return write


def mixed_rows(count: int = 40) -> list[list[str]]:
    """Rows of id, age (gaps), income, city (gaps), note (free text), a constant, label."""
    rows = []
    for index in range(count):
        age = "" if index % 5 == 0 else str(20 + index)
        city = ["paris", "rome", "oslo", ""][index % 4]
        note = f"{NOTES[index % len(NOTES)]} {index}"
        label = "churned" if (index * 7) % 3 == 0 else "stayed"
        rows.append([f"u{index:03d}", age, f"{1000 + 37 * index}.5", city, note, "x", label])
    return rows


@pytest.fixture
def mixed_csv(write_file: Callable[..., Path]) -> Path:
    """A 40-row CSV with every column kind and missing values."""
    header = "id,age,income,city,note,flag,label"
    lines = [header] + [",".join(row) for row in mixed_rows()]
    return write_file("\n".join(lines) + "\n", "mixed.csv")


@pytest.fixture
def csv_project() -> Callable[..., Project]:
    """Return a function making a project that reads a CSV (split 0.6/0.2/0.2, seed 3)."""

    def make(path: Path, target: str | None = "label",
             columns: list[ColumnSpec] | None = None, **data: object) -> Project:
        spec = DataSpec(kind="csv", path=str(path), target=target, columns=columns or [],
                        **data)
        return Project(name="test", data=spec, split=SplitSpec(0.6, 0.2, 0.2, seed=3))

    return make


@pytest.fixture
def churn_csv(tmp_path: Path) -> Path:
    """The bundled churn example, written by ``examples/make_csv_example.py``."""
    loader = importlib.util.spec_from_file_location("make_csv_example",
                                                    EXAMPLES / "make_csv_example.py")
    module = importlib.util.module_from_spec(loader)
    loader.loader.exec_module(module)
    return module.make_churn_csv(tmp_path / "churn")
