"""Ranking a table's columns as the target, and what stops its columns from training."""

import pandas as pd

from dlstudio.core.data.csv_reading import infer_columns
from dlstudio.core.data.target_choice import column_problems, rank_targets, suggested_target
from dlstudio.core.project.project import ColumnSpec


def _columns(**values):
    return infer_columns(pd.DataFrame(values))


def test_a_column_named_like_a_target_wins_over_the_last_column():
    columns = _columns(sepal=[1.0, 2.5, 3.1, 4.2] * 5, species=["a", "b"] * 10,
                       z=[0.1, 0.7, 0.3, 0.9] * 5)
    ranked = rank_targets(columns)

    assert ranked[0].name == "species" and ranked[0].reason == "named like a target"
    assert suggested_target(columns) == "species"


def test_names_are_matched_whole_or_as_words_and_years_rank_low():
    columns = [ColumnSpec("passenger", kind="categorical"), ColumnSpec("is_fraud", kind="numeric"),
               ColumnSpec("year", kind="numeric")]

    assert [c.name for c in rank_targets(columns)] == ["is_fraud", "passenger", "year"]


def test_identifiers_and_constants_come_last_and_are_never_suggested():
    columns = [ColumnSpec("row", kind="identifier"), ColumnSpec("size", kind="numeric"),
               ColumnSpec("same", kind="constant")]
    ranked = rank_targets(columns)

    assert ranked[0].name == "size" and ranked[0].usable
    assert {c.name for c in ranked[1:]} == {"row", "same"} and not ranked[-1].usable
    assert suggested_target([ColumnSpec("row", kind="identifier")]) is None


def test_without_a_name_the_kind_and_then_the_place_decide():
    columns = [ColumnSpec("a", kind="numeric"), ColumnSpec("b", kind="text"),
               ColumnSpec("c", kind="numeric")]

    assert [c.name for c in rank_targets(columns)] == ["c", "a", "b"]


def test_problems_are_marked_on_the_columns_that_cause_them():
    columns = [ColumnSpec("YEAR", "ignored", "identifier"), ColumnSpec("VALUE", "ignored",
                                                                       "identifier")]
    problems = column_problems(columns)

    assert set(problems) == {"", "YEAR", "VALUE"}
    assert "choose the column to predict" in problems[""]
    assert problems["YEAR"].startswith("The column YEAR is read as an identifier")
    assert "data.columns" not in " ".join(problems.values())
    columns[1].role, columns[0].role = "target", "feature"
    assert set(column_problems(columns)) == {"VALUE"}
    columns[1].kind = "numeric"
    assert column_problems(columns) == {}


def test_the_only_category_among_numbers_beats_the_last_number():
    columns = [ColumnSpec("cultivar", kind="categorical"), ColumnSpec("alcohol"),
               ColumnSpec("ash"), ColumnSpec("proline")]
    ranked = rank_targets(columns)

    assert ranked[0].name == "cultivar" and "only category" in ranked[0].reason
