"""Which inputs of a row were empty and how the model fills them."""

from dlstudio.core.evaluation.missing_inputs import describe_filled, filled_inputs
from dlstudio.core.project.project import ColumnSpec

COLUMNS = [ColumnSpec("id", "ignored", "identifier"), ColumnSpec("size"),
           ColumnSpec("colour", kind="categorical"), ColumnSpec("weight"),
           ColumnSpec("note", kind="text"), ColumnSpec("kind", "target", "categorical")]


def test_empty_inputs_are_named_with_how_they_are_filled():
    filled = filled_inputs(COLUMNS, {"id": "", "size": " ", "colour": "", "weight": "3",
                                     "note": ""}, medians=[5.25, 40.0])

    assert [item.name for item in filled] == ["size", "colour", "note"]
    assert filled[0].how == "the training median, 5.25"
    assert "missing values" in filled[1].how and filled[2].how == "no words"
    sentence = describe_filled(filled, 4)
    assert sentence.startswith("3 of 4 inputs were empty and were filled in: size → ")


def test_a_full_row_says_nothing_and_unknown_medians_are_not_invented():
    assert describe_filled(filled_inputs(COLUMNS, {"size": "1", "colour": "red", "weight": "2",
                                                   "note": "hi"}), 4) == ""
    (size,) = filled_inputs(COLUMNS, {"colour": "red", "weight": "2", "note": "x"}, medians=[1])
    assert size.how == "the training median"


def test_missing_markers_typed_into_a_field_count_as_empty_as_in_a_csv_file():
    row = {"size": "NA", "colour": "?", "weight": "-", "note": "null"}
    assert [item.name for item in filled_inputs(COLUMNS, row)] == ["size", "colour", "weight",
                                                                   "note"]
    for marker in ("n/a", " ? ", "N/A", "NaN", "--"):
        assert [item.name for item in filled_inputs(COLUMNS, {**row, "size": marker})][0] == \
            "size"
    assert filled_inputs(COLUMNS, {"size": "0", "colour": "red", "weight": "2",
                                   "note": "na na"}) == []


def test_a_marker_the_model_learned_as_a_category_is_a_value():
    vocabularies = {"colour": ["?", "blue", "red"]}
    filled = filled_inputs(COLUMNS, {"size": "1", "colour": "?", "weight": "2", "note": "x"},
                           vocabularies=vocabularies)
    assert filled == []


def test_an_empty_category_says_how_the_model_fills_it_from_the_training_data():
    row = {"size": "1", "colour": "", "weight": "2", "note": "x"}
    (had_gaps,) = filled_inputs(COLUMNS, row, vocabularies={"colour": ["", "blue", "red"]})
    assert "learned from the training data's own gaps" in had_gaps.how
    (no_gaps,) = filled_inputs(COLUMNS, row, vocabularies={"colour": ["blue", "red"]})
    assert "unseen categories" in no_gaps.how and "had no missing values" in no_gaps.how
