"""Active users and organisations: who ran a report each month, and how organisations arrive, come back and go quiet
quarter by quarter.

Words, as the chapter states them:
- an organisation (a user) is **active** in a period when it ran at least one kept report in that period;
- **new** in a quarter: active in it, and no kept run before it in that system's extract;
- **returning**: active in it, and active in an earlier quarter too; **back after a break** are the returning ones
  that were not active the quarter just before;
- **dormant** in a quarter: active the quarter before, not in this one.
So active(q) = active(q-1) - dormant(q) + new(q) + back(q), quarter by quarter.

Months and quarters are Sydney calendar months and quarters (the contract's zone). Organisations are the ones in the
org table (an unknown org is never counted as an organisation); users are `lower(userid)`. Each system is read on
its own extract: a quarter counts only when the system's kept runs cover it wholly, and flows start from a
system's second quarter (in its first, every organisation would be "new").
"""
from __future__ import annotations

from datetime import date

import duckdb
import pandas as pd

from basstory.analyses.dataset import extract_spans
from basstory.analyses.kept import kept_user_orgs
from basstory.core.schema import SYSTEMS
from basstory.query.filters import StoryFilters
from basstory.query.queries import frame
from basstory.query.tables import is_fast
from basstory.query.view import EITHER_SYSTEM, monthly_people_sql, org_months_sql, per_view, view_slots_sql

MONTHLY_COLUMNS = ["month", "month_start", "system", "users", "orgs", "runs", "complete"]
QUARTER_COLUMNS = ["system", "quarter", "quarter_start", "label", "active", "new", "returning", "back", "dormant"]
#: The systems together, in `monthly_active`'s `system` column.
EITHER = EITHER_SYSTEM


def _coverage(con: duckdb.DuckDBPyConnection, f: StoryFilters) -> dict[str, tuple[pd.Timestamp, pd.Timestamp]]:
    """Per system: the first and last Sydney date its extract covers (`dataset.extract_spans`: runs of any org),
    within the view's dates. A month or quarter is whole when it lies inside: the org filters never make one look
    cut."""
    out = {}
    for system, (first, last) in extract_spans(con, f).items():
        first = max(first, f.start) if f.start is not None else first
        last = min(last, f.end) if f.end is not None else last
        out[system] = (pd.Timestamp(first), pd.Timestamp(last))
    return out


def _month_end(start: pd.Timestamp) -> pd.Timestamp:
    return start + pd.offsets.MonthEnd(0)


@per_view
def monthly_active(con: duckdb.DuckDBPyConnection, f: StoryFilters) -> pd.DataFrame:
    """Monthly active users and organisations, per system and for either system.

    Grain: one row per (Sydney month, system) with at least one kept run, `system` one of 'full', 'simple' and
    'either' (both systems together: a user active in both counts once), oldest month first.
    Columns: month ('YYYY-MM'), month_start (Timestamp), system, users (distinct users with a kept run), orgs
    (distinct organisations of the org table with a kept run), runs, complete (the system's extract and the view's
    dates cover the whole month (`_coverage`): a month either cuts is False; for 'either', when they do for every
    system with kept runs, so a month after one extract ends is not read as users leaving).
    """
    people = monthly_people_sql(con, f) if is_fast(con) else None
    df = _monthly_from_month_sets(con, f, people) if people is not None else _monthly_from_rows(con, f)
    if df.empty:
        return pd.DataFrame(columns=MONTHLY_COLUMNS)
    coverage = _coverage(con, f)
    df["month_start"] = pd.to_datetime(df["month_start"])
    df["month"] = df["month_start"].dt.strftime("%Y-%m")
    for column in ("users", "orgs", "runs"):
        df[column] = df[column].astype("int64")

    def whole(system: str, start: pd.Timestamp) -> bool:
        if system not in coverage:
            return False
        first, last = coverage[system]
        return start >= first and _month_end(start) <= last

    present = [s for s in SYSTEMS if s in set(df["system"])]
    df["complete"] = [all(whole(s, m) for s in present) if system == EITHER else whole(system, m)
                      for system, m in zip(df["system"], df["month_start"], strict=True)]
    order = {s: i for i, s in enumerate((*SYSTEMS, EITHER))}
    df = df.sort_values(["month_start", "system"], key=lambda c: c.map(order) if c.name == "system" else c)
    return df[MONTHLY_COLUMNS].reset_index(drop=True)


def _monthly_from_rows(con: duckdb.DuckDBPyConnection, f: StoryFilters) -> pd.DataFrame:
    """`monthly_active`'s counts (month_start, system, users, orgs, runs) from the view's user-org-months (the fast
    engine without month sets) or runs (the reference engine)."""
    k = kept_user_orgs(con, f, months=True)
    # one pass per (month, user) and per (month, org) notes which systems each used (bit 1: Full BAS, bit 2: Simple
    # BAS), so the three distinct counts of a month are counts of those rows: 2-3x faster than count(DISTINCT) per
    # grouping set
    used = "bit_or(CASE WHEN system = 'full' THEN 1 ELSE 2 END)"
    counts = ("count(*) FILTER (WHERE used & 1 <> 0) AS n_full, count(*) FILTER (WHERE used & 2 <> 0) AS n_simple, "
              "count(*) AS n_either")
    return frame(con, f"""
        WITH s AS ({k.source}),
        per_user AS (SELECT month, {used} AS used FROM s GROUP BY month, user_key),
        per_org AS (SELECT month, {used} AS used FROM s WHERE org_key IS NOT NULL GROUP BY month, org_key),
        users AS (SELECT month, {counts} FROM per_user GROUP BY month),
        orgs AS (SELECT month, {counts} FROM per_org GROUP BY month),
        by_system AS (SELECT month, system, {k.count} AS runs FROM s GROUP BY month, system),
        runs AS (SELECT * FROM by_system
                 UNION ALL SELECT month, '{EITHER}', CAST(sum(runs) AS BIGINT) FROM by_system GROUP BY month)
        SELECT CAST(r.month AS TIMESTAMP) AS month_start, r.system,
               CASE r.system WHEN 'full' THEN u.n_full WHEN 'simple' THEN u.n_simple ELSE u.n_either END AS users,
               coalesce(CASE r.system WHEN 'full' THEN o.n_full WHEN 'simple' THEN o.n_simple ELSE o.n_either END, 0)
                   AS orgs,
               r.runs
        FROM runs r JOIN users u USING (month) LEFT JOIN orgs o USING (month)
        ORDER BY month_start, r.system""")


def _monthly_from_month_sets(con: duckdb.DuckDBPyConnection, f: StoryFilters, people: str) -> pd.DataFrame:
    """`monthly_active`'s counts from the month sets (query.view.monthly_people_sql) and the view's slots."""
    return frame(con, f"""
        WITH runs AS (SELECT system, CAST(date_trunc('month', run_local_date) AS DATE) AS month, sum(runs) AS runs
                      FROM ({view_slots_sql(con, f)}) GROUP BY ALL),
        all_runs AS (SELECT * FROM runs UNION ALL SELECT '{EITHER}', month, sum(runs) FROM runs GROUP BY month)
        SELECT CAST(p.month AS TIMESTAMP) AS month_start, p.system, p.users, p.known_orgs AS orgs,
               CAST(r.runs AS BIGINT) AS runs
        FROM ({people}) p JOIN all_runs r USING (system, month)
        ORDER BY month_start, p.system""")


def quarter_label(start: date | pd.Timestamp) -> str:
    """'Oct–Dec 2016' for the calendar quarter starting 1 Oct 2016."""
    start = pd.Timestamp(start)
    end = start + pd.DateOffset(months=2)
    return f"{start:%b}–{end:%b} {start.year}"


@per_view
def org_flows(con: duckdb.DuckDBPyConnection, f: StoryFilters) -> pd.DataFrame:
    """New, returning and dormant organisations per Sydney calendar quarter and system (the words: module docstring).

    Grain: one row per (system, quarter) for each quarter that the system's extract and the view's dates cover
    wholly (`_coverage`) and that follows at least one earlier quarter of its runs (wholly or partly covered), oldest
    first, Full BAS before Simple BAS.
    Columns: system, quarter ('2017Q1'), quarter_start (Timestamp), label ('Jan–Mar 2017'), active, new, returning,
    back (returning, not active the quarter before), dormant (active the quarter before, not in this one).
    """
    if is_fast(con):    # the view's runs per org and month, shared with the other org chapters
        orgs = f"SELECT system, org_id AS org_key, month FROM ({org_months_sql(con, f)})"
    else:
        orgs = f"SELECT system, org_key, month FROM ({kept_user_orgs(con, f, months=True).source})"
    df = frame(con, f"""
        WITH oq AS (SELECT DISTINCT system, org_key, CAST(date_trunc('quarter', month) AS DATE) AS q
                    FROM ({orgs}) WHERE org_key IS NOT NULL),
        firsts AS (SELECT system, org_key, min(q) AS first_q FROM oq GROUP BY ALL),
        quarters AS (SELECT DISTINCT system, q FROM oq),
        now AS (SELECT a.system, a.q, count(*) AS active,
                       count(*) FILTER (WHERE fi.first_q = a.q) AS new,
                       count(*) FILTER (WHERE fi.first_q < a.q) AS returning,
                       count(*) FILTER (WHERE fi.first_q < a.q AND b.org_key IS NULL) AS back
                FROM oq a JOIN firsts fi USING (system, org_key)
                LEFT JOIN oq b ON b.system = a.system AND b.org_key = a.org_key
                                  AND b.q = CAST(a.q - INTERVAL 3 MONTH AS DATE)
                GROUP BY a.system, a.q),
        gone AS (SELECT b.system, CAST(b.q + INTERVAL 3 MONTH AS DATE) AS q, count(*) AS dormant
                 FROM oq b LEFT JOIN oq a ON a.system = b.system AND a.org_key = b.org_key
                                            AND a.q = CAST(b.q + INTERVAL 3 MONTH AS DATE)
                 WHERE a.org_key IS NULL GROUP BY ALL)
        SELECT q.system, CAST(q.q AS TIMESTAMP) AS quarter_start, coalesce(n.active, 0) AS active,
               coalesce(n.new, 0) AS new, coalesce(n.returning, 0) AS returning, coalesce(n.back, 0) AS back,
               coalesce(g.dormant, 0) AS dormant
        FROM quarters q LEFT JOIN now n USING (system, q) LEFT JOIN gone g USING (system, q)
        ORDER BY q.system, q.q""")
    if df.empty:
        return pd.DataFrame(columns=QUARTER_COLUMNS)
    coverage = _coverage(con, f)
    df["quarter_start"] = pd.to_datetime(df["quarter_start"])
    first_q = df.groupby("system")["quarter_start"].transform("min")
    first = df["system"].map(lambda s: coverage[s][0])
    last = df["system"].map(lambda s: coverage[s][1])
    q_end = df["quarter_start"] + pd.DateOffset(months=3) - pd.Timedelta(days=1)
    keep = (df["quarter_start"] > first_q) & (df["quarter_start"] >= first) & (q_end <= last)
    df = df[keep].copy()
    df["quarter"] = df["quarter_start"].dt.year.astype(str) + "Q" + df["quarter_start"].dt.quarter.astype(str)
    df["label"] = df["quarter_start"].map(quarter_label)
    for column in ("active", "new", "returning", "back", "dormant"):
        df[column] = df[column].astype("int64")
    df = df.sort_values(["system", "quarter_start"], key=lambda c: c.map(SYSTEMS.index) if c.name == "system" else c)
    return df[QUARTER_COLUMNS].reset_index(drop=True)


@per_view
def activity_summary(con: duckdb.DuckDBPyConnection, f: StoryFilters) -> dict:
    """The chapter's headline numbers: per system ('full', 'simple', 'either') its latest whole month
    (latest_month 'YYYY-MM', users, orgs), its peak month by users (peak_month, peak_users) and the median monthly
    users over whole months; per system with flows, its latest quarter's flows (quarter label, active, new,
    returning, back, dormant) and the totals over the quarters shown (new_total, dormant_total, quarters)."""
    months = monthly_active(con, f)
    flows = org_flows(con, f)
    out: dict[str, dict] = {}
    for system in (*SYSTEMS, EITHER):
        m = months[months["system"] == system]
        whole = m[m["complete"]]
        if whole.empty:
            continue
        latest = whole.iloc[-1]
        peak = whole.sort_values(["users", "month"], ascending=[False, True]).iloc[0]
        info = {"latest_month": str(latest["month"]), "users": int(latest["users"]), "orgs": int(latest["orgs"]),
                "peak_month": str(peak["month"]), "peak_users": int(peak["users"]),
                "median_users": float(whole["users"].median()), "median_orgs": float(whole["orgs"].median()),
                "months": int(len(whole))}
        q = flows[flows["system"] == system]
        if not q.empty:
            last = q.iloc[-1]
            info["flows"] = {"quarter": str(last["label"]), **{c: int(last[c]) for c in
                                                               ("active", "new", "returning", "back", "dormant")},
                             "new_total": int(q["new"].sum()), "dormant_total": int(q["dormant"].sum()),
                             "quarters": int(len(q))}
        out[str(system)] = info
    return out


def key_numbers(con: duckdb.DuckDBPyConnection, f: StoryFilters) -> dict:
    """Headline numbers for the facts CLI: per system ('full', 'simple', 'either') the latest whole month's active
    users and orgs, and the latest quarter's new and dormant organisations (where flows exist)."""
    out = {}
    for system, info in activity_summary(con, f).items():
        row = {"latest_month": info["latest_month"], "monthly_active_users": info["users"],
               "monthly_active_orgs": info["orgs"], "peak_month": info["peak_month"],
               "peak_monthly_active_users": info["peak_users"]}
        if "flows" in info:
            row.update(latest_quarter=info["flows"]["quarter"], new_orgs=info["flows"]["new"],
                       returning_orgs=info["flows"]["returning"], dormant_orgs=info["flows"]["dormant"])
        out[system] = row
    return out
