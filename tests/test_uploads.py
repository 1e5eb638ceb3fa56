"""Uploads -> files for ingest: chunked spooling, limits checked before anything is read or written, clean-up in
every case, excerpts of offending lines, and concurrent activation."""
from __future__ import annotations

import gzip
import io
import threading
from pathlib import Path

import pytest
from streamlit.proto.Common_pb2 import FileURLs
from streamlit.runtime.uploaded_file_manager import UploadedFile, UploadedFileRec

from basstory.ingest import uploads, versions
from basstory.ingest.build import ingest
from basstory.ingest.store import DatasetStore
from basstory.ingest.uploads import UploadRefused
from tests.extract_fixtures import (
    ORG_ACTIVE,
    USER_A,
    csv_text,
    default_fullbas_rows,
    default_orgcard_rows,
    default_simplebas_rows,
    fullbas_row,
    write_extracts,
)

GB = 1024 ** 3


def uploaded(name: str, data: bytes | str) -> UploadedFile:
    """What st.file_uploader returns."""
    data = data.encode() if isinstance(data, str) else data
    return UploadedFile(UploadedFileRec(file_id=name, name=name, type="text/csv", data=data), FileURLs())


class HugeUpload:
    """An upload that says it is big and fails the test if anything reads it."""

    def __init__(self, name: str, size: int):
        self.name, self.size = name, size

    def getvalue(self):
        raise AssertionError("the content of a refused upload was read")

    read = getbuffer = getvalue


class BreaksMidway:
    """A streamed upload (no buffer, only read) whose transfer breaks after `good` bytes."""

    def __init__(self, name: str, data: bytes, good: int):
        self.name, self.size, self._stream, self._good = name, len(data), io.BytesIO(data), good

    def read(self, n: int = -1) -> bytes:
        if self._stream.tell() + n > self._good:
            raise ConnectionResetError("the upload was interrupted")
        return self._stream.read(n)


@pytest.fixture
def store(tmp_path) -> DatasetStore:
    """A store whose current version is the hand-made extracts, named as the bundled sample."""
    store = DatasetStore(tmp_path / "store")
    ingest(write_extracts(tmp_path / "first"), store, name=versions.BUNDLED_NAME, activate=True)
    return store


def leftovers(store: DatasetStore) -> list[Path]:
    return sorted(store.tmp_dir.rglob("*")) if store.tmp_dir.exists() else []


def state(store: DatasetStore) -> tuple[str, list[str]]:
    return store.current().id, [v.id for v in store.versions()]


# --- spooling -------------------------------------------------------------------------------------------------------

def test_uploads_are_written_in_slices_under_their_names_then_removed(store, monkeypatch):
    monkeypatch.setattr(uploads, "CHUNK_BYTES", 100)
    written = []
    real_write = uploads._write_slice
    monkeypatch.setattr(uploads, "_write_slice", lambda handle, chunk: (written.append(len(chunk)),
                                                                         real_write(handle, chunk)))
    full = csv_text(default_fullbas_rows() * 3).encode()
    orgs = gzip.compress(csv_text(default_orgcard_rows()).encode())
    seen = []
    with uploads.spooled_uploads({"fullbas": uploaded("Full BAS March.csv", full),
                                  "orgcard": uploaded("orgs.csv.gz", orgs)}, store,
                                 on_file=lambda *args: seen.append(args)) as paths:
        assert {slot: p.name for slot, p in paths.items()} == {"fullbas": "Full BAS March.csv",
                                                               "orgcard": "orgs.csv.gz"}
        assert paths["fullbas"].read_bytes() == full and paths["orgcard"].read_bytes() == orgs
        assert all(store.tmp_dir in p.parents for p in paths.values())
    assert seen == [("fullbas", "Full BAS March.csv", len(full)), ("orgcard", "orgs.csv.gz", len(orgs))]
    assert max(written) == 100 and sum(written) == len(full) + len(orgs)
    assert leftovers(store) == []


def test_the_spool_does_not_copy_the_upload(store):
    data = b"x" * (16 * 1024 * 1024)
    upload = uploaded("fullbas.csv", data)
    with uploads.spooled_uploads({"fullbas": upload}, store) as paths:
        assert paths["fullbas"].stat().st_size == len(data)
    # An UploadedFile shares the bytes it was made from until something asks for a writable buffer: getbuffer()
    # would have made it copy them (1 GB more for a 1 GB upload), after which getvalue() returns the copy.
    assert upload.getvalue() is data


def test_an_upload_too_big_is_refused_before_it_is_read(store):
    before = state(store)
    with pytest.raises(UploadRefused) as refused:  # noqa: SIM117
        with uploads.spooled_uploads({"fullbas": HugeUpload("fullbas.csv", 2 * GB)}, store):
            pytest.fail("the block must not run")
    message = str(refused.value)
    assert "fullbas.csv is 2.0 GB, over the limit of 1.0 GB per file" in message
    assert "Nothing was saved" in message
    assert leftovers(store) == [] and state(store) == before


def test_a_sparse_2_gb_file_is_refused_by_its_size_alone(store, tmp_path):
    sparse = tmp_path / "simplebas.csv"
    with open(sparse, "wb") as handle:
        handle.truncate(2 * GB)  # no blocks allocated: nothing of it is in memory or on disk
    with open(sparse, "rb") as handle:
        reads = []
        real_read = handle.read

        class Spy:
            name = handle.name
            fileno = handle.fileno

            def read(self, n=-1):
                reads.append(n)
                return real_read(n)

        with pytest.raises(UploadRefused, match=r"simplebas.csv is 2.0 GB, over the limit of 1.0 GB"):
            with uploads.spooled_uploads({"simplebas": Spy()}, store):
                pass
    assert reads == [] and leftovers(store) == []


def test_one_refused_file_means_none_is_written(store):
    with pytest.raises(UploadRefused, match="orgcard.csv is 1.5 GB"):
        with uploads.spooled_uploads({"fullbas": uploaded("fullbas.csv", "x"),
                                      "orgcard": HugeUpload("orgcard.csv", GB + GB // 2)}, store):
            pass
    assert leftovers(store) == []


def test_the_limit_is_inclusive_and_configurable(store):
    assert uploads.check_upload(HugeUpload("fullbas.csv", uploads.MAX_UPLOAD_BYTES)) == ("fullbas.csv",
                                                                                          uploads.MAX_UPLOAD_BYTES)
    with pytest.raises(UploadRefused, match="over the limit of 10 B"):
        uploads.check_upload(uploaded("fullbas.csv", "12345678901"), limit=10)


def test_an_upload_interrupted_midway_leaves_nothing(store, monkeypatch):
    monkeypatch.setattr(uploads, "CHUNK_BYTES", 64)
    before = state(store)
    data = csv_text(default_fullbas_rows() * 50).encode()
    with pytest.raises(ConnectionResetError):
        with uploads.spooled_uploads({"orgcard": uploaded("orgcard.csv", csv_text(default_orgcard_rows())),
                                      "fullbas": BreaksMidway("fullbas.csv", data, good=len(data) // 2)},
                                     store) as paths:
            ingest(paths, store, activate=True)
            pytest.fail("ingest must not run on a broken upload")
    assert leftovers(store) == []
    assert state(store) == before


def test_a_disk_that_fills_up_midway_leaves_nothing(store, monkeypatch):
    monkeypatch.setattr(uploads, "CHUNK_BYTES", 64)
    before = state(store)
    calls = []

    def write_until_full(handle, chunk):
        calls.append(len(chunk))
        if len(calls) == 5:
            raise OSError(28, "No space left on device")
        handle.write(chunk)

    monkeypatch.setattr(uploads, "_write_slice", write_until_full)
    with pytest.raises(OSError, match="No space left"):
        with uploads.spooled_uploads({"fullbas": uploaded("fullbas.csv", csv_text(default_fullbas_rows() * 9))},
                                     store):
            pytest.fail("the block must not run")
    assert len(calls) == 5 and leftovers(store) == [] and state(store) == before


def test_the_spool_is_removed_when_ingest_fails(store):
    before = state(store)
    cut_gzip = gzip.compress(csv_text(default_fullbas_rows() * 200).encode())[:-40]
    with pytest.raises(Exception, match="could not be ingested"):
        with uploads.spooled_uploads({"fullbas": uploaded("fullbas.csv.gz", cut_gzip)}, store) as paths:
            ingest(paths, store, activate=True)
    assert leftovers(store) == [] and state(store) == before


@pytest.mark.parametrize(("name", "expected"), [
    ("fullbas.csv", "fullbas.csv"),
    ("FullBAS March 2019.CSV.GZ", "FullBAS March 2019.CSV.GZ"),
    ("exports/fullbas.parquet", "fullbas.parquet"),
    ("C:\\Users\\ana\\fullbas.csv", "fullbas.csv"),
    ("../../etc/cron.d/x.csv", "x.csv"),
    ("tab\tand\nnewline.csv", "tabandnewline.csv"),
])
def test_file_names_keep_only_the_name(name, expected):
    assert uploads.check_upload(HugeUpload(name, 10))[0] == expected


@pytest.mark.parametrize(("name", "reason"), [
    ("", "no usable name"),
    ("..", "no usable name"),
    ("dir/", "no usable name"),
    ("fullbas.txt", "must end in .csv, .csv.gz, .parquet"),
    ("fullbas.gz", "must end in .csv, .csv.gz, .parquet"),
    ("fullbas.xlsx", "must end in .csv, .csv.gz, .parquet"),
])
def test_unusable_names_are_refused(name, reason):
    with pytest.raises(UploadRefused, match=reason):
        uploads.check_upload(HugeUpload(name, 10))


def test_two_uploads_with_one_name_are_refused(store):
    with pytest.raises(UploadRefused, match="both named export.csv"):
        with uploads.spooled_uploads({"fullbas": uploaded("export.csv", "a"),
                                      "simplebas": uploaded("export.csv", "b")}, store):
            pass
    assert leftovers(store) == []


def test_an_unknown_slot_is_a_programming_error(store):
    with pytest.raises(ValueError, match="unknown extract slot"):
        with uploads.spooled_uploads({"users": uploaded("users.csv", "a")}, store):
            pass


def test_no_room_on_disk_is_refused_before_writing(store, monkeypatch):
    class Usage:
        free = 1024

    monkeypatch.setattr(uploads.shutil, "disk_usage", lambda path: Usage())
    with pytest.raises(UploadRefused, match="not enough disk space"):
        with uploads.spooled_uploads({"fullbas": uploaded("fullbas.csv", "a")}, store):
            pass
    assert leftovers(store) == []


@pytest.mark.parametrize(("n", "text"), [
    (0, "0 B"), (812, "812 B"), (1024, "1.0 KB"), (3_565_158, "3.4 MB"), (GB, "1.0 GB"), (2 * GB, "2.0 GB"),
    (5000 * GB, "5,000.0 GB"),
])
def test_fmt_bytes(n, text):
    assert uploads.fmt_bytes(n) == text


# --- a subset of the extracts, end to end -----------------------------------------------------------------------------

def test_a_subset_upload_takes_the_other_extracts_from_the_current_version(store):
    first = store.current()
    rows = default_fullbas_rows() + [fullbas_row("2016-11-01", "10:00:00Z", USER_A, ORG_ACTIVE.lower())]
    with uploads.spooled_uploads({"fullbas": uploaded("fullbas-nov.csv", csv_text(rows))}, store) as paths:
        result = ingest(paths, store, name="November", activate=False)
    new = result.version
    assert store.current() == first and not result.activated
    sources = new.manifest["sources"]
    assert sources["fullbas"]["file"] == "fullbas-nov.csv" and sources["fullbas"]["reused_from"] is None
    assert sources["simplebas"]["reused_from"] == first.id and sources["orgcard"]["reused_from"] == first.id
    assert new.manifest["rows"] == {"full": 4, "simple": 3, "orgs": 4}
    assert leftovers(store) == []


# --- the lines a finding points at ------------------------------------------------------------------------------------

def test_offending_lines_are_read_back_as_they_are_in_the_file(tmp_path):
    text = "h1,h2\na,1\nb,2\n" + "c," + "x" * 1000 + "\nd,4"
    plain = tmp_path / "f.csv"
    plain.write_text(text)
    packed = tmp_path / "f.csv.gz"
    packed.write_bytes(gzip.compress(text.encode()))
    for path in (plain, packed):
        lines = uploads.offending_lines(path, [1, 3, 4, 5, 99], max_chars=20)
        assert lines == {1: "h1,h2", 3: "b,2", 4: "c," + "x" * 18 + "…", 5: "d,4"}
    assert uploads.offending_lines(tmp_path / "f.parquet", [2]) == {}
    assert uploads.offending_lines(plain, []) == {}


def test_report_excerpts_show_the_rejected_rows(store):
    rows = default_fullbas_rows()
    rows[1] = {**rows[1], "datestring": "not a date"}
    with uploads.spooled_uploads({"fullbas": uploaded("fullbas.csv", csv_text(rows))}, store) as paths:
        result = ingest(paths, store)
        excerpts = uploads.report_excerpts(paths, result.report)
    finding = next(f for f in result.report.findings if f.column == "datestring")
    assert finding.rows == [3]
    assert excerpts == {"fullbas.csv": {3: csv_text(rows).splitlines()[2]}}
    assert "not a date" in excerpts["fullbas.csv"][3]


# --- two analysts at once ---------------------------------------------------------------------------------------------

def test_two_analysts_activating_at_once_leave_one_consistent_current(store, tmp_path):
    first = store.current()
    second = ingest(write_extracts(tmp_path / "second", simplebas_rows=default_simplebas_rows()[:2]), store).version
    start = threading.Barrier(3)
    errors, seen = [], set()

    def analyst(version_id):
        start.wait()
        try:
            for _ in range(40):
                versions.switch_to(store, version_id)
        except Exception as error:  # noqa: BLE001 - any failure fails the test
            errors.append(error)

    def viewer():
        start.wait()
        for _ in range(200):
            current = store.current()  # a viewer's pin_version: never missing, never half-written
            seen.add(current.id if current else None)

    threads = [threading.Thread(target=analyst, args=(v.id,)) for v in (first, second)]
    threads.append(threading.Thread(target=viewer))
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert seen <= {first.id, second.id}
    assert (store.root / "CURRENT").read_text() in (f"{first.id}\n", f"{second.id}\n")
    assert not (store.root / "CURRENT.tmp").exists()


def test_two_analysts_uploading_and_activating_at_once(store):
    before = {v.id for v in store.versions()}
    start = threading.Barrier(2)
    results, errors = {}, []

    def analyst(label, rows):
        try:
            start.wait()
            with uploads.spooled_uploads({"fullbas": uploaded(f"{label}.csv", csv_text(rows))}, store) as paths:
                result = ingest(paths, store, name=label)
            versions.switch_to(store, result.version.id)
            results[label] = result.version.id
        except Exception as error:  # noqa: BLE001
            errors.append(error)

    threads = [threading.Thread(target=analyst, args=("ana", default_fullbas_rows()[:1])),
               threading.Thread(target=analyst, args=("ben", default_fullbas_rows()[:2]))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert {v.id for v in store.versions()} == before | set(results.values())
    assert store.current().id in results.values()
    assert leftovers(store) == []


# --- hostile names, line ends -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("chunk", [1, 2, 7, 1 << 16])
def test_offending_lines_count_crlf_and_lone_cr_as_line_ends(tmp_path, monkeypatch, chunk):
    """Lines: 'h' LF | 'a' CRLF | 'b' CR | 'c' LF | 'd': the same numbering as the report's (an editor's)."""
    path = tmp_path / "f.csv"
    path.write_bytes(b"h\na\r\nb\rc\nd")
    real_open = open

    class Small:
        def __init__(self, *args):
            self.handle = real_open(*args)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.handle.close()

        def read(self, n):
            return self.handle.read(min(n, chunk))

    monkeypatch.setattr(uploads, "open", Small, raising=False)
    assert uploads.offending_lines(path, [1, 2, 3, 4, 5]) == {1: "h", 2: "a", 3: "b", 4: "c", 5: "d"}


def test_a_300_character_name_is_refused_without_a_server_path(store):
    name = "x" * 296 + ".csv"
    with pytest.raises(UploadRefused) as refused:
        with uploads.spooled_uploads({"fullbas": uploaded(name, csv_text(default_fullbas_rows()))}, store):
            pass
    message = str(refused.value)
    assert "is 300 characters long, more than the 150 bytes a name may have" in message
    assert "Errno" not in message and str(store.root) not in message
    assert leftovers(store) == []


def test_an_upload_named_like_a_pattern_is_read_alone(store):
    """'*.csv' is a file name, not a pattern: ingest reads that file (1 run), not every CSV spooled beside it."""
    full = uploaded("*.csv", csv_text(default_fullbas_rows()[:1]))
    simple = uploaded("simplebas.csv", csv_text(default_simplebas_rows()))
    with uploads.spooled_uploads({"fullbas": full, "simplebas": simple}, store) as paths:
        result = ingest(paths, store)
    assert result.version.manifest["rows"]["full"] == 1
    assert result.version.manifest["sources"]["fullbas"]["file"] == "*.csv"


def test_no_room_message_shows_no_server_path(store, monkeypatch):
    class Usage:
        free = 10

    monkeypatch.setattr(uploads.shutil, "disk_usage", lambda path: Usage())
    with pytest.raises(UploadRefused) as refused:
        with uploads.spooled_uploads({"fullbas": uploaded("fullbas.csv", "a,b\n")}, store):
            pass
    assert str(store.root) not in str(refused.value) and "Ask the operator" in str(refused.value)
