"""Ingest of well-formed extracts: the staged tables value by value, scope counts, formats, re-use and the cache."""
from __future__ import annotations

import gzip
import json
import os
import time
from datetime import datetime
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from basstory.core.schema import ORGS_COLUMNS, RUNS_COLUMNS, SCOPE_REASONS
from basstory.ingest.build import find_extracts, ingest
from basstory.ingest.store import DatasetStore
from tests.extract_fixtures import (
    ORG_ACTIVE,
    ORG_CASESAKE,
    ORG_DELETED,
    ORG_FREE,
    ORG_UNKNOWN,
    USER_A,
    USER_B,
    USER_C,
    csv_text,
    default_fullbas_rows,
    default_orgcard_rows,
    default_simplebas_rows,
    fullbas_row,
    orgcard_row,
    simplebas_row,
    write_extracts,
    write_table,
)

#: A real org table of the case study, an optional test input: BASSTORY_REFERENCE_ORGCARD names it, else a checkout
#: of the case study's materials beside the project may hold one. The test is skipped without it.
REFERENCE_ORGCARD = Path(os.environ.get("BASSTORY_REFERENCE_ORGCARD")
                         or Path(__file__).resolve().parents[2] / "shared" / "reference" / "orgcard.csv")


def read_runs(version) -> list[dict]:
    """The staged runs, Full BAS first, each system in file order (runs.parquet itself promises no order)."""
    return sorted(pq.read_table(version.runs_path).to_pylist(), key=lambda r: (r["system"], r["source_row"]))


def read_orgs(version) -> dict[str, dict]:
    return {row["org_key"]: row for row in pq.read_table(version.orgs_path).to_pylist()}


@pytest.fixture
def store(tmp_path) -> DatasetStore:
    return DatasetStore(tmp_path / "store")


@pytest.fixture
def default_version(tmp_path, store):
    write_extracts(tmp_path / "in")
    return ingest(tmp_path / "in", store, name="defaults")


def test_runs_table_has_the_schema_columns_and_types(default_version):
    table = pq.read_table(default_version.version.runs_path)
    assert tuple(table.column_names) == RUNS_COLUMNS
    assert table.schema.field("run_utc").type == pa.timestamp("us")  # naive: UTC by contract
    assert table.schema.field("runtime_s").type == pa.float64()
    assert pa.types.is_integer(table.schema.field("statement_year").type)
    assert pa.types.is_integer(table.schema.field("source_row").type)


def test_runs_are_staged_exactly(default_version):
    runs = read_runs(default_version.version)
    expected = [
        # file order, Full BAS first; 4 fractional digits, none, 1
        ("full", datetime(2016, 10, 11, 23, 55, 52, 211900), USER_A, ORG_ACTIVE.lower(), ORG_ACTIVE, 4.396793,
         None, None, 2),
        ("full", datetime(2016, 10, 12, 1, 2, 3), USER_B, ORG_DELETED.lower(), ORG_DELETED, 1.5, None, None, 3),
        ("full", datetime(2016, 10, 10, 8, 0, 0, 500000), USER_A, ORG_UNKNOWN.lower(), None, 0.25, None, None, 4),
        # shortcodes resolve case-sensitively: !abcDE and !ABCDE are two orgs
        ("simple", datetime(2017, 9, 15, 1, 54, 13), USER_B, "!ABCDE", ORG_CASESAKE, None, 2017, 8, 2),
        ("simple", datetime(2017, 9, 14, 22, 0, 0), USER_C, "!abcDE", ORG_ACTIVE, None, 2017, 6, 3),
        ("simple", datetime(2017, 9, 16, 10, 30, 0), USER_A, "!Free1", ORG_FREE, None, 2017, 9, 4),
    ]
    assert [tuple(r[c] for c in RUNS_COLUMNS) for r in runs] == expected


def test_orgs_are_staged_exactly(default_version):
    table = pq.read_table(default_version.version.orgs_path)
    assert tuple(table.column_names) == ORGS_COLUMNS
    orgs = read_orgs(default_version.version)
    assert list(orgs) == [ORG_ACTIVE, ORG_CASESAKE, ORG_DELETED, ORG_FREE]  # orgcard order
    assert orgs[ORG_ACTIVE] == {
        "org_key": ORG_ACTIVE, "shortcode": "!abcDE", "status": "Active", "paying": True,
        "plan": "Premium 5 + Expenses", "plan_family": "Premium 5", "tax_period": "Quarterly",
        "channel_type": "Accountant", "sales_channel": "Partner", "managed_by_practice": True, "staff_users": 8,
        "created_utc": datetime(2015, 10, 14, 5, 32, 10, 737000), "deleted_utc": None, "in_scope": True,
    }
    assert orgs[ORG_CASESAKE]["created_utc"] == datetime(2018, 8, 6, 0, 52, 15, 520000)
    assert orgs[ORG_CASESAKE]["tax_period"] == "Monthly"
    assert orgs[ORG_CASESAKE]["managed_by_practice"] is False
    assert orgs[ORG_CASESAKE]["staff_users"] == 3
    assert orgs[ORG_DELETED]["created_utc"] == datetime(2017, 6, 5, 1, 9, 52)
    assert orgs[ORG_DELETED]["tax_period"] == "Annual"
    assert orgs[ORG_DELETED]["deleted_utc"] == datetime(2018, 9, 14, 15, 30, 46, 980000)
    assert [orgs[k]["in_scope"] for k in orgs] == [True, True, False, False]
    assert orgs[ORG_FREE]["tax_period"] == "Other"  # salestaxperiod 'None'


@pytest.mark.parametrize("plan, family", [
    ("Standard", "Standard"), ("Premium 5 + Expenses", "Premium 5"), ("Premium 50 + Projects + Expenses", "Premium 50"),
    ("GST Cashbook", "GST Cashbook"), ("Unknown", "Unknown"),
])
def test_plan_family_strips_add_ons(tmp_path, store, plan, family):
    write_extracts(tmp_path / "in", orgcard_rows=[orgcard_row(ORG_ACTIVE, "!abcDE", productoption=plan)])
    orgs = read_orgs(ingest(tmp_path / "in", store).version)
    assert (orgs[ORG_ACTIVE]["plan"], orgs[ORG_ACTIVE]["plan_family"]) == (plan, family)


def test_scope_counts_by_reason(default_version):
    report = default_version.report
    assert report.scope == {"in_scope": 3, "org_unknown": 1, "org_deleted": 1, "org_suspended": 0,
                            "org_other_status": 0, "org_not_paying": 1}
    assert set(report.scope) == set(SCOPE_REASONS)
    assert report.scope_by_system["full"]["in_scope"] == 1
    assert report.scope_by_system["simple"] == {"in_scope": 2, "org_unknown": 0, "org_deleted": 0,
                                                "org_suspended": 0, "org_other_status": 0, "org_not_paying": 1}


def test_suspended_and_other_statuses_are_counted_apart(tmp_path, store):
    orgs = [orgcard_row(ORG_ACTIVE, "!a", organisationstatus="Suspended"),
            orgcard_row(ORG_DELETED, "!b", organisationstatus="Archived", payingflag="0")]
    runs = [simplebas_row("2017-01-01 00:00:00", USER_A, "!a"), simplebas_row("2017-01-01 00:00:01", USER_A, "!b")]
    result = ingest(write_extracts(tmp_path / "in", orgcard_rows=orgs, simplebas_rows=runs), store)
    assert result.report.scope_by_system["simple"]["org_suspended"] == 1
    assert result.report.scope_by_system["simple"]["org_other_status"] == 1  # status before paying


def test_manifest_and_report_describe_the_version(default_version):
    version = default_version.version
    manifest = version.manifest
    assert manifest["id"] == version.id and len(version.id) == 16
    assert manifest["name"] == "defaults"
    assert manifest["rows"] == {"full": 3, "simple": 3, "orgs": 4}
    assert manifest["period"] == {"first_run_utc": "2016-10-10T08:00:00.500000",
                                  "last_run_utc": "2017-09-16T10:30:00"}
    assert manifest["sources"]["fullbas"]["rows_read"] == 3
    assert manifest["sources"]["orgcard"]["file"] == "orgcard.csv"
    assert len(manifest["sources"]["simplebas"]["sha256"]) == 64
    assert datetime.fromisoformat(manifest["created_at"]).tzinfo is not None
    assert json.loads(version.report_path.read_text())["ok"] is True
    assert version.report().scope == default_version.report.scope
    assert default_version.report.files["fullbas"]["first_run_utc"] == "2016-10-10T08:00:00.500000"


def test_first_version_is_activated_later_ones_only_when_asked(tmp_path, store, default_version):
    assert default_version.activated and store.current() == default_version.version
    write_extracts(tmp_path / "next", fullbas_rows=default_fullbas_rows()[:2])
    second = ingest(tmp_path / "next", store)
    assert not second.activated and store.current() == default_version.version
    third = ingest(tmp_path / "next", store, activate=True)
    assert third.cache_hit and third.activated and store.current() == second.version


def test_cache_hit_returns_the_stored_version_quickly(tmp_path, store, default_version):
    started = time.perf_counter()
    again = ingest(tmp_path / "in", store)
    elapsed = time.perf_counter() - started
    assert again.cache_hit and again.version == default_version.version
    assert again.report.scope == default_version.report.scope
    assert elapsed < 0.5
    assert len(store.versions()) == 1


def test_identical_bytes_under_other_names_are_a_cache_hit(tmp_path, store, default_version):
    src = write_extracts(tmp_path / "in")
    copies = {slot: write_table(tmp_path / "elsewhere" / f"{slot}_copy.csv", path.read_text())
              for slot, path in src.items()}
    assert ingest(copies, store).cache_hit


def test_a_changed_file_of_the_same_size_is_not_a_cache_hit(tmp_path, store, default_version):
    path = tmp_path / "in" / "fullbas.csv"
    text = path.read_text()
    path.write_text(text.replace("4.396793", "4.396794"))  # same size, same second
    again = ingest(tmp_path / "in", store)
    assert not again.cache_hit and again.version.id != default_version.version.id


def test_column_order_case_and_extra_columns_do_not_matter(tmp_path, store, default_version):
    shuffled = [{" RunTime ": r["runtime"], "ORGID": r["orgid"], "note": "x", **{k: v for k, v in r.items()
                if k not in ("runtime", "orgid")}} for r in default_fullbas_rows()]
    write_extracts(tmp_path / "shuffled", fullbas_rows=shuffled)
    result = ingest(tmp_path / "shuffled", store)
    assert read_runs(result.version) == read_runs(default_version.version)
    assert result.report.files["fullbas"]["columns_extra"] == ["note"]
    assert any("extra columns ignored: note" in line for line in result.report.summary_lines())


@pytest.mark.parametrize("fmt", ["csv.gz", "parquet"])
def test_gzip_and_parquet_extracts_stage_the_same(tmp_path, store, default_version, fmt):
    folder = tmp_path / fmt
    folder.mkdir()
    con = duckdb.connect()
    for slot, rows in (("fullbas", default_fullbas_rows()), ("simplebas", default_simplebas_rows()),
                       ("orgcard", default_orgcard_rows())):
        target = folder / f"{slot}.{fmt}"
        if fmt == "csv.gz":
            target.write_bytes(gzip.compress(csv_text(rows).encode()))
        else:
            csv_path = write_table(tmp_path / "plain" / f"{slot}.csv", rows)
            # typed parquet columns (timestamps, numbers) as another tool would write them
            con.execute(f"COPY (SELECT * FROM read_csv('{csv_path}')) TO '{target}' (FORMAT parquet)").fetchall()
    assert set(find_extracts(folder)) == {"fullbas", "simplebas", "orgcard"}
    result = ingest(folder, store)
    assert result.report.ok, result.report.summary_lines()
    assert read_runs(result.version) == read_runs(default_version.version)
    assert read_orgs(result.version) == read_orgs(default_version.version)


def test_find_extracts_matches_names_case_insensitively(tmp_path):
    write_table(tmp_path / "FullBAS.CSV", default_fullbas_rows())
    write_table(tmp_path / "simplebas.csv.gz", "x")
    write_table(tmp_path / "orgcard.txt", "x")
    assert find_extracts(tmp_path) == {"fullbas": tmp_path / "FullBAS.CSV",
                                       "simplebas": tmp_path / "simplebas.csv.gz"}


def test_a_slot_not_given_is_taken_from_the_current_version(tmp_path, store, default_version):
    """A new orgcard alone: runs come from the current version, org keys are resolved against the new orgs."""
    orgs = default_orgcard_rows() + [orgcard_row(ORG_UNKNOWN, "!new01")]
    new_orgcard = write_table(tmp_path / "upload" / "orgcard.csv", orgs)
    result = ingest({"orgcard": new_orgcard}, store, activate=True)
    runs = read_runs(result.version)
    assert [r["org_key"] for r in runs if r["system"] == "full"] == [ORG_ACTIVE, ORG_DELETED, ORG_UNKNOWN]
    assert [(r["run_utc"], r["source_row"]) for r in runs] == \
           [(r["run_utc"], r["source_row"]) for r in read_runs(default_version.version)]
    assert result.report.scope["org_unknown"] == 0 and result.report.scope["in_scope"] == 4
    sources = result.version.manifest["sources"]
    assert sources["fullbas"]["reused_from"] == default_version.version.id
    assert sources["fullbas"]["sha256"] == default_version.version.manifest["sources"]["fullbas"]["sha256"]
    assert sources["orgcard"]["reused_from"] is None and sources["orgcard"]["rows_read"] == 5
    assert any("reused from version" in line for line in result.report.summary_lines())

    # the id is what the three raw files together give: ingesting them as a folder is a cache hit
    write_extracts(tmp_path / "all", orgcard_rows=orgs)
    assert ingest(tmp_path / "all", store).version.id == result.version.id


def test_reused_fullbas_keeps_its_findings(tmp_path, store):
    rows = default_fullbas_rows() + [fullbas_row("2016-13-01", "00:00:00Z", USER_A, ORG_ACTIVE.lower())]
    first = ingest(write_extracts(tmp_path / "in", fullbas_rows=rows), store)
    assert [f.column for f in first.report.warnings] == ["datestring"]
    new_simple = write_table(tmp_path / "upload" / "simplebas.csv", default_simplebas_rows()[:1])
    second = ingest({"simplebas": new_simple}, store)
    assert [f.column for f in second.report.warnings] == ["datestring"]
    assert second.version.manifest["rows"] == {"full": 3, "simple": 1, "orgs": 4}


def test_quoted_newlines_and_malformed_rows_keep_line_numbers(tmp_path, store):
    """source_row and reported lines are physical lines: a quoted field's line break counts, as in an editor."""
    header = "datestring,timestring,level,userid,orgid,reportname,versioncode,countrycode,runtime\n"
    good = f"2016-10-11,10:00:00Z,INFO,{USER_A},{ORG_ACTIVE.lower()},ActivityStatement,VERSION/AU,CNTRY/AU,1\n"
    multi = good.replace(",INFO,", ',"IN\nFO",').replace("10:00:00Z", "10:00:01Z")
    too_many = good.replace(",1\n", ",1,surplus\n")
    text = header + good + multi + too_many + good.replace("10:00:00Z", "10:00:02Z")
    result = ingest(write_extracts(tmp_path / "in", fullbas_rows=text), store)
    full = [r for r in read_runs(result.version) if r["system"] == "full"]
    assert [r["source_row"] for r in full] == [2, 3, 6]  # the record on line 3 runs on to line 4
    (warning,) = result.report.warnings
    assert warning.rows == [5] and warning.count == 1 and "could not be split" in warning.message
    stats = result.report.files["fullbas"]
    assert (stats["rows_read"], stats["rows_accepted"], stats["rows_rejected"]) == (4, 3, 1)


def test_reference_orgcard(tmp_path, store):
    if not REFERENCE_ORGCARD.is_file():
        pytest.skip(f"no reference org table at {REFERENCE_ORGCARD} (set BASSTORY_REFERENCE_ORGCARD to one)")
    folder = tmp_path / "in"
    write_extracts(folder)
    (folder / "orgcard.csv").unlink()
    files = find_extracts(folder) | {"orgcard": REFERENCE_ORGCARD}
    result = ingest(files, store)
    assert result.report.ok and not result.report.findings, result.report.summary_lines()
    orgs = pq.read_table(result.version.orgs_path)
    assert orgs.num_rows == 1471
    assert sum(orgs.column("in_scope").to_pylist()) == 1345
    assert result.report.files["orgcard"]["rows_accepted"] == 1471
    assert set(orgs.column("tax_period").to_pylist()) == {"Quarterly", "Monthly", "Annual", "Other"}
    assert orgs.column("created_utc").null_count == 0 and orgs.column("staff_users").null_count == 0


# Staging takes a fast path for the usual well-formed value (one regex, one cast, no trim) and the full rules for
# the rest; both must give the same answer. Each row: the raw text and the run_utc staged, or the column blamed.
FULL_TIMES = [
    ("2016-10-11", "23:55:52.2119Z", datetime(2016, 10, 11, 23, 55, 52, 211900)),
    ("2016-10-11", "23:55:52.2119123Z", datetime(2016, 10, 11, 23, 55, 52, 211912)),  # a 7th digit is cut
    ("2016-10-11", "23:59:59.9999999Z", datetime(2016, 10, 11, 23, 59, 59, 999999)),  # cut, not rounded
    ("2016-10-11", "23:55:52", datetime(2016, 10, 11, 23, 55, 52)),
    (" 2016-10-11", "23:55:52Z ", datetime(2016, 10, 11, 23, 55, 52)),  # spaces: the full rules trim them
    ("2016-10-11", "24:00:00Z", datetime(2016, 10, 12)),
    ("2016-02-30", "10:00:00Z", "datestring"),
    ("2016-10-11T", "10:00:00Z", "datestring"),
    ("2016|10-11", "10:00:00Z", "datestring"),
    ("２０１６-10-11", "10:00:00Z", "datestring"),
    ("2016-10-11", "23:59:60Z", "timestring"),
    ("2016-10-11", "23:55:52+00", "timestring"),
    ("2016-10-11", "23:55:52.Z", "timestring"),
    ("2016-10-11", "10:00:00.5z", "timestring"),
    ("2016-10-11", "1:00:00Z", "timestring"),
]
SIMPLE_TIMES = [
    ("2017-09-15 01:54:13", datetime(2017, 9, 15, 1, 54, 13)),
    ("2017-09-15 01:54:13.1234567", datetime(2017, 9, 15, 1, 54, 13, 123456)),
    ("2017-09-15T01:54:13Z", datetime(2017, 9, 15, 1, 54, 13)),
    ("2017-09-15 01:54:13+00:00", datetime(2017, 9, 15, 1, 54, 13)),
    (" 2017-09-15 01:54:13 ", datetime(2017, 9, 15, 1, 54, 13)),
    ("2017-09-15 01:54:13+05", "datetime"),
    ("2017-09-15 1:54:13", "datetime"),
]
USER_IDS = [("USER-A", "user-a"), ("  User-B ", "user-b"), ("\u00a0USER-C", "user-c"), ("USER-D\u3000", "user-d"),
            ("usér-e ", "usér-e")]


def test_fast_paths_agree_with_the_full_rules(tmp_path, store):
    full = [fullbas_row(d, t, USER_A, ORG_ACTIVE.lower()) for d, t, _ in FULL_TIMES]
    full += [fullbas_row("2016-10-11", f"10:00:0{i}Z", raw, ORG_ACTIVE.lower()) for i, (raw, _) in enumerate(USER_IDS)]
    simple = [simplebas_row(text, USER_A, "!abcDE") for text, _ in SIMPLE_TIMES]
    result = ingest(write_extracts(tmp_path / "in", fullbas_rows=full, simplebas_rows=simple), store)
    runs = {(r["system"], r["source_row"]): r for r in read_runs(result.version)}
    blamed = {(w.file, line): w.column for w in result.report.warnings for line in w.rows}
    for line, (_, _, expected) in enumerate(FULL_TIMES, start=2):
        if isinstance(expected, str):
            assert ("full", line) not in runs and blamed[("fullbas.csv", line)] == expected, line
        else:
            assert runs["full", line]["run_utc"] == expected, line
    for line, (_, expected) in enumerate(USER_IDS, start=len(FULL_TIMES) + 2):
        assert runs["full", line]["user_key"] == expected
    for line, (_, expected) in enumerate(SIMPLE_TIMES, start=2):
        if isinstance(expected, str):
            assert ("simple", line) not in runs and blamed[("simplebas.csv", line)] == expected, line
        else:
            assert runs["simple", line]["run_utc"] == expected, line


def test_ingest_and_the_story_run_without_the_spark_engines_requirements(tmp_path):
    """`make run` installs requirements.txt only: the DuckDB engine and the app must not import SQLGlot or pyspark
    (requirements-spark.txt). A fresh process with both made unimportable ingests the extracts and builds the cover."""
    import subprocess
    import sys

    write_extracts(tmp_path / "in")
    program = (
        "import sys\n"
        "sys.modules['sqlglot'] = None\n"
        "sys.modules['pyspark'] = None\n"
        "from basstory.ingest.build import ingest\n"
        "from basstory.ingest.store import DatasetStore\n"
        "from basstory.query.tables import connect_version\n"
        "from basstory.analyses.facts import key_facts\n"
        f"version = ingest({str(tmp_path / 'in')!r}, DatasetStore({str(tmp_path / 'store')!r}), name='plain').version\n"
        "print(key_facts(connect_version(version))['users_either'])\n"
    )
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=120,
                          cwd=Path(__file__).resolve().parents[1])
    assert done.returncode == 0, done.stderr
    assert int(done.stdout.strip()) > 0
