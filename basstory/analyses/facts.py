"""The key data points of the brief, counted as the counting contract says (docs/counting.md). The CLI and the
story pages both call these.

Every function takes a connection from `tables.connect()` and the filters; with default filters the figures are the
contract's (active, paying organisations; Sydney months).
"""
from __future__ import annotations

import duckdb

from basstory.analyses.kept import kept_runs
from basstory.analyses.outage import best_window, outage_window_costs
from basstory.core.schema import SYSTEMS
from basstory.query.filters import StoryFilters, exclusion_reason, org_predicate
from basstory.query.queries import filtered_runs_sql, frame, scalar
from basstory.query.tables import is_fast
from basstory.query.view import per_view, prefetch, profile_days_sql, user_org_keys_sql


def orgs_in_scope(con: duckdb.DuckDBPyConnection, f: StoryFilters) -> int:
    """Organisations in the org table that the org-level filters keep (whether or not they ran a report)."""
    return int(scalar(con, f"SELECT count(*) FROM orgs WHERE {org_predicate(f)}"))


@per_view
def runs_by_system(con: duckdb.DuckDBPyConnection, f: StoryFilters) -> dict[str, int]:
    """Kept runs per system, every system present (0 when none)."""
    kept = kept_runs(con, f)
    df = frame(con, f"SELECT system, {kept.count} AS runs FROM ({kept.source}) GROUP BY system")
    counts = dict(zip(df["system"], df["runs"].astype(int), strict=False))
    return {s: int(counts.get(s, 0)) for s in SYSTEMS}


@per_view
def left_out(con: duckdb.DuckDBPyConnection, f: StoryFilters) -> dict[str, int]:
    """Runs the filters leave out, by the first reason that excludes each (filters.EXCLUSION_LABELS), most first."""
    # every reason is about the org's profile, the run's Sydney date or its system: the slot cube has all three, so
    # its runs summed per (profile, system, date) are judged once each
    table, runs = ("runs", "1")
    if is_fast(con):
        table, runs = f"({profile_days_sql(con)}) JOIN profiles USING (profile_id)", "runs"
    sql = (f"SELECT reason, CAST(sum(runs) AS BIGINT) AS runs "
           f"FROM (SELECT {exclusion_reason(f)} AS reason, {runs} AS runs FROM {table}) "
           f"WHERE reason IS NOT NULL GROUP BY reason ORDER BY runs DESC, reason")
    df = frame(con, sql)
    return {str(r): int(n) for r, n in zip(df["reason"], df["runs"], strict=False)}


@per_view
def busiest_month(con: duckdb.DuckDBPyConnection, f: StoryFilters, system: str | None = None) -> dict | None:
    """The calendar month (Sydney) with the most kept runs, both systems together or one: {"month", "runs"}.
    Ties go to the earliest month; None when there are no runs."""
    where = "" if system is None else "WHERE system = $system"
    kept = kept_runs(con, f)
    sql = (f"SELECT strftime(run_local_date, '%Y-%m') AS month, {kept.count} AS runs FROM ({kept.source}) {where} "
           f"GROUP BY month ORDER BY runs DESC, month LIMIT 1")
    df = frame(con, sql, {"system": system} if system else None)
    if df.empty:
        return None
    return {"month": str(df.loc[0, "month"]), "runs": int(df.loc[0, "runs"])}


@per_view
def orgs_both(con: duckdb.DuckDBPyConnection, f: StoryFilters) -> int:
    """Organisations with at least one kept Full BAS run and at least one kept Simple BAS run."""
    if is_fast(con):
        sql = (f"SELECT count(*) FROM (SELECT org_id FROM ({user_org_keys_sql(con, f)}) WHERE known "
               f"GROUP BY org_id HAVING count(DISTINCT system) = 2)")
        return int(scalar(con, sql))
    sql = (f"SELECT count(*) FROM (SELECT org_key FROM ({filtered_runs_sql(f)}) WHERE org_key IS NOT NULL "
           f"GROUP BY org_key HAVING count(DISTINCT system) = 2)")
    return int(scalar(con, sql))


@per_view
def users_either(con: duckdb.DuckDBPyConnection, f: StoryFilters) -> int:
    """Distinct users (lower-cased id) with at least one kept run in either system."""
    if is_fast(con):
        return int(scalar(con, f"SELECT count(DISTINCT user_id) FROM ({user_org_keys_sql(con, f)})"))
    return int(scalar(con, f"SELECT count(DISTINCT user_key) FROM ({filtered_runs_sql(f)})"))


@per_view
def users_multi_org(con: duckdb.DuckDBPyConnection, f: StoryFilters) -> int:
    """Distinct users whose kept runs, both systems together, touch two or more organisations."""
    if is_fast(con):
        return int(scalar(con, f"SELECT count(*) FROM (SELECT user_id FROM ({user_org_keys_sql(con, f)}) "
                               f"GROUP BY user_id HAVING count(DISTINCT org_id) >= 2)"))
    sql = (f"SELECT count(*) FROM (SELECT user_key FROM ({filtered_runs_sql(f)}) "
           f"GROUP BY user_key HAVING count(DISTINCT org_id) >= 2)")
    return int(scalar(con, sql))


@per_view
def popular_plans(con: duckdb.DuckDBPyConnection, f: StoryFilters, limit: int | None = None) -> list[dict]:
    """Plans (productoption) of the organisations with at least one kept run, counted per org, most first
    (ties by plan name): [{"plan", "orgs"}]."""
    if is_fast(con):
        sql = (f"SELECT o.plan, count(*) AS orgs "
               f"FROM (SELECT DISTINCT org_id FROM ({user_org_keys_sql(con, f)}) WHERE known) u "
               f"JOIN orgs o USING (org_id) GROUP BY o.plan ORDER BY orgs DESC, o.plan")
    else:
        sql = (f"SELECT plan, count(*) AS orgs FROM (SELECT DISTINCT org_key, plan FROM ({filtered_runs_sql(f)}) "
               f"WHERE org_key IS NOT NULL) GROUP BY plan ORDER BY orgs DESC, plan")
    df = frame(con, sql)
    rows = [{"plan": str(p), "orgs": int(n)} for p, n in zip(df["plan"], df["orgs"], strict=False)]
    return rows[:limit] if limit else rows


@per_view
def outage_windows(con: duckdb.DuckDBPyConnection, f: StoryFilters) -> dict[str, dict | None]:
    """The recommended two-hour window per system (outage.best_window), None for a system with no kept runs."""
    return {s: best_window(outage_window_costs(con, f, s)) for s in SYSTEMS}


def key_facts(con: duckdb.DuckDBPyConnection, f: StoryFilters | None = None) -> dict:
    """All key data points as one JSON-ready dict (the `facts` command's output)."""
    return _key_facts(con, f or StoryFilters())


@per_view
def _key_facts(con: duckdb.DuckDBPyConnection, f: StoryFilters) -> dict:
    prefetch(con, f, orgs_both, outage_windows)       # the two costliest, beside the rest
    runs = runs_by_system(con, f)
    return {
        "orgs_in_scope": orgs_in_scope(con, f),
        "fullbas_runs": runs["full"],
        "simplebas_runs": runs["simple"],
        "left_out": left_out(con, f),
        "busiest_month": busiest_month(con, f),
        "busiest_month_by_system": {s: busiest_month(con, f, s) for s in SYSTEMS},
        "orgs_both": orgs_both(con, f),
        "users_either": users_either(con, f),
        "users_multi_org": users_multi_org(con, f),
        "plans": popular_plans(con, f),
        "outage_window": outage_windows(con, f),
    }
