"""The marts: the two staged tables of a dataset version, built from the typed rows, and what the report counts on them.

- orgs.parquet (`write_orgs`): one row per organisation (first orgcard row of each organisationid), ORGS_COLUMNS.
- runs.parquet (`write_runs`): one row per accepted report run of either system, RUNS_COLUMNS, in no set order.
  `org_key` is resolved here: Full BAS by `lower(orgid) = lower(org_key)`, Simple BAS by `shortcode` exactly;
  null when the org is not in orgcard. Runs of unknown or out-of-scope orgs are kept; `scope_counts` counts them by
  reason (the rule: `basstory.ingest.scope.SCOPE_SQL`).

The queries are written once, in DuckDB's SQL, and run through a `dialect.SqlRunner`: as written on a DuckDB
connection (the DuckDB engine), or translated by `dialect.to_spark` in Spark (`spark.SparkRunner`, the Spark engine).
They read their inputs by name: the staged rows' views, and `mart_orgs` / `mart_runs`, the files written here.
"""
from __future__ import annotations

from pathlib import Path

import duckdb

from basstory.core.schema import ORGS_COLUMNS, RUNS_COLUMNS, SCOPE_REASONS, SYSTEMS
from basstory.ingest.dialect import DuckDBRunner, SqlRunner
from basstory.ingest.scope import SCOPE_SQL, scope_reason_sql
from basstory.ingest.validation import MAX_ROWS_LISTED, ValidationReport


def _runner(con: duckdb.DuckDBPyConnection | SqlRunner) -> SqlRunner:
    return DuckDBRunner(con) if isinstance(con, duckdb.DuckDBPyConnection) else con


def write_orgs(con: duckdb.DuckDBPyConnection | SqlRunner, orgs_view: str, out_path: Path,
               report: ValidationReport, file_name: str) -> int:
    """Write orgs.parquet: one row per organisation, ORGS_COLUMNS, in orgcard order. Returns the row count.

    Repeated organisationids (case-insensitively): the first row is kept, the others dropped (warning, counted as
    rejected). Repeated shortcodes (exactly): the first org keeps it, later orgs are kept with no shortcode, so
    Simple BAS runs with that code go to one org and the later orgs still get their Full BAS runs (warning).
    """
    run = _runner(con)
    run.table("orgs_ranked", f"""
        SELECT *, row_number() OVER (PARTITION BY org_key ORDER BY source_row) AS org_key_seen
        FROM {orgs_view}""")
    run.table("orgs_kept", """
        SELECT *,
               CASE WHEN shortcode IS NULL THEN 1
                    ELSE row_number() OVER (PARTITION BY shortcode ORDER BY source_row) END AS shortcode_seen
        FROM orgs_ranked WHERE org_key_seen = 1""")
    dropped, dropped_rows, example = run.fetch(f"""
        SELECT count(*), min_by(r.source_row, r.source_row, {MAX_ROWS_LISTED}),
               min_by(r.org_key || ' on lines ' || CAST(k.source_row AS VARCHAR) || ' and '
                      || CAST(r.source_row AS VARCHAR), r.source_row)
        FROM orgs_ranked r JOIN orgs_kept k ON k.org_key = r.org_key WHERE r.org_key_seen > 1""")[0]
    if dropped:
        report.add("warning", file_name, f"{dropped:,} row(s) repeat an organisationid of an earlier row (ignoring "
                                         f"case), e.g. {example}; the first row of each organisation was kept and the "
                                         f"repeats left out. Remove the repeats from the extract if another row is "
                                         f"the right one.", column="organisationid", rows=list(dropped_rows),
                   count=dropped)
        stats = report.files.get("orgcard")
        if stats and not stats.get("reused_from"):
            stats["rows_accepted"] -= dropped
            stats["rows_rejected"] += dropped
    repeated, repeated_rows, example = run.fetch(f"""
        SELECT count(*), min_by(r.source_row, r.source_row, {MAX_ROWS_LISTED}),
               min_by(r.shortcode || ' on lines ' || CAST(k.source_row AS VARCHAR) || ' and '
                      || CAST(r.source_row AS VARCHAR), r.source_row)
        FROM orgs_kept r JOIN orgs_kept k ON k.shortcode = r.shortcode AND k.shortcode_seen = 1
        WHERE r.shortcode_seen > 1""")[0]
    if repeated:
        report.add("warning", file_name, f"{repeated:,} organisation(s) repeat the shortcode of an earlier row "
                                         f"(exactly, case-sensitively), e.g. {example}; Simple BAS runs with that "
                                         f"shortcode go to the first organisation, and the later ones were kept "
                                         f"without a shortcode. Fix the shortcodes in the extract if that is wrong.",
                   column="shortcode", rows=list(repeated_rows), count=repeated)
    select = ", ".join(
        "CASE WHEN shortcode_seen = 1 THEN shortcode END AS shortcode" if c == "shortcode"
        else f"({scope_reason_sql('')}) = 'in_scope' AS in_scope" if c == "in_scope"
        else c
        for c in ORGS_COLUMNS
    )
    run.write(f"SELECT {select} FROM orgs_kept ORDER BY source_row", out_path, "COMPRESSION zstd")
    run.parquet("mart_orgs", [out_path])
    return int(run.fetch("SELECT count(*) FROM mart_orgs")[0][0])


def write_runs(con: duckdb.DuckDBPyConnection | SqlRunner, full_view: str, simple_view: str, orgs_path: Path,
               out_path: Path) -> dict[str, int]:
    """Write runs.parquet: one row per accepted run of both systems, RUNS_COLUMNS. Returns the row count per system.

    The rows are in no particular order (DuckDB writes them from several threads): sorting every run by run_utc
    cost a third of a cold ingest at scale 10 and, spilling to disk, over half of it at scale 100, for queries that
    were no faster in the app (which loads the table whole). Readers must not rely on the order.
    """
    run = _runner(con)
    run.parquet("mart_orgs", [orgs_path])
    query = f"""
        SELECT 'full' AS system, f.run_utc, f.user_key, f.org_ref, o.org_key, f.runtime_s,
               NULL::INTEGER AS statement_year, NULL::INTEGER AS statement_month, f.source_row
        FROM {full_view} f LEFT JOIN (SELECT *, lower(org_key) AS org_ref FROM mart_orgs) o ON o.org_ref = f.org_ref
        UNION ALL
        SELECT 'simple', s.run_utc, s.user_key, s.org_ref, o.org_key, NULL::DOUBLE,
               s.statement_year, s.statement_month, s.source_row
        FROM {simple_view} s LEFT JOIN mart_orgs o ON o.shortcode = s.org_ref
    """
    run.write(f"SELECT {', '.join(RUNS_COLUMNS)} FROM ({query})", out_path, "COMPRESSION zstd, COMPRESSION_LEVEL 1")
    run.parquet("mart_runs", [out_path])
    rows = dict(run.fetch("SELECT system, count(*) FROM mart_runs GROUP BY system"))
    return {system: int(rows.get(system, 0)) for system in SYSTEMS}


def scope_counts(con: duckdb.DuckDBPyConnection | SqlRunner, runs_path: Path,
                 orgs_path: Path) -> tuple[dict[str, int], dict[str, dict[str, int]]]:
    """Staged runs per scope reason (all of `SCOPE_REASONS`), overall and per system."""
    run = _runner(con)
    run.parquet("mart_runs", [runs_path])
    run.parquet("mart_orgs", [orgs_path])
    rows = run.fetch(f"""
        SELECT r.system, {SCOPE_SQL} AS reason, count(*)
        FROM mart_runs r LEFT JOIN mart_orgs o ON o.org_key = r.org_key
        GROUP BY ALL""")
    overall = {reason: 0 for reason in SCOPE_REASONS}
    by_system = {system: {reason: 0 for reason in SCOPE_REASONS} for system in SYSTEMS}
    for system, reason, count in rows:
        overall[reason] += count
        by_system[system][reason] += count
    return overall, by_system


def run_period(con: duckdb.DuckDBPyConnection | SqlRunner, runs_path: Path) -> dict[str, str | None]:
    """First and last run_utc of the staged runs (ISO, UTC)."""
    run = _runner(con)
    run.parquet("mart_runs", [runs_path])
    first, last = run.fetch("SELECT min(run_utc), max(run_utc) FROM mart_runs")[0]
    return {"first_run_utc": _iso(first), "last_run_utc": _iso(last)}


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


__all__ = ["run_period", "scope_counts", "write_orgs", "write_runs"]
