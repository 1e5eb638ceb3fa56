"""Chapter 2, Full BAS vs Simple BAS: activity over time, which orgs use which system (and move between them), runs
per user and per org, and the orgs' plans, tax periods and channels.

Every function takes a connection from `tables.connect()` and the story's filters, aggregates the kept runs in DuckDB
(`queries.filtered_runs_sql`) and returns a small frame or dict. Weeks, months and quarters are Sydney calendar
periods (`run_local_date`), as the contract says. Re-runs and the org-attribute split live in
`analyses.interaction` (`repeat_runs`, `split_by_org_attribute`) and serve this chapter too.
"""
from __future__ import annotations

from datetime import date, timedelta

import duckdb
import pandas as pd

from basstory.analyses.facts import popular_plans
from basstory.analyses.interaction import ORG_ID_SQL
from basstory.analyses.kept import KeptRuns, kept_user_org_keys, kept_user_orgs
from basstory.analyses.recommendation import data_caveats
from basstory.core.schema import CONTRACT_TZ, SYSTEMS
from basstory.query.filters import StoryFilters
from basstory.query.queries import filtered_runs_sql, frame
from basstory.query.tables import is_fast
from basstory.query.view import EITHER_SYSTEM, monthly_people_sql, per_view, view_slots_sql

GRAINS: tuple[str, ...] = ("week", "month")
#: Periods in the trailing rolling average of `activity_over_time`, per grain.
ROLLING_PERIODS: dict[str, int] = {"week": 4, "month": 3}
METRICS: tuple[str, ...] = ("runs", "users", "orgs")
METRIC_LABELS: dict[str, str] = {"runs": "Runs", "users": "Users with a run", "orgs": "Orgs with a run"}
GRAIN_LABELS: dict[str, str] = {"week": "Week", "month": "Month"}
ROLLING_LABELS: dict[str, str] = {g: f"{n}-{g}" for g, n in ROLLING_PERIODS.items()}

#: Which systems an org (or user) used: code -> label, in the order charts stack them.
USAGE_LABELS: dict[str, str] = {"full_only": "Full BAS only", "simple_only": "Simple BAS only", "both": "Both"}
USAGE_SQL = ("CASE WHEN used_full AND used_simple THEN 'both' WHEN used_full THEN 'full_only' "
             "ELSE 'simple_only' END")
#: Orgs taking up one system after using the other: direction -> (label, the system taken up).
TAKE_UP: dict[str, tuple[str, str]] = {
    "full_to_simple": ("Took up Simple BAS after Full BAS", "simple"),
    "simple_to_full": ("Took up Full BAS after Simple BAS", "full"),
}
#: A take-up is told apart from an extract starting only when the new report's extract had already run this long (one
#: BAS quarter: an org that lodges quarterly may go that long between runs) and the other extract was still running.
SWITCH_MARGIN_DAYS = 92
#: Buckets of runs per user or org over the period: (label, lowest, highest).
RUNS_PER_ENTITY_BUCKETS: tuple[tuple[str, int, int], ...] = (
    ("1", 1, 1), ("2–5", 2, 5), ("6–10", 6, 10), ("11–25", 11, 25), ("26–50", 26, 50), ("51–100", 51, 100),
    ("101+", 101, 10**9))
#: Plans beyond this many (most orgs first) are grouped into OTHER_PLAN.
TOP_PLANS = 8
OTHER_PLAN = "Other"


def _quarter_label(start: pd.Timestamp) -> str:
    """'Jul–Sep 2017' for the quarter starting 1 Jul 2017."""
    end = start + pd.DateOffset(months=2)
    return f"{start:%b}–{end:%b} {start:%Y}"


def _orgs_with_usage_sql(k: KeptRuns, period_sql: str | None = None) -> str:
    """SQL: one row per org (and period, when `period_sql` is given) with used_full / used_simple."""
    period = f"{period_sql} AS period, " if period_sql else ""
    group = "org, period" if period_sql else "org"
    return f"""
    SELECT {period}{ORG_ID_SQL} AS org, bool_or(system = 'full') AS used_full, bool_or(system = 'simple') AS used_simple
    FROM ({k.source}) GROUP BY {group}
    """


def _sydney_date(utc_sql: str) -> str:
    """SQL: the Sydney date of a naive UTC timestamp."""
    return f"CAST(timezone('{CONTRACT_TZ}', timezone('UTC', {utc_sql})) AS DATE)"


# --- Activity over time ---------------------------------------------------------------------------------------------

@per_view
def activity_over_time(con: duckdb.DuckDBPyConnection, f: StoryFilters, grain: str = "month") -> pd.DataFrame:
    """Runs, users with a run and orgs with a run per week (Monday start) or calendar month, Sydney dates.

    Grain: one row per (system, period) from the system's first to its last kept period (empty periods filled with
    zeros). Columns: system, period (date of the period's first day), runs, users, orgs (distinct, with a run in the
    period), runs_avg, users_avg, orgs_avg (trailing means over ROLLING_PERIODS[grain] periods, fewer at the start).
    """
    if grain not in GRAINS:
        raise ValueError(f"grain must be one of {GRAINS}, not {grain!r}")
    window = ROLLING_PERIODS[grain]
    rolling = ", ".join(
        f"avg({m}) OVER (PARTITION BY system ORDER BY period ROWS BETWEEN {window - 1} PRECEDING AND CURRENT ROW) "
        f"AS {m}_avg" for m in METRICS)
    people = monthly_people_sql(con, f) if grain == "month" and is_fast(con) else None
    if people is not None:  # the distinct counts from the month sets, the runs from the view's slots
        agg = f"""
            SELECT p.system, p.month AS period, CAST(coalesce(r.runs, 0) AS BIGINT) AS runs, p.users, p.orgs
            FROM ({people}) p
            LEFT JOIN (SELECT system, CAST(date_trunc('month', run_local_date) AS DATE) AS month, sum(runs) AS runs
                       FROM ({view_slots_sql(con, f)}) GROUP BY ALL) r USING (system, month)
            WHERE p.system <> '{EITHER_SYSTEM}'"""
    else:
        if grain == "month":  # a month is whole in the user-org-months
            kept, period = kept_user_orgs(con, f, months=True), "month"
        else:
            kept, period = KeptRuns(filtered_runs_sql(f), "1", ""), "CAST(date_trunc('week', run_local_date) AS DATE)"
        agg = f"""
            SELECT system, {period} AS period, CAST(sum({kept.weight}) AS BIGINT) AS runs,
                   count(DISTINCT user_key) AS users, count(DISTINCT {ORG_ID_SQL}) AS orgs
            FROM ({kept.source}) GROUP BY system, period"""
    return frame(con, f"""
        WITH agg AS ({agg}),
        grid AS (SELECT system, CAST(unnest(generate_series(min(period), max(period), INTERVAL 1 {grain})) AS DATE)
                     AS period FROM agg GROUP BY system),
        filled AS (SELECT g.system, g.period, coalesce(a.runs, 0) AS runs, coalesce(a.users, 0) AS users,
                          coalesce(a.orgs, 0) AS orgs
                   FROM grid g LEFT JOIN agg a ON a.system = g.system AND a.period = g.period)
        SELECT *, {rolling} FROM filled ORDER BY system, period""")


@per_view
def activity_totals(con: duckdb.DuckDBPyConnection, f: StoryFilters) -> dict[str, dict]:
    """Per system with kept runs and for 'all': {"runs", "users", "orgs"} over the whole filtered period."""
    if is_fast(con):               # the distinct counts from the view's keys, the runs from its slots
        keys = kept_user_org_keys(con, f)
        df = frame(con, f"""
            WITH k AS (SELECT system, user_key, {ORG_ID_SQL} AS org FROM ({keys.source})),
            both_systems AS (SELECT * FROM k UNION ALL SELECT 'all', user_key, org FROM k),
            people AS (SELECT system, count(DISTINCT user_key) AS users, count(DISTINCT org) AS orgs
                       FROM both_systems GROUP BY system),
            runs AS (SELECT system, sum(runs) AS runs FROM ({view_slots_sql(con, f)}) GROUP BY system),
            all_runs AS (SELECT * FROM runs UNION ALL SELECT 'all', sum(runs) FROM runs)
            SELECT p.system, r.runs, p.users, p.orgs FROM people p JOIN all_runs r USING (system)""")
    else:
        kept = kept_user_orgs(con, f)
        df = frame(con, f"""
            WITH k AS (SELECT system, user_key, {ORG_ID_SQL} AS org, {kept.weight} AS w FROM ({kept.source})),
            both_systems AS (SELECT * FROM k UNION ALL SELECT 'all', user_key, org, w FROM k)
            SELECT system, sum(w) AS runs, count(DISTINCT user_key) AS users, count(DISTINCT org) AS orgs
            FROM both_systems GROUP BY system""")
    return {str(r.system): {"runs": int(r.runs), "users": int(r.users), "orgs": int(r.orgs)}
            for r in df.itertuples(index=False)}


# --- Which orgs use which system ------------------------------------------------------------------------------------

@per_view
def system_usage_split(con: duckdb.DuckDBPyConnection, f: StoryFilters) -> pd.DataFrame:
    """Orgs and users by the systems they used in the period: Full BAS only, Simple BAS only, both.

    Grain: one row per (entity, usage) with at least one member. Columns: entity ('orgs' | 'users'), usage
    (USAGE_LABELS keys), usage_label, count, share (of the entity's total). The 'both' orgs are facts.orgs_both.
    """
    kept = kept_user_org_keys(con, f)                 # which systems each org and user used: the keys suffice
    df = frame(con, f"""
        WITH org_use AS ({_orgs_with_usage_sql(kept)}),
        user_use AS (SELECT user_key, bool_or(system = 'full') AS used_full, bool_or(system = 'simple') AS used_simple
                     FROM ({kept.source}) GROUP BY user_key),
        labelled AS (SELECT 'orgs' AS entity, {USAGE_SQL} AS usage FROM org_use
                     UNION ALL SELECT 'users', {USAGE_SQL} FROM user_use)
        SELECT entity, usage, count(*) AS count, count(*) / sum(count(*)) OVER (PARTITION BY entity) AS share
        FROM labelled GROUP BY entity, usage""")
    order = {u: i for i, u in enumerate(USAGE_LABELS)}
    df = df.assign(_o=df["usage"].map(order)).sort_values(["entity", "_o"]).drop(columns="_o").reset_index(drop=True)
    df.insert(2, "usage_label", df["usage"].map(USAGE_LABELS))
    return df


@per_view
def usage_by_quarter(con: duckdb.DuckDBPyConnection, f: StoryFilters) -> pd.DataFrame:
    """Orgs with a run in each calendar quarter (= BAS quarter), by the systems they used in that quarter.

    Grain: one row per (quarter, usage) with orgs. Columns: quarter (date of its first day), quarter_label
    ('Jul–Sep 2017'), usage, usage_label, orgs, share (of the quarter's orgs with a run).
    """
    df = frame(con, f"""
        WITH q AS ({_orgs_with_usage_sql(kept_user_orgs(con, f, months=True),
                                         "CAST(date_trunc('quarter', month) AS DATE)")})
        SELECT period AS quarter, {USAGE_SQL} AS usage, count(*) AS orgs,
               count(*) / sum(count(*)) OVER (PARTITION BY period) AS share
        FROM q GROUP BY quarter, usage ORDER BY quarter, usage""")
    df.insert(1, "quarter_label", [_quarter_label(pd.Timestamp(q)) for q in df["quarter"]])
    df.insert(3, "usage_label", df["usage"].map(USAGE_LABELS))
    return df


@per_view
def switch_window(con: duckdb.DuckDBPyConnection, f: StoryFilters) -> tuple[date, date] | None:
    """The Sydney dates on which a first run of one report can be told from an extract starting: from the later
    extract's first kept day + SWITCH_MARGIN_DAYS to the earlier extract's last kept day. None without both systems
    or when that span is empty."""
    systems = data_caveats(con, f)["systems"]
    if not all(s in systems for s in SYSTEMS):
        return None
    start = max(systems[s]["first_date"] for s in SYSTEMS) + timedelta(days=SWITCH_MARGIN_DAYS)
    end = min(systems[s]["last_date"] for s in SYSTEMS)
    return (start, end) if start <= end else None


@per_view
def system_take_up(con: duckdb.DuckDBPyConnection, f: StoryFilters) -> pd.DataFrame:
    """Orgs that started using one system after they had used the other, by the quarter of that first run.

    An org 'took up Simple BAS after Full BAS' in the quarter of its first kept Simple BAS run when its first kept
    Full BAS run came earlier (and the other way round). Only the filtered period is seen: an org's earlier history
    does not count. A take-up is *observed* when its Sydney date lies in `switch_window`; elsewhere the first run may
    only be where an extract starts (or the other extract may have ended).

    Grain: one row per (quarter, direction) for every quarter with kept runs (zeros filled); empty when no org took
    up the other system at all. Columns: quarter, quarter_label, direction (TAKE_UP keys), direction_label, system
    (the system taken up), orgs, observed (of those orgs, the take-ups in the switch window).
    """
    columns = ["quarter", "quarter_label", "direction", "direction_label", "system", "orgs", "observed"]
    window = switch_window(con, f)
    in_window = (f"moved_date BETWEEN DATE '{window[0]:%Y-%m-%d}' AND DATE '{window[1]:%Y-%m-%d}'" if window
                 else "false")
    df = frame(con, f"""
        WITH k AS (SELECT {ORG_ID_SQL} AS org, system, first_utc, month
                   FROM ({kept_user_orgs(con, f, months=True).source})),
        first_runs AS (SELECT org,
                              min(first_utc) FILTER (WHERE system = 'full') AS first_full,
                              min(first_utc) FILTER (WHERE system = 'simple') AS first_simple
                       FROM k GROUP BY org),
        firsts AS (SELECT *, {_sydney_date("first_full")} AS full_date, {_sydney_date("first_simple")} AS simple_date
                   FROM first_runs),
        moves AS (SELECT CASE WHEN first_simple > first_full THEN 'full_to_simple' ELSE 'simple_to_full' END
                             AS direction,
                         CASE WHEN first_simple > first_full THEN simple_date ELSE full_date END AS moved_date
                  FROM firsts WHERE first_full IS NOT NULL AND first_simple IS NOT NULL
                                AND first_full <> first_simple),
        quarters AS (SELECT DISTINCT CAST(date_trunc('quarter', month) AS DATE) AS quarter FROM k),
        directions AS (SELECT unnest(['full_to_simple', 'simple_to_full']) AS direction),
        counts AS (SELECT CAST(date_trunc('quarter', moved_date) AS DATE) AS quarter, direction, count(*) AS orgs,
                          count(*) FILTER (WHERE {in_window}) AS observed
                   FROM moves GROUP BY ALL)
        SELECT q.quarter, d.direction, coalesce(c.orgs, 0) AS orgs, coalesce(c.observed, 0) AS observed
        FROM quarters q CROSS JOIN directions d
        LEFT JOIN counts c ON c.quarter = q.quarter AND c.direction = d.direction
        ORDER BY q.quarter, d.direction""")
    if df.empty or not df["orgs"].sum():
        return pd.DataFrame(columns=columns)
    df["quarter_label"] = [_quarter_label(pd.Timestamp(q)) for q in df["quarter"]]
    df["direction_label"] = df["direction"].map(lambda d: TAKE_UP[d][0])
    df["system"] = df["direction"].map(lambda d: TAKE_UP[d][1])
    df["orgs"] = df["orgs"].astype("int64")
    df["observed"] = df["observed"].astype("int64")
    return df[columns]


# --- Runs per user and per org --------------------------------------------------------------------------------------

def _runs_per_entity_sql(k: KeptRuns) -> str:
    """SQL: one row per (system, entity, id) with runs: entity 'user' (user_key) or 'org'."""
    return f"""
    WITH k AS (SELECT system, user_key, {ORG_ID_SQL} AS org, {k.weight} AS w FROM ({k.source}))
    SELECT system, 'user' AS entity, user_key AS id, CAST(sum(w) AS BIGINT) AS runs FROM k GROUP BY system, user_key
    UNION ALL
    SELECT system, 'org', org, CAST(sum(w) AS BIGINT) FROM k GROUP BY system, org
    """


@per_view
def runs_per_entity(con: duckdb.DuckDBPyConnection, f: StoryFilters) -> pd.DataFrame:
    """How many runs each user and each org made in the period, as a distribution.

    Grain: one row per (system, entity, bucket) with members; buckets are RUNS_PER_ENTITY_BUCKETS. Columns: system,
    entity ('user' | 'org'), runs_bucket, bucket_order, count (users or orgs), share (of the system's users or orgs).
    """
    labels = " ".join(f"WHEN runs BETWEEN {lo} AND {hi} THEN '{n}'" for n, lo, hi in RUNS_PER_ENTITY_BUCKETS)
    order = " ".join(f"WHEN runs BETWEEN {lo} AND {hi} THEN {i}"
                     for i, (_, lo, hi) in enumerate(RUNS_PER_ENTITY_BUCKETS))
    return frame(con, f"""
        SELECT system, entity, CASE {labels} END AS runs_bucket, CASE {order} END AS bucket_order, count(*) AS count,
               count(*) / sum(count(*)) OVER (PARTITION BY system, entity) AS share
        FROM ({_runs_per_entity_sql(kept_user_orgs(con, f))}) GROUP BY system, entity, runs_bucket, bucket_order
        ORDER BY system, entity, bucket_order""")


@per_view
def runs_per_entity_summary(con: duckdb.DuckDBPyConnection, f: StoryFilters) -> dict[str, dict[str, dict]]:
    """{system: {entity: {"count", "median", "p90", "mean"}}} of runs per user and per org in the period
    (median and p90 are actual values, `quantile_disc`)."""
    df = frame(con, f"""
        SELECT system, entity, count(*) AS count, quantile_disc(runs, 0.5) AS median,
               quantile_disc(runs, 0.9) AS p90, avg(runs) AS mean
        FROM ({_runs_per_entity_sql(kept_user_orgs(con, f))}) GROUP BY system, entity""")
    out: dict[str, dict[str, dict]] = {}
    for r in df.itertuples(index=False):
        out.setdefault(str(r.system), {})[str(r.entity)] = {
            "count": int(r.count), "median": int(r.median), "p90": int(r.p90), "mean": float(r.mean)}
    return out


# --- Plans ----------------------------------------------------------------------------------------------------------

@per_view
def plan_popularity(con: duckdb.DuckDBPyConnection, f: StoryFilters, top: int = TOP_PLANS) -> pd.DataFrame:
    """The plans of the orgs with a kept run (facts.popular_plans), the `top` most popular by name and the rest as
    'Other', each split by the systems its orgs used.

    Grain: one row per (plan, usage) with orgs. Columns: plan, rank (1 = most orgs; 'Other' last), usage,
    usage_label, orgs, plan_orgs (all orgs on the plan), plan_share (of all orgs with a run). The plan_orgs of the
    named plans are facts.popular_plans' counts.
    """
    columns = ["plan", "rank", "usage", "usage_label", "orgs", "plan_orgs", "plan_share"]
    plans = popular_plans(con, f)
    if not plans:
        return pd.DataFrame(columns=columns)
    named = [p["plan"] for p in plans[:top]]
    by_usage = frame(con, f"""
        WITH org_use AS (SELECT org_key, any_value(plan) AS plan, bool_or(system = 'full') AS used_full,
                                bool_or(system = 'simple') AS used_simple
                         FROM ({kept_user_org_keys(con, f).source}) WHERE org_key IS NOT NULL GROUP BY org_key)
        SELECT plan, {USAGE_SQL} AS usage, count(*) AS orgs FROM org_use GROUP BY plan, usage""")
    by_usage["plan"] = by_usage["plan"].where(by_usage["plan"].isin(named), OTHER_PLAN)
    df = by_usage.groupby(["plan", "usage"], as_index=False)["orgs"].sum()
    rank = {p: i + 1 for i, p in enumerate(named)} | {OTHER_PLAN: len(named) + 1}
    df["rank"] = df["plan"].map(rank)
    df["plan_orgs"] = df.groupby("plan")["orgs"].transform("sum")
    df["plan_share"] = df["plan_orgs"] / df["orgs"].sum()
    df["usage_label"] = df["usage"].map(USAGE_LABELS)
    usage_order = {u: i for i, u in enumerate(USAGE_LABELS)}
    df = df.assign(_u=df["usage"].map(usage_order)).sort_values(["rank", "_u"]).reset_index(drop=True)
    return df[columns]


def plan_summary(con: duckdb.DuckDBPyConnection, f: StoryFilters, top: int = 3) -> dict:
    """{"orgs": orgs with a kept run and a known plan, "plans": the `top` plans [{"plan", "orgs"}]
    (facts.popular_plans)}."""
    plans = popular_plans(con, f)
    return {"orgs": sum(p["orgs"] for p in plans), "plans": plans[:top]}


# --- Summaries of the frames above, for the narrative ---------------------------------------------------------------

def activity_summary(activity: pd.DataFrame, metric: str) -> dict[str, dict]:
    """From `activity_over_time`: per system, the peak period of `metric` (ties: the earliest), its value and the
    mean per period: {system: {"peak_period" (date), "peak", "mean", "periods"}}."""
    if metric not in METRICS:
        raise ValueError(f"metric must be one of {METRICS}, not {metric!r}")
    out = {}
    for system, rows in activity.groupby("system", sort=True):
        top = rows.sort_values([metric, "period"], ascending=[False, True]).iloc[0]
        out[str(system)] = {"peak_period": pd.Timestamp(top["period"]).date(), "peak": int(top[metric]),
                            "mean": float(rows[metric].mean()), "periods": len(rows)}
    return out


def usage_summary(split: pd.DataFrame) -> dict[str, dict[str, dict]]:
    """From `system_usage_split`: {entity: {usage: {"count", "share"}}} with every usage present (0 when none)."""
    out: dict[str, dict[str, dict]] = {}
    for entity in ("orgs", "users"):
        rows = split[split["entity"] == entity].set_index("usage")
        out[entity] = {u: {"count": int(rows.loc[u, "count"]) if u in rows.index else 0,
                           "share": float(rows.loc[u, "share"]) if u in rows.index else 0.0}
                       for u in USAGE_LABELS}
    return out


def quarter_summary(by_quarter: pd.DataFrame, take_up: pd.DataFrame) -> dict:
    """From `usage_by_quarter` and `system_take_up`: {"peak_both": the quarter with the largest share of orgs using
    both reports (ties: the earliest) as {"quarter_label", "orgs", "both_orgs", and the share of each usage} or None,
    "take_up": {direction: orgs over the period}}."""
    peak = None
    if not by_quarter.empty:
        shares = by_quarter.pivot_table(index=["quarter", "quarter_label"], columns="usage", values="share",
                                        aggfunc="sum", fill_value=0.0)
        shares = shares.reindex(columns=list(USAGE_LABELS), fill_value=0.0).reset_index()
        shares["orgs"] = by_quarter.groupby("quarter")["orgs"].sum().to_numpy()
        both = by_quarter[by_quarter["usage"] == "both"].set_index("quarter")["orgs"]
        shares["both_orgs"] = shares["quarter"].map(both).fillna(0).astype(int)
        top = shares.sort_values(["both", "quarter"], ascending=[False, True]).iloc[0]
        peak = {"quarter_label": str(top["quarter_label"]), "orgs": int(top["orgs"]),
                "both_orgs": int(top["both_orgs"])}
        peak |= {u: float(top[u]) for u in USAGE_LABELS}
    totals = {d: int(take_up.loc[take_up["direction"] == d, "orgs"].sum()) if not take_up.empty else 0
              for d in TAKE_UP}
    return {"peak_both": peak, "take_up": totals}
