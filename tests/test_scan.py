"""Reading limits and line ends (basstory.ingest.scan), on hand-written bytes, with pieces small enough that line
ends and quotes fall on the boundaries between them."""
from __future__ import annotations

import gzip

import pytest

import basstory.ingest.scan as scan
from basstory.ingest.scan import FileRefused, ReadLimits, normalised_copy, scan_csv

TEXT = b'a,b\r\n1,"x\ny"\r2,3\n4,"5\r\n6"\r\n7,8'
# lines: 'a,b' CRLF | '1,"x' LF | 'y"' CR | '2,3' LF | '4,"5' CRLF | '6"' CRLF | '7,8' (no end): 7 lines, 5 rows


@pytest.mark.parametrize("chunk", [1, 2, 3, 5, 1 << 20])
@pytest.mark.parametrize("packed", [False, True])
def test_counts_do_not_depend_on_where_pieces_end(tmp_path, monkeypatch, chunk, packed):
    monkeypatch.setattr(scan, "CHUNK_BYTES", chunk)
    path = tmp_path / ("x.csv.gz" if packed else "x.csv")
    path.write_bytes(gzip.compress(TEXT) if packed else TEXT)
    found = scan_csv(path, ReadLimits(max_expansion=1000))
    assert (found.bytes, found.lines, found.header_columns) == (len(TEXT), 7, 2)
    assert (found.crlf, found.lone_cr, found.lone_lf) == (3, 1, 2)
    assert found.needs_normalising


@pytest.mark.parametrize("chunk", [1, 4, 1 << 20])
def test_the_longest_row_is_found_across_pieces(tmp_path, monkeypatch, chunk):
    """Rows: 'a,b\\n' (4 bytes), '1,"x\\ny"\\n' (8 bytes, lines 2-3), '2,3\\n' (4). A limit of 7 refuses the row that
    starts on line 2; a limit of 8 lets the file through."""
    monkeypatch.setattr(scan, "CHUNK_BYTES", chunk)
    path = tmp_path / "x.csv"
    path.write_bytes(b'a,b\n1,"x\ny"\n2,3\n')
    with pytest.raises(FileRefused) as refused:
        scan_csv(path, ReadLimits(max_row_bytes=7))
    assert refused.value.line == 2
    assert scan_csv(path, ReadLimits(max_row_bytes=8)).lines == 4


def test_lf_only_and_crlf_only_files_are_read_as_they_are(tmp_path):
    (tmp_path / "lf.csv").write_bytes(b"a,b\n1,2\n")
    (tmp_path / "crlf.csv").write_bytes(b"a,b\r\n1,2\r\n")
    assert not scan_csv(tmp_path / "lf.csv").needs_normalising
    assert not scan_csv(tmp_path / "crlf.csv").needs_normalising


def test_normalised_copy_keeps_every_line(tmp_path, monkeypatch):
    monkeypatch.setattr(scan, "CHUNK_BYTES", 3)
    (tmp_path / "x.csv").write_bytes(TEXT)
    copy = normalised_copy(tmp_path / "x.csv", tmp_path / "y.csv")
    assert copy.read_bytes() == b'a,b\n1,"x\ny"\n2,3\n4,"5\n6"\n7,8'


def test_a_header_longer_than_a_piece_is_named_as_the_header(tmp_path, monkeypatch):
    """A header of 300,000 columns ('c,' repeated: 600 KB) read in 64 KB pieces, with a row limit of 100 KB: refused
    as the header once 100 KB are read, counting the columns seen so far (100 KB / 2 bytes a column, whole pieces)."""
    monkeypatch.setattr(scan, "CHUNK_BYTES", 64 * 1024)
    path = tmp_path / "x.csv"
    path.write_bytes(b"c," * 300_000 + b"c\n1\n")
    with pytest.raises(FileRefused) as refused:
        scan_csv(path, ReadLimits(max_row_bytes=100 * 1024))
    assert refused.value.line == 1
    assert "the header (line 1) is longer than 100.0 KB, with at least 65,537 columns so far" in str(refused.value)
