"""What the dataset holds: its period and coverage, and the values the sidebar filters offer."""
from __future__ import annotations

import duckdb

from basstory.query.filters import StoryFilters, org_predicate
from basstory.query.queries import filtered_runs_sql, frame, scalar
from basstory.query.tables import is_fast
from basstory.query.view import per_view, user_org_keys_sql, view_slots_sql


def filter_options(con: duckdb.DuckDBPyConnection) -> dict:
    """The choices each sidebar filter offers, from the data: first_date/last_date (Sydney dates of the first and
    last run), statuses, plans, plan_families (most organisations first), tax_periods, channel_types."""
    table = "slot_runs" if is_fast(con) else "runs"
    period = frame(con, f"SELECT min(run_local_date) AS first, max(run_local_date) AS last FROM {table}").iloc[0]

    def values(column: str) -> list[str]:
        df = frame(con, f"SELECT {column} AS v, count(*) AS n FROM orgs WHERE {column} IS NOT NULL "
                        f"GROUP BY v ORDER BY n DESC, v")
        return [str(v) for v in df["v"]]

    return {
        "first_date": period["first"].date() if hasattr(period["first"], "date") else period["first"],
        "last_date": period["last"].date() if hasattr(period["last"], "date") else period["last"],
        "statuses": values("status"),
        "plans": values("plan"),
        "plan_families": values("plan_family"),
        "tax_periods": values("tax_period"),
        "channel_types": values("channel_type"),
    }


@per_view
def coverage(con: duckdb.DuckDBPyConnection, f: StoryFilters) -> dict:
    """The kept data's coverage: first and last run (Sydney dates), runs, orgs with runs, orgs in the org table
    that the filters keep, and users."""
    if is_fast(con):
        row = frame(con, f"""
            WITH t AS (SELECT min(run_local_date) AS first, max(run_local_date) AS last, sum(runs) AS runs
                       FROM ({view_slots_sql(con, f)})),
            u AS (SELECT count(DISTINCT org_id) FILTER (WHERE known) AS orgs_with_runs,
                         count(DISTINCT user_id) AS users FROM ({user_org_keys_sql(con, f)}))
            SELECT t.first, t.last, coalesce(t.runs, 0) AS runs, u.orgs_with_runs, u.users FROM t, u""").iloc[0]
    else:
        row = frame(con, f"SELECT min(run_local_date) AS first, max(run_local_date) AS last, count(*) AS runs, "
                         f"count(DISTINCT org_key) AS orgs_with_runs, count(DISTINCT user_key) AS users "
                         f"FROM ({filtered_runs_sql(f)})").iloc[0]
    return {
        "first_date": None if row["runs"] == 0 else row["first"].date(),
        "last_date": None if row["runs"] == 0 else row["last"].date(),
        "runs": int(row["runs"]),
        "orgs_with_runs": int(row["orgs_with_runs"]),
        "orgs_in_scope": int(scalar(con, f"SELECT count(*) FROM orgs WHERE {org_predicate(f)}")),
        "users": int(row["users"]),
    }


@per_view
def extract_spans(con: duckdb.DuckDBPyConnection, f: StoryFilters) -> dict:
    """Where each extract starts and ends: {system: (first, last)} Sydney dates of its first and last run of any
    org, whatever the filters keep (the filters only choose the systems), for the systems in `f` with runs. Time
    charts mark these, so a line that stops where an extract stops is not read as usage collapsing."""
    table = "slot_runs" if is_fast(con) else "runs"
    df = frame(con, f"SELECT system, min(run_local_date) AS first, max(run_local_date) AS last FROM {table} "
                    f"GROUP BY system ORDER BY system")
    return {str(r.system): (r.first.date() if hasattr(r.first, "date") else r.first,
                            r.last.date() if hasattr(r.last, "date") else r.last)
            for r in df.itertuples(index=False) if r.system in f.systems}
