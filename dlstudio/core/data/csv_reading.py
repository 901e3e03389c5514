"""Reading a CSV file once, checking its shape, and guessing what each column holds.

:func:`read_csv` sniffs the delimiter (comma, semicolon, tab or pipe), decodes UTF-8 with or
without a byte-order mark (falling back to Latin-1 with a warning), reads decimal commas in
semicolon files, reads numbers written with thousands separators or missing markers (``1,234``,
``?``, ``n/a``) as numbers and says so (:func:`read_numbers_in_text`), and refuses files that
cannot be a table — empty, header only, ragged rows, binary, unnamed or duplicate columns —
with a message that names the line or column and the fix. :func:`infer_columns` proposes a
:class:`ColumnSpec` per column; the user may override each role and kind.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from dlstudio.core.errors import DataError, name_list
from dlstudio.core.project.project import ColumnSpec

DELIMITERS = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
SNIFF_BYTES = 65536
SNIFF_ROWS = 50
MIN_ROWS_FOR_IDENTIFIER = 10
"""A column of distinct values is taken as an identifier only from this many rows on."""
MAX_CLASS_VALUES = 10
"""A numeric target of whole numbers with at most this many distinct values holds classes."""
TEXT_MIN_WORDS = 2.5
TEXT_MIN_DISTINCT_SHARE = 0.3
_DECIMAL_COMMA = r"[+-]?\d+(,\d+)?"
_THOUSANDS = r"[+-]?\d{1,3}(,\d{3})+(\.\d+)?"
MISSING_MARKERS = frozenset({"?", "-", "--", ".", "NA", "N/A", "n/a", "na", "N.A.", "NaN", "nan",
                             "null", "NULL", "Null", "None", "none", "#N/A", "missing", ""})
"""Cells that mean "no value" in a column of numbers."""
PANDAS_MISSING = frozenset({"", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan",
                            "1.#IND", "1.#QNAN", "<NA>", "N/A", "NA", "NULL", "NaN", "None",
                            "n/a", "nan", "null"})
"""What pandas reads as missing by default; text columns keep reading them so."""


def is_missing_cell(text: object, categories: Collection[str] = ()) -> bool:
    """Whether a cell means "no value": blank, or a missing marker this reader knows
    (:data:`MISSING_MARKERS` and :data:`PANDAS_MISSING`: ``?``, ``NA``, ``n/a``, ``-``,
    ``null``, …).

    Args:
        text: The cell as written (or typed).
        categories: Values that are real categories of the column (a file whose categories
            include ``?`` keeps it as one); these markers are values, a blank never is.
    """
    cell = "" if text is None else str(text).strip()
    return not cell or (cell in MISSING_MARKERS | PANDAS_MISSING and cell not in categories)


STRAY_MAX_SHARE = 0.1
STRAY_MAX_DISTINCT = 5
STRAY_MIN_NUMBERS = 10
"""A column of numbers may hold a few stray words (at most this share of its values and this
many distinct ones, beside at least this many numbers); they become missing, with a warning."""
ID_NAME = re.compile(r"(?i)(^|[_\W])(id|key|uuid|index)$|^id[_\W]|[a-z]ID$")
"""Column names that say "identifier": ``customer_id``, ``key``, ``uuid``, ``userID``."""


@dataclass
class CsvFile:
    """A CSV file read into memory.

    Attributes:
        path: The file read.
        frame: One pandas column per CSV column, one row per data line (blank lines skipped).
        encoding: ``utf-8``, ``utf-8-sig`` (with a byte-order mark) or ``latin-1``.
        delimiter: The field separator found.
        warnings: Things worth knowing that did not stop reading.
    """

    path: Path
    frame: pd.DataFrame
    encoding: str
    delimiter: str
    warnings: list[str] = field(default_factory=list)


def read_csv(path: str | Path) -> tuple[pd.DataFrame, list[str]]:
    """Read a CSV file into a DataFrame.

    Returns:
        The table and the warnings met while reading (such as a Latin-1 fallback).

    Raises:
        DataError: The file is missing, empty, header only, binary, has ragged rows, or has
            unnamed or duplicate column names.
    """
    table = read_csv_file(path)
    return table.frame, table.warnings


def read_csv_file(path: str | Path) -> CsvFile:
    """Read a CSV file and describe how it was read (see :func:`read_csv`)."""
    source = Path(path)
    raw = _read_bytes(source)
    text, encoding, warnings = _decode(raw, source)
    return parse_csv_text(text, source, encoding=encoding, warnings=warnings)


def rows_as_csv(rows: Sequence[Mapping[str, str]], name: str = "the row") -> CsvFile:
    """Read rows held in memory (column name → text, as typed) exactly as a CSV file's rows.

    The values go through the same parsing as a file's (numbers, missing markers, thousands
    separators), so a row typed in "Try it" reads as the same row in a file would.

    Args:
        rows: One mapping per row; the first row's keys are the columns.
        name: What messages call the rows (in place of a file name).

    Raises:
        DataError: There are no rows, or a row has other columns than the first.
    """
    if not rows:
        raise DataError(f"{name}: no values; give one value per column")
    header = list(rows[0])
    stream = io.StringIO()
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        if list(row) != header:
            raise DataError(f"{name}: every row needs the columns {name_list(header)}")
        writer.writerow([row[column] for column in header])
    return parse_csv_text(stream.getvalue(), Path(name), delimiter=",")


def parse_csv_text(text: str, source: Path, *, encoding: str = "utf-8",
                   delimiter: str | None = None,
                   warnings: list[str] | None = None) -> CsvFile:
    """Read decoded CSV text as a table (see :func:`read_csv`).

    Args:
        text: The whole text.
        source: Where it came from, for messages.
        encoding: How it was decoded.
        delimiter: The field separator; sniffed when ``None``.
        warnings: Warnings met so far (decoding); reading adds its own.
    """
    warnings = list(warnings or [])
    delimiter = delimiter or sniff_delimiter(text)
    header = _check_rows(text, delimiter, source)
    try:
        frame = pd.read_csv(io.StringIO(text), sep=delimiter, skipinitialspace=True,
                            low_memory=False, keep_default_na=False, na_values=[""])
    except (pd.errors.ParserError, ValueError) as error:
        raise DataError(f"{source}: cannot be read as a table ({error}); check its quoting "
                        "and delimiters") from None
    frame.columns = header
    frame = _drop_trailing_empty_column(frame, warnings)
    _check_names(list(frame.columns), source)
    read_numbers_in_text(frame, delimiter, warnings)
    if delimiter == ";":
        _read_decimal_commas(frame)
    return CsvFile(source, frame, encoding, delimiter, warnings)


def sniff_delimiter(text: str) -> str:
    """Return the delimiter that splits the first rows of ``text`` into the most even columns.

    Comma wins ties; a file that no candidate splits is read as one comma-separated column.
    """
    sample = text[:SNIFF_BYTES]
    if len(text) > SNIFF_BYTES and "\n" in sample:
        sample = sample[: sample.rfind("\n")]

    def score(delimiter: str) -> tuple[bool, float, int]:
        rows = [row for row in csv.reader(io.StringIO(sample), delimiter=delimiter) if row]
        widths = [len(row) for row in rows[:SNIFF_ROWS]]
        if not widths:
            return (False, 0.0, 0)
        even = sum(width == widths[0] for width in widths) / len(widths)
        return (widths[0] > 1, even, widths[0])

    return max(DELIMITERS, key=score)


def _read_bytes(path: Path) -> bytes:
    if path.is_dir():
        raise DataError(f"{path}: is a folder, not a CSV file; give the path of a .csv file")
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise DataError(f"{path}: file not found; check the path") from None
    except OSError as error:
        raise DataError(f"{path}: cannot be read ({error.strerror}); check its "
                        "permissions") from None
    if not raw.strip() or raw.strip() == codecs.BOM_UTF8:
        raise DataError(f"{path}: the file is empty; a CSV needs a header line and data rows")
    return raw


def _decode(raw: bytes, path: Path) -> tuple[str, str, list[str]]:
    head = raw[:8192]
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise DataError(f"{path}: the file is UTF-16 text; save it as UTF-8 CSV and try again")
    controls = sum(byte < 32 and byte not in b"\t\n\r\f" for byte in head)
    if b"\x00" in head or controls > len(head) * 0.05:
        raise DataError(f"{path}: this is a binary file, not a text CSV; if it is a "
                        "spreadsheet, export it as CSV (UTF-8) first")
    encoding = "utf-8-sig" if raw.startswith(codecs.BOM_UTF8) else "utf-8"
    try:
        return raw.decode(encoding), encoding, []
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        warning = (f"{path.name} is not valid UTF-8 (first bad byte on line {line}); it was "
                   "read as Latin-1 — check accented letters, or save the file as UTF-8")
        return raw.decode("latin-1"), "latin-1", [warning]


def _check_rows(text: str, delimiter: str, path: Path) -> list[str]:
    """Return the header's column names after checking every row has one value per column."""
    reader = csv.reader(io.StringIO(text), delimiter=delimiter, skipinitialspace=True)
    try:
        header = next((row for row in reader if row), [])
        names = [name.strip() for name in header]
        rows = 0
        for row in reader:
            rows += bool(row)
            if row and len(row) != len(names):
                raise DataError(
                    f"{path}: line {reader.line_num} has {len(row)} "
                    f"value{'s' if len(row) != 1 else ''} but the header has "
                    f"{len(names)} columns ({DELIMITERS[delimiter]}-separated); give every row "
                    f"one value per column, and quote values containing a "
                    f"{DELIMITERS[delimiter]}")
    except csv.Error as error:
        raise DataError(f"{path}: line {reader.line_num} cannot be read ({error}); check its "
                        "quotes") from None
    if rows == 0:
        raise DataError(f"{path}: the file has a header line but no data rows; add rows below "
                        "the header")
    return names


def _drop_trailing_empty_column(frame: pd.DataFrame, warnings: list[str]) -> pd.DataFrame:
    """Leave out the unnamed, empty last column that a delimiter at every line's end makes."""
    if len(frame.columns) > 1 and frame.columns[-1] == "" and frame.iloc[:, -1].isna().all():
        warnings.append("every line ends with a delimiter; the empty last column is left out")
        return frame.iloc[:, :-1].copy()
    return frame


def read_numbers_in_text(frame: pd.DataFrame, delimiter: str, warnings: list[str]) -> None:
    """Read as numbers the text columns that hold numbers written for people, and say so.

    A column is numbers when every value is a number once thousands separators are taken out
    (``1,234``; in semicolon files ``3,25`` is a decimal comma instead) and missing markers
    (:data:`MISSING_MARKERS`: ``?``, ``NA``, ``n/a``, ``-``, ``null``, …) are read as missing.
    A column whose values are numbers but for a few stray words (at most
    :data:`STRAY_MAX_SHARE` of them) is read as numbers too, with a warning naming them, and
    they become missing. Every other column keeps its text, with pandas's usual missing
    markers (``NA``, ``null``, …) read as missing, as before.
    """
    for name in frame.columns:
        series = frame[name]
        if pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series):
            continue
        texts = series.dropna().astype(str).str.strip()
        markers = texts[texts.isin(MISSING_MARKERS)]
        values = texts[~texts.isin(MISSING_MARKERS)]
        candidates, separated = _as_plain_numbers(values, delimiter)
        numbers = pd.to_numeric(candidates, errors="coerce")
        stray = values[numbers.isna()]
        numeric = len(values) > 0 and (len(stray) == 0 or _few(stray, len(values)))
        if not numeric:
            frame[name] = series.where(~series.astype(str).str.strip().isin(PANDAS_MISSING))
            continue
        column = pd.Series(np.nan, index=series.index, dtype=np.float64)
        column[numbers.index] = numbers.to_numpy(dtype=np.float64)
        frame[name] = column
        warnings.extend(_numbers_note(str(name), markers, separated, stray))


def _as_plain_numbers(values: pd.Series, delimiter: str) -> tuple[pd.Series, int]:
    """Return the values with thousands separators (or, with ``;``, decimal commas) made plain,
    and how many had them."""
    if delimiter == ";":
        marked = values.str.fullmatch(_DECIMAL_COMMA) & values.str.contains(",", regex=False)
        return values.where(~marked, values.str.replace(",", ".", regex=False)), 0
    marked = values.str.fullmatch(_THOUSANDS)
    return values.where(~marked, values.str.replace(",", "", regex=False)), int(marked.sum())


def _few(stray: pd.Series, count: int) -> bool:
    return len(stray) <= STRAY_MAX_SHARE * count and stray.nunique() <= STRAY_MAX_DISTINCT \
        and count - len(stray) >= STRAY_MIN_NUMBERS


def _numbers_note(name: str, markers: pd.Series, separated: int, stray: pd.Series) -> list[str]:
    """Return the summary's words for a column read as numbers (none when nothing changed)."""
    shown = _cut(name)
    notes = []
    if separated:
        notes.append(f"column '{shown}' has numbers with thousands separators (such as 1,234) "
                     f"in {separated} cell(s); they are read as numbers")
    if len(markers):
        counts = markers.value_counts()
        listed = ", ".join(f"'{marker}' ({count})" for marker, count in counts.items())
        notes.append(f"column '{shown}' is read as numbers, with {listed} read as missing")
    if len(stray):
        first = stray[~stray.duplicated()]
        words = ", ".join(f"'{_cut(value, 20)}' on row {int(row) + 1}"
                          for row, value in first.iloc[:3].items())
        more = " and others" if len(first) > 3 else ""
        count = len(stray)
        notes.append(f"column '{shown}': {count} value{'s are' if count > 1 else ' is'} not a "
                     f"number (such as {words}{more}); they are treated as missing — fix them "
                     "in the file, or set the column's kind to categorical if they mean something")
    return notes


def _cut(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "\N{HORIZONTAL ELLIPSIS}"


def _read_decimal_commas(frame: pd.DataFrame) -> None:
    """Turn text columns of numbers written with a decimal comma (``3,25``) into numbers."""
    for name in frame.columns:
        values = frame[name].dropna()
        if len(values) == 0 or pd.api.types.is_numeric_dtype(values):
            continue
        texts = values.astype(str)
        if texts.str.fullmatch(_DECIMAL_COMMA).all() and texts.str.contains(",").any():
            frame[name] = pd.to_numeric(frame[name].astype(str).str.replace(",", "."),
                                        errors="coerce")


def _check_names(names: list[str], path: Path) -> None:
    for position, name in enumerate(names, start=1):
        if not name:
            raise DataError(f"{path}: column {position} has no name in the header line; give "
                            "every column a name")
    duplicates = sorted({name for name in names if names.count(name) > 1})
    if duplicates:
        listed = name_list(duplicates)
        raise DataError(f"{path}: the header names column {listed} more than once; give every "
                        "column a different name")


def infer_kind(series: pd.Series) -> str:
    """Guess what a feature column holds.

    Returns:
        ``constant`` (at most one distinct value), ``identifier`` (distinct on every row: ids,
        keys), ``numeric``, ``text`` (free text: several words per value, mostly distinct) or
        ``categorical`` (anything else: labels, codes, yes/no).
    """
    values = series.dropna()
    distinct = values.nunique()
    if distinct <= 1:
        return "constant"
    if pd.api.types.is_bool_dtype(values):
        return "categorical"
    unique_per_row = distinct == len(series) >= MIN_ROWS_FOR_IDENTIFIER
    if pd.api.types.is_numeric_dtype(values):
        return "identifier" if unique_per_row and _looks_like_id_number(series) else "numeric"
    texts = values.astype(str)
    words = texts.str.split().str.len().mean()
    if words >= TEXT_MIN_WORDS and distinct >= TEXT_MIN_DISTINCT_SHARE * len(values):
        return "text"
    return "identifier" if unique_per_row else "categorical"


def infer_target_kind(series: pd.Series) -> str:
    """Guess a target's kind: ``categorical`` (classes) or ``numeric`` (a value to regress).

    Text, booleans, a constant, and whole numbers with at most :data:`MAX_CLASS_VALUES`
    distinct values (0/1 labels, ratings 1-5) are classes; any other number is a value.
    """
    values = series.dropna()
    numeric = pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)
    if values.nunique() <= 1 or not numeric:
        return "categorical"
    whole = bool(np.all(np.mod(values.to_numpy(dtype=float), 1) == 0))
    return "categorical" if whole and values.nunique() <= MAX_CLASS_VALUES else "numeric"


def infer_columns(frame: pd.DataFrame, target: str | None = None) -> list[ColumnSpec]:
    """Propose how to read every column: identifiers and constants are ignored.

    Args:
        frame: The table from :func:`read_csv`.
        target: The column to predict, if known; it gets role ``target``.
    """
    specs = []
    for name in frame.columns:
        if name == target:
            specs.append(ColumnSpec(name, "target", infer_target_kind(frame[name])))
            continue
        kind = infer_kind(frame[name])
        role = "ignored" if kind in ("identifier", "constant") else "feature"
        specs.append(ColumnSpec(name, role, kind))
    return specs


def _looks_like_id_number(series: pd.Series) -> bool:
    values = series.to_numpy(dtype=float)
    if not np.all(np.mod(values, 1) == 0):
        return False
    steps = np.diff(np.sort(values))
    return bool(ID_NAME.search(str(series.name)) or np.all(steps == 1))
