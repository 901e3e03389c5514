"""A result page computes its file off the GUI thread, shows it, and says when it fails."""

from __future__ import annotations

from typing import Any

import pytest

from dlstudio.gui.widgets.run_result_page import RunResultPage


def count_rows(run_dir: str) -> dict[str, Any]:
    if "broken" in run_dir:
        raise ValueError("the column plan is missing")
    return {"rows": 3}


class RowCountPage(RunResultPage):
    result_file = "rows.json"
    button_text, busy_text, again_text = "Count rows", "Counting…", "Count again"
    invitation, working_text, failure_text = "How many rows?", "Counting…", "Counting failed"
    compute_result = staticmethod(count_rows)

    def show_result(self, result: dict[str, Any]) -> None:
        self.result = result
        self.status.setText(f"{result['rows']} rows")
        self._update_button()


@pytest.fixture
def page(qtbot):
    widget = RowCountPage()
    qtbot.addWidget(widget)
    return widget


def test_a_run_without_its_file_is_invited_and_computed(page, qtbot, tmp_path):
    page.set_run(tmp_path)
    assert page.status.text() == "How many rows?"
    assert page.compute_button.text() == "Count rows" and page.compute_button.isEnabled()

    page.compute_button.click()
    assert page.compute_button.text() == "Counting…" and not page.compute_button.isEnabled()
    qtbot.waitUntil(lambda: page.status.text() == "3 rows", timeout=5000)
    assert page.compute_button.text() == "Count again" and page.compute_button.isEnabled()


def test_a_failure_is_said_in_gui_words(page, qtbot, tmp_path):
    broken = tmp_path / "broken"
    broken.mkdir()
    page.set_run(broken)
    page.compute()
    qtbot.waitUntil(lambda: page.status.text().startswith("Counting failed"), timeout=5000)
    assert "the column plan is missing" in page.status.text()
    assert page.compute_button.text() == "Count rows"


def test_an_unreadable_file_says_so_and_offers_the_button(page, tmp_path):
    (tmp_path / "rows.json").write_text("{not json")
    page.set_run(tmp_path)
    assert "rows.json cannot be read" in page.status.text()
    assert "Count rows" in page.status.text() and page.compute_button.isEnabled()


def test_without_a_run_nothing_can_be_computed(page):
    page.set_run(None)
    assert not page.compute_button.isEnabled()
    page.compute()
    assert not page.busy
