"""Bad input ingest must survive: one test per kind of file an analyst may hand over.

Every test checks what the report says (the file, the column and the lines where there are any) and that the store
is left as it was: the version that was current stays current and readable, and no temporary file is left behind.
The decision for each kind of input (refused, accepted, rows kept or left out) is stated in the test's docstring.
"""
from __future__ import annotations

import codecs
import gzip
import shutil
import threading
from pathlib import Path

import pyarrow.parquet as pq
import pytest

import basstory.ingest.build
import basstory.ingest.scan
import basstory.ingest.store
from basstory.core.text import fmt_bytes
from basstory.ingest.build import IngestResult, ingest
from basstory.ingest.extracts import FileTooLarge, check_size
from basstory.ingest.scan import ReadLimits
from basstory.ingest.store import DatasetStore
from basstory.ingest.validation import Finding, IngestError
from tests.extract_fixtures import (
    ORG_ACTIVE,
    USER_A,
    csv_text,
    default_fullbas_rows,
    default_orgcard_rows,
    default_simplebas_rows,
    fullbas_row,
    simplebas_row,
    write_extracts,
)

FULLBAS_HEADER = "datestring,timestring,level,userid,orgid,reportname,versioncode,countrycode,runtime"


def full_line(time: str = "10:00:00Z", runtime: str = "1.5", level: str = "INFO") -> str:
    """One Full BAS data line (no line end) for hand-written CSV text."""
    return (f"2016-10-11,{time},{level},{USER_A},{ORG_ACTIVE.lower()},ActivityStatement,VERSION/AU,CNTRY/AU,"
            f"{runtime}")


@pytest.fixture(scope="module")
def template_store(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("template")
    write_extracts(folder / "good")
    ingest(folder / "good", DatasetStore(folder / "store"), name="the good extracts")
    return folder / "store"


@pytest.fixture
def store(tmp_path, template_store) -> DatasetStore:
    """A store whose current version is the default extracts."""
    shutil.copytree(template_store, tmp_path / "store")
    return DatasetStore(tmp_path / "store")


def assert_store_as_it_was(store: DatasetStore, before_id: str) -> None:
    """The version current before is still current and readable, and nothing temporary is left under the store."""
    current = store.current()
    assert current is not None and current.id == before_id
    assert pq.read_table(current.runs_path).num_rows == 6 and pq.read_table(current.orgs_path).num_rows == 4
    assert current.report().ok
    assert not store.tmp_dir.exists() or not any(store.tmp_dir.iterdir())
    assert not [p.name for p in store.root.iterdir() if p.name.endswith(".tmp")]


def refused(store: DatasetStore, sources, **kwargs) -> Finding:
    """Ingest that must fail with exactly one error; returns it after checking the store."""
    before = store.current().id
    with pytest.raises(IngestError) as caught:
        ingest(sources, store, activate=True, **kwargs)
    assert_store_as_it_was(store, before)
    (error,) = caught.value.report.errors
    assert str(error) in str(caught.value)
    return error


def accepted(store: DatasetStore, sources) -> IngestResult:
    """Ingest that must succeed (not activated); the new version is readable and the old one still current."""
    before = store.current().id
    result = ingest(sources, store)
    assert result.report.ok, result.report.summary_lines()
    assert pq.read_table(result.version.runs_path).num_rows == sum(result.version.manifest["rows"][s]
                                                                   for s in ("full", "simple"))
    assert_store_as_it_was(store, before)
    return result


def full_runs(version) -> list[dict]:
    """A version's Full BAS runs in file order (runs.parquet promises no order)."""
    return sorted((r for r in pq.read_table(version.runs_path).to_pylist() if r["system"] == "full"),
                  key=lambda r: r["source_row"])


# --- files that are refused ------------------------------------------------------------------------------------------


def test_file_in_the_wrong_slot(tmp_path, store):
    """Refused: the error says which extract the file looks like and where to put it."""
    error = refused(store, write_extracts(tmp_path / "in", simplebas_rows=default_orgcard_rows()))
    assert error.file == "simplebas.csv"
    assert "has the columns of the orgcard extract (orgcard.csv)" in error.message


def test_missing_column(tmp_path, store):
    """Refused: the missing columns are named, with the columns the file does have."""
    rows = [{k: v for k, v in r.items() if k != "statementmonth"} for r in default_simplebas_rows()]
    error = refused(store, write_extracts(tmp_path / "in", simplebas_rows=rows))
    assert (error.file, error.column) == ("simplebas.csv", "statementmonth")
    assert "required column(s) missing: statementmonth" in error.message
    assert "The file has: userid, shortcode, statementyear, datetime" in error.message


def test_renamed_column(tmp_path, store):
    """Refused, with a hint: a column that looks like a renamed required one is pointed out."""
    rows = [{("org_id" if k == "orgid" else k): v for k, v in r.items()} for r in default_fullbas_rows()]
    error = refused(store, write_extracts(tmp_path / "in", fullbas_rows=rows))
    assert (error.file, error.column) == ("fullbas.csv", "orgid")
    assert "missing: orgid ('org_id' looks like orgid: rename it)" in error.message


def test_header_only(tmp_path, store):
    """Refused: a header with no rows is not an extract (it would empty the story)."""
    error = refused(store, write_extracts(tmp_path / "in", orgcard_rows=csv_text(default_orgcard_rows()[:1])
                                          .splitlines(keepends=True)[0]))
    assert error.file == "orgcard.csv" and "header but no data rows" in error.message


def test_zero_bytes(tmp_path, store):
    """Refused before DuckDB reads it."""
    error = refused(store, write_extracts(tmp_path / "in", fullbas_rows=""))
    assert error.file == "fullbas.csv" and "empty (0 bytes)" in error.message


def test_latin1_text(tmp_path, store):
    """Refused, naming the line and the column of the first byte that is not UTF-8, and how to save as UTF-8."""
    folder = tmp_path / "in"
    write_extracts(folder)
    rows = default_simplebas_rows()
    rows[1]["shortcode"] = "!abçDE"
    (folder / "simplebas.csv").write_bytes(csv_text(rows).encode("latin-1"))
    error = refused(store, folder)
    assert (error.file, error.column, error.rows) == ("simplebas.csv", "shortcode", [3])
    assert "byte 0xE7 on line 3 is not valid UTF-8" in error.message and "Save it as UTF-8" in error.message


def test_utf16_text_with_byte_order_mark(tmp_path, store):
    """Refused: Excel's 'Unicode text' is UTF-16; the message says so and how to save as UTF-8."""
    folder = tmp_path / "in"
    write_extracts(folder)
    (folder / "orgcard.csv").write_bytes(codecs.BOM_UTF16_LE + csv_text(default_orgcard_rows())
                                         .encode("utf-16-le"))
    error = refused(store, folder)
    assert error.file == "orgcard.csv"
    assert "UTF-16" in error.message and "Save it as UTF-8" in error.message


def test_semicolon_delimited(tmp_path, store):
    """Refused, not sniffed: files saved with semicolons usually carry decimal commas too (runtime 4,396793)."""
    text = csv_text(default_fullbas_rows()).replace(",", ";")
    error = refused(store, write_extracts(tmp_path / "in", fullbas_rows=text))
    assert error.file == "fullbas.csv"
    assert "semicolon-delimited: save as comma-separated" in error.message


def test_corrupt_gzip(tmp_path, store):
    """Refused: a .csv.gz that is not gzip at all, named in the error."""
    folder = tmp_path / "in"
    write_extracts(folder)
    (folder / "fullbas.csv").unlink()
    (folder / "fullbas.csv.gz").write_bytes(b"\x1f\x8b\x08\x00" + b"this is not deflate data" * 50)
    error = refused(store, folder)
    assert error.file == "fullbas.csv.gz" and "could not be read" in error.message


def test_truncated_gzip(tmp_path, store):
    """Refused: a gzip stream cut short (a partial download) is caught while reading, and named."""
    folder = tmp_path / "in"
    write_extracts(folder)
    packed = gzip.compress(csv_text(default_simplebas_rows() * 20000).encode())
    (folder / "simplebas.csv").unlink()
    (folder / "simplebas.csv.gz").write_bytes(packed[: len(packed) * 2 // 3])
    error = refused(store, folder)
    assert error.file == "simplebas.csv.gz" and "could not be read" in error.message


def test_file_over_the_size_limit(tmp_path, store, monkeypatch):
    """Refused from its size alone, before a byte is read or hashed (a sparse 2 GB file costs no disk)."""
    folder = tmp_path / "in"
    write_extracts(folder)
    with open(folder / "fullbas.csv", "r+b") as handle:
        handle.truncate(2 * 1024 ** 3)

    def no_reading(path):
        raise AssertionError(f"{path} was read")

    monkeypatch.setattr(basstory.ingest.store, "sha256_of_file", no_reading)
    error = refused(store, folder, max_bytes=1024 ** 3)
    assert error.file == "fullbas.csv"
    assert "fullbas.csv is 2.0 GB, more than the limit of 1.0 GB per file" in error.message
    with pytest.raises(FileTooLarge, match="fullbas.csv is 2.0 GB"):
        check_size(folder / "fullbas.csv", 1024 ** 3)
    check_size(folder / "simplebas.csv", 1024 ** 3)  # under the limit: no complaint


# --- files that are accepted, whole or in part ----------------------------------------------------------------------


def test_utf8_byte_order_mark(tmp_path, store):
    """Accepted: Excel's 'CSV UTF-8' starts with a byte-order mark; the first column's name is still found."""
    folder = tmp_path / "in"
    write_extracts(folder)
    (folder / "fullbas.csv").write_bytes(codecs.BOM_UTF8 + (folder / "fullbas.csv").read_bytes())
    result = accepted(store, folder)
    assert not result.report.findings
    assert full_runs(result.version) == full_runs(store.current())


def test_crlf_line_ends(tmp_path, store):
    """Accepted: Windows line ends; a bad value is still reported on its own line and no value keeps a '\\r'."""
    rows = default_fullbas_rows() + [fullbas_row("2016-10-11", "10:00:00Z", USER_A, ORG_ACTIVE.lower(), "x")]
    result = accepted(store, write_extracts(tmp_path / "in", fullbas_rows=csv_text(rows).replace("\n", "\r\n")))
    (warning,) = result.report.warnings
    assert (warning.file, warning.column, warning.rows) == ("fullbas.csv", "runtime", [5])
    assert full_runs(result.version) == full_runs(store.current())


def test_quoted_commas_and_line_breaks(tmp_path, store):
    """Accepted: quoted fields may hold commas and line breaks. Reported lines and source_row are the file's
    physical lines (an editor's), so a field spanning two lines moves every later row down by one."""
    text = "\n".join([
        FULLBAS_HEADER,
        full_line("10:00:00Z", level='"INFO, with a comma"'),   # line 2
        full_line("10:00:01Z", level='"IN\nFO"'),               # lines 3-4
        full_line("10:00:02Z", level='"I\nN\nFO"'),             # lines 5-7
        full_line("10:00:03Z", runtime="fast"),                 # line 8: bad
        full_line("10:00:04Z"),                                 # line 9
    ]) + "\n"
    result = accepted(store, write_extracts(tmp_path / "in", fullbas_rows=text))
    (warning,) = result.report.warnings
    assert (warning.file, warning.column, warning.rows) == ("fullbas.csv", "runtime", [8])
    assert [r["source_row"] for r in full_runs(result.version)] == [2, 3, 5, 9]
    lines = text.split("\n")
    assert lines[8 - 1].endswith("fast") and lines[9 - 1].startswith("2016-10-11,10:00:04Z")


def test_truncated_last_line(tmp_path, store):
    """Accepted in part: a last line cut short (an interrupted export) is set aside and reported with its line
    number; the rows before it are kept."""
    text = "\n".join([FULLBAS_HEADER, full_line("10:00:00Z"), full_line("10:00:01Z"), full_line("10:00:02Z")[:40]])
    result = accepted(store, write_extracts(tmp_path / "in", fullbas_rows=text))
    (warning,) = result.report.warnings
    assert (warning.file, warning.rows, warning.count) == ("fullbas.csv", [4], 1)
    assert "could not be split" in warning.message and "cut short" in warning.message
    assert [r["source_row"] for r in full_runs(result.version)] == [2, 3]
    stats = result.report.files["fullbas"]
    assert (stats["rows_read"], stats["rows_accepted"], stats["rows_rejected"]) == (3, 2, 1)


def test_duplicate_runs_are_kept_and_reported(tmp_path, store):
    """Accepted, repeats kept: a report run twice within the same instant (a double click, a retry) is real and
    the extract cannot tell it from a row exported twice, so the repeats are counted and listed, not dropped."""
    rows = default_simplebas_rows()
    rows += [rows[0], rows[2], dict(rows[0])]  # lines 5, 6, 7 repeat lines 2, 4, 2
    rows.append(simplebas_row("2017-09-15 01:54:13", rows[0]["userid"], "!ABCDE", "2017", "7"))  # another period
    result = accepted(store, write_extracts(tmp_path / "in", simplebas_rows=rows))
    (warning,) = result.report.warnings
    assert (warning.file, warning.rows, warning.count) == ("simplebas.csv", [5, 6, 7], 3)
    assert "repeat the time, user, organisation and statement period of an earlier row exactly, e.g. lines 2 and 5" \
        in warning.message and "kept" in warning.message
    assert result.version.manifest["rows"]["simple"] == 7


def test_run_times_in_the_future_or_before_2010_are_warned_and_kept(tmp_path, store):
    """Accepted, kept as they are: an odd time may still be a real run; the warnings name column and lines."""
    rows = default_fullbas_rows() + [
        fullbas_row("2099-01-01", "00:00:00Z", USER_A, ORG_ACTIVE.lower()),   # line 5: future
        fullbas_row("2009-12-31", "23:59:59Z", USER_A, ORG_ACTIVE.lower()),   # line 6: before 2010
    ]
    result = accepted(store, write_extracts(tmp_path / "in", fullbas_rows=rows))
    future, early = result.report.warnings
    assert (future.file, future.column, future.rows) == ("fullbas.csv", "datestring", [5])
    assert "later than the time of this ingest" in future.message and "kept as they are" in future.message
    assert (early.column, early.rows) == ("datestring", [6]) and "before 2010" in early.message
    assert len(full_runs(result.version)) == 5


def test_negative_runtime_is_emptied_and_missing_runtime_kept_empty(tmp_path, store):
    """Accepted, runs kept: a negative runtime is a clock error, not a reason to lose the run, so it is emptied
    (null), as is a missing one; both are warned about with their lines."""
    rows = default_fullbas_rows()
    rows[1]["runtime"] = "-1.5"  # line 3
    rows[2]["runtime"] = ""      # line 4
    result = accepted(store, write_extracts(tmp_path / "in", fullbas_rows=rows))
    by_column = {(w.column, w.rows[0]): w for w in result.report.warnings}
    assert set(by_column) == {("runtime", 3), ("runtime", 4)}
    assert "negative" in by_column["runtime", 3].message and "kept with this value empty" in \
        by_column["runtime", 3].message
    assert "are empty" in by_column["runtime", 4].message
    runtimes = {r["source_row"]: r["runtime_s"] for r in full_runs(result.version)}
    assert runtimes == {2: 4.396793, 3: None, 4: None}


def test_a_runtime_longer_than_a_day_is_emptied(tmp_path, store):
    """Accepted, run kept: a runtime over a day is a clock error; emptied, with its line, so it cannot stretch the Full
    BAS load over years of empty minutes. A day exactly is kept."""
    rows = default_fullbas_rows()
    rows[1]["runtime"] = "86400.5"      # line 3
    rows[2]["runtime"] = "86400"        # line 4
    result = accepted(store, write_extracts(tmp_path / "in", fullbas_rows=rows))
    (warning,) = result.report.warnings
    assert (warning.file, warning.column, warning.rows) == ("fullbas.csv", "runtime", [3])
    assert "longer than a day" in warning.message and "kept with this value empty" in warning.message
    runtimes = {r["source_row"]: r["runtime_s"] for r in full_runs(result.version)}
    assert runtimes == {2: 4.396793, 3: None, 4: 86400.0}


def test_two_writers_activating_at_once(tmp_path, store):
    """Both ingests succeed; the store ends with exactly one CURRENT naming one of the two, a complete version."""
    write_extracts(tmp_path / "a", fullbas_rows=default_fullbas_rows()[:1])
    write_extracts(tmp_path / "b", fullbas_rows=default_fullbas_rows()[:2])
    barrier = threading.Barrier(2)
    results: dict[str, IngestResult] = {}
    errors: list[BaseException] = []

    def writer(key: str) -> None:
        barrier.wait()
        try:
            results[key] = ingest(tmp_path / key, DatasetStore(store.root), activate=True)
        except BaseException as exc:  # noqa: BLE001 - handed back to the test thread
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(key,)) for key in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors and set(results) == {"a", "b"}
    assert all(r.activated and not r.cache_hit for r in results.values())
    assert results["a"].version.id != results["b"].version.id
    current_text = (store.root / "CURRENT").read_text()
    assert current_text.count("\n") == 1 and current_text.strip() in {r.version.id for r in results.values()}
    current = store.current()
    for key, full in (("a", 1), ("b", 2)):
        version = store.get(results[key].version.id)
        assert version.manifest["rows"]["full"] == full
        assert pq.read_table(version.runs_path).num_rows == full + 3
    assert pq.read_table(current.runs_path).num_rows == current.manifest["rows"]["full"] + 3
    assert len(store.versions()) == 3
    assert not any(store.tmp_dir.iterdir())
    assert not [p.name for p in store.root.iterdir() if p.name.endswith(".tmp")]


# --- reading limits and line ends (basstory.ingest.scan) -------------------------------------------------------------

def lines_text(*lines: str, end: str = "\n") -> str:
    return end.join(lines) + end


@pytest.mark.parametrize("line_end", ["\r\n", "\r"])
def test_one_crlf_or_cr_line_in_an_lf_file(tmp_path, store, line_end):
    """Accepted: LF, CRLF and lone CR all end a line, mixed in one file. Line 3 ends with `line_end`; the bad runtime
    on line 5 is reported as line 5 (an editor's count, each line end counted once) and no value keeps a '\\r'."""
    text = (FULLBAS_HEADER + "\n" + full_line("10:00:00Z") + "\n" + full_line("10:00:01Z") + line_end
            + full_line("10:00:02Z") + "\n" + full_line("10:00:03Z", runtime="x") + "\n"
            + full_line("10:00:04Z") + "\n")
    result = accepted(store, write_extracts(tmp_path / "in", fullbas_rows=text))
    (warning,) = result.report.warnings
    assert (warning.file, warning.column, warning.rows) == ("fullbas.csv", "runtime", [5])
    runs = full_runs(result.version)
    assert [r["source_row"] for r in runs] == [2, 3, 4, 6]
    assert [r["runtime_s"] for r in runs] == [1.5, 1.5, 1.5, 1.5]
    stats = result.report.files["fullbas"]
    assert (stats["rows_read"], stats["rows_accepted"], stats["rows_rejected"]) == (5, 4, 1)


def test_cr_only_file_with_a_quoted_line_break(tmp_path, store):
    """Accepted: an old-Mac file (CR line ends only) whose quoted field holds a CR line break: lines 3-4 are one
    row, so the bad runtime after it is on line 5."""
    text = lines_text(FULLBAS_HEADER, full_line("10:00:00Z"), full_line("10:00:01Z", level='"IN\rFO"'),
                      full_line("10:00:02Z", runtime="x"), end="\r")
    result = accepted(store, write_extracts(tmp_path / "in", fullbas_rows=text))
    (warning,) = result.report.warnings
    assert (warning.column, warning.rows) == ("runtime", [5])
    assert [r["source_row"] for r in full_runs(result.version)] == [2, 3]


def test_a_45_mb_row_after_30000_rows_is_refused_with_its_line(tmp_path, store):
    """Refused, never dropped without a word: DuckDB's reader loses a row of 40 MB or more and numbers every later
    line one too low. Header = line 1, 30,000 rows = lines 2-30,001, so the long row is line 30,002."""
    lines = [FULLBAS_HEADER] + [full_line(f"10:{i // 60 % 60:02d}:{i % 60:02d}Z") for i in range(30_000)]
    lines += [full_line("11:00:00Z", level="X" * 45_000_000), full_line("11:00:01Z")]
    error = refused(store, write_extracts(tmp_path / "in", fullbas_rows=lines_text(*lines)))
    assert (error.file, error.rows, error.count) == ("fullbas.csv", [30_002], 1)
    assert "the row starting on line 30,002 is longer than the limit of 1.0 MB per row" in error.message
    assert "Fix or remove that line" in error.message


def test_a_2_mb_row_is_refused_with_its_size_and_line(tmp_path, store):
    """Refused: a complete 2 MB row (line 3) is named with its size."""
    text = lines_text(FULLBAS_HEADER, full_line("10:00:00Z"), full_line("10:00:01Z", level="X" * (2 * 1024 ** 2)),
                      full_line("10:00:02Z"))
    error = refused(store, write_extracts(tmp_path / "in", fullbas_rows=text))
    assert error.rows == [3] and "the row starting on line 3 is 2.0 MB long, more than the limit" in error.message


def test_a_quote_never_closed_is_blamed_on_its_line(tmp_path, store):
    """Refused: a double quote opened on line 3 and never closed makes the rest of the file one row; the limit is
    set at 1 KB here so a few hundred lines show it."""
    lines = [FULLBAS_HEADER, full_line("10:00:00Z"), full_line("10:00:01Z", level='"INFO')]
    lines += [full_line(f"10:01:{i % 60:02d}Z") for i in range(200)]
    error = refused(store, write_extracts(tmp_path / "in", fullbas_rows=lines_text(*lines)),
                    limits=ReadLimits(max_row_bytes=1024))
    assert error.rows == [3] and "never closed" in error.message


def test_gzip_bomb_is_stopped_while_reading(tmp_path, store, monkeypatch):
    """Refused while reading: a .csv.gz of 600,000 identical lines (about 70 MB of text) compresses more than 100
    times; reading stops once it has expanded past 100 x its compressed size and past the 64 MB floor below which a
    small file may compress as it likes, before the end."""
    folder = tmp_path / "in"
    write_extracts(folder)
    text = lines_text(FULLBAS_HEADER, *[full_line("10:00:00Z")] * 600_000).encode()
    packed = gzip.compress(text, compresslevel=1)
    floor = ReadLimits().expansion_floor
    assert len(text) > max(100 * len(packed), floor)
    (folder / "fullbas.csv").unlink()
    (folder / "fullbas.csv.gz").write_bytes(packed)
    read = []
    original = basstory.ingest.scan._open

    class Counting:
        def __init__(self, handle):
            self.handle = handle

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.handle.close()

        def read(self, n):
            chunk = self.handle.read(n)
            read.append(len(chunk))
            return chunk

    monkeypatch.setattr(basstory.ingest.scan, "_open",          # count what is read of the .gz alone
                        lambda path: Counting(original(path)) if path.name.endswith(".gz") else original(path))
    monkeypatch.setattr(basstory.ingest.scan, "CHUNK_BYTES", 64 * 1024)
    error = refused(store, folder)
    assert error.file == "fullbas.csv.gz"
    assert "expands to more than 100 times its compressed size" in error.message
    assert sum(read) <= max(100 * len(packed), floor) + 64 * 1024 < len(text)


def test_decompressed_bytes_lines_and_columns_have_limits(tmp_path, store):
    """Refused, each with the limit in the message: more text than max_bytes, more lines than max_lines, a header
    with more columns than max_columns."""
    rows = [full_line(f"10:00:{i:02d}Z") for i in range(20)]
    text = lines_text(FULLBAS_HEADER, *rows)
    error = refused(store, write_extracts(tmp_path / "a", fullbas_rows=text), limits=ReadLimits(max_lines=10))
    assert "more than 10 lines" in error.message
    paths = write_extracts(tmp_path / "b", fullbas_rows=text)
    limit = max(paths["simplebas"].stat().st_size, paths["orgcard"].stat().st_size)   # only fullbas is over it
    assert paths["fullbas"].stat().st_size > limit
    error = refused(store, paths, limits=ReadLimits(max_bytes=limit))
    assert error.file == "fullbas.csv"
    assert f"holds more than {fmt_bytes(limit)} of text (decompressed)" in error.message
    error = refused(store, write_extracts(tmp_path / "c", fullbas_rows=text), limits=ReadLimits(max_columns=20))
    assert error.file == "orgcard.csv" and error.rows == [1]
    assert "the header (line 1) has 21 columns; an extract has at most 20" in error.message


def test_a_million_column_header(tmp_path, store):
    """Refused with the count, not 'Out of Memory' and quote advice: 1,000,001 columns of 'a'."""
    text = ",".join(["a"] * 1_000_001) + "\n" + full_line() + "\n"
    error = refused(store, write_extracts(tmp_path / "in", fullbas_rows=text))
    assert "the header (line 1) has 1,000,001 columns; an extract has at most 1,000" in error.message


def test_disk_check_counts_decompressed_bytes(tmp_path, store, monkeypatch):
    """Refused when the disk cannot hold the decompressed text plus a margin: the three default files hold
    header + rows of text, counted after decompression (the .gz is smaller)."""
    folder = tmp_path / "in"
    paths = write_extracts(folder)
    text_bytes = sum(p.stat().st_size for p in paths.values())
    (folder / "fullbas.csv.gz").write_bytes(gzip.compress(paths["fullbas"].read_bytes()))
    paths["fullbas"].unlink()
    monkeypatch.setattr(basstory.ingest.build, "free_bytes", lambda folder: 256 * 1024 * 1024 + text_bytes - 1)
    error = refused(store, folder)
    assert "there is not enough disk space to check the files" in error.message
    assert f"hold {fmt_bytes(text_bytes)} decompressed" in error.message
    monkeypatch.setattr(basstory.ingest.build, "free_bytes", lambda folder: 256 * 1024 * 1024 + text_bytes)
    accepted(store, folder)


def test_nul_byte_in_a_userid_is_rejected(tmp_path, store):
    """Rows left out and reported: a NUL byte (or another control character) inside an id would make a phantom
    user; line 3's userid has one."""
    rows = default_fullbas_rows()
    rows[1]["userid"] = USER_A[:8] + "\x00" + USER_A[8:]
    result = accepted(store, write_extracts(tmp_path / "in", fullbas_rows=rows))
    (warning,) = result.report.warnings
    assert (warning.column, warning.rows, warning.count) == ("userid", [3], 1)
    assert "control character (such as a NUL byte)" in warning.message
    assert [r["source_row"] for r in full_runs(result.version)] == [2, 4]


def test_boolean_payingflag_in_parquet(tmp_path, store):
    """Accepted: a parquet orgcard whose flags are BOOLEAN columns reads them as 1 / 0, as the CSV has them."""
    import pyarrow as pa

    folder = tmp_path / "in"
    paths = write_extracts(folder)
    rows = default_orgcard_rows()
    columns = {name: [str(r[name]) for r in rows] for name in rows[0]}
    columns["payingflag"] = [r["payingflag"] == "1" for r in rows]
    columns["managedbypracticeflag"] = [r["managedbypracticeflag"] == "1" for r in rows]
    pq.write_table(pa.table(columns), folder / "orgcard.parquet")
    paths["orgcard"].unlink()
    result = accepted(store, folder)
    assert not result.report.findings
    orgs = {r["org_key"]: r for r in pq.read_table(result.version.orgs_path).to_pylist()}
    assert [orgs[r["organisationid"]]["paying"] for r in rows] == [True, True, True, False]
    assert [orgs[r["organisationid"]]["managed_by_practice"] for r in rows] == [True, False, True, True]


@pytest.mark.parametrize("content", [b"PAR1 this is a CSV renamed .parquet", "cut"])
def test_fake_or_truncated_parquet_gets_parquet_advice(tmp_path, store, content):
    """Refused with parquet advice, not CSV advice (no word of commas or UTF-8)."""
    folder = tmp_path / "in"
    paths = write_extracts(folder)
    if content == "cut":
        import pyarrow.csv as pcsv

        pq.write_table(pcsv.read_csv(paths["simplebas"]), folder / "whole.parquet")
        whole = (folder / "whole.parquet").read_bytes()
        (folder / "whole.parquet").unlink()
        content = whole[: len(whole) - 20]
    (folder / "simplebas.parquet").write_bytes(content)
    paths["simplebas"].unlink()
    error = refused(store, folder)
    assert error.file == "simplebas.parquet"
    assert "not a readable parquet file" in error.message and "comma" not in error.message


def test_file_named_like_a_glob_pattern_reads_only_itself(tmp_path, store):
    """Accepted, reading the file itself: a file named '*.csv' beside others is never taken as a pattern (DuckDB
    would read every CSV in the folder)."""
    folder = tmp_path / "in"
    paths = write_extracts(folder)
    star = folder / "*.csv"
    star.write_text(csv_text(default_fullbas_rows()[:1]), encoding="utf-8")
    result = accepted(store, {"fullbas": star, "simplebas": paths["simplebas"], "orgcard": paths["orgcard"]})
    assert result.version.manifest["rows"]["full"] == 1
    assert result.report.files["fullbas"]["file"] == "*.csv"


def test_reader_errors_never_show_a_server_path():
    """A DuckDB message names the file, never its folder."""
    from basstory.ingest.inspection import first_line

    error = Exception('Invalid Input Error: Error when sniffing file "/srv/data/store/tmp/upload-x/fullbas.csv".\nmore')
    assert first_line(error, Path("/srv/data/store/tmp/upload-x/fullbas.csv")) == \
        'Invalid Input Error: Error when sniffing file "fullbas.csv".'
    assert first_line(Exception("cannot open /var/tmp/a/b/orgcard.parquet now")) == \
        "cannot open orgcard.parquet now"
