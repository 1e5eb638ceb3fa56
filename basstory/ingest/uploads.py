"""Uploaded extracts -> files on disk that `ingest` can read, and back to nothing when done.

An upload is what `st.file_uploader` returns (an in-memory `BytesIO` with `.name` and `.size`), or any binary file
object (tests use real files). `spooled_uploads` turns `{slot: upload}` into `{slot: path}`:

1. every upload is checked before anything is written: its size against the per-file limit (read from `.size`, or
   from the file system for a real file; the content is not touched), its name (base name only, and it must end in
   .csv, .csv.gz or .parquet: the ending tells ingest the format), no two uploads with the same name (the validation
   report names files, so names must tell them apart), and free disk space;
2. each upload is written under its original name into a private folder under the store's `tmp/`, in 8 MB slices of
   its bytes (memoryview slices: the upload is never copied whole, see `_slices`);
3. the folder is removed when the `with` block ends, whatever happened: ingest succeeded or failed, the spool broke
   mid-way, or the session went away.

`offending_lines` reads back the lines the validation report points at, for the page to show the rejected rows as
they were in the file; call it inside the `with` block, while the files exist.
"""
from __future__ import annotations

import contextlib
import gzip
import os
import re
import shutil
import zlib
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from basstory.core.schema import EXTRACT_BY_SLOT
from basstory.core.text import fmt_bytes
from basstory.ingest.extracts import SUPPORTED_SUFFIXES, extract_suffix
from basstory.ingest.store import DatasetStore

#: The largest file accepted per slot, in MB (Streamlit's unit: MiB). The analyst app is started with the same
#: `--server.maxUploadSize` (`make analyst`; the story's app takes none), and the page passes it to each uploader, so
#: the browser refuses bigger files first.
MAX_UPLOAD_MB = 1024
MAX_UPLOAD_BYTES = MAX_UPLOAD_MB * 1024 * 1024
#: Bytes written per slice while spooling.
CHUNK_BYTES = 8 * 1024 * 1024
#: Endings the uploaders accept (Streamlit matches the last ending, so "gz" admits .csv.gz).
UPLOAD_TYPES: tuple[str, ...] = ("csv", "gz", "parquet")
#: Room left on the disk beyond the spooled files: ingest writes parquet and may spill beside them.
FREE_SPACE_MARGIN_BYTES = 256 * 1024 * 1024
#: How much of one offending line is shown.
LINE_EXCERPT_CHARS = 300

OnFile = Callable[[str, str, int], None]


class UploadRefused(ValueError):
    """An upload that is not spooled (too big, badly named, no room); the message says which file and why."""



def upload_size(upload: Any) -> int:
    """The size of an upload in bytes, without reading it: `.size`, else the file's size on disk, else the
    length of its buffer."""
    size = getattr(upload, "size", None)
    if isinstance(size, int):
        return size
    fileno = getattr(upload, "fileno", None)
    if fileno is not None:
        with contextlib.suppress(OSError, ValueError):
            return os.fstat(fileno()).st_size
    if hasattr(upload, "getvalue"):
        return len(upload.getvalue())
    raise TypeError(f"cannot tell the size of {upload!r}: give it a .size, a file descriptor or a buffer")


#: The longest file name kept, in UTF-8 bytes (file systems allow 255; the report and the manifest show the name).
MAX_NAME_BYTES = 150


def safe_file_name(name: str) -> str:
    """The file's own name from what the browser sent: no folders, no control characters, not too long."""
    base = str(name).replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if ch.isprintable()).strip()
    if base in ("", ".", ".."):
        raise UploadRefused(f"an uploaded file has no usable name ({name!r}). Name it like fullbas.csv and upload "
                            f"it again.")
    if len(base.encode("utf-8")) > MAX_NAME_BYTES:
        raise UploadRefused(f"the file name {base[:40]}… is {len(base):,} characters long, more than the "
                            f"{MAX_NAME_BYTES} bytes a name may have. Rename it shorter (like fullbas.csv) and upload "
                            f"it again. Nothing was saved.")
    return base


def check_upload(upload: Any, limit: int | None = None) -> tuple[str, int]:
    """(safe name, size) of an upload that may be spooled; UploadRefused otherwise. Does not read the content.
    `limit` defaults to MAX_UPLOAD_BYTES."""
    limit = MAX_UPLOAD_BYTES if limit is None else limit
    name = safe_file_name(getattr(upload, "name", ""))
    size = upload_size(upload)
    if size > limit:
        raise UploadRefused(f"{name} is {fmt_bytes(size)}, over the limit of {fmt_bytes(limit)} per file. "
                            f"Nothing was saved. Compress it (.csv.gz) or convert it to .parquet and upload it again.")
    if extract_suffix(Path(name)) is None:
        raise UploadRefused(f"{name} is not named as an extract: the name must end in "
                            f"{', '.join(SUPPORTED_SUFFIXES)}, which tells the format. Rename it and upload again.")
    return name, size


def _slices(upload: Any) -> Iterator[bytes | memoryview]:
    """The upload's bytes in CHUNK_BYTES slices: views of its bytes when it is in memory, reads otherwise.

    For a BytesIO built from bytes (an UploadedFile is one), `getvalue()` hands back that very bytes object, so a
    memoryview of it slices without copying. `getbuffer()` would not: CPython makes the BytesIO's buffer private
    first, a full copy (1 GB more for a 1 GB upload); tests/test_uploads.py checks that no copy is made.
    """
    if hasattr(upload, "getvalue"):
        view = memoryview(upload.getvalue())
        for start in range(0, len(view), CHUNK_BYTES):
            yield view[start:start + CHUNK_BYTES]
        return
    if hasattr(upload, "seek"):
        upload.seek(0)
    while chunk := upload.read(CHUNK_BYTES):
        yield chunk


def _write_slice(handle, chunk: bytes | memoryview) -> None:
    handle.write(chunk)


def spool_upload(upload: Any, target: Path) -> Path:
    """Write one upload to `target` slice by slice; the partial file is removed if writing fails."""
    try:
        with open(target, "xb") as handle:
            for chunk in _slices(upload):
                _write_slice(handle, chunk)
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    return target


@contextlib.contextmanager
def spooled_uploads(uploads: Mapping[str, Any], store: DatasetStore, *, limit: int | None = None,
                    on_file: OnFile | None = None) -> Iterator[dict[str, Path]]:
    """Spool `{slot: upload}` to a private folder under `store.tmp_dir`; yield `{slot: path}`; always clean up.

    Every upload is checked first (see the module docstring), so a refused file means nothing was written.
    `on_file(slot, name, size)` is called before each file is written (the page reports progress with it).
    """
    unknown = sorted(set(uploads) - set(EXTRACT_BY_SLOT))
    if unknown:
        raise ValueError(f"unknown extract slot(s) {unknown}; the slots are {sorted(EXTRACT_BY_SLOT)}")
    checked = {slot: check_upload(upload, limit) for slot, upload in uploads.items()}
    names = [name for name, _ in checked.values()]
    doubled = sorted({n for n in names if names.count(n) > 1})
    if doubled:
        raise UploadRefused(f"two uploads are both named {doubled[0]}; the validation report names files, so rename "
                            f"one of them and upload again.")
    store.tmp_dir.mkdir(parents=True, exist_ok=True)
    needed = sum(size for _, size in checked.values()) + FREE_SPACE_MARGIN_BYTES
    free = shutil.disk_usage(store.tmp_dir).free
    if needed > free:
        raise UploadRefused(f"not enough disk space to save the upload: {fmt_bytes(needed)} needed, "
                            f"{fmt_bytes(free)} free. Nothing was saved. Ask the operator to free disk space.")
    folder = store.new_work_dir(prefix="upload-")
    try:
        paths: dict[str, Path] = {}
        for slot, upload in uploads.items():
            name, size = checked[slot]
            if on_file is not None:
                on_file(slot, name, size)
            paths[slot] = spool_upload(upload, folder / name)
        yield paths
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def offending_lines(path: Path, line_numbers: list[int], max_chars: int = LINE_EXCERPT_CHARS) -> dict[int, str]:
    """The text of the given lines (header = line 1) of a .csv or .csv.gz, each cut to `max_chars`.

    Reads up to the last line wanted, never more than a bounded piece of any one line (a file without line ends
    cannot fill memory). LF, CRLF and lone CR line ends all count, as in the report's line numbers. Empty for
    parquet files and unreadable files: the line numbers alone are shown then.
    """
    wanted = {n for n in line_numbers if n >= 1}
    suffix = extract_suffix(path)
    if not wanted or suffix in (None, ".parquet"):
        return {}
    last = max(wanted)
    found: dict[int, str] = {}
    piece = max_chars * 4  # UTF-8 takes at most 4 bytes a character
    opener = gzip.open if suffix == ".csv.gz" else open
    try:
        with opener(path, "rb") as handle:
            for number, (head, cut) in enumerate(_bounded_lines(handle, piece), start=1):
                if number > last:
                    break
                if number in wanted:
                    text = head.decode("utf-8", "replace")
                    found[number] = text[:max_chars] + ("…" if cut or len(text) > max_chars else "")
    except (OSError, EOFError, zlib.error):
        pass
    return found


_LINE_END = re.compile(rb"\r\n|\r|\n")


def _bounded_lines(handle, keep: int) -> Iterator[tuple[bytes, bool]]:
    """(the first `keep` bytes of each line, whether the line was longer) for every line of a binary file. LF, CRLF
    and a lone CR each end a line, as in an editor and in ingest's line numbers (`basstory.ingest.scan`)."""
    current, cut, skip_lf = bytearray(), False, False

    def take(part: bytes) -> None:
        nonlocal cut
        room = max(keep - len(current), 0)
        current.extend(part[:room])
        cut = cut or len(part) > room

    while block := handle.read(1 << 16):
        position = 0
        if skip_lf:
            skip_lf = False
            if block[:1] == b"\n":      # the LF of a CRLF split between two blocks
                position = 1
        for match in _LINE_END.finditer(block, position):
            take(block[position:match.start()])
            yield bytes(current), cut
            current, cut = bytearray(), False
            position = match.end()
        skip_lf = block.endswith(b"\r")
        take(block[position:])
    if current or cut:
        yield bytes(current), cut


def report_excerpts(paths: Mapping[str, Path], report) -> dict[str, dict[int, str]]:
    """For each uploaded file with findings that list lines: file name -> {line: text}."""
    excerpts: dict[str, dict[int, str]] = {}
    for path in paths.values():
        lines = [row for finding in report.findings if finding.file == path.name for row in finding.rows]
        if lines:
            found = offending_lines(path, lines)
            if found:
                excerpts[path.name] = found
    return excerpts
