"""File inspection: can a file be read as the extract it was given for? Present, not empty, UTF-8, comma-separated,
with the required columns; and, when not, a message that names the file and says what to do.
"""
from __future__ import annotations

import difflib
import re
from pathlib import Path

import duckdb

from basstory.core.schema import Extract
from basstory.ingest.extracts import (
    extract_suffix,
    file_columns,
    looks_like,
    match_columns,
    normalise_column_name,
    sample_text,
)
from basstory.ingest.validation import ValidationReport, empty_file_stats

REREAD_HINT = ("Check that it is the {slot} extract, saved as comma-separated UTF-8 (a double quote \" that "
               "is never closed also causes this), and export it again if it was cut short.")
PARQUET_REREAD_HINT = ("Check that it is the {slot} extract written as one whole parquet file (a file cut short, or "
                       "another format renamed .parquet, causes this): export it again, or give it as .csv.")


def reread_hint(path: Path, slot: str) -> str:
    """What to do about a file DuckDB could not read, for its format."""
    hint = PARQUET_REREAD_HINT if extract_suffix(path) == ".parquet" else REREAD_HINT
    return hint.format(slot=slot)



def inspect_extract(con: duckdb.DuckDBPyConnection, extract: Extract, path: Path,
                    report: ValidationReport, *, read_path: Path | None = None) -> dict[str, str] | None:
    """Check that `path` can be read as `extract`: present, not empty, UTF-8, with the required columns.

    Adds errors to `report` and returns None when the file is unusable; otherwise returns required column -> the
    column's name in the file. Records the columns found/missing/extra in `report.files[slot]`. `read_path` is the
    file to read when it is not `path` itself (a copy with uniform line ends, see `build.readable_copies`); messages
    name `path`.
    """
    read_path = read_path or path
    stats = report.files.setdefault(extract.slot, empty_file_stats(path.name))
    name = path.name
    if not path.is_file():
        report.add("error", name, f"the file {name} does not exist. Check its name and folder and ingest again.")
        return None
    if path.stat().st_size == 0:
        report.add("error", name, f"the file is empty (0 bytes). Export the {extract.slot} extract again "
                                  f"with its header row and data.")
        return None
    if extract_suffix(path) != ".parquet":
        sample = sample_text(read_path)
        if sample.is_empty:
            report.add("error", name, f"the file holds no header or data, only blank space. Export the "
                                      f"{extract.slot} extract again.")
            return None
        if sample.problem:
            report.add("error", name, f"the file {sample.problem}", column=sample.column,
                       rows=[sample.line] if sample.line else None, count=1 if sample.line else 0)
            return None
    try:
        columns = file_columns(con, read_path)
    except duckdb.Error as exc:
        report.add("error", name, f"the file could not be read as {format_name(path)} "
                                  f"({first_line(exc, path, read_path)}). {reread_hint(path, extract.slot)}")
        return None
    mapping, missing, extra = match_columns(extract, columns)
    stats.update(columns_found=columns, columns_missing=missing, columns_extra=extra)
    if not missing:
        return mapping
    other = looks_like(columns, extract.slot)
    if other is not None:
        report.add("error", name, f"this file was given as the {extract.slot} extract but has the columns of the "
                                  f"{other.slot} extract ({other.filename}). Put it in the {other.slot} slot (name "
                                  f"it {other.filename}) and give the real {extract.filename}.")
    elif len(columns) == 1 and (separator := _other_separator(columns[0])):
        # Refused rather than sniffed: a spreadsheet that saves with semicolons usually writes decimal commas too
        # (runtime 4,396793), which would be read as something else without a word.
        report.add("error", name, f"the file is {separator}-delimited: save as comma-separated (in Excel: 'CSV UTF-8 "
                                  f"(Comma delimited)') and ingest again. Its header is one column: "
                                  f"{columns[0][:60]!r}.")
    else:
        hints = _rename_hints(missing, extra)
        report.add("error", name, f"required column(s) missing: {', '.join(missing)}{hints}. The file has: "
                                  f"{', '.join(columns)}. Export the {extract.slot} extract with all of "
                                  f"{', '.join(extract.required)} (any order; names are matched ignoring case).",
                   column=", ".join(missing))
    return None


_SEPARATOR_NAMES = {";": "semicolon", "\t": "tab", "|": "pipe"}


def _other_separator(header: str) -> str | None:
    """The name of the separator a one-column header is really split by ('semicolon', 'tab', 'pipe'), or None."""
    counts = {name: header.count(sep) for sep, name in _SEPARATOR_NAMES.items()}
    best = max(counts, key=counts.get)
    return best if counts[best] else None


def _rename_hints(missing: list[str], extra: list[str]) -> str:
    """" ('org_id' looks like orgid: rename it)" for the missing columns a file column looks like, else ""."""
    hints = []
    for name in missing:
        close = difflib.get_close_matches(name, [normalise_column_name(c) for c in extra], n=1, cutoff=0.75)
        if close:
            original = next(c for c in extra if normalise_column_name(c) == close[0])
            hints.append(f"{original!r} looks like {name}: rename it")
    return f" ({'; '.join(hints)})" if hints else ""



def format_name(path: Path) -> str:
    return "parquet" if extract_suffix(path) == ".parquet" else "CSV"


def first_line(exc: Exception, *paths: Path) -> str:
    """The first line of an error's text, with any of `paths` (and any other folder) cut to the file's name: a
    message never shows a server path."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    for path in paths:
        if path is not None:
            text = text.replace(str(path), Path(path).name)
    text = re.sub(r"(?:/[^/\s\"']+)+/([^/\s\"']+)", r"\1", text)
    return text[:200]


__all__ = ["REREAD_HINT", "first_line", "format_name", "inspect_extract", "reread_hint"]
