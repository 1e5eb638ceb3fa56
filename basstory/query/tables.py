"""The tables the story needs, as DuckDB views over one dataset version's staged parquet.

- `orgs`: one row per organisation (orgs.parquet as staged).
- `runs`: one row per report run, both systems, joined to its organisation, with
  `scope` (schema.SCOPE_REASONS: why the contract leaves the run out, or 'in_scope'),
  `run_local` / `run_local_date` (Sydney wall-clock, the contract's zone) and the org attributes filters use
  (status, paying, plan, plan_family, tax_period, channel_type, managed_by_practice, staff_users).

Every analysis queries these views through a cursor of the connection `connect()` returns.
"""
from __future__ import annotations

from pathlib import Path

import duckdb

from basstory.core.schema import CONTRACT_TZ

RUNS_VIEW = f"""
CREATE OR REPLACE VIEW runs AS
SELECT
    r.system, r.run_utc, r.user_key, r.org_ref, r.org_key, r.runtime_s, r.statement_year, r.statement_month,
    timezone('{CONTRACT_TZ}', timezone('UTC', r.run_utc)) AS run_local,
    CAST(timezone('{CONTRACT_TZ}', timezone('UTC', r.run_utc)) AS DATE) AS run_local_date,
    o.status, o.paying, o.plan, o.plan_family, o.tax_period, o.channel_type, o.managed_by_practice, o.staff_users,
    CASE
        WHEN o.org_key IS NULL THEN 'org_unknown'
        WHEN o.status = 'Deleted' THEN 'org_deleted'
        WHEN o.status = 'Suspended' THEN 'org_suspended'
        WHEN o.status <> 'Active' THEN 'org_other_status'
        WHEN NOT o.paying THEN 'org_not_paying'
        ELSE 'in_scope'
    END AS scope
FROM staged_runs r
LEFT JOIN orgs o ON o.org_key = r.org_key
"""


def connect(runs_path: Path, orgs_path: Path, *, in_memory: bool = True) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection with the `orgs` and `runs` views over a version's parquet files.

    `in_memory=True` loads the staged tables into DuckDB once (fast repeated queries for the app);
    `False` queries the parquet files directly (bounded memory for very large extracts).
    """
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    kind = "TABLE" if in_memory else "VIEW"
    con.execute(f"CREATE {kind} staged_runs AS SELECT * FROM read_parquet('{_sql_path(runs_path)}')")
    con.execute(f"CREATE {kind} orgs AS SELECT * FROM read_parquet('{_sql_path(orgs_path)}')")
    con.execute(RUNS_VIEW)
    return con


def connect_version(version, *, in_memory: bool = True) -> duckdb.DuckDBPyConnection:
    """`connect()` for a store.Version."""
    return connect(version.runs_path, version.orgs_path, in_memory=in_memory)


def _sql_path(path: Path) -> str:
    return str(path).replace("'", "''")
