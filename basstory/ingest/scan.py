"""Reading limits, checked while a file is read: how big a file may get once decompressed, how many lines and columns
it may have, and how long one row may be; and line ends made uniform.

Every CSV extract is read once here, in 8 MB pieces (decompressed as it goes for a .csv.gz), before DuckDB reads it.
The pass stops at the first limit crossed, so a small .csv.gz that expands to gigabytes costs only the bytes read up to
the limit, and it finds what DuckDB's reader does not report well:

- **decompressed size**: more than `ReadLimits.max_bytes` of text, or, for a .csv.gz, more than
  `ReadLimits.max_expansion` times its compressed size once past `ReadLimits.expansion_floor` (a "zip bomb": real
  extracts compress 5 to 10 times; a small file may compress more without harm);
- **lines**: more than `ReadLimits.max_lines` (a row is at least one line, so this bounds the rows too);
- **columns**: a header with more than `ReadLimits.max_columns` fields (the extracts have 5 to 21);
- **row length**: a row longer than `ReadLimits.max_row_bytes` (rows of these extracts are under 1 KB). DuckDB's CSV
  reader drops a row of 40 MB or more without a word and numbers every later line one too low, so such a file is
  refused here, naming the line. A double quote that is never closed makes the rest of the file one "row", and is
  reported the same way;
- **line ends**: LF, CRLF and lone CR each end a line (as in an editor, whose line numbers the report uses). A file
  that mixes them, or uses lone CRs, is rewritten with LF line ends into the ingest's work folder (`normalised_copy`)
  and DuckDB reads the copy; the report still names the original file and its lines.

Quoted fields: a line end inside double quotes does not end the row (quotes are counted; `""` inside a quoted field
counts twice and so changes nothing), which is how the row length and the header are found.

Parquet extracts are checked from their footer (`check_parquet`): readable at all (a file cut short or another
format renamed .parquet is refused with parquet advice), rows, columns and uncompressed size within the same limits.
"""
from __future__ import annotations

import gzip
import os
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from basstory.core.text import fmt_bytes
from basstory.ingest.extracts import extract_suffix

CHUNK_BYTES = 8 * 1024 * 1024
_LF, _CR, _QUOTE, _COMMA = 10, 13, 34, 44


@dataclass(frozen=True)
class ReadLimits:
    """The limits one file is read under (see the module docstring). The defaults hold the largest benchmarked
    extract (scale 100: a 3.6 GB, 32M-line fullbas.csv) with room to spare."""

    max_bytes: int = 6 * 1024 ** 3
    max_lines: int = 60_000_000
    max_columns: int = 1_000
    max_row_bytes: int = 1024 ** 2
    max_expansion: int = 100
    expansion_floor: int = 64 * 1024 ** 2


DEFAULT_LIMITS = ReadLimits()


class FileRefused(ValueError):
    """A file over a reading limit; the message names the file, the line when there is one, and what to do."""

    def __init__(self, message: str, line: int | None = None):
        super().__init__(message)
        self.line = line


@dataclass(frozen=True)
class CsvScan:
    """What reading a CSV extract once found: decompressed bytes, physical lines (an editor's count), header
    columns, and how its lines end (`crlf`, `lone_cr`, `lone_lf` line ends)."""

    bytes: int
    lines: int
    header_columns: int
    crlf: int
    lone_cr: int
    lone_lf: int

    @property
    def needs_normalising(self) -> bool:
        """True when DuckDB could not read the line ends as they are: lone CRs, or CRLF mixed with LF."""
        return self.lone_cr > 0 or (self.crlf > 0 and self.lone_lf > 0)


def _open(path: Path):
    return gzip.open(path, "rb") if extract_suffix(path) == ".csv.gz" else open(path, "rb")


def _pieces(path: Path) -> Iterator[bytes]:
    """The file's (decompressed) bytes in CHUNK_BYTES pieces; a CR at the end of a piece is held back for the next one,
    so a CRLF is never split."""
    held = b""
    with _open(path) as handle:
        while chunk := handle.read(CHUNK_BYTES):
            data = held + chunk
            if data.endswith(b"\r"):
                data, held = data[:-1], b"\r"
            else:
                held = b""
            if data:
                yield data
    if held:
        yield held


def scan_csv(path: Path, limits: ReadLimits = DEFAULT_LIMITS) -> CsvScan:
    """Read a .csv or .csv.gz once under `limits` (see the module docstring); FileRefused at the first one crossed.

    OSError, EOFError and zlib.error (a cut or corrupt .gz) are left to the caller."""
    path = Path(path)
    name = path.name
    max_bytes = limits.max_bytes
    if extract_suffix(path) == ".csv.gz":
        max_bytes = min(max_bytes, max(limits.max_expansion * path.stat().st_size, limits.expansion_floor))
    offset = 0            # bytes before this piece
    lines_before = 0      # line ends before this piece
    parity = 0            # 1 while inside double quotes
    row_start = 0         # offset of the first byte of the row being read
    row_start_line = 1
    header_columns: int | None = None
    header_commas = 0
    crlf = lone_cr = lone_lf = 0
    for data in _pieces(path):
        a = np.frombuffer(data, dtype=np.uint8)
        if b"\r" in data:
            is_lf, is_cr = a == _LF, a == _CR
            cr_then_lf = np.zeros(len(a), dtype=bool)
            cr_then_lf[:-1] = is_cr[:-1] & is_lf[1:]
            lone_cr_mask = is_cr & ~cr_then_lf
            ends = np.flatnonzero(is_lf | lone_cr_mask)        # the last byte of each line end, in this piece
            n_crlf = int(np.count_nonzero(cr_then_lf))
            crlf += n_crlf
            lone_cr += int(np.count_nonzero(lone_cr_mask))
            lone_lf += int(np.count_nonzero(is_lf)) - n_crlf
        else:                                                   # the usual file: LF only, one comparison
            ends = np.flatnonzero(a == _LF)
            lone_lf += len(ends)
        if b'"' in data:
            quotes = np.bitwise_xor.accumulate((a == _QUOTE).view(np.uint8)) ^ parity
            row_ends = ends[quotes[ends] == 0] if len(ends) else ends
            end_parity = int(quotes[-1])
        else:                                                   # no quote: every line end ends a row, or none does
            row_ends = ends if parity == 0 else ends[:0]
            end_parity = parity
        if header_columns is None:
            stop = int(row_ends[0]) + 1 if len(row_ends) else len(a)
            header_commas += int(np.count_nonzero(a[:stop] == _COMMA))
            if len(row_ends):
                header_columns = header_commas + 1
                if header_columns > limits.max_columns:
                    raise FileRefused(f"the header (line 1) has {header_columns:,} columns; an extract has at most "
                                      f"{limits.max_columns:,}. Check that this is the right file and export it "
                                      f"again.", line=1)
        if len(row_ends):
            # each row's length, and the line it starts on: the line after the previous row's end
            end_offsets = offset + row_ends.astype(np.int64) + 1
            starts = np.concatenate(([row_start], end_offsets[:-1]))
            lengths = end_offsets - starts
            end_line_numbers = lines_before + (np.searchsorted(ends, row_ends) if len(row_ends) != len(ends)
                                               else np.arange(len(ends))) + 1
            longest = int(np.argmax(lengths))
            if lengths[longest] > limits.max_row_bytes:
                line = row_start_line if longest == 0 else int(end_line_numbers[longest - 1]) + 1
                raise _row_too_long(name, line, int(lengths[longest]), limits)
            row_start = int(end_offsets[-1])
            row_start_line = int(end_line_numbers[-1]) + 1
        parity = end_parity
        offset += len(a)
        lines_before += len(ends)
        if offset - row_start > limits.max_row_bytes:      # the row being read is already too long: stop here
            if header_columns is None:
                raise FileRefused(f"the header (line 1) is longer than {fmt_bytes(limits.max_row_bytes)}, with at "
                                  f"least {header_commas + 1:,} columns so far; an extract's header is under 1 KB. "
                                  f"Check that this is the right file and export it again.", line=1)
            raise _row_too_long(name, row_start_line, None, limits, unclosed=bool(parity))
        if offset > max_bytes:
            raise _too_big(name, path, offset, max_bytes, limits)
        if lines_before > limits.max_lines:
            raise FileRefused(f"the file has more than {limits.max_lines:,} lines, the most a file may have; "
                              f"reading stopped there. Give a shorter period.")
    trailing = 1 if offset > row_start else 0                # a last line without a line end
    if header_columns is None:
        header_columns = header_commas + 1 if offset else 0
    return CsvScan(bytes=offset, lines=lines_before + trailing, header_columns=header_columns, crlf=crlf,
                   lone_cr=lone_cr, lone_lf=lone_lf)


def _row_too_long(name: str, line: int, size: int | None, limits: ReadLimits, *,
                  unclosed: bool = False) -> FileRefused:
    limit = fmt_bytes(limits.max_row_bytes)
    size_text = f"is {fmt_bytes(size)} long, more than" if size is not None else "is longer than"
    cause = ("a double quote (\") opened there is probably never closed, which makes the rest of the file one row"
             if unclosed else "rows of the extracts are well under 1 KB, so the file is damaged or not an extract")
    return FileRefused(f"the row starting on line {line:,} {size_text} the limit of {limit} per row: {cause}. Fix "
                       f"or remove that line (or export the file again) and load it again.", line=line)


def _too_big(name: str, path: Path, read: int, max_bytes: int, limits: ReadLimits) -> FileRefused:
    if extract_suffix(path) == ".csv.gz" and max_bytes < limits.max_bytes:
        return FileRefused(f"the file expands to more than {limits.max_expansion} times its compressed size "
                           f"({fmt_bytes(path.stat().st_size)} compressed, more than {fmt_bytes(max_bytes)} "
                           f"decompressed, where reading stopped). Real extracts compress 5 to 10 times; check the "
                           f"file, and compress the extract itself again.")
    return FileRefused(f"the file holds more than {fmt_bytes(limits.max_bytes)} of text (decompressed), the most a "
                       f"file may have; reading stopped there. Give a shorter period.")


def normalised_copy(path: Path, target: Path) -> Path:
    """Write `path`'s text (decompressed) to `target` with every line end (CRLF, lone CR, LF) as LF; return target.

    Line numbers do not move: each line end stays one line end."""
    with open(target, "wb") as out:
        for data in _pieces(path):
            out.write(data.replace(b"\r\n", b"\n").replace(b"\r", b"\n"))
    return target


@dataclass(frozen=True)
class ParquetInfo:
    rows: int
    columns: int
    bytes: int


def check_parquet(path: Path, limits: ReadLimits = DEFAULT_LIMITS) -> ParquetInfo:
    """Rows, columns and uncompressed bytes from a parquet file's footer; FileRefused when it is not a readable
    parquet file or is over a limit."""
    import pyarrow.parquet as pq

    try:
        meta = pq.ParquetFile(path).metadata
    except Exception:  # pyarrow raises ArrowInvalid, OSError... for anything that is not a whole parquet file
        raise FileRefused("the file is not a readable parquet file: it may be cut short (an interrupted copy or "
                          "download) or be another format renamed .parquet. Export it again as parquet, or give the "
                          "extract as .csv or .csv.gz.") from None
    size = sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups))
    info = ParquetInfo(rows=int(meta.num_rows), columns=int(meta.num_columns), bytes=int(size))
    if info.columns > limits.max_columns:
        raise FileRefused(f"the file has {info.columns:,} columns; an extract has at most {limits.max_columns:,}. "
                          f"Check that this is the right file.")
    if info.rows > limits.max_lines:
        raise FileRefused(f"the file has {info.rows:,} rows, more than the {limits.max_lines:,} a file may have. "
                          f"Give a shorter period.")
    if info.bytes > limits.max_bytes:
        raise FileRefused(f"the file holds {fmt_bytes(info.bytes)} uncompressed, more than the "
                          f"{fmt_bytes(limits.max_bytes)} a file may have. Give a shorter period.")
    return info


def scan_extract(path: Path, limits: ReadLimits = DEFAULT_LIMITS) -> CsvScan | ParquetInfo:
    """`check_parquet` for a .parquet file, `scan_csv` otherwise. A cut or corrupt .csv.gz raises OSError, EOFError
    or zlib.error, which the caller reports."""
    if extract_suffix(Path(path)) == ".parquet":
        return check_parquet(path, limits)
    return scan_csv(path, limits)


def free_bytes(folder: Path) -> int:
    """Free space on the file system holding `folder`."""
    stat = os.statvfs(folder)
    return stat.f_bavail * stat.f_frsize


READ_ERRORS = (OSError, EOFError, zlib.error)

__all__ = ["DEFAULT_LIMITS", "READ_ERRORS", "CsvScan", "FileRefused", "ParquetInfo", "ReadLimits", "check_parquet",
           "free_bytes", "normalised_copy", "scan_csv", "scan_extract"]
