"""A SOURCE whose fullbas and simplebas are folders of many files (partitions), on the DuckDB engine.

Also holds the helpers the refresh and Spark tests share: `partitioned_copy` (a flat SOURCE split by month into
`fullbas/month=YYYY-MM/part-0001.csv.gz` files) and `version_contents` (everything a version holds, in a form that
compares equal when two versions hold the same data).
"""
from __future__ import annotations

import csv
import gzip
import json
import shutil
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from basstory.ingest.build import ingest
from basstory.ingest.partitions import list_parts, part_key, slot_hash
from basstory.ingest.sample import generate_sample
from basstory.ingest.store import DatasetStore
from basstory.ingest.validation import IngestError
from tests.extract_fixtures import (
    ORG_ACTIVE,
    USER_A,
    csv_text,
    default_fullbas_rows,
    fullbas_row,
    write_extracts,
)

_DATE_COLUMN = {"fullbas": "datestring", "simplebas": "datetime"}


def partitioned_copy(flat: Path, dest: Path, *, gzip_parts: bool = True) -> Path:
    """Copy the extracts in `flat` to `dest`, fullbas and simplebas split into one file per month of their date
    column (`<slot>/month=YYYY-MM/part-0001.csv[.gz]`, rows in their original order), orgcard as it is."""
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy(flat / "orgcard.csv", dest / "orgcard.csv")
    for slot, column in _DATE_COLUMN.items():
        with open(flat / f"{slot}.csv", newline="", encoding="utf-8") as handle:
            reader = csv.reader(handle)
            header = next(reader)
            at = header.index(column)
            months: dict[str, list[list[str]]] = {}
            for row in reader:
                months.setdefault(row[at][:7] or "none", []).append(row)
        for month, rows in months.items():
            folder = dest / slot / f"month={month}"
            folder.mkdir(parents=True)
            name = "part-0001.csv.gz" if gzip_parts else "part-0001.csv"
            opener = gzip.open if gzip_parts else open
            with opener(folder / name, "wt", newline="", encoding="utf-8") as out:
                writer = csv.writer(out, lineterminator="\n")
                writer.writerow(header)
                writer.writerows(rows)
    return dest


def move_month_out(source: Path, slot: str, month: str, aside: Path) -> Path:
    """Move one month's partition of `slot` out of `source` into `aside` (to add it back later)."""
    aside.mkdir(parents=True, exist_ok=True)
    target = aside / f"month={month}"
    shutil.move(str(source / slot / f"month={month}"), target)
    return target


#: Version files that say when or by which engine they were made, not what they hold.
_NOT_CONTENT = {"created_at", "engine"}


def version_contents(version_dir: Path, *, with_parts: bool = True) -> dict[str, object]:
    """Everything a version folder holds, comparable with ==: every parquet table as its rows sorted by every
    column (a table the app reads in order, runs_derived, is also compared in the order it was written), every .npy
    array, every JSON file (the manifest without created_at and engine). `parts/` is compared as the rows of each
    part."""
    found: dict[str, object] = {}
    for path in sorted(version_dir.rglob("*")):
        name = path.relative_to(version_dir).as_posix()
        if path.is_dir() or name.startswith("."):
            continue
        if name.startswith("parts/"):
            if with_parts and path.suffix == ".parquet":
                key = name.rsplit("/", 1)[0]
                found[key] = _sorted(pa.concat_tables([found[key], pq.read_table(path)]) if key in found
                                     else pq.read_table(path))
            continue
        if path.suffix == ".parquet":
            table = pq.read_table(path)
            found[name] = _sorted(table)
            if name in _SORTED_TABLES:
                found[name + ":order"] = table.select(["system", "run_utc"])
        elif path.suffix == ".npy":
            found[name] = _Array(np.load(path))
        elif path.suffix == ".json":
            data = json.loads(path.read_text(encoding="utf-8"))
            if isinstance(data, dict):
                data = {k: v for k, v in data.items() if k not in _NOT_CONTENT}
            found[name] = data
        elif path.suffix == ".txt":
            found[name] = path.read_text(encoding="utf-8").splitlines()[0]
    return found


class _Array:
    """A numpy array that compares with == as a whole (dtype, shape and values)."""

    def __init__(self, values: np.ndarray):
        self.values = values

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, _Array) and self.values.dtype == other.values.dtype
                and np.array_equal(self.values, other.values))

    def __repr__(self) -> str:
        return f"_Array({self.values.dtype}, {self.values.shape}, {self.values[:5]}...)"


#: Derived tables whose row order the app relies on (sorted by time or date).
_SORTED_TABLES = {"runs_derived.parquet"}


def _sorted(table: pa.Table) -> pa.Table:
    """The table's rows sorted by every column, with its column names and types. Not compared: the schema's
    metadata (the writer's name) and whether a column is marked as never null (DuckDB marks the columns it knows
    hold no NULL as required when it staged them straight from a CSV, not when from parquet parts)."""
    schema = pa.schema([pa.field(f.name, f.type, nullable=True) for f in table.schema])
    table = table.cast(schema)
    if table.num_rows == 0:
        return table
    return table.sort_by([(name, "ascending") for name in table.column_names])


def table_rows(table: pa.Table) -> list[tuple]:
    columns = [table.column(i).to_pylist() for i in range(table.num_columns)]
    return list(zip(*columns, strict=True)) if columns else []


@pytest.fixture(scope="module")
def flat_sample(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("flat")
    generate_sample(folder, scale=0.05, seed=11)
    return folder


def test_a_partitioned_source_gives_the_same_tables_as_its_flat_copy(flat_sample, tmp_path):
    flat = ingest(flat_sample, DatasetStore(tmp_path / "a")).version
    source = partitioned_copy(flat_sample, tmp_path / "parted")
    parted = ingest(source, DatasetStore(tmp_path / "b")).version
    assert parted.id != flat.id  # other files, so another version
    assert parted.manifest["rows"] == flat.manifest["rows"]
    assert parted.manifest["scope"] == flat.manifest["scope"]
    full = parted.manifest["sources"]["fullbas"]
    assert full["file"] == "fullbas/" and full["parts"] == len(list_parts(source / "fullbas", "fullbas")) > 3
    # every table but the staged runs (whose source_row is now a line of the part) is the same
    a, b = version_contents(flat.path), version_contents(parted.path, with_parts=False)
    for name in ("orgs.parquet", "runs_derived.parquet", "slot_cube.parquet", "chains.parquet",
                 "full_starts_us.npy", "full_ends_run.npy", "user_org_month.parquet"):
        assert a[name] == b[name], name
    # the staged runs too, but for source_row, now a line of the part
    assert _sorted(a["runs.parquet"].drop_columns(["source_row"])) == _sorted(
        b["runs.parquet"].drop_columns(["source_row"]))
    parts = json.loads((parted.path / "parts.json").read_text())["parts"]
    assert [p["file"] for p in parts] == [p.relpath for s in ("fullbas", "simplebas")
                                          for p in list_parts(source / s, s)]


def test_a_rejected_row_in_a_part_is_named_by_the_part_and_its_line(tmp_path):
    source = tmp_path / "src"
    write_extracts(source)
    (source / "fullbas.csv").unlink()
    first = source / "fullbas" / "day=2016-10-10"
    second = source / "fullbas" / "day=2016-10-11"
    first.mkdir(parents=True)
    second.mkdir(parents=True)
    rows = default_fullbas_rows()
    (first / "part-0001.csv").write_text(csv_text(rows[2:]), encoding="utf-8")
    bad = [*rows[:2], fullbas_row("2016-13-45", "10:00:00Z", USER_A, ORG_ACTIVE)]
    (second / "part-0001.csv").write_text(csv_text(bad), encoding="utf-8")
    result = ingest(source, DatasetStore(tmp_path / "store"))
    [finding] = [f for f in result.report.findings if f.column == "datestring"]
    assert finding.file == "fullbas/day=2016-10-11/part-0001.csv" and finding.rows == [4]
    stats = result.report.files["fullbas"]
    assert (stats["file"], stats["rows_read"], stats["rows_accepted"], stats["parts"]) == ("fullbas/", 4, 3, 2)


def test_a_failing_part_stops_the_ingest_and_writes_nothing(flat_sample, tmp_path):
    source = partitioned_copy(flat_sample, tmp_path / "parted")
    victim = list_parts(source / "simplebas", "simplebas")[3].path
    victim.write_bytes(victim.read_bytes()[: victim.stat().st_size // 2])  # a gzip cut short
    store = DatasetStore(tmp_path / "store")
    with pytest.raises(IngestError) as raised:
        ingest(source, store)
    assert any(f.severity == "error" and f.file.startswith("simplebas/month=") for f in raised.value.report.findings)
    assert store.versions() == [] and store.current() is None


def test_an_empty_partition_folder_is_refused(tmp_path):
    source = tmp_path / "src"
    write_extracts(source)
    (source / "simplebas.csv").unlink()
    (source / "simplebas").mkdir()
    (source / "simplebas" / "_SUCCESS").write_text("")
    with pytest.raises(IngestError, match="simplebas/ holds no"):
        ingest(source, DatasetStore(tmp_path / "store"))


def test_the_slot_hash_depends_on_each_part_path_and_content():
    assert slot_hash({"a/x.csv": "1", "a/y.csv": "2"}) == slot_hash({"a/y.csv": "2", "a/x.csv": "1"})
    assert slot_hash({"a/x.csv": "1"}) != slot_hash({"a/z.csv": "1"})
    assert slot_hash({"a/x.csv": "1"}) != slot_hash({"a/x.csv": "2"})
    assert part_key("a/x.csv", "1") != part_key("a/y.csv", "1")


def test_a_row_after_two_set_aside_rows_is_named_by_its_own_line(tmp_path):
    """Two rows in a row that do not split into the header's columns move every later row's line by two (found by
    comparing the engines: the DuckDB engine's line map took either of the two as the shift)."""
    text = csv_text(default_fullbas_rows()) + "2016-10-16,08:00:00Z,INFO,short,row\n" + \
        f"2016-10-16,08:00:00Z,INFO,{USER_A},{ORG_ACTIVE},A,V,C,1.0,extra,more\n" + \
        f"2016-10-17,08:00:00Z,INFO,{USER_A},{ORG_ACTIVE},A,V,C,-1\n"
    source = tmp_path / "src"
    write_extracts(source, fullbas_rows=text)
    report = ingest(source, DatasetStore(tmp_path / "store")).report
    assert next(f for f in report.findings if "could not be split" in f.message).rows == [5, 6]
    assert next(f for f in report.findings if "negative" in f.message).rows == [7]
