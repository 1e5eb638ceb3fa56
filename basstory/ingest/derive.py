"""Everything that depends only on a run, derived once per dataset version so that no page has to.

Written beside a version's staged tables (runs.parquet, orgs.parquet):

- `org_ids.parquet` — grain: one row per organisation identity. Columns: org_id (INTEGER, dense from 1), org_key
  (upper-case organisationid; NULL for an org that is not in the org table), org_ref (the extract's reference of such
  an unknown org; NULL otherwise). Known orgs (every orgs.parquet row, with or without runs) come first, by org_key,
  then unknown references by org_ref: the identity `coalesce(org_key, 'ref:' || org_ref)` the story counts by.
- `user_ids.parquet` — grain: one row per user. Columns: user_id (INTEGER, dense from 1), user_key (lower(userid)).
- `runs_derived.parquet` — grain: one row per run (as runs.parquet), sorted by run_local_date then run_utc so that a
  date filter reads only the row groups it needs. Columns (DERIVED_COLUMNS): system, run_utc, run_local (Sydney
  wall-clock, the contract's zone), run_local_date, org_id, user_id, runtime_s, statement_year, statement_month,
  cadence and days_before (the org's BAS cadence and the days from the run's Sydney date to that cadence's next due
  date), and the re-run markers of the run's chain (see below).

Re-runs: within one (system, user, org), a run is a *repeat* when the previous run came at most REPEAT_MINUTES
before it; a *chain* is a run that is not a repeat and the repeats that follow it. is_repeat / is_repeated say
whether the previous / next run of the same (system, user, org) is at most REPEAT_MINUTES away, and
repeat_crosses_day / repeated_crosses_day whether that run falls on another Sydney date; chain_no numbers the chains
of a (system, user, org) in time order. `chains.parquet` — grain: one row per chain; columns system, user_id,
org_id, chain_no, profile_id, size (its runs), first_date and last_date (its first and last run's Sydney dates).
A view's filters keep or drop whole (system, user, org) histories except
for its date range, which is contiguous, so a view's repeats and sessions follow exactly from these columns
(query.fast).

`user_org_day.parquet` — grain: one row per (system, user, org, Sydney date), sorted by date (a view reads only the
days its dates cut from a month); columns system, user_id, org_id, profile_id, run_local_date, runs, first_utc,
last_utc, runtime_s (summed; NULL when no run has one), repeats (runs with is_repeat) and repeats_from_day_before
(those whose previous run was the day before: a view that starts on that day does not count them as repeats).
`user_org.parquet` — grain: one row per (system, user, org); columns system, user_id, org_id, profile_id, runs,
first_utc, last_utc. `user_org_month.parquet` — grain: one row per (system, user, org, Sydney month); the same
columns plus month, runtime_s, repeats, repeats_from_month_before (the day cube's repeats_from_day_before on the
month's first day) and days (the days of the month with a run, as bits: bit d - 1 for day d, so a view's keys in a
month its dates cut need no day rows). Both are summed from the day cube. `org_month.parquet` — grain: one row per
(system, org, Sydney month); columns system, org_id, profile_id, month, runs, first_utc, last_utc, runtime_s, repeats,
repeats_from_month_before, summed from the month cube.

Full BAS load (analyses.capacity) is measured on the intervals [start, start + length) of the Full BAS runs with a
positive runtime, the length being round(runtime_s × 10⁶) microseconds. What is additive over runs is in the cubes:
`slot_cube` also sums each half hour's interval lengths (`length_us`) and the part of each interval inside the UTC
hour it starts in (`compute_us`), with the earliest and latest start and the latest end of those intervals
(`timed_first_us`, `timed_last_us`, `timed_last_end_us`); `hour_spill.parquet` (grain: one row per interval that runs
past the end of the hour it starts in; columns profile_id, run_local_date, start_us, end_us) holds the rest.
Concurrency is not additive, so the intervals themselves are kept as plain arrays (numpy .npy, read memory-mapped:
a view reads only the slice its dates select), in two orders:
- by start (FULL_STARTS): `full_starts_us` (epoch microseconds UTC, ascending), `full_starts_runtime_s` (as staged)
  and `full_starts_profile` (profile_id);
- by end (FULL_ENDS), for the intervals with a positive length: `full_ends_us` (ascending) and `full_ends_run` (the
  interval's position in the start order).
`full_zero_length_run` lists the positions of the intervals of length zero (a runtime under half a microsecond), which
never overlap anything; `full_ends_before_start` gives, for each interval in the start order, how many ends lie at or
before its start; and `full_intervals.json` their count and the longest length, which bounds where a date range's
ends can lie.
"""
from __future__ import annotations

import bisect
import json
import os
import threading
from datetime import date, datetime, timedelta
from pathlib import Path

import duckdb
import numpy as np

from basstory.core.calendar_au import bas_due_dates
from basstory.core.schema import CONTRACT_TZ
from basstory.ingest.dialect import DuckDBRunner, SqlRunner

#: Version-folder files this module writes; a version missing any of them is derived again when opened.
DERIVED_FILES: tuple[str, ...] = ("org_ids.parquet", "profiles.parquet", "user_ids.parquet", "runs_derived.parquet",
                                  "chains.parquet", "chain_cube.parquet", "lag_cube.parquet", "slot_cube.parquet",
                                  "user_org.parquet", "user_org_month.parquet", "user_org_day.parquet",
                                  "org_month.parquet")
#: The Full BAS intervals by start and by end (see the module docstring), and their summary.
FULL_STARTS: tuple[str, ...] = ("full_starts_us", "full_starts_runtime_s", "full_starts_profile")
FULL_ENDS: tuple[str, ...] = ("full_ends_us", "full_ends_run")
#: Positions (in the start order) of the intervals of length zero: a runtime under half a microsecond.
FULL_ZERO_LENGTH = "full_zero_length_run"
#: For each interval in the start order, how many of FULL_ENDS end at or before its start (its position in the end
#: order), so a view counts the ends before each start by a running sum instead of a search.
FULL_ENDS_BEFORE_START = "full_ends_before_start"
FULL_INTERVALS_SUMMARY = "full_intervals.json"
DERIVED_FILES += ("hour_spill.parquet", *(f"{name}.npy" for name in (*FULL_STARTS, *FULL_ENDS, FULL_ZERO_LENGTH,
                                                                     FULL_ENDS_BEFORE_START)),
                  FULL_INTERVALS_SUMMARY)
#: Bump when what is derived changes: versions derived by an older format are derived again when opened.
DERIVED_FORMAT = "basstory-derived-13"
FORMAT_FILE = "derived_format.txt"

#: Runs are counted in UTC half hours: every display zone's offset is a whole number of half hours, so a half hour
#: of UTC is one half hour of wall-clock time in each of them (one date, one hour, one weekday).
BUCKET_US = 30 * 60 * 1_000_000
HOUR_US = 2 * BUCKET_US
#: A Full BAS run's interval length in microseconds (the load's unit), as SQL over a run's runtime_s.
LENGTH_US_SQL = "CAST(round(runtime_s * 1e6) AS BIGINT)"

#: The order of a (system, user, org)'s runs: by time, then by what else a run holds, so that two runs in the same
#: instant are ordered the same way whatever order the staged table holds them in (its order depends on the engine
#: and its threads), and every engine derives the same markers.
RUN_ORDER = "run_utc, runtime_s, statement_year, statement_month"

#: A run is a repeat when the same user ran the same system for the same org at most this long before.
REPEAT_MINUTES = 30

#: Which due-date cadence applies to an org (calendar_au.CADENCES); NULL for annual and other lodgers.
CADENCE_SQL = ("CASE WHEN tax_period = 'Monthly' THEN 'monthly' "
               "WHEN tax_period = 'Quarterly' AND managed_by_practice THEN 'quarterly_agent' "
               "WHEN tax_period = 'Quarterly' THEN 'quarterly' END")

#: SQL over runs_derived: a Full BAS run with a runtime, whose interval the load measures.
TIMED = "system = 'full' AND runtime_s > 0"

#: The org attributes the story filters and splits by; orgs alike in all of them share a profile.
PROFILE_ATTRIBUTES = "status, paying, plan, plan_family, tax_period, channel_type, managed_by_practice"

DERIVED_COLUMNS: tuple[str, ...] = (
    "system", "run_utc", "run_local", "run_local_date", "org_id", "profile_id", "user_id", "runtime_s",
    "statement_year",
    "statement_month", "cadence", "days_before", "is_repeat", "repeat_crosses_day", "is_repeated",
    "repeated_crosses_day", "chain_no",
)


def is_derived(version_dir: Path, runs_path: Path, orgs_path: Path) -> bool:
    """True when `version_dir` holds this format's derived tables, derived from these very staged files."""
    marker = version_dir / FORMAT_FILE
    return (all((version_dir / name).exists() for name in DERIVED_FILES)
            and marker.exists() and marker.read_text(encoding="utf-8") == _marker_text(runs_path, orgs_path))


def _marker_text(runs_path: Path, orgs_path: Path) -> str:
    """The derived format and the staged files' size and modification time: a rewritten input is derived again."""
    stamps = [f"{p.name} {p.stat().st_size} {p.stat().st_mtime_ns}" for p in (runs_path, orgs_path)]
    return "\n".join([DERIVED_FORMAT, *stamps]) + "\n"


def derive_tables(runs_path: Path, orgs_path: Path, out_dir: Path, *, memory_limit: str = "3GB",
                  threads: int | None = None) -> None:
    """Write DERIVED_FILES into `out_dir` from a version's runs.parquet and orgs.parquet, with DuckDB.

    Each file is written under a temporary name and renamed into place; the format marker is written last, so a
    reader that finds the marker finds complete files.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    spill = out_dir / f".derive_spill.{os.getpid()}-{threading.get_ident()}"
    con = duckdb.connect(config={"memory_limit": memory_limit, "temp_directory": str(spill),
                                 "preserve_insertion_order": False})
    try:
        if threads:
            con.execute(f"SET threads = {int(threads)}")
        con.execute("SET TimeZone = 'UTC'")
        con.execute("SET enable_progress_bar = false")
        build_derived(DuckDBRunner(con), runs_path, orgs_path, out_dir)
    finally:
        con.close()
        _remove_tree(spill)


def build_derived(run: SqlRunner, runs_path: Path, orgs_path: Path, out_dir: Path) -> None:
    """Write DERIVED_FILES into `out_dir` from runs.parquet and orgs.parquet, every table by `run`'s engine.

    The queries are written once, in DuckDB's SQL: `derive_tables` runs them in DuckDB as written, the Spark engine
    (`spark.derive_with_spark`) translated by `dialect.to_spark`. Only the days-to-due table (a few thousand rows,
    from the BAS calendar) is computed in Python and handed to the engine as rows, and the interval arrays are
    assembled by this process from the engine's sorted intervals (`_write_full_intervals`).
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    run.parquet("staged_runs", [runs_path])
    run.parquet("staged_orgs", [orgs_path])
    run.table("orgs", "SELECT * FROM staged_orgs")
    run.table("org_ids", """
        WITH known AS (SELECT org_key, NULL::VARCHAR AS org_ref FROM orgs),
             unknown AS (SELECT DISTINCT NULL::VARCHAR AS org_key, org_ref FROM staged_runs
                         WHERE org_key IS NULL)
        SELECT CAST(row_number() OVER (ORDER BY org_key IS NULL, org_key, org_ref) AS INTEGER) AS org_id,
               org_key, org_ref
        FROM (SELECT * FROM known UNION ALL SELECT * FROM unknown)""")
    run.table("profiles", f"""
        WITH distinct_profiles AS (
            SELECT DISTINCT true AS known, {PROFILE_ATTRIBUTES} FROM orgs
            UNION ALL
            SELECT false, {', '.join(f'NULL AS {a}' for a in PROFILE_ATTRIBUTES.split(', '))})
        SELECT CAST(row_number() OVER (ORDER BY known DESC, {PROFILE_ATTRIBUTES}) AS INTEGER) AS profile_id, *,
               {CADENCE_SQL} AS cadence
        FROM distinct_profiles""")
    run.table("org_profiles", f"""
        SELECT i.org_id, p.profile_id
        FROM org_ids i LEFT JOIN orgs o ON o.org_key = i.org_key
        JOIN profiles p ON p.known = (i.org_key IS NOT NULL)
             AND {' AND '.join(f'p.{a} IS NOT DISTINCT FROM o.{a}' for a in PROFILE_ATTRIBUTES.split(', '))}""")
    run.table("user_ids", """
        SELECT CAST(row_number() OVER (ORDER BY user_key) AS INTEGER) AS user_id, user_key
        FROM (SELECT DISTINCT user_key FROM staged_runs)""")
    run.view("base", f"""
        SELECT r.system, r.run_utc,
               timezone('{CONTRACT_TZ}', timezone('UTC', r.run_utc)) AS run_local,
               CAST(timezone('{CONTRACT_TZ}', timezone('UTC', r.run_utc)) AS DATE) AS run_local_date,
               coalesce(k.org_id, x.org_id) AS org_id, u.user_id, r.runtime_s,
               CAST(r.statement_year AS SMALLINT) AS statement_year,
               CAST(r.statement_month AS TINYINT) AS statement_month
        FROM staged_runs r
        LEFT JOIN org_ids k ON r.org_key IS NOT NULL AND k.org_key = r.org_key
        LEFT JOIN (SELECT org_id, org_ref FROM org_ids WHERE org_key IS NULL) x
               ON r.org_key IS NULL AND x.org_ref = r.org_ref
        JOIN user_ids u ON u.user_key = r.user_key""")
    # a Sydney date never goes back as UTC time goes on (clocks change at 2 and 3 am), so the first and last
    # runs give the span of dates
    span = run.fetch(f"""
        SELECT CAST(timezone('{CONTRACT_TZ}', timezone('UTC', min(run_utc))) AS DATE),
               CAST(timezone('{CONTRACT_TZ}', timezone('UTC', max(run_utc))) AS DATE)
        FROM staged_runs""")[0]
    run.rows("days_to_due", DAYS_TO_DUE_COLUMNS, days_to_due_rows(span[0], span[1]))
    repeat_us = REPEAT_MINUTES * 60 * 1_000_000
    # one sort by (system, user, org, time) gives the gaps to the neighbouring runs and the chain numbers
    derived_select = f"""
        WITH gaps AS (
            SELECT *,
                   coalesce(epoch_us(run_utc) - epoch_us(lag(run_utc) OVER w) <= {repeat_us}, false) AS is_repeat,
                   coalesce(lag(run_local_date) OVER w <> run_local_date, false) AS prev_other_day,
                   coalesce(epoch_us(lead(run_utc) OVER w) - epoch_us(run_utc) <= {repeat_us}, false)
                       AS is_repeated,
                   coalesce(lead(run_local_date) OVER w <> run_local_date, false) AS next_other_day
            FROM base WINDOW w AS (PARTITION BY system, user_id, org_id ORDER BY {RUN_ORDER})),
        chains AS (
            SELECT *, CAST(sum(CASE WHEN is_repeat THEN 0 ELSE 1 END)
                           OVER (PARTITION BY system, user_id, org_id ORDER BY {RUN_ORDER}
                                 ROWS UNBOUNDED PRECEDING) AS INTEGER) AS chain_no
            FROM gaps)
        SELECT c.system, c.run_utc, c.run_local, c.run_local_date, c.org_id, op.profile_id, c.user_id,
               c.runtime_s, c.statement_year, c.statement_month, p.cadence, t.days_before,
               c.is_repeat, c.is_repeat AND c.prev_other_day AS repeat_crosses_day,
               c.is_repeated, c.is_repeated AND c.next_other_day AS repeated_crosses_day, c.chain_no
        FROM chains c
        JOIN org_profiles op ON op.org_id = c.org_id
        JOIN profiles p ON p.profile_id = op.profile_id
        LEFT JOIN days_to_due t ON t.cadence = p.cadence AND t.day = c.run_local_date"""
    # written straight from the query and read back for the cubes: materialising the joined runs and then the
    # derived runs as tables (4.5 GB at 100x) spilled both to disk and cost about 50 s more
    run.write(f"SELECT {', '.join(DERIVED_COLUMNS)} FROM ({derived_select}) ORDER BY run_utc",
              out_dir / "runs_derived.parquet", _ROW_GROUPS)
    run.parquet("runs_derived", [out_dir / "runs_derived.parquet"])
    run.table("chains", """
        SELECT system, user_id, org_id, chain_no, any_value(profile_id) AS profile_id,
               CAST(count(*) AS INTEGER) AS size, min(run_local_date) AS first_date,
               max(run_local_date) AS last_date
        FROM runs_derived GROUP BY system, user_id, org_id, chain_no""")
    for name, select in derived_queries():
        run.write(select, out_dir / f"{name}.parquet", _ROW_GROUPS)
        if name in READ_BACK:
            run.parquet(name, [out_dir / f"{name}.parquet"])
    _write_full_intervals(run, out_dir)
    marker = out_dir / f"{FORMAT_FILE}.{os.getpid()}-{threading.get_ident()}.tmp"
    marker.write_text(_marker_text(runs_path, orgs_path), encoding="utf-8")
    marker.replace(out_dir / FORMAT_FILE)


#: The parquet writer's options for the derived tables (DuckDB's COPY options; rows per row group).
_ROW_GROUPS = "ROW_GROUP_SIZE 122880"
#: Derived tables the later ones are built from (read back from the file just written).
READ_BACK = ("user_org_day", "user_org_month")


def derived_queries() -> list[tuple[str, str]]:
    """(file name without .parquet, query) of the derived tables written from the tables `build_derived` made
    (runs_derived, chains, org_ids, org_profiles, profiles, user_ids), each in the order the app reads it."""
    return [
        ("org_ids", "SELECT i.org_id, i.org_key, i.org_ref, p.profile_id FROM org_ids i "
                    "JOIN org_profiles p ON p.org_id = i.org_id ORDER BY org_id"),
        ("profiles", "SELECT * FROM profiles ORDER BY profile_id"),
        ("user_ids", "SELECT * FROM user_ids ORDER BY user_id"),
        ("chains", "SELECT * FROM chains ORDER BY first_date"),
        ("slot_cube", f"""
            SELECT profile_id, system, epoch_us(run_utc) // {BUCKET_US} AS bucket, run_local_date, days_before,
                   count(*) AS runs, sum(runtime_s) AS runtime_s,
                   count(*) FILTER (WHERE coalesce(runtime_s, 0) <= 0) AS runtime_missing,
                   count(*) FILTER (WHERE is_repeat) AS repeats,
                   count(*) FILTER (WHERE NOT is_repeat AND is_repeated) AS repeated_heads,
                   min(run_utc) AS first_utc, max(run_utc) AS last_utc,
                   CAST(sum({LENGTH_US_SQL}) FILTER (WHERE {TIMED}) AS DOUBLE) AS length_us,
                   CAST(sum(least(epoch_us(run_utc) + {LENGTH_US_SQL}, (epoch_us(run_utc) // {HOUR_US} + 1) * {HOUR_US})
                            - epoch_us(run_utc)) FILTER (WHERE {TIMED}) AS DOUBLE) AS compute_us,
                   min(epoch_us(run_utc)) FILTER (WHERE {TIMED}) AS timed_first_us,
                   max(epoch_us(run_utc)) FILTER (WHERE {TIMED}) AS timed_last_us,
                   max(epoch_us(run_utc) + {LENGTH_US_SQL}) FILTER (WHERE {TIMED}) AS timed_last_end_us
            FROM runs_derived GROUP BY ALL ORDER BY run_local_date, bucket, system, profile_id"""),
        ("hour_spill", f"""
            SELECT profile_id, run_local_date, epoch_us(run_utc) AS start_us,
                   epoch_us(run_utc) + {LENGTH_US_SQL} AS end_us
            FROM runs_derived
            WHERE {TIMED} AND epoch_us(run_utc) + {LENGTH_US_SQL} > (epoch_us(run_utc) // {HOUR_US} + 1) * {HOUR_US}
            ORDER BY run_local_date, start_us"""),
        ("lag_cube", """
            SELECT profile_id, run_local_date,
                   CAST((year(run_local_date) * 12 + month(run_local_date))
                        - (statement_year * 12 + statement_month) AS INTEGER) AS lag, count(*) AS runs
            FROM runs_derived
            WHERE system = 'simple' AND statement_year IS NOT NULL AND statement_month IS NOT NULL
            GROUP BY ALL ORDER BY run_local_date"""),
        ("chain_cube", """
            SELECT profile_id, system, first_date, last_date, size, count(*) AS chains
            FROM chains GROUP BY ALL ORDER BY first_date"""),
        ("user_org_day", """
            SELECT system, user_id, org_id, profile_id, run_local_date, count(*) AS runs, min(run_utc) AS first_utc,
                   max(run_utc) AS last_utc, sum(runtime_s) AS runtime_s,
                   count(*) FILTER (WHERE is_repeat) AS repeats,
                   count(*) FILTER (WHERE is_repeat AND repeat_crosses_day) AS repeats_from_day_before
            FROM runs_derived GROUP BY ALL ORDER BY run_local_date, system, org_id, user_id"""),
        # the coarser cubes from the day cube (written before them): a third of the runs' rows at 100x
        ("user_org", """
            SELECT system, user_id, org_id, any_value(profile_id) AS profile_id, CAST(sum(runs) AS BIGINT) AS runs,
                   min(first_utc) AS first_utc, max(last_utc) AS last_utc
            FROM user_org_day GROUP BY system, user_id, org_id ORDER BY system, org_id, user_id"""),
        ("user_org_month", """
            SELECT system, user_id, org_id, any_value(profile_id) AS profile_id,
                   CAST(date_trunc('month', run_local_date) AS DATE) AS month,
                   CAST(sum(runs) AS BIGINT) AS runs, min(first_utc) AS first_utc, max(last_utc) AS last_utc,
                   sum(runtime_s) AS runtime_s, CAST(sum(repeats) AS BIGINT) AS repeats,
                   CAST(sum(CASE WHEN day(run_local_date) = 1 THEN repeats_from_day_before ELSE 0 END) AS BIGINT)
                       AS repeats_from_month_before,
                   CAST(bit_or(CAST(1 AS INTEGER) << (day(run_local_date) - 1)) AS INTEGER) AS days
            FROM user_org_day GROUP BY system, user_id, org_id, month ORDER BY month, system, org_id, user_id"""),
        # the org-level chapters' grain, from the month cube (written before it): a third of its rows
        ("org_month", """
            SELECT system, org_id, any_value(profile_id) AS profile_id, month, CAST(sum(runs) AS BIGINT) AS runs,
                   min(first_utc) AS first_utc, max(last_utc) AS last_utc, sum(runtime_s) AS runtime_s,
                   CAST(sum(repeats) AS BIGINT) AS repeats,
                   CAST(sum(repeats_from_month_before) AS BIGINT) AS repeats_from_month_before
            FROM user_org_month GROUP BY system, org_id, month ORDER BY month, system, org_id"""),
    ]


#: The days-to-due table's columns (name, SQL type).
DAYS_TO_DUE_COLUMNS: tuple[tuple[str, str], ...] = (("cadence", "VARCHAR"), ("day", "DATE"),
                                                     ("days_before", "SMALLINT"))


def days_to_due_rows(first: date | None, last: date | None) -> list[tuple[str, date, int]]:
    """One row per (cadence, Sydney date from `first` to `last`) with days_before, the days from that date to the
    cadence's next BAS due date (0 on the due date itself; calendar_au.bas_due_dates). Computed here, once, and
    handed to either engine as rows: it is a few thousand rows."""
    if first is None:
        return []
    due = bas_due_dates(first, last + timedelta(days=120))
    if due.empty:
        return []
    by_cadence: dict[str, list[date]] = {}
    for cadence, due_date in zip(due["cadence"], due["due_date"], strict=True):
        by_cadence.setdefault(str(cadence), []).append(_as_date(due_date))
    rows = []
    for cadence in sorted(by_cadence):
        dates = sorted(set(by_cadence[cadence]))
        day = first
        while day <= last:
            at = bisect.bisect_left(dates, day)  # the first due date on or after the day
            if at < len(dates):
                rows.append((cadence, day, (dates[at] - day).days))
            day += timedelta(days=1)
    return rows


def _as_date(value) -> date:
    return value.date() if isinstance(value, datetime) else value


def _write_full_intervals(run: SqlRunner, out_dir: Path) -> None:
    """Write FULL_STARTS, FULL_ENDS and FULL_INTERVALS_SUMMARY from the derived per-run table (`runs_derived`).

    The engine sorts the intervals by start (`SqlRunner.sorted_chunks`) and they are written in that order, a piece
    at a time, straight into the arrays' files; only the end order needs every interval at once, as two arrays of
    ends and positions. Memory stays near a piece of the intervals plus those two arrays."""
    total, chunks = run.sorted_chunks(
        f"SELECT epoch_us(run_utc) AS start_us, {LENGTH_US_SQL} AS length_us, runtime_s, profile_id, run_local_date "
        f"FROM runs_derived WHERE {TIMED}",
        "start_us, length_us, runtime_s, profile_id", "run_local_date")
    run_dtype = np.int32 if total < 2**31 else np.int64
    tmp = f"{os.getpid()}-{threading.get_ident()}.tmp"
    targets = {name: out_dir / f"{name}.npy"
               for name in (*FULL_STARTS, *FULL_ENDS, FULL_ZERO_LENGTH, FULL_ENDS_BEFORE_START)}
    files = {name: target.with_name(f"{target.name}.{tmp}") for name, target in targets.items()}
    arrays = {name: _array_file(files[name], dtype, total)
              for name, dtype in (("full_starts_us", np.int64), ("full_starts_runtime_s", np.float64),
                                  ("full_starts_profile", np.int32))}
    ends = np.empty(total, dtype=np.int64)
    done, longest = 0, 0
    for chunk in chunks:
        starts = np.asarray(chunk["start_us"]).astype(np.int64)
        lengths = np.asarray(chunk["length_us"]).astype(np.int64)
        n = len(starts)
        if done + n > total:
            raise RuntimeError("the engine gave more intervals than it counted")
        arrays["full_starts_us"][done:done + n] = starts
        arrays["full_starts_runtime_s"][done:done + n] = np.asarray(chunk["runtime_s"]).astype(np.float64)
        arrays["full_starts_profile"][done:done + n] = np.asarray(chunk["profile_id"]).astype(np.int32)
        ends[done:done + n] = starts + lengths
        longest = max(longest, int(lengths.max()) if n else 0)
        done += n
    if done != total:
        raise RuntimeError("the engine gave fewer intervals than it counted")
    lengths = ends - arrays["full_starts_us"]
    zero = np.flatnonzero(lengths == 0).astype(run_dtype)
    del lengths
    with_length = np.ones(total, dtype=bool)
    with_length[zero] = False
    live = np.flatnonzero(with_length).astype(run_dtype)
    del with_length
    by_end = live[np.argsort(ends[live], kind="stable")]
    del live
    ends_sorted = ends[by_end]
    del ends
    _save_array(ends_sorted, files["full_ends_us"])
    _save_array(np.searchsorted(ends_sorted, arrays["full_starts_us"], side="right").astype(run_dtype),
                files[FULL_ENDS_BEFORE_START])
    del ends_sorted
    _save_array(by_end, files["full_ends_run"])
    _save_array(zero, files[FULL_ZERO_LENGTH])
    for name, array in arrays.items():
        if isinstance(array, np.memmap):
            array.flush()
        else:
            _save_array(array, files[name])
    del arrays
    for name, target in targets.items():
        files[name].replace(target)
    summary = {"intervals": int(total), "longest_us": longest}
    tmp_summary = out_dir / f"{FULL_INTERVALS_SUMMARY}.{tmp}"
    tmp_summary.write_text(json.dumps(summary), encoding="utf-8")
    tmp_summary.replace(out_dir / FULL_INTERVALS_SUMMARY)


def _array_file(path: Path, dtype: type, size: int) -> np.ndarray:
    """A writable .npy array of `size` elements backed by the file at `path` (in memory when empty: nothing to map)."""
    if size == 0:
        return np.zeros(0, dtype=dtype)
    return np.lib.format.open_memmap(path, mode="w+", dtype=dtype, shape=(size,))


def _save_array(values: np.ndarray, path: Path) -> None:
    """Write `values` as a .npy file at `path` exactly (np.save would add a suffix to a temporary name)."""
    with open(path, "wb") as handle:
        np.save(handle, values, allow_pickle=False)


def _remove_tree(path: Path) -> None:
    if not path.exists():
        return
    for child in sorted(path.rglob("*"), reverse=True):
        child.rmdir() if child.is_dir() else child.unlink()
    path.rmdir()
