"""A fix read back from JSON (as the training doctor's message events carry it)."""

import pytest

from dlstudio.core.data.health.findings import Fix, apply_fix, fix_applied
from dlstudio.core.project.project import Project


def test_a_fix_round_trips_through_json_and_applies():
    fix = Fix("Lower the learning rate to 0.0001", {"training.learning_rate": 0.0001})
    project = Project()

    read = Fix.from_json(fix.to_json())
    apply_fix(project, read)

    assert read == fix and fix_applied(project, fix)
    assert project.training.learning_rate == 0.0001


def test_ignored_columns_come_back_by_name():
    read = Fix.from_json(Fix("Ignore id", ignore_columns={"id": "numeric"}).to_json())

    assert list(read.ignore_columns) == ["id"]


@pytest.mark.parametrize("data, reason", [
    ({"label": "x"}, "'label' and 'settings'"),
    ({"label": "", "settings": {"training.seed": 1}}, "non-empty string"),
    ({"label": "x", "settings": {}}, "sets values or ignores columns"),
    ({"label": "x", "settings": {"training.seed": [1]}}, "plain values"),
    ({"label": "x", "settings": {"training..seed": 1}}, "bad project path"),
])
def test_malformed_fixes_are_refused(data, reason):
    with pytest.raises(ValueError, match=reason):
        Fix.from_json(data)
