"""The one check before writing an output: never over an input, never over a file unasked."""

import pytest

from dlstudio.core.errors import UserInputError
from dlstudio.core.output_paths import check_output_path


def test_an_input_is_never_replaced_even_with_force(tmp_path):
    data = tmp_path / "data.csv"
    data.write_text("x\n1\n")

    with pytest.raises(UserInputError, match="would write over data.csv"):
        check_output_path(tmp_path / "." / "data.csv", inputs=[data], force=True)


def test_an_existing_file_inside_an_input_folder_is_refused_a_new_one_is_fine(tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    (run / "metrics.csv").write_text("epoch\n1\n")

    with pytest.raises(UserInputError, match="which this command reads"):
        check_output_path(run / "metrics.csv", inputs=[run], force=True)
    assert check_output_path(run / "predictions.csv", inputs=[run]) == run / "predictions.csv"


def test_a_folder_output_may_not_hold_an_input(tmp_path):
    data = tmp_path / "data.csv"
    data.write_text("x\n")

    with pytest.raises(UserInputError, match="would write over data.csv"):
        check_output_path(tmp_path, inputs=[data], force=True, folder=True)


def test_an_existing_file_needs_force_and_a_folder_is_not_a_file(tmp_path):
    out = tmp_path / "out.csv"
    out.write_text("old")

    with pytest.raises(UserInputError, match="already exists; choose another path, or pass"):
        check_output_path(out)
    assert check_output_path(out, force=True) == out
    with pytest.raises(UserInputError, match="is a folder; give a file path"):
        check_output_path(tmp_path, force=True)
    with pytest.raises(UserInputError, match="is a file, so"):
        check_output_path(out / "inside.csv")
