"""Finding and reading the raw extracts (fullbas, simplebas, orgcard) as DuckDB sees them.

Nothing here types or interprets values: every column is read as text (`all_varchar`), so no value is silently
coerced; `basstory.ingest.staging` does the typing and reports what does not parse.

Line numbers are the file's physical lines, as an editor shows them: the header is line 1, and a quoted field that
holds a line break moves every later row down by one (`basstory.ingest.lines.LineMap` counts them). A spreadsheet shows
such a file with fewer rows than it has lines; the report follows the text file, where the offending line can be
found. Parquet extracts have no lines: their rows are numbered as if they did (first row = 2).
"""
from __future__ import annotations

import codecs
import csv
import gzip
import hashlib
import zlib
from dataclasses import dataclass
from pathlib import Path

import duckdb

from basstory.core.schema import EXTRACTS, Extract
from basstory.core.text import fmt_bytes

#: File endings an extract may have, tried in this order.
SUPPORTED_SUFFIXES: tuple[str, ...] = (".csv", ".csv.gz", ".parquet")

#: How much of a CSV is decoded up front to tell UTF-8 from other encodings (DuckDB checks the rest while reading).
ENCODING_SAMPLE_BYTES = 1 << 20

_HASH_CHUNK_BYTES = 1 << 20


def extract_suffix(path: Path) -> str | None:
    """The supported ending of `path` ('.csv', '.csv.gz', '.parquet'), or None."""
    name = path.name.lower()
    for suffix in sorted(SUPPORTED_SUFFIXES, key=len, reverse=True):
        if name.endswith(suffix):
            return suffix
    return None


def expected_file_names(extract: Extract) -> list[str]:
    """The file names accepted for one extract: fullbas.csv, fullbas.csv.gz, fullbas.parquet."""
    return [extract.slot + suffix for suffix in SUPPORTED_SUFFIXES]


def find_extracts(folder: Path) -> dict[str, Path]:
    """Slot -> file for the extracts present in `folder` (names matched case-insensitively, e.g. FullBAS.CSV).

    Slots with no file are absent from the result. When one slot has several files (fullbas.csv and fullbas.parquet)
    the first of `SUPPORTED_SUFFIXES` wins; `ingest` reports the others as a warning.
    """
    found: dict[str, Path] = {}
    for slot, candidates in extract_candidates(Path(folder)).items():
        if candidates:
            found[slot] = candidates[0]
    return found


def extract_candidates(folder: Path) -> dict[str, list[Path]]:
    """Slot -> every file in `folder` named like that extract, best first (see `find_extracts`)."""
    candidates: dict[str, list[Path]] = {e.slot: [] for e in EXTRACTS}
    if not folder.is_dir():
        return candidates
    for path in sorted(folder.iterdir()):
        suffix = extract_suffix(path)
        if suffix is None or not path.is_file():
            continue
        stem = path.name[: -len(suffix)].lower()
        if stem in candidates:
            candidates[stem].append(path)
    for paths in candidates.values():
        paths.sort(key=lambda p: SUPPORTED_SUFFIXES.index(extract_suffix(p) or ".csv"))
    return candidates


class FileTooLarge(ValueError):
    """An extract over the size limit; the message names the file, its size and the limit."""


def check_size(path: Path, limit: int) -> None:
    """Refuse a file larger than `limit` bytes before anything reads it (only its size is looked at).

    Raises FileTooLarge. A .csv.gz is judged by its compressed size, the bytes that were handed over.
    """
    size = Path(path).stat().st_size
    if size > limit:
        raise FileTooLarge(f"{Path(path).name} is {fmt_bytes(size)}, more than the limit of "
                           f"{fmt_bytes(limit)} per file. Give a smaller extract (a shorter period), or "
                           f"gzip-compress it (.csv.gz) if it is a CSV.")



def sha256_of_file(path: Path) -> str:
    """The sha256 of the file's bytes, read in chunks so any size fits in memory."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(_HASH_CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass(frozen=True)
class TextSample:
    """What the start of a CSV extract says: blank, or `problem` = why it is not UTF-8 text (None when it is);
    `line` and `column` say where the first byte that is not UTF-8 is, when that is the problem and they are known."""

    is_empty: bool
    problem: str | None
    line: int | None = None
    column: str | None = None


def sample_text(path: Path) -> TextSample:
    """Decode the first `ENCODING_SAMPLE_BYTES` of a CSV (decompressed for .csv.gz) to check its encoding.

    Beyond the sample, DuckDB checks the encoding of the columns ingest stages while it reads them (a row with bad
    bytes there makes the file unusable); bytes in columns that are not staged are never decoded and do no harm.
    A UTF-8 byte-order mark is accepted. UTF-16/32 (with or without a byte-order mark) and bytes that are not UTF-8
    (typically Latin-1 / Windows-1252, as Excel writes "CSV" by default) are reported with what to do instead.
    """
    opener = gzip.open if extract_suffix(path) == ".csv.gz" else open
    try:
        with opener(path, "rb") as handle:
            raw = handle.read(ENCODING_SAMPLE_BYTES)
    except (OSError, EOFError, zlib.error) as exc:  # a corrupt or cut .gz lands here
        return TextSample(False, f"could not be read ({exc}): it is not a whole CSV or gzip-compressed CSV. Copy, "
                                 f"download or compress it again.")
    if not raw.strip(b"\xef\xbb\xbf \t\r\n"):
        return TextSample(True, None)
    save_as = "Save it as UTF-8 (in Excel: 'CSV UTF-8 (Comma delimited)') and ingest it again."
    if raw.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return TextSample(False, f"is encoded as UTF-32, not UTF-8. {save_as}")
    head = raw[:4096]
    # UTF-16 without a byte-order mark: ASCII text has a NUL in every other byte (one stray NUL is a bad value)
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or head.count(b"\x00") > len(head) // 4:
        return TextSample(False, f"is encoded as UTF-16 (Excel's 'Unicode text'), not UTF-8. {save_as}")
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    try:
        # final=False: the sample may end inside a multi-byte character
        decoder.decode(raw, final=len(raw) < ENCODING_SAMPLE_BYTES)
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        byte = raw[exc.start: exc.start + 1].hex().upper()
        return TextSample(False, f"is not UTF-8: byte 0x{byte} on line {line} is not valid UTF-8 (the file is "
                                 f"probably Latin-1 / Windows-1252). {save_as}",
                          line=line, column=_undecodable_column(raw, line))
    return TextSample(False, None)


def _undecodable_column(raw: bytes, line: int) -> str | None:
    """The header name of the first field on `line` (1-based) that is not UTF-8, when the line splits like the header
    (a quoted field spanning lines would make that a guess, so then None)."""
    lines = raw.split(b"\n")
    if line < 2 or line > len(lines):
        return None
    header = next(csv.reader([lines[0].decode("utf-8-sig", "replace").rstrip("\r")]), [])
    fields = next(csv.reader([lines[line - 1].decode("latin-1").rstrip("\r")]), [])
    if len(fields) != len(header):
        return None
    for name, text in zip(header, fields, strict=True):
        try:
            text.encode("latin-1").decode("utf-8")
        except UnicodeDecodeError:
            return name.strip()
    return None


def csv_read_sql(path: Path, rejects_table: str) -> str:
    """A `read_csv(...)` table function call that reads every column as text and keeps malformed rows aside.

    Folder names like `date=2017-03-01` in the path add no column (`hive_partitioning=false`).

    Rows that cannot be split into the header's columns (or are not valid UTF-8) go to `rejects_table` (DuckDB's
    reject store, with their line numbers) instead of failing the whole read.
    """
    return (
        f"read_csv({sql_literal(str(path))}, all_varchar=true, header=true, delim=',', quote='\"', escape='\"', "
        f"store_rejects=true, rejects_table={sql_literal(rejects_table)}, "
        f"rejects_scan={sql_literal(rejects_table + '_scan')}, hive_partitioning=false)"
    )


def parquet_read_sql(path: Path) -> str:
    """A `read_parquet(...)` table function call."""
    # a part of a partitioned extract (fullbas/date=2017-03-01/...) is read as itself: no column from its folder
    return f"read_parquet({sql_literal(str(path))}, hive_partitioning=false)"


def raw_read_sql(path: Path, rejects_table: str) -> str:
    """The table function reading `path`, whatever its supported format."""
    if extract_suffix(path) == ".parquet":
        return parquet_read_sql(path)
    return csv_read_sql(path, rejects_table)


def file_columns(con: duckdb.DuckDBPyConnection, path: Path) -> list[str]:
    """The column names of an extract as DuckDB names them (header order)."""
    source = raw_read_sql(path, "columns_probe_rejects")
    return [row[0] for row in con.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()]


def normalise_column_name(name: str) -> str:
    """Column names are matched case-insensitively after trimming (and dropping a stray byte-order mark)."""
    return name.replace("\ufeff", "").strip().lower()


def match_columns(extract: Extract, columns: list[str]) -> tuple[dict[str, str], list[str], list[str]]:
    """Map the extract's required columns to the file's columns.

    Returns (required name -> column name in the file, missing required names, extra file columns). When a name
    appears twice, the first one is used.
    """
    by_normal: dict[str, str] = {}
    for column in columns:
        by_normal.setdefault(normalise_column_name(column), column)
    mapping = {name: by_normal[name] for name in extract.required if name in by_normal}
    missing = [name for name in extract.required if name not in by_normal]
    extra = [c for c in columns if normalise_column_name(c) not in extract.required]
    return mapping, missing, extra


def looks_like(columns: list[str], slot: str) -> Extract | None:
    """The other extract whose required columns this file has (a file put in the wrong slot), or None."""
    normal = {normalise_column_name(c) for c in columns}
    best: tuple[float, Extract] | None = None
    for extract in EXTRACTS:
        if extract.slot == slot:
            continue
        share = len(normal & set(extract.required)) / len(extract.required)
        if share >= 0.8 and (best is None or share > best[0]):
            best = (share, extract)
    return best[1] if best else None


def sql_literal(text: str) -> str:
    """A SQL string literal."""
    return "'" + text.replace("'", "''") + "'"


def sql_identifier(name: str) -> str:
    """A SQL quoted identifier (file column names may hold spaces or capitals)."""
    return '"' + name.replace('"', '""') + '"'


__all__ = [
    "SUPPORTED_SUFFIXES", "FileTooLarge", "TextSample", "check_size", "csv_read_sql", "expected_file_names",
    "extract_candidates", "extract_suffix", "file_columns", "find_extracts", "looks_like", "match_columns",
    "normalise_column_name", "raw_read_sql", "sample_text", "sha256_of_file", "sql_identifier", "sql_literal",
]
