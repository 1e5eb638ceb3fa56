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

import basstory.ingest.store
from basstory.ingest.extracts import FileTooLarge, check_size
from basstory.ingest.build import IngestResult, ingest
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
