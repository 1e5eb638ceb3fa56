"""The view's kept runs as an analysis reads them when only the system, the time and the Sydney date matter.

On the fast engine that is the view's slots (query.view.slots_sql): one row per (system, UTC half hour) weighing
`runs` runs; on the reference engine, the runs themselves, each weighing 1. Hours, weekdays and dates of a half hour
are those of every run in it, in every display zone (their offsets are whole half hours).
"""
from __future__ import annotations

from dataclasses import dataclass

import duckdb

from basstory.analyses.outage import BUCKET_SECONDS
from basstory.query.filters import StoryFilters
from basstory.query.queries import filtered_runs_sql
from basstory.query.tables import is_fast
from basstory.query.view import uom_sql, user_org_keys_sql, user_orgs_sql, view_slots_sql


@dataclass(frozen=True)
class KeptRuns:
    source: str       # SQL subquery with columns system, run_local_date and what `display` reads
    weight: str       # SQL: how many runs a row stands for
    display: str      # SQL: the row's wall-clock time in the view's display zone (naive timestamp)

    @property
    def count(self) -> str:
        """SQL aggregate: the runs the rows stand for."""
        return f"CAST(sum({self.weight}) AS BIGINT)"


def kept_runs(con: duckdb.DuckDBPyConnection, f: StoryFilters) -> KeptRuns:
    tz = f.tz.replace("'", "''")
    if is_fast(con):
        return KeptRuns(view_slots_sql(con, f), "runs", f"timezone('{tz}', to_timestamp(bucket * {BUCKET_SECONDS}))")
    return KeptRuns(filtered_runs_sql(f), "1", "run_display")


def kept_user_orgs(con: duckdb.DuckDBPyConnection, f: StoryFilters, *, months: bool = False) -> KeptRuns:
    """The view's kept runs as an analysis reads them when only who ran them for which org matters (and, with
    `months`, in which Sydney month).

    Columns of `source`: system, user_key, org_id, org_key (NULL for an org not in the org table), first_utc,
    last_utc (of the runs a row stands for), with `months` also month (first day of the Sydney month), and the org
    attributes (status, paying, plan, plan_family, tax_period, channel_type, managed_by_practice). On the fast
    engine, one row per (system, user, org) of the view, or per (system, user, org, month) with `months`
    (query.view); on the reference engine, the runs.
    """
    if is_fast(con):
        rows, month = (uom_sql(con, f), "u.month, ") if months else (user_orgs_sql(con, f), "")
        source = (f"SELECT u.system, u.user_id AS user_key, u.org_id, CASE WHEN u.known THEN u.org_id END AS org_key, "
                  f"{month}u.first_utc, u.last_utc, u.runs, p.status, p.paying, p.plan, p.plan_family, "
                  f"p.tax_period, p.channel_type, p.managed_by_practice "
                  f"FROM ({rows}) u JOIN profiles p USING (profile_id)")
        return KeptRuns(source, "runs", "NULL")
    source = (f"SELECT *, CAST(date_trunc('month', run_local_date) AS DATE) AS month, run_utc AS first_utc, "
              f"run_utc AS last_utc FROM ({filtered_runs_sql(f)})")
    return KeptRuns(source, "1", "run_display")


def kept_user_org_keys(con: duckdb.DuckDBPyConnection, f: StoryFilters) -> KeptRuns:
    """The view's kept runs as an analysis reads them when only which users ran which orgs in which system matters
    (distinct counts): columns system, user_key, org_id, org_key (NULL for an org not in the org table) and the org
    attributes (status, paying, plan, plan_family, tax_period, channel_type, managed_by_practice). On the fast
    engine, one row per (system, user, org) of the view, from its keys (query.view.user_org_keys_sql, which has no
    runs: the weight is NULL); on the reference engine, the runs."""
    if is_fast(con):
        source = (f"SELECT k.system, k.user_id AS user_key, k.org_id, CASE WHEN k.known THEN k.org_id END AS org_key, "
                  f"p.status, p.paying, p.plan, p.plan_family, p.tax_period, p.channel_type, p.managed_by_practice "
                  f"FROM ({user_org_keys_sql(con, f)}) k JOIN profiles p USING (profile_id)")
        return KeptRuns(source, "NULL", "NULL")
    return KeptRuns(filtered_runs_sql(f), "1", "run_display")


def org_join_column(con: duckdb.DuckDBPyConnection) -> str:
    """The `orgs` column a kept row's org_key matches: the dense id on the fast engine (integer keys group and join
    several times faster than the org table's GUIDs), the key on the reference engine."""
    return "org_id" if is_fast(con) else "org_key"
