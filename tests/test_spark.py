"""The Spark engine builds the same versions as the DuckDB engine: same manifest, report, staged and derived tables,
interval arrays and key facts, from quirky hand-made extracts, the scale-1 sample and a partitioned copy of it; and
`refresh` on Spark gives what a full ingest gives. On the Spark engine the marts and every derived table are built by
Spark (the same SQL, translated), so the comparison checks the translation of every table-building query too.

Tables are compared as sorted rows: every column exactly, except floating-point columns, which agree within 1e-12
relative. Those hold sums of runtimes (the cubes' runtime_s), and a sum of doubles depends on the order it is added
in, which differs between the engines (and between Spark's tasks) in the last bits; every other value, the interval
arrays included, is identical.

Needs pyspark and Java: skipped with the reason when either is missing, failed instead when BASSTORY_REQUIRE_SPARK=1
(`.ci/run` sets it). One Spark session serves the whole test run (`spark` fixture): a start costs several seconds.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest

from basstory.ingest.build import ingest
from basstory.ingest.partitions import list_parts
from basstory.ingest.refresh import refresh
from basstory.ingest.sample import generate_sample
from basstory.ingest.spark import spark_available
from basstory.ingest.store import DatasetStore
from basstory.ingest.validation import IngestError
from tests.extract_fixtures import (
    ORG_ACTIVE,
    ORG_CASESAKE,
    ORG_DELETED,
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
)
from tests.test_partitioned import move_month_out, partitioned_copy, version_contents

_MISSING = spark_available()
_REQUIRED = bool(os.environ.get("BASSTORY_REQUIRE_SPARK"))
pytestmark = [pytest.mark.skipif(bool(_MISSING) and not _REQUIRED, reason=f"Spark engine: {_MISSING}"),
              pytest.mark.xdist_group("spark")]    # conftest runs these first, on one worker


@pytest.fixture(scope="session")
def spark():
    """The one Spark session of the test run (local[2])."""
    from basstory.ingest.spark import spark_session, stop_spark_session

    if _MISSING:
        pytest.fail(f"BASSTORY_REQUIRE_SPARK=1 but the Spark engine cannot run here: {_MISSING}")

    session = spark_session("local[2]")
    yield session
    stop_spark_session()


def quirky_extracts(folder: Path) -> Path:
    """The hand-made extracts of tests/extract_fixtures.py with one row for each rule of the typing recipes:
    malformed and repeated rows, bad and blank values, control characters, padded ids, odd time formats, a quoted
    field over two lines (which moves every later line number), repeated organisations and shortcodes."""
    full = [
        *default_fullbas_rows(),
        fullbas_row("2016-10-13", "09:00:00Z", USER_A, ORG_ACTIVE, "2.5", level="IN\nFO"),  # line 5-6
        fullbas_row("2016-10-13", "09:00:00Z", USER_A, ORG_ACTIVE, "2.5"),                 # repeats line 5
        fullbas_row("2016-13-45", "10:00:00Z", USER_A, ORG_ACTIVE),
        fullbas_row("2016-10-14", "25:61:00Z", USER_A, ORG_ACTIVE),
        fullbas_row("2017-02-30", "10:00:00Z", USER_A, ORG_ACTIVE),
        fullbas_row("2016-10-14", "10:00:00.1234567Z", f"  {USER_B.upper()} ", ORG_DELETED.lower(), " 3.25 "),
        fullbas_row("2016-10-14", "10:00:00Z", "", ORG_ACTIVE),
        fullbas_row("2016-10-14", "10:00:00Z", USER_A, ""),
        fullbas_row("2016-10-14", "10:00:00Z", "user\x01x", ORG_ACTIVE),
        fullbas_row("2016-10-14", "11:00:00Z", USER_C, ORG_ACTIVE, "-1.5"),
        fullbas_row("2016-10-14", "12:00:00Z", USER_C, ORG_ACTIVE, ""),
        fullbas_row("2016-10-14", "13:00:00Z", USER_C, ORG_ACTIVE, "fast"),
        fullbas_row("2016-10-14", "13:00:00Z", USER_C, ORG_ACTIVE, "inf"),
        fullbas_row("2009-12-31", "23:00:00Z", USER_C, ORG_UNKNOWN),
        fullbas_row("2099-01-01", "00:00:00Z", USER_C, ORG_ACTIVE),
        fullbas_row(" 2016-10-15 ", " 08:00:00 ", USER_C, ORG_CASESAKE),
    ]
    text = csv_text(full)
    text += "2016-10-16,08:00:00Z,INFO,short,row\n"                                        # missing columns
    text += f"2016-10-16,08:00:00Z,INFO,{USER_A},{ORG_ACTIVE},A,V,C,1.0,extra,more\n"       # too many columns
    text += f"2016-10-17,08:00:00Z,INFO,{USER_A},{ORG_ACTIVE},ActivityStatement,VERSION/AU,CNTRY/AU,0.75\n"
    simple = [
        *default_simplebas_rows(),
        simplebas_row("2017-09-17T03:00:00Z", USER_C, "!ABCDE", "2017", "9"),
        simplebas_row("2017-09-17 03:00:00.1234567", USER_C, "!ABCDE", " 2017 ", "09"),
        simplebas_row("17/09/2017", USER_C, "!ABCDE"),
        simplebas_row("2017-09-18 03:00:00", USER_C, "!ABCDE", "2017", "13"),
        simplebas_row("2017-09-18 03:00:00", USER_C, "!ABCDE", "", ""),
        simplebas_row("2017-09-18 03:00:00", USER_C, "!ABCDE", "17.0", "1"),
        simplebas_row("2017-09-18 03:00:00", USER_C, "!abcde"),                       # another org, unknown
        simplebas_row("2017-09-18 03:00:00", USER_C, " "),
        simplebas_row("2017-09-18 03:00:00", USER_C, "!ABCDE", "2017", "8"),
        simplebas_row("2017-09-18 03:00:00", USER_C, "!ABCDE", "2017", "8"),          # a repeat
    ]
    orgs = [
        *default_orgcard_rows(),
        orgcard_row(ORG_ACTIVE.lower(), "!Other"),                                    # repeats ORG_ACTIVE
        orgcard_row("AAAAAAAA-0000-4000-8000-000000000001", "!ABCDE"),                # repeats a shortcode
        orgcard_row("AAAAAAAA-0000-4000-8000-000000000002", "!Pay", payingflag="yes"),
        orgcard_row("AAAAAAAA-0000-4000-8000-000000000003", "", managedbypracticeflag="",
                    nonpracticestaffusers="two", createddateutc="yesterday", organisationstatus=" Suspended "),
        orgcard_row("AAAAAAAA-0000-4000-8000-000000000004", "!Del2", organisationstatus="Deleted",
                    deleteddateutc="2017-01-02T03:04:05Z", productoption="Premium 20 + Projects + Expenses",
                    salestaxperiod="Australian Monthly"),
        orgcard_row("", "!NoId"),
    ]
    write_extracts(folder, text, simple, orgs)
    return folder


def _facts(version) -> dict:
    from basstory.analyses.facts import key_facts
    from basstory.query.tables import connect_version

    con = connect_version(version, in_memory=False)
    try:
        return key_facts(con)
    finally:
        con.close()


#: Relative tolerance for floating-point columns (sums of runtimes, added in another order by each engine).
FLOAT_RTOL = 1e-12


def assert_same_contents(a: dict, b: dict) -> None:
    """Two `version_contents` agree: the same files; tables with the same columns, types (not whether a column is
    marked never-null: each engine marks its own) and rows, floats within FLOAT_RTOL; everything else equal."""
    assert sorted(a) == sorted(b)
    for name in a:
        if isinstance(a[name], pa.Table):
            _assert_same_table(name, a[name], b[name])
        else:
            assert a[name] == b[name], name


def _nullable(table: pa.Table) -> pa.Table:
    return table.cast(pa.schema([pa.field(f.name, f.type, nullable=True) for f in table.schema]))


def _assert_same_table(name: str, a: pa.Table, b: pa.Table) -> None:
    a, b = _nullable(a), _nullable(b)
    assert a.schema == b.schema, f"{name}: {a.schema} != {b.schema}"
    assert a.num_rows == b.num_rows, name
    floats = [f.name for f in a.schema if pa.types.is_floating(f.type)]
    if not name.endswith(":order") and a.num_rows:
        # exact columns first, so that rows differing only in a float's last bits sort alike
        keys = [(c, "ascending") for c in a.column_names if c not in floats] + [(c, "ascending") for c in floats]
        a, b = a.sort_by(keys), b.sort_by(keys)
    for column in a.column_names:
        x, y = a.column(column), b.column(column)
        if column in floats:
            assert x.is_null().equals(y.is_null()), f"{name}.{column}: NULLs differ"
            xs = np.asarray(x.to_numpy(zero_copy_only=False), dtype=np.float64)
            ys = np.asarray(y.to_numpy(zero_copy_only=False), dtype=np.float64)
            assert np.allclose(xs, ys, rtol=FLOAT_RTOL, atol=0, equal_nan=True), f"{name}.{column}"
        else:
            assert x.equals(y), f"{name}.{column}"


def _assert_same_versions(source: Path, tmp_path: Path, monkeypatch) -> tuple:
    from basstory.ingest.derive import is_derived

    duck = ingest(source, DatasetStore(tmp_path / "duckdb")).version
    with monkeypatch.context() as patched:
        # the Spark engine builds the derived tables in Spark, not with the DuckDB engine's derive_tables
        patched.setattr("basstory.ingest.build.derive_tables", _no_derive)
        spark = ingest(source, DatasetStore(tmp_path / "spark"), engine="spark").version
    assert spark.id == duck.id
    # the derived tables Spark wrote are the version's: the app never derives them again
    assert is_derived(spark.path, spark.runs_path, spark.orgs_path)
    assert_same_contents(version_contents(duck.path), version_contents(spark.path))
    duck_facts = _facts(duck)
    with monkeypatch.context() as patched:
        patched.setattr("basstory.query.tables.derive_tables", _no_derive)
        spark_facts = _facts(spark)
    assert spark_facts == duck_facts
    return duck, spark


def _no_derive(*args, **kwargs):
    raise AssertionError("DuckDB derived a version the Spark engine builds")


def test_quirky_extracts_give_the_same_version_on_both_engines(spark, tmp_path, monkeypatch):
    duck, _ = _assert_same_versions(quirky_extracts(tmp_path / "src"), tmp_path, monkeypatch)
    report = duck.report()
    # the quirks are there: every kind of finding, line numbers moved by the quoted line break
    columns = {f.column for f in report.findings}
    assert {"datestring", "timestring", "userid", "orgid", "runtime", "datetime", "statementyear",
            "statementmonth", "organisationid", "shortcode", "payingflag"} <= columns
    split = next(f for f in report.findings if "could not be split" in f.message)
    assert split.rows == [22, 23] and "missing columns, too many columns" in split.message
    repeated = next(f for f in report.findings if "repeat the time" in f.message and f.file == "fullbas.csv")
    assert repeated.rows == [7] and "lines 5 and 7" in repeated.message


def test_slots_taken_from_the_current_version_give_the_same_version_on_both_engines(spark, tmp_path):
    """A new fullbas with simplebas and orgcard taken from the current version (as the analyst app's one-file upload
    does): the re-used slots' staged rows are handed to Spark, and both engines build the same version."""
    first = quirky_extracts(tmp_path / "first")
    newer = write_extracts(tmp_path / "second", fullbas_rows=[
        *default_fullbas_rows()[1:], fullbas_row("2016-10-20", "09:00:00Z", USER_B, ORG_CASESAKE, "7.5")])
    built = {}
    for engine in ("duckdb", "spark"):
        store = DatasetStore(tmp_path / engine)
        ingest(first, store)
        built[engine] = ingest({"fullbas": newer["fullbas"]}, store, engine=engine).version
    assert built["spark"].id == built["duckdb"].id
    assert built["spark"].manifest["sources"]["orgcard"]["reused_from"]
    assert_same_contents(version_contents(built["duckdb"].path), version_contents(built["spark"].path))


@pytest.fixture(scope="module")
def sample_1(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("sample1")
    generate_sample(folder, scale=1.0, seed=42)
    return folder


def test_the_scale_1_sample_gives_the_same_version_on_both_engines(spark, sample_1, tmp_path, monkeypatch):
    _assert_same_versions(sample_1, tmp_path, monkeypatch)


@pytest.fixture(scope="module")
def small_sample(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("sample01")
    generate_sample(folder, scale=0.1, seed=42)
    return folder


def test_a_partitioned_sample_and_its_refresh_give_the_same_version_on_both_engines(spark, small_sample, tmp_path,
                                                                                   monkeypatch):
    source = partitioned_copy(small_sample, tmp_path / "source")
    duck, spark_version = _assert_same_versions(source, tmp_path, monkeypatch)
    assert spark_version.manifest["sources"]["fullbas"]["parts"] > 10

    # refresh on Spark: the last month held back (the version without it built on DuckDB), then added; only it is
    # read, and the result is the full ingest
    months = list_parts(source / "fullbas", "fullbas")
    held = move_month_out(source, "fullbas", months[-1].path.parent.name.removeprefix("month="), tmp_path / "held")
    store = DatasetStore(tmp_path / "refreshed")
    assert refresh(source, store).state == "activated"
    shutil.move(str(held), source / "fullbas" / held.name)
    done = refresh(source, store, engine="spark")
    assert done.state == "activated" and done.parts_read == 1 and done.version.id == duck.id
    assert_same_contents(version_contents(done.version.path), version_contents(duck.path))
    assert refresh(source, store, engine="spark").state == "up to date"

    # a failing partition changes nothing
    broken = source / "simplebas" / "month=2099-01"
    broken.mkdir()
    (broken / "part-0001.csv").write_text("userid,shortcode,statementyear,statementmonth,datetime\n",
                                          encoding="utf-8")
    with pytest.raises(IngestError):
        refresh(source, store, engine="spark")
    assert store.current().id == duck.id and len(store.versions()) == 2


#: Awkward raw values for every column a rule reads (each rule sees every value of its columns).
_AWKWARD: dict[str, list[str | None]] = {
    "datestring": ["2016-10-11", " 2016-10-11 ", "2016-13-45", "2017-02-29", "2016-2-3", "", None, "2016-10-11T"],
    "timestring": ["23:55:52.2119Z", "23:55:52Z", "23:55:52.1234567Z", "25:00:00Z", "23:55:52+00", " 01:02:03 ",
                   "1:02:03Z", "", None, "23:55:52.12345678Z"],
    "userid": ["e07083A1-x", "  U  ", "", None, "a\x00b", "\u00e9t\u00e9", "x\x7f"],
    "orgid": ["6220E36D", " 6220e36d ", "", None, "a\x1fb"],
    "runtime": ["4.396793", " 3.25 ", "-1.5", "", None, "fast", "inf", "NaN", "1e3", "0x10", "1,5", "4.39d"],
    "datetime": ["2017-09-15 01:54:13", "2017-09-15T01:54:13Z", "2017-09-15 01:54:13.1234567", "2017-09-15",
                 "2017-09-15 01:54:13+00:00", "2017-09-15 01:54:13+01", "15/09/2017", "", None, "2099-01-01 00:00:00",
                 "2009-12-31 23:59:59"],
    "shortcode": ["!abcDE", " !abcDE ", "", None, "!a\x01"],
    "statementyear": ["2017", " 2017 ", "17.0", "1899", "3000", "", None, "2017x", "99999999999"],
    "statementmonth": ["1", "09", "13", "0", "", None, "+1"],
    "organisationid": ["6220e36d-x", " A ", "", None, "a\x00"],
    "organisationstatus": ["Active", " Deleted ", "", None],
    "payingflag": ["1", "0", " 1 ", "yes", "", None, "1.0"],
    "productoption": ["Premium 5 + Expenses", "Standard", "Premium 20 +Projects", "", None, " GST Cashbook "],
    "salestaxperiod": ["Australian Monthly", "Australian Quarterly (Option 1)", "Annual", "None", None],
    "managedbypracticeflag": ["1", "0", "", "2", None],
    "nonpracticestaffusers": ["2", " 3 ", "two", "", None, "-1"],
    "practicestaffusers": ["6", "0", "1.5", None],
    "createddateutc": ["2015-10-14 05:32:10.737", "2015-10-14 05:32:10", "2015-10-14T05:32:10Z",
                       "2015-10-14 05:32:10.1234567", "yesterday", "", None, "2015-10-14 05:32:10+10"],
    "deleteddateutc": ["", "2017-01-02 03:04:05.12", None, "2017-01-02T03:04:05Z", "2017-13-01 00:00:00"],
}


def _awkward_rows(columns: tuple[str, ...]) -> list[tuple]:
    """Every value of each column beside the first value of every other column (one column varies at a time)."""
    rows = []
    for i, column in enumerate(columns):
        for value in _AWKWARD.get(column, ["x"]):
            row = [(_AWKWARD.get(c, ["x"]))[0] for c in columns]
            row[i] = value
            rows.append(tuple(row))
    return rows


@pytest.mark.parametrize("slot", ["fullbas", "simplebas", "orgcard"])
def test_every_rule_gives_the_same_values_on_both_engines(spark, slot):
    """Each typed value and check of the recipes, written once in DuckDB's SQL, evaluated by DuckDB as written and
    by Spark as `dialect.to_spark` translates it, over awkward text (the one definition, checked)."""
    import duckdb
    from pyspark.sql import functions as F
    from pyspark.sql.types import StringType, StructField, StructType

    from basstory.core.schema import EXTRACT_BY_SLOT
    from basstory.ingest.dialect import to_spark
    from basstory.ingest.recipes import RECIPES

    recipe = RECIPES[slot]
    columns = EXTRACT_BY_SLOT[slot].required
    rows = _awkward_rows(columns)
    rules = {**{f"typed {n}": e for n, e in recipe.typed.items()},
             **{f"check {c.name}": f"coalesce({c.bad}, false)" for c in recipe.checks
                if "current_timestamp" not in c.bad}}
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    values = ", ".join("(" + ", ".join("?" for _ in columns) + ")" for _ in rows)
    con.execute(f"CREATE TABLE raw AS SELECT * FROM (VALUES {values}) t({', '.join(columns)})",
                [v for row in rows for v in row])
    duck = con.execute(f"SELECT {', '.join(rules.values())} FROM ({_chained(recipe, 'raw')})").fetchall()

    frame = spark.createDataFrame(rows, StructType([StructField(c, StringType()) for c in columns]))
    for name, expr in recipe.prepared.items():
        frame = frame.withColumn(name, F.expr(to_spark(expr)))
    spark_rows = frame.selectExpr(*[to_spark(e) for e in rules.values()]).collect()
    for row_index, (expected, got) in enumerate(zip(duck, spark_rows, strict=True)):
        for (rule, _), a, b in zip(rules.items(), expected, tuple(got), strict=True):
            assert a == b or (a != a and b != b), f"{slot} {rule} on {rows[row_index]!r}: DuckDB {a!r}, Spark {b!r}"


def _chained(recipe, table: str) -> str:
    """The raw table with the recipe's prepared columns added one after another (as `staging.stage_extract`)."""
    source = f"(SELECT * FROM {table})"
    for name, expr in recipe.prepared.items():
        source = f"(SELECT *, {expr} AS {name} FROM {source})"
    return f"SELECT * FROM {source}"
