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
