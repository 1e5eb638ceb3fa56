"""The Spark engine: the extracts read, checked and typed, and the version's tables built, by Apache Spark
(`ingest(..., engine="spark")`).

What runs where, and why:
- **Before Spark** (the same code as the DuckDB engine, on the machine that runs the command): each file's reading
  limits and line ends (`scan`), whether it can be read at all and its header's columns (`inspection`). These read a
  file once as a byte stream, or only its header, and their messages are the report's; running them first means a
  refused file costs no Spark job.
- **In Spark**, over every file of every slot at once (each file one task; the files of a partitioned folder are
  read in parallel, on as many executors as the master gives): parsing the CSV (quoted fields over several lines
  included), setting aside rows that do not split into the header's columns, every typing rule and check of
  `recipes.RECIPES` (the DuckDB SQL translated by `dialect.to_spark`: one definition), the physical line number of
  every row (a file is one task, so a row's place in it is known: its record index plus the line breaks inside the
  quoted fields of the records before it), the counts and first lines of every finding per file, the repeated runs
  per file, and the accepted rows, written as parquet per file (`parts/<slot>/part=<key>/`), exactly the rows the
  DuckDB engine writes.
- **Then in Spark too**, from the same SQL as the DuckDB engine (written once in DuckDB's dialect, run through
  `SparkRunner`, which translates each query with `dialect.to_spark`): the marts (`marts`: orgs.parquet, one row per
  organisation; runs.parquet, the runs joined to their organisation), the scope counts, and every derived table of
  `derive` (dense ids, profiles, re-run markers and chains, the cubes). Each table is written by Spark as a folder of
  part files, in its sort order, and the driver joins the parts, in order, into the one parquet file the app reads
  (under a temporary name, then renamed into place: the same files, in the same places, as on the DuckDB engine).
- **On the driver**: the days-to-due table (a few thousand rows from the BAS calendar, handed to Spark as rows), and
  the Full BAS interval arrays (`.npy`): Spark sorts the intervals by start and writes them in order; the driver
  reads them back a batch at a time into the arrays, and sorts the ends with numpy, as the DuckDB engine does. An
  array read memory-mapped by the app is one file, so it is written by one process.

pyspark is never handed a pandas frame (it warns that it does not fully support pandas 3): rows come back to the
driver only as aggregates, small tables, or parquet read with pyarrow, and the BAS calendar's due dates (computed on
the driver as on the DuckDB engine) reach Spark as plain rows.
"""
from __future__ import annotations

import os
import shutil
import threading
import warnings
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from basstory.core.schema import EXTRACT_BY_SLOT, EXTRACTS
from basstory.ingest.extracts import extract_suffix
from basstory.ingest.partitions import Part, part_key, read_parts_record, reuse_part_rows
from basstory.ingest.recipes import RECIPES
from basstory.ingest.scan import ReadLimits
from basstory.ingest.validation import MAX_ROWS_LISTED, Finding, IngestError, ValidationReport, empty_file_stats

#: The default master: two local worker threads.
DEFAULT_MASTER = "local[2]"
#: Settings every session gets: UTC (the rules compare wall-clock UTC times), loopback only, no web UI, and the
#: parquet timestamp type DuckDB reads as its TIMESTAMP.
SESSION_CONF: dict[str, str] = {
    "spark.sql.session.timeZone": "UTC",
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.sql.shuffle.partitions": os.environ.get("BASSTORY_SPARK_SHUFFLE_PARTITIONS", "4"),
    "spark.sql.parquet.outputTimestampType": "TIMESTAMP_MICROS",
    "spark.sql.parquet.compression.codec": "zstd",
    "spark.sql.files.maxPartitionBytes": str(512 * 1024 * 1024),
    # the staged rows are written per file under part=<key>; a key is a name, never a number
    "spark.sql.sources.partitionColumnTypeInference.enabled": "false",
}
#: Settings for a local master only (a cluster's operator sets these).
LOCAL_CONF: dict[str, str] = {
    "spark.driver.host": "127.0.0.1",
    "spark.driver.bindAddress": "127.0.0.1",
    "spark.driver.memory": os.environ.get("BASSTORY_SPARK_DRIVER_MEMORY", "2g"),
}
_CORRUPT = "_basstory_corrupt_record"
_lock = threading.Lock()
_session: Any = None


class SparkUnavailable(RuntimeError):
    """pyspark or Java is missing; the message says what to install."""


def spark_available() -> str | None:
    """None when the Spark engine can run here, else why not (for skips and the command line)."""
    try:
        import pyspark  # noqa: F401
        import sqlglot  # noqa: F401
    except ImportError as missing:
        return f"{missing.name} is not installed: pip install -r requirements-spark.txt"
    if not (shutil.which("java") or os.environ.get("JAVA_HOME")):
        return "Java is not installed: apt-get install -y openjdk-17-jre-headless"
    return None


def spark_session(master: str | None = None):
    """The process's Spark session (started once, then shared: a start costs several seconds)."""
    global _session
    reason = spark_available()
    if reason:
        raise SparkUnavailable(reason)
    # pyspark checks the installed pandas on import and warns about pandas 3; this engine never hands it a frame
    warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas", category=FutureWarning)
    from pyspark.sql import SparkSession

    master = master or os.environ.get("BASSTORY_SPARK_MASTER") or DEFAULT_MASTER
    with _lock:
        if _session is not None and _session.sparkContext._jsc is not None:
            if _session.sparkContext.master != master:
                raise ValueError(f"a Spark session with master {_session.sparkContext.master} is already running in "
                                 f"this process; stop it first (stop_spark_session)")
            return _session
        builder = SparkSession.builder.master(master).appName("basstory-ingest")
        for key, value in {**SESSION_CONF, **(LOCAL_CONF if master.startswith("local") else {})}.items():
            builder = builder.config(key, value)
        _session = builder.getOrCreate()
        _session.sparkContext.setLogLevel("ERROR")
        return _session


def stop_spark_session() -> None:
    global _session
    with _lock:
        if _session is not None:
            _session.stop()
            _session = None


@dataclass
class _Unit:
    """One file Spark reads: a one-file extract, or one part of a partitioned one. `name` is what findings call it."""

    slot: str
    name: str
    path: Path
    read_path: Path
    key: str
    sha256: str | None
    partitioned: bool
    columns: list[str] = field(default_factory=list)
    column_map: dict[str, str] = field(default_factory=dict)
    report: ValidationReport = field(default_factory=ValidationReport)
    part: Part | None = None


@dataclass
class SparkStaged:
    """What `stage_with_spark` leaves for the marts: the staged rows' parquet globs per slot and the part records."""

    rows_globs: dict[str, list[str]]
    part_records: dict[str, list[dict]]


def stage_with_spark(single: dict[str, Path], parts: dict[str, list[tuple[Part, str]]], work: Path, built: Path,
                     report: ValidationReport, limits: ReadLimits, *, reuse_parts_from=None,
                     master: str | None = None) -> SparkStaged:
    """Check and type every file with Spark (module docstring); accepted rows as parquet, findings into `report`
    (singles) or the part records (partitioned slots), in the order the DuckDB engine gives them. Raises IngestError
    when a file is unusable; nothing is then left in `built`."""
    from basstory.ingest.build import merge_part_records, part_record, readable_copies
    from basstory.ingest.inspection import inspect_extract
    from basstory.ingest.staging import connect

    previous = read_parts_record(reuse_parts_from.path) if reuse_parts_from is not None else {}
    # the checks before Spark, exactly as the DuckDB engine makes them: one-file extracts first, all of them
    read_paths = readable_copies(single, work, report, limits)
    if not report.ok:
        raise IngestError(report)
    units: list[_Unit] = []
    con = connect(work)
    try:
        for slot, path in single.items():
            column_map = inspect_extract(con, EXTRACT_BY_SLOT[slot], path, report, read_path=read_paths[slot])
            if column_map is not None:
                units.append(_Unit(slot, path.name, path, read_paths[slot], f"single-{slot}", None, False,
                                   report.files[slot]["columns_found"], column_map, report))
        if not report.ok:
            raise IngestError(report)
        reused_records: dict[str, dict] = {}
        for slot, slot_parts in parts.items():
            for part, sha in slot_parts:
                key = part_key(part.relpath, sha)
                if key in previous and reuse_parts_from is not None and reuse_part_rows(reuse_parts_from.path, built,
                                                                                        slot, key):
                    reused_records[key] = previous[key]
                    continue
                sub = ValidationReport()
                sub.files[slot] = empty_file_stats(part.relpath)
                unit_work = work / f"part-{key}"
                unit_work.mkdir()
                part_paths = readable_copies({slot: part.path}, unit_work, sub, limits)
                column_map = (inspect_extract(con, EXTRACT_BY_SLOT[slot], part.path, sub, read_path=part_paths[slot])
                              if sub.ok else None)
                units.append(_Unit(slot, part.path.name, part.path, part_paths.get(slot, part.path), key, sha, True,
                                   sub.files[slot].get("columns_found", []), column_map or {}, sub, part))
    finally:
        con.close()

    readable = [u for u in units if u.report.ok]
    if readable:
        _run_spark(readable, work, master)
    part_records: dict[str, list[dict]] = {}
    for slot, slot_parts in parts.items():
        by_key = {u.key: u for u in units if u.partitioned}
        records = []
        for part, sha in slot_parts:
            key = part_key(part.relpath, sha)
            records.append(reused_records[key] if key in reused_records else part_record(part, sha, by_key[key].report))
        part_records[slot] = records
    merge_part_records(report, part_records)
    if not report.ok:
        raise IngestError(report)
    # the accepted rows: one-file extracts stay in the work folder, parts go into the version (for a refresh)
    globs: dict[str, list[str]] = {}
    for unit in units:
        source = work / "spark_rows" / unit.slot / f"part={unit.key}"
        if unit.partitioned:
            target = built / "parts" / unit.slot / f"part={unit.key}"
            target.parent.mkdir(parents=True, exist_ok=True)
            os.rename(source, target)
    for extract in EXTRACTS:
        slot = extract.slot
        if slot in single:
            globs[slot] = [str(work / "spark_rows" / slot / f"part=single-{slot}" / "*.parquet")]
        elif slot in parts:
            globs[slot] = [str(built / "parts" / slot / "part=*" / "*.parquet")]
    return SparkStaged(rows_globs=globs, part_records=part_records)


def _run_spark(units: list[_Unit], work: Path, master: str | None) -> None:
    """Parse, type and check every unit in Spark; write the accepted rows of the units without errors to
    work/spark_rows/<slot>/part=<key>/; add each unit's stats and findings to its report."""
    from pyspark import StorageLevel
    from pyspark.sql import functions as F

    spark = spark_session(master)
    for slot in [e.slot for e in EXTRACTS]:
        slot_units = [u for u in units if u.slot == slot]
        if not slot_units:
            continue
        frames = [_typed_frame(spark, slot, group) for group in _groups(slot_units)]
        typed = frames[0]
        for frame in frames[1:]:
            typed = typed.unionByName(frame)
        # parsed and typed once, kept (in memory, spilling to the executors' disks) for the three passes below
        rows = typed.persist(StorageLevel.MEMORY_AND_DISK)
        try:
            summaries = _summaries(rows, slot)
            if None in summaries:  # a row whose file could not be matched to one asked for: never drop it silently
                raise RuntimeError(f"Spark read {slot} rows from a file it was not given; nothing was written")
            repeats = _repeats(rows, slot) if slot in _RUN_KEY_COLUMNS else {}
            for unit in slot_units:
                _report_unit(unit, summaries.get(unit.key), repeats.get(unit.key))
            good = [u.key for u in slot_units if u.report.ok]
            if good:
                recipe = RECIPES[slot]
                (rows.where(F.col("unit").isin(good) & ~F.col("rejected") & ~F.col("malformed"))
                 .select(*recipe.typed, F.col("line").cast("bigint").alias("source_row"),
                         F.col("unit").alias("part"))
                 .repartition("part")
                 .write.mode("overwrite").partitionBy("part").parquet(str(work / "spark_rows" / slot)))
        finally:
            rows.unpersist()


def _groups(units: list[_Unit]) -> list[list[_Unit]]:
    """Units read together: the same format and the same header (Spark reads a CSV's columns by position)."""
    groups: dict[tuple, list[_Unit]] = {}
    for unit in units:
        kind = "parquet" if extract_suffix(unit.path) == ".parquet" else "csv"
        groups.setdefault((kind, tuple(unit.columns), tuple(sorted(unit.column_map.items()))), []).append(unit)
    return list(groups.values())


def _typed_frame(spark, slot: str, units: list[_Unit]):
    """One DataFrame of the units' rows: the recipe's typed columns and check flags, `unit`, `line` (the physical
    line), `malformed` (a row that does not split into the header's columns) and what the report needs of it."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F
    from pyspark.sql.types import StringType, StructField, StructType

    from basstory.ingest.dialect import to_spark

    recipe = RECIPES[slot]
    extract = EXTRACT_BY_SLOT[slot]
    first = units[0]
    column_map = first.column_map
    is_csv = extract_suffix(first.path) != ".parquet"
    paths = [str(u.read_path.resolve()) for u in units]
    if is_csv:
        # columns are named by position (the header may repeat or hold odd names); the header line is skipped
        positions = [f"c{i}" for i in range(len(first.columns))]
        schema = StructType([StructField(name, StringType()) for name in positions]
                            + [StructField(_CORRUPT, StringType())])
        raw = (spark.read.schema(schema)
               .option("header", "true").option("multiLine", "true").option("mode", "PERMISSIVE")
               .option("columnNameOfCorruptRecord", _CORRUPT).option("quote", '"').option("escape", '"')
               .option("encoding", "UTF-8").option("enforceSchema", "true").option("ignoreLeadingWhiteSpace", "false")
               .option("ignoreTrailingWhiteSpace", "false").option("nullValue", "\u0000\u0001never")
               .option("emptyValue", "").csv(paths))
        by_name = {name: positions[first.columns.index(column)] for name, column in column_map.items()}
        text = F.concat_ws("", *[F.coalesce(F.col(c), F.lit("")) for c in positions])
        # the reader keeps a set-aside row's text with the line end that closes it: that one is not inside the row
        corrupt = F.regexp_replace(F.col(_CORRUPT), "\r?\n$", "")
        raw = raw.withColumn("_newlines", F.when(F.col(_CORRUPT).isNotNull(),
                                                 F.length(corrupt) - F.length(F.regexp_replace(corrupt, "\n", "")))
                             .otherwise(F.length(text) - F.length(F.regexp_replace(text, "\n", ""))))
        raw = raw.withColumn("_undecodable", F.coalesce(F.col(_CORRUPT), text).contains("\ufffd"))
        raw = raw.withColumn("_missing", F.col(positions[-1]).isNull())
        select = [F.col(by_name[name]).alias(name) for name in extract.required]
    else:
        raw = spark.read.parquet(*paths)
        types = dict(raw.dtypes)
        select = [_parquet_text(column_map[name], types[column_map[name]]).alias(name) for name in extract.required]
        raw = (raw.withColumn(_CORRUPT, F.lit(None).cast("string")).withColumn("_newlines", F.lit(0))
               .withColumn("_undecodable", F.lit(False)).withColumn("_missing", F.lit(False)))
    unit_of = F.create_map(*[x for u in units for x in (F.lit(str(u.read_path.resolve())), F.lit(u.key))])
    if is_csv:
        raw = raw.withColumn("_file", F.input_file_name())
        raw = raw.withColumn("_record", F.monotonically_increasing_id())
    else:
        raw = raw.withColumn("_file", F.col("_metadata.file_path")).withColumn("_record",
                                                                               F.col("_metadata.row_index"))
    # the reader names a file by its URI: percent-escapes decoded, a '+' kept as it is (url_decode would read a space)
    raw = raw.withColumn("_path", F.regexp_replace(F.expr(
        "try_url_decode(replace(regexp_replace(_file, '^file:(//)?', ''), '+', '%2B'))"), "^/+", "/"))
    by_file = Window.partitionBy("_path")
    before = Window.partitionBy("_path").orderBy("_record").rowsBetween(Window.unboundedPreceding, -1)
    frame = raw.select(*select, F.col(_CORRUPT).isNotNull().alias("malformed"), F.col("_newlines").alias("newlines"),
                       F.col("_undecodable").alias("undecodable"), F.col("_missing").alias("missing_columns"),
                       F.element_at(unit_of, F.col("_path")).alias("unit"),
                       (F.col("_record") - F.min("_record").over(by_file) + 2
                        + F.coalesce(F.sum("_newlines").over(before), F.lit(0))).alias("line"))
    for name, expr in recipe.prepared.items():
        frame = frame.withColumn(name, F.expr(to_spark(expr)))
    row_checks = [c for c in recipe.checks if c.action != "warn"]
    warn_checks = [c for c in recipe.checks if c.action == "warn"]
    frame = frame.select(*[F.expr(to_spark(expr)).alias(name) for name, expr in recipe.typed.items()],
                         "malformed", "newlines", "undecodable", "missing_columns", "unit", "line",
                         *[F.coalesce(F.expr(to_spark(c.bad)), F.lit(False)).alias(c.name) for c in row_checks])
    rejected = F.lit(False)
    for check in row_checks:
        if check.action == "reject":
            rejected = rejected | F.col(check.name)
    frame = frame.withColumn("rejected", rejected)
    for check in warn_checks:
        frame = frame.withColumn(check.name, ~F.col("rejected")
                                 & F.coalesce(F.expr(to_spark(check.bad)), F.lit(False)))
    # a row the reader could not split is no row: none of its checks count
    for check in recipe.checks:
        frame = frame.withColumn(check.name, F.col(check.name) & ~F.col("malformed"))
    return frame.withColumn("rejected", F.col("rejected") & ~F.col("malformed"))


def _parquet_text(column: str, spark_type: str):
    """A parquet column as text, as the DuckDB engine reads it (`staging._as_text`): a boolean flag is '1' / '0'."""
    from pyspark.sql import functions as F

    if spark_type == "boolean":
        return F.when(F.col(column), F.lit("1")).when(~F.col(column), F.lit("0"))
    if spark_type.startswith("timestamp"):
        return F.date_format(F.col(column), "yyyy-MM-dd HH:mm:ss[.SSSSSS]")
    return F.col(column).cast("string")


def _first_lines(condition):
    from pyspark.sql import functions as F

    return F.slice(F.array_sort(F.collect_list(F.when(condition, F.col("line")))), 1, MAX_ROWS_LISTED)


def _summaries(rows, slot: str) -> dict[str, dict]:
    """Per unit, in one pass: rows, set-aside rows and their first lines and kinds, undecodable rows, rejected rows,
    the accepted runs' first and last time, and per check its count and first lines."""
    from pyspark.sql import functions as F

    recipe = RECIPES[slot]
    good = ~F.col("malformed")
    aggregates = [
        F.count(F.when(good, 1)).alias("rows"),
        F.count(F.when(F.col("malformed"), 1)).alias("malformed"),
        _first_lines(F.col("malformed")).alias("malformed_lines"),
        F.count(F.when(F.col("malformed") & F.col("missing_columns"), 1)).alias("missing_kind"),
        F.count(F.when(F.col("malformed") & ~F.col("missing_columns"), 1)).alias("too_many_kind"),
        F.count(F.when(F.col("undecodable"), 1)).alias("undecodable"),
        _first_lines(F.col("undecodable")).alias("undecodable_lines"),
        F.count(F.when(F.col("rejected"), 1)).alias("rejected"),
    ]
    if "run_utc" in recipe.typed:
        aggregates += [F.min(F.when(good & ~F.col("rejected"), F.col("run_utc"))).alias("first_run_utc"),
                       F.max(F.when(good & ~F.col("rejected"), F.col("run_utc"))).alias("last_run_utc")]
    for check in recipe.checks:
        aggregates += [F.count(F.when(F.col(check.name), 1)).alias(f"n_{check.name}"),
                       _first_lines(F.col(check.name)).alias(f"l_{check.name}")]
    return {row["unit"]: row.asDict() for row in rows.groupBy("unit").agg(*aggregates).collect()}


#: What makes two accepted runs the same run: every staged value (as `staging._RUN_KEY_COLUMNS`).
_RUN_KEY_COLUMNS: dict[str, tuple[str, ...]] = {
    "fullbas": ("run_utc", "user_key", "org_ref", "runtime_s"),
    "simplebas": ("run_utc", "user_key", "org_ref", "statement_year", "statement_month"),
}


def _repeats(rows, slot: str) -> dict[str, dict]:
    """Per unit: accepted runs repeating every staged value of an earlier row of the same file, their first lines,
    and the first repeat with the line it repeats."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    key = ["unit", *_RUN_KEY_COLUMNS[slot]]
    kept = rows.where(~F.col("malformed") & ~F.col("rejected"))
    marked = kept.withColumn("first_line", F.min("line").over(Window.partitionBy(*key)))
    repeats = marked.where(F.col("line") > F.col("first_line"))
    found = repeats.groupBy("unit").agg(
        F.count(F.lit(1)).alias("count"),
        F.slice(F.array_sort(F.collect_list("line")), 1, MAX_ROWS_LISTED).alias("lines"),
        F.min_by(F.array("first_line", "line"), F.col("line")).alias("example"),
    ).collect()
    return {row["unit"]: row.asDict() for row in found}




def _report_unit(unit: _Unit, summary: dict | None, repeats: dict | None) -> None:
    """The findings and stats of one unit, in the words and order of `staging.stage_extract`."""
    extract = EXTRACT_BY_SLOT[unit.slot]
    recipe = RECIPES[unit.slot]
    report, name = unit.report, unit.name
    stats = report.files[unit.slot]
    summary = summary or {"rows": 0, "malformed": 0, "undecodable": 0, "rejected": 0}
    if summary.get("undecodable"):
        report.add("error", name, f"{summary['undecodable']:,} line(s) are not valid UTF-8 (the file is probably "
                                  f"Latin-1 / Windows-1252). Save it as UTF-8 (in Excel: 'CSV UTF-8 (Comma "
                                  f"delimited)') and ingest it again.",
                   rows=summary["undecodable_lines"], count=summary["undecodable"])
        return
    if summary["malformed"]:
        kinds = [kind for kind, n in (("missing columns", summary["missing_kind"]),
                                      ("too many columns", summary["too_many_kind"])) if n]
        report.add("warning", name, f"{summary['malformed']:,} row(s) could not be split into the header's "
                                    f"{len(extract.required) + len(stats['columns_extra'])} columns "
                                    f"({', '.join(kinds)}) and were left out. Check for unquoted commas "
                                    f"or quotes in those rows, or a last line cut short.",
                   rows=summary["malformed_lines"], count=summary["malformed"])
    for check in recipe.checks:
        count = summary.get(f"n_{check.name}", 0)
        if not count:
            continue
        report.add("warning", name, check.warning(unit.slot, count), column=check.column,
                   rows=summary[f"l_{check.name}"], count=count)
    rows_read = summary["rows"] + summary["malformed"]
    rows_accepted = summary["rows"] - summary["rejected"]
    stats.update(rows_read=rows_read, rows_accepted=rows_accepted, rows_rejected=rows_read - rows_accepted)
    if rows_read == 0:
        report.add("error", name, f"the file has a header but no data rows. Export the {extract.slot} extract "
                                  f"again with its rows.")
        return
    if rows_accepted == 0:
        report.add("error", name, f"none of the {rows_read:,} rows could be used (see the warnings above). Check that "
                                  f"this is the {extract.slot} extract in the documented format.")
        return
    if repeats:
        first, repeat = repeats["example"]
        what = "time, user, organisation and runtime" if unit.slot == "fullbas" else \
            "time, user, organisation and statement period"
        report.add("warning", name, f"{repeats['count']:,} run(s) repeat the {what} of an earlier row exactly, e.g. "
                                    f"lines {first} and {repeat}; they were kept, as a report run twice within "
                                    f"the same instant is possible. Remove the repeats from the extract if it "
                                    f"holds rows twice.", rows=repeats["lines"], count=repeats["count"])
    if "run_utc" in recipe.typed:
        stats.update(first_run_utc=_iso(summary.get("first_run_utc")), last_run_utc=_iso(summary.get("last_run_utc")))


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


#: SQL type names of the rows handed to a runner (`dialect.SqlRunner.rows`), as Spark types.
_SPARK_TYPES = {"VARCHAR": "StringType", "DATE": "DateType", "SMALLINT": "ShortType", "INTEGER": "IntegerType",
                "BIGINT": "LongType", "DOUBLE": "DoubleType", "BOOLEAN": "BooleanType"}


class SparkRunner:
    """`dialect.SqlRunner` on a Spark session: each query (DuckDB's SQL) runs as `dialect.to_spark` translates it.

    A table (`table`, and rows handed over by `rows`) is written as parquet into the work folder and read from there
    by the queries that use it (a shared file system on a cluster, as the staged rows are); a written table
    (`write`) is written by Spark as part files under `work`, in the query's order, and joined by the driver into one
    parquet file (pyarrow, a batch at a time: the parts are read in the order of their partitions, so an ORDER BY
    holds across the file)."""

    def __init__(self, spark, work: Path):
        self.spark = spark
        self.work = work
        self._views: set[str] = set()
        self._written = 0

    def _sql(self, select: str):
        from basstory.ingest.dialect import to_spark

        return self.spark.sql(to_spark(select))

    def _name(self, name: str, frame) -> None:
        frame.createOrReplaceTempView(name)
        self._views.add(name)

    def parquet(self, name: str, paths) -> None:
        self._name(name, self.spark.read.parquet(*[str(p) for p in paths]))

    def rows(self, name: str, columns, rows) -> None:
        from pyspark.sql import types as T

        schema = T.StructType([T.StructField(n, getattr(T, _SPARK_TYPES[t.upper()])()) for n, t in columns])
        self._keep(name, self.spark.createDataFrame([tuple(r) for r in rows], schema))

    def view(self, name: str, select: str) -> None:
        self._name(name, self._sql(select))

    def table(self, name: str, select: str) -> None:
        self._keep(name, self._sql(select))

    def _keep(self, name: str, frame) -> None:
        """Materialise `frame` as parquet in the work folder and name what was written: later queries read it as
        a table of known size (Spark broadcasts the small ones in joins) and never compute it again."""
        folder = self._folder(name)
        frame.write.mode("overwrite").parquet(str(folder))
        self._name(name, self.spark.read.parquet(str(folder)))

    def fetch(self, select: str) -> list[tuple]:
        return [tuple(row) for row in self._sql(select).collect()]

    def _folder(self, label: str) -> Path:
        self._written += 1
        return self.work / "spark_tables" / f"{self._written:03d}-{label}"

    def write(self, select: str, target: Path, options: str = "") -> None:
        folder = self._folder(target.name)
        self._sql(select).write.mode("overwrite").parquet(str(folder))
        tmp = target.with_name(f"{target.name}.{os.getpid()}-{threading.get_ident()}.tmp")
        try:
            _join_parts(_part_files(folder), tmp)
            tmp.replace(target)
        finally:
            tmp.unlink(missing_ok=True)
            shutil.rmtree(folder, ignore_errors=True)

    def sorted_chunks(self, select: str, order: str, month_column: str):
        """The rows of `select` sorted by `order` in Spark (one global sort; `month_column` is not needed), read back
        by the driver in order, a batch at a time."""
        import pyarrow.parquet as pq

        folder = self._folder("sorted")
        self._sql(f"SELECT * FROM ({select}) ORDER BY {order}").write.mode("overwrite").parquet(str(folder))
        files = _part_files(folder)
        total = sum(pq.ParquetFile(f).metadata.num_rows for f in files)

        def chunks():
            try:
                for file in files:
                    for batch in pq.ParquetFile(file).iter_batches(batch_size=1 << 20):
                        yield {name: batch.column(name).to_numpy(zero_copy_only=False)
                               for name in batch.schema.names}
            finally:
                shutil.rmtree(folder, ignore_errors=True)

        return total, chunks()

    def close(self) -> None:
        for name in self._views:
            self.spark.catalog.dropTempView(name)
        self._views.clear()
        shutil.rmtree(self.work / "spark_tables", ignore_errors=True)


def _part_files(folder: Path) -> list[Path]:
    """A Spark-written folder's parquet parts in the order of their partitions (part-00000, part-00001, ...)."""
    files = sorted(folder.glob("part-*.parquet"))
    if not files:
        raise RuntimeError(f"Spark wrote no parquet part into {folder.name}")
    return files


def _join_parts(files: list[Path], target: Path) -> None:
    """One parquet file of `files`' rows, in order, without Spark's schema metadata; row groups of at most 122,880
    rows as the DuckDB engine writes them."""
    import pyarrow.parquet as pq

    schema = pq.read_schema(files[0]).remove_metadata()
    with pq.ParquetWriter(target, schema, compression="zstd") as writer:
        for file in files:
            for batch in pq.ParquetFile(file).iter_batches(batch_size=122_880):
                writer.write_batch(batch.replace_schema_metadata(None) if batch.schema.metadata else batch)


def marts_and_derived_with_spark(build_marts, runs_path: Path, orgs_path: Path, built: Path, work: Path,
                                 master: str | None = None):
    """Run `build_marts(runner)` (which writes runs_path and orgs_path) and then every derived table
    (`derive.build_derived`) in Spark; returns what `build_marts` returns."""
    from basstory.ingest.derive import build_derived

    # a session of its own (the same Spark context): its table names cannot meet another ingest's in this process
    runner = SparkRunner(spark_session(master).newSession(), work)
    try:
        result = build_marts(runner)
        build_derived(runner, runs_path, orgs_path, built)
        return result
    finally:
        runner.close()


__all__ = ["DEFAULT_MASTER", "Finding", "SparkRunner", "SparkStaged", "SparkUnavailable", "asdict",
           "marts_and_derived_with_spark", "spark_available", "spark_session", "stage_with_spark",
           "stop_spark_session"]
