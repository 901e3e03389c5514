"""Reading CSV files: delimiters, encodings, bad files, and column kind inference."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dlstudio.core.data.csv_reading import (
    infer_columns,
    infer_kind,
    infer_target_kind,
    read_csv,
    read_csv_file,
    sniff_delimiter,
)
from dlstudio.core.errors import DataError


def test_mixed_columns_are_inferred_with_roles(mixed_csv):
    frame, warnings = read_csv(mixed_csv)

    specs = {spec.name: (spec.role, spec.kind) for spec in infer_columns(frame, "label")}

    assert warnings == []
    assert len(frame) == 40
    assert specs == {
        "id": ("ignored", "identifier"),
        "age": ("feature", "numeric"),
        "income": ("feature", "numeric"),
        "city": ("feature", "categorical"),
        "note": ("feature", "text"),
        "flag": ("ignored", "constant"),
        "label": ("target", "categorical"),
    }
    assert frame["age"].isna().sum() == 8
    assert frame["city"].isna().sum() == 10


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_delimiter_is_sniffed(write_file, delimiter):
    note = '"a, b"' if delimiter == "," else "a, b"
    rows = [["name", "score", "note"], ["ann", "1.5", note], ["bob", "2", "c"]]
    text = "\n".join(delimiter.join(row) for row in rows) + "\n"

    table = read_csv_file(write_file(text))

    assert table.delimiter == delimiter
    assert list(table.frame.columns) == ["name", "score", "note"]
    assert table.frame["note"].tolist() == ["a, b", "c"]


def test_semicolon_file_with_commas_in_values_is_not_read_as_comma():
    assert sniff_delimiter("a;b;c\n1,5;2;x\n3;4,25;y\n") == ";"


def test_utf8_byte_order_mark_is_removed(write_file):
    table = read_csv_file(write_file(b"\xef\xbb\xbfcity,n\nS\xc3\xa3o Paulo,1\nLima,2\n"))

    assert table.encoding == "utf-8-sig"
    assert list(table.frame.columns) == ["city", "n"]
    assert table.frame["city"].tolist() == ["São Paulo", "Lima"]
    assert table.warnings == []


def test_non_utf8_bytes_fall_back_to_latin1_with_a_warning(write_file):
    table = read_csv_file(write_file(b"city,n\nLima,1\nS\xe3o Paulo,2\n"))

    assert table.encoding == "latin-1"
    assert table.frame["city"].tolist() == ["Lima", "São Paulo"]
    assert len(table.warnings) == 1
    assert "not valid UTF-8" in table.warnings[0]
    assert "line 3" in table.warnings[0]
    assert "Latin-1" in table.warnings[0]


def test_blank_lines_and_spaces_after_delimiters_are_tolerated(write_file):
    frame, _ = read_csv(write_file("a, b\n1, x\n\n2, y\n"))

    assert list(frame.columns) == ["a", "b"]
    assert frame["b"].tolist() == ["x", "y"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "the file is empty"),
        ("  \n\n", "the file is empty"),
        ("a,b,c\n", "header line but no data rows"),
        ("a,b,c\n1,2,3\n4,5\n", "line 3 has 2 values but the header has 3 columns"),
        ("a,b\n1,2\n3,4\n5,6,7\n", "line 4 has 3 values"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01" * 20, "binary file"),
        ("a,b,a\n1,2,3\n", "names column 'a' more than once"),
        ("a,,c\n1,2,3\n", "column 2 has no name"),
        (b"\xff\xfea\x00,\x00b\x00\n\x00", "UTF-16"),
    ],
    ids=["empty", "blank", "header-only", "short-row", "long-row", "binary", "duplicate",
         "unnamed", "utf16"],
)
def test_bad_files_give_clear_errors(write_file, content, message):
    path = write_file(content)

    with pytest.raises(DataError, match=message) as caught:
        read_csv(path)

    assert str(path) in str(caught.value)


def test_missing_file_and_folder_are_named(tmp_path):
    with pytest.raises(DataError, match="file not found"):
        read_csv(tmp_path / "nope.csv")
    with pytest.raises(DataError, match="is a folder"):
        read_csv(tmp_path)


@pytest.mark.parametrize(
    ("values", "kind"),
    [
        ([1.5, 2.25, np.nan, 4.0] * 5, "numeric"),
        (list(range(100, 130)), "identifier"),
        ([7, 3, 99, 12, 5, 41, 8, 17, 23, 64, 2, 90], "numeric"),
        (["a", "b", None, "a"] * 5, "categorical"),
        ([True, False] * 6, "categorical"),
        ([f"k{i}" for i in range(12)], "identifier"),
        ([f"k{i}" for i in range(6)], "categorical"),
        (["same"] * 8 + [None], "constant"),
        ([None] * 5, "constant"),
        ([f"the parcel {i} came late" for i in range(12)], "text"),
    ],
    ids=["floats", "consecutive-ints", "unique-ints", "strings", "bools", "unique-strings",
         "few-unique-strings", "constant", "all-missing", "sentences"],
)
def test_feature_kind(values, kind):
    assert infer_kind(pd.Series(values, name="column")) == kind


def test_unique_whole_numbers_named_like_an_id_are_identifiers():
    values = [907, 311, 452, 128, 776, 530, 264, 689, 843, 101]
    assert infer_kind(pd.Series(values, name="customer_id")) == "identifier"
    assert infer_kind(pd.Series(values, name="weight")) == "numeric"


@pytest.mark.parametrize(
    ("values", "kind"),
    [
        ([0, 1, 1, 0, np.nan], "categorical"),
        ([1, 2, 3, 4, 5, 3], "categorical"),
        (list(range(40)), "numeric"),
        ([0.5, 1.25, 3.0], "numeric"),
        (["cat", "dog"], "categorical"),
        ([True, False, True], "categorical"),
        ([4, 4, 4], "categorical"),
    ],
    ids=["binary-ints", "ratings", "many-ints", "floats", "strings", "bools", "constant"],
)
def test_target_kind(values, kind):
    assert infer_target_kind(pd.Series(values)) == kind


def test_semicolon_files_with_decimal_commas_read_numbers(write_file):
    frame, _ = read_csv(write_file("price;code;name\n3,25;1,2;a\n4;7;b\n-0,5;x;c\n"))

    assert frame["price"].tolist() == [3.25, 4.0, -0.5]
    assert frame["code"].tolist() == ["1,2", "7", "x"]


def test_a_delimiter_ending_every_line_is_tolerated(write_file):
    frame, warnings = read_csv(write_file("a,b,\r\n1,x,\r\n2,y,\r\n"))

    assert list(frame.columns) == ["a", "b"]
    assert frame["b"].tolist() == ["x", "y"]
    assert "empty last column is left out" in warnings[0]


def test_quoted_values_may_span_lines_and_ragged_rows_count_physical_lines(write_file):
    frame, _ = read_csv(write_file('a,b\n1,"two\nlines"\n3,x\n'))
    assert frame["b"].tolist() == ["two\nlines", "x"]

    with pytest.raises(DataError, match="line 4 has 1 value but"):
        read_csv(write_file('a,b\n1,"two\nlines"\n3\n'))


def test_thousands_separators_and_missing_markers_are_read_as_numbers_and_said(write_file):
    rows = [f'"{1000 + 111 * i:,}",{marker},{i},{"n/a" if i == 3 else i * 2}' for i, marker in
            enumerate(["1.5", "?", "2", "-", "NA", "null", "", "3", "n/a", "4"] * 2)]
    table = read_csv_file(write_file("price,score,plain,other\n" + "\n".join(rows) + "\n"))
    frame = table.frame

    assert frame["price"].dtype == np.float64 and frame["price"].iloc[2] == 1222.0
    assert frame["score"].dtype == np.float64
    assert frame["score"].isna().sum() == 12 and frame["score"].max() == 4.0
    assert infer_kind(frame["price"]) == "numeric" and infer_kind(frame["score"]) == "numeric"
    notes = "\n".join(table.warnings)
    assert "column 'price' has numbers with thousands separators (such as 1,234)" in notes
    assert "column 'score' is read as numbers, with " in notes
    for marker in ("'?' (2)", "'-' (2)", "'NA' (2)", "'null' (2)", "'n/a' (2)"):
        assert marker in notes
    assert "'plain'" not in notes  # nothing to say about a column of plain numbers


def test_a_few_stray_words_in_a_number_column_are_named_and_become_missing(write_file):
    values = [str(i) for i in range(30)]
    values[4], values[17] = "unknown", "twelve"
    table = read_csv_file(write_file("age,label\n" + "\n".join(f"{v},x" for v in values) + "\n"))

    assert table.frame["age"].dtype == np.float64 and table.frame["age"].isna().sum() == 2
    (note,) = [warning for warning in table.warnings if "'age'" in warning]
    assert "2 values are not a number (such as 'unknown' on row 5, 'twelve' on row 18)" in note


def test_words_stay_words_and_pandas_missing_markers_still_mean_missing(write_file):
    table = read_csv_file(write_file("colour,n\nred,1\nNA,2\n?,3\nblue,4\n"))

    assert table.frame["colour"].iloc[0] == "red" and pd.isna(table.frame["colour"].iloc[1])
    assert table.frame["colour"].iloc[2] == "?"
    assert table.warnings == []


def test_semicolon_files_keep_decimal_commas_with_missing_markers(write_file):
    table = read_csv_file(write_file("a;b\n3,25;1\n?;2\n4,5;3\n"))

    assert table.frame["a"].tolist()[0] == 3.25 and pd.isna(table.frame["a"].iloc[1])


def test_rows_held_in_memory_read_as_the_same_rows_in_a_file(tmp_path):
    from dlstudio.core.data.csv_reading import read_csv_file, rows_as_csv

    rows = [{"price": "1,234", "note": "a, quoted one", "count": "n/a"},
            {"price": "7", "note": "", "count": "3"}]
    path = tmp_path / "rows.csv"
    path.write_text('price,note,count\n"1,234","a, quoted one",n/a\n7,,3\n', encoding="utf-8")

    in_memory, on_disk = rows_as_csv(rows), read_csv_file(path)
    pd.testing.assert_frame_equal(in_memory.frame, on_disk.frame)
    assert in_memory.delimiter == ","
    with pytest.raises(DataError, match="no values"):
        rows_as_csv([])
