"""The tables the story needs, as DuckDB views over one dataset version.

- `orgs`: one row per organisation (orgs.parquet as staged, plus its dense `org_id`).
- `runs`: one row per report run, both systems, joined to its organisation, with
  `scope` (schema.SCOPE_REASONS: why the contract leaves the run out, or 'in_scope'),
  `run_local` / `run_local_date` (Sydney wall-clock, the contract's zone), `org_id` (the org's identity: one value
  per org table row, and one per unknown org reference) and the org attributes filters use
  (status, paying, plan, plan_family, tax_period, channel_type, managed_by_practice, staff_users).

Two engines give the same `runs` view:
- "fast" (the app's): reads the per-run table derived once per version (ingest.derive: Sydney time, dense integer
  ids, due-date distances, re-run markers), sorted by date; `user_key` and `org_key` are the dense integer ids
  (NULL org_key for an org not in the org table), which count and group exactly as the keys do.
- "reference": today's per-run view over runs.parquet, converting time zones in every query and window functions
  for re-runs. It stays as the oracle the tests compare the fast engine against.

Every analysis queries these views through a cursor of the connection `connect()` returns.
"""
from __future__ import annotations

import weakref
from pathlib import Path

import duckdb
import pyarrow.parquet as pq

from basstory.core.schema import CONTRACT_TZ
from basstory.ingest.derive import derive_tables, is_derived
from basstory.ingest.scope import SCOPE_SQL, scope_reason_sql
from basstory.query import intervals, view

ENGINES: tuple[str, ...] = ("fast", "reference")



_ORG_COLUMNS = "o.status, o.paying, o.plan, o.plan_family, o.tax_period, o.channel_type, o.managed_by_practice, " \
               "o.staff_users"

REFERENCE_RUNS_VIEW = f"""
CREATE OR REPLACE VIEW runs AS
SELECT
    r.system, r.run_utc, r.user_key, r.org_ref, r.org_key, r.runtime_s, r.statement_year, r.statement_month,
    coalesce(r.org_key, 'ref:' || r.org_ref) AS org_id,
    timezone('{CONTRACT_TZ}', timezone('UTC', r.run_utc)) AS run_local,
    CAST(timezone('{CONTRACT_TZ}', timezone('UTC', r.run_utc)) AS DATE) AS run_local_date,
    {_ORG_COLUMNS},
    {SCOPE_SQL} AS scope
FROM staged_runs r
LEFT JOIN orgs o ON o.org_key = r.org_key
"""

FAST_RUNS_VIEW = """
CREATE OR REPLACE VIEW runs AS
SELECT
    d.system, d.run_utc, d.user_id AS user_key, d.org_id, CASE WHEN o.known THEN d.org_id END AS org_key,
    d.profile_id, d.runtime_s, d.statement_year, d.statement_month, d.run_local, d.run_local_date,
    o.status, o.paying, o.plan, o.plan_family, o.tax_period, o.channel_type, o.managed_by_practice,
    o.scope,
    d.cadence, d.days_before, d.is_repeat, d.repeat_crosses_day, d.is_repeated, d.repeated_crosses_day,
    d.chain_no
FROM runs_derived d
JOIN profiles o ON o.profile_id = d.profile_id
"""


def _missing_org_columns(orgs_path: Path) -> str:
    """`, NULL AS deleted_utc` for a version staged before orgs.parquet kept the deletion date, else ''."""
    names = pq.read_schema(orgs_path).names
    return "" if "deleted_utc" in names else ", CAST(NULL AS TIMESTAMP) AS deleted_utc"


def connect(runs_path: Path, orgs_path: Path, *, in_memory: bool = True, engine: str = "fast"
            ) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection with the `orgs` and `runs` views over a version's parquet files.

    `in_memory=True` loads the tables into DuckDB once (fast repeated queries for the app); `False` queries the
    parquet files directly (bounded memory for very large extracts). The fast engine derives the version's per-run
    table first if the folder does not hold it yet (versions ingested before it existed).
    """
    if engine not in ENGINES:
        raise ValueError(f"unknown engine {engine!r}; choose one of {ENGINES}")
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    kind = "TABLE" if in_memory else "VIEW"
    if engine == "reference":
        con.execute(f"CREATE {kind} staged_runs AS SELECT * FROM read_parquet('{_sql_path(runs_path)}')")
        con.execute(f"CREATE {kind} orgs AS SELECT * {_missing_org_columns(orgs_path)} "
                    f"FROM read_parquet('{_sql_path(orgs_path)}')")
        con.execute(REFERENCE_RUNS_VIEW)
        return con
    folder = runs_path.parent
    if not is_derived(folder, runs_path, orgs_path):
        for path in (runs_path, orgs_path):      # a version deleted meanwhile: never derive into a vanished folder
            if not path.is_file():
                raise FileNotFoundError(f"{path} is gone: the version was deleted")
        derive_tables(runs_path, orgs_path, folder)
    con.execute(f"CREATE TABLE orgs AS SELECT i.org_id, i.profile_id, o.* {_missing_org_columns(orgs_path)} "
                f"FROM read_parquet('{_sql_path(orgs_path)}') o "
                f"JOIN read_parquet('{_sql_path(folder / 'org_ids.parquet')}') i ON i.org_key = o.org_key")
    con.execute(f"""CREATE TABLE profiles AS
                    SELECT *, CASE WHEN known THEN 'known' END AS org_key,
                           {scope_reason_sql("", unknown="NOT known")} AS scope
                    FROM read_parquet('{_sql_path(folder / 'profiles.parquet')}')""")
    # the cubes live in memory; the per-run table, the chains and the user-org-day cube are read from parquet (sorted
    # by date, so date filters read only their row groups), which keeps a 100x extract's server under a few GB
    for table in ("slot_cube", "user_org", "user_org_month", "org_month", "lag_cube", "chain_cube", "hour_spill"):
        path = _sql_path(folder / f"{table}.parquet")
        con.execute(f"CREATE {kind} {table} AS SELECT * FROM read_parquet('{path}')")
    for table in ("runs_derived", "chains", "user_org_day"):
        con.execute(f"CREATE VIEW {table} AS SELECT * FROM read_parquet('{_sql_path(folder / (table + '.parquet'))}')")
    con.execute(FAST_RUNS_VIEW)
    view.install(con)
    intervals.attach(con, folder)
    return con


def connect_version(version, *, in_memory: bool = True, engine: str = "fast") -> duckdb.DuckDBPyConnection:
    """`connect()` for a store.Version."""
    return connect(version.runs_path, version.orgs_path, in_memory=in_memory, engine=engine)


_engines: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def is_fast(con: duckdb.DuckDBPyConnection) -> bool:
    """True when `con` serves the fast engine's `runs` view (the derived per-run columns are there)."""
    known = _engines.get(con)
    if known is None:
        cursor = con.cursor()
        try:
            known = bool(cursor.execute("SELECT count(*) FROM duckdb_views() WHERE view_name = 'runs_derived'")
                         .fetchone()[0])
        finally:
            cursor.close()
        _engines[con] = known
    return known


def _sql_path(path: Path) -> str:
    return str(path).replace("'", "''")
