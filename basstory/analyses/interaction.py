"""Chapter 1, how and when users interact: the week, the month, the BAS deadline, re-runs, the statement period and
who runs the reports.

Every function takes a connection from `tables.connect()` and the story's filters, aggregates the kept runs in DuckDB
(`queries.filtered_runs_sql`) and returns a small frame or dict. Hours and weekdays are in the chosen display zone
(`run_display`); days of the month and due dates are Sydney dates (`run_local_date`), as the contract says.
"""
from __future__ import annotations

from datetime import timedelta

import duckdb
import pandas as pd

from basstory.analyses.kept import KeptRuns, kept_runs, kept_user_orgs
from basstory.core.calendar_au import CADENCES, bas_due_dates
from basstory.core.text import WEEKDAYS, ordinal
from basstory.ingest.derive import CADENCE_SQL, REPEAT_MINUTES
from basstory.query.filters import StoryFilters, run_predicate
from basstory.query.queries import filtered_runs_sql, frame
from basstory.query.tables import is_fast
from basstory.query.view import per_view

#: A user who ran reports for at least this many orgs is counted as an adviser (an accountant or bookkeeper working
#: for clients); everyone else as an owner. Two is the contract's "users across multiple orgs".
ADVISER_MIN_ORGS = 2
#: Working hours for the "business hours" share: Monday to Friday, 08:00 to 17:59 in the display zone.
BUSINESS_HOURS = (8, 18)

#: An org's identity in a run: one value per org table row, and one per reference to an org not in the org table
#: (the `runs` view's org_id, query.tables).
ORG_ID_SQL = "org_id"

CADENCE_LABELS: dict[str, str] = {
    "monthly": "Monthly lodgers (21st)",
    "quarterly": "Quarterly, self-lodged (28th)",
    "quarterly_agent": "Quarterly, practice-managed (agent dates)",
}

#: Buckets of runs in one 30-minute session: (label, lowest, highest).
SESSION_BUCKETS: tuple[tuple[str, int, int], ...] = (
    ("1", 1, 1), ("2", 2, 2), ("3", 3, 3), ("4", 4, 4), ("5", 5, 5), ("6–9", 6, 9), ("10+", 10, 10**9))
#: Buckets of organisations per user: (label, lowest, highest).
ORGS_PER_USER_BUCKETS: tuple[tuple[str, int, int], ...] = (
    ("1", 1, 1), ("2", 2, 2), ("3–5", 3, 5), ("6–10", 6, 10), ("11–20", 11, 20), ("21+", 21, 10**9))
#: Statement-period lag buckets are clipped to this range of months.
LAG_MIN, LAG_MAX = -1, 12

#: Org attributes the story splits runs and orgs by: attribute -> SQL expression over the runs view.
ORG_ATTRIBUTES: dict[str, str] = {
    "plan_family": "coalesce(plan_family, 'Org not in org table')",
    "tax_period": "coalesce(tax_period, 'Org not in org table')",
    "channel_type": "coalesce(nullif(channel_type, ''), 'Not recorded')",
    "managed_by_practice": ("CASE WHEN managed_by_practice THEN 'Managed by a practice' "
                            "WHEN NOT managed_by_practice THEN 'Not practice-managed' "
                            "ELSE 'Org not in org table' END"),
}


def _bucket_sql(column: str, buckets: tuple[tuple[str, int, int], ...]) -> tuple[str, str]:
    """SQL CASE expressions (label, order) that put an integer column into buckets."""
    label = " ".join(f"WHEN {column} BETWEEN {lo} AND {hi} THEN '{name}'" for name, lo, hi in buckets)
    order = " ".join(f"WHEN {column} BETWEEN {lo} AND {hi} THEN {i}" for i, (_, lo, hi) in enumerate(buckets))
    return f"CASE {label} END", f"CASE {order} END"


# --- When in the week -----------------------------------------------------------------------------------------------

@per_view
def weekly_heatmap(con: duckdb.DuckDBPyConnection, f: StoryFilters) -> pd.DataFrame:
    """Runs by weekday and hour of day in the display zone (f.tz).

    Grain: one row per (system, weekday, hour), the full 7 x 24 grid for every system with a kept run (zeros filled).
    Columns: system, weekday (1 = Mon … 7 = Sun), weekday_name ('Mon'), hour (0-23), runs, share (of the system's
    kept runs), runs_per_week (runs / the weeks from the system's first to its last kept run).
    """
    k = kept_runs(con, f)
    sql = f"""
    WITH kept AS (SELECT system, {k.display} AS run_display, run_local_date, {k.weight} AS w FROM ({k.source})),
    counts AS (SELECT system, isodow(run_display) AS weekday, hour(run_display) AS hour,
                      CAST(sum(w) AS BIGINT) AS runs
               FROM kept GROUP BY ALL),
    spans AS (SELECT system, (max(run_local_date) - min(run_local_date) + 1) / 7.0 AS weeks FROM kept GROUP BY system),
    grid AS (SELECT s.system, s.weeks, d.weekday, h.hour
             FROM spans s, range(1, 8) AS d(weekday), range(0, 24) AS h(hour))
    SELECT g.system, CAST(g.weekday AS INTEGER) AS weekday, CAST(g.hour AS INTEGER) AS hour,
           CAST(coalesce(c.runs, 0) AS BIGINT) AS runs,
           coalesce(c.runs, 0) / sum(coalesce(c.runs, 0)) OVER (PARTITION BY g.system) AS share,
           coalesce(c.runs, 0) / g.weeks AS runs_per_week
    FROM grid g LEFT JOIN counts c ON c.system = g.system AND c.weekday = g.weekday AND c.hour = g.hour
    ORDER BY g.system, g.weekday, g.hour
    """
    df = frame(con, sql)
    df.insert(2, "weekday_name", [WEEKDAYS[d - 1] for d in df["weekday"]])
    return df


def week_summary(heatmap: pd.DataFrame) -> dict[str, dict]:
    """From `weekly_heatmap`: the busiest hour of the week (ties: the earliest in the week) and the shares of runs on
    weekdays and in business hours (Monday-Friday 08:00-17:59, display zone), per system and for 'all' (both
    together): {system: {"runs", "weekday", "weekday_name", "hour", "peak_share", "weekday_share",
    "business_hours_share"}}; {} when no run is kept."""
    if heatmap.empty:
        return {}
    both = heatmap.groupby(["weekday", "hour"], as_index=False)["runs"].sum().assign(system="all")
    lo, hi = BUSINESS_HOURS
    out = {}
    for system, cells in pd.concat([heatmap, both]).groupby("system", sort=False):
        runs = int(cells["runs"].sum())
        if not runs:
            continue
        peak = cells.sort_values(["runs", "weekday", "hour"], ascending=[False, True, True]).iloc[0]
        weekdays = cells["weekday"] <= 5
        business = weekdays & (cells["hour"] >= lo) & (cells["hour"] < hi)
        out[str(system)] = {"runs": runs, "weekday": int(peak["weekday"]),
                            "weekday_name": WEEKDAYS[int(peak["weekday"]) - 1], "hour": int(peak["hour"]),
                            "peak_share": int(peak["runs"]) / runs,
                            "weekday_share": int(cells.loc[weekdays, "runs"].sum()) / runs,
                            "business_hours_share": int(cells.loc[business, "runs"].sum()) / runs}
    return out


# --- When in the month ----------------------------------------------------------------------------------------------

@per_view
def day_of_month_profile(con: duckdb.DuckDBPyConnection, f: StoryFilters) -> pd.DataFrame:
    """Runs by day of the month (Sydney dates).

    Grain: one row per (system, day 1-31) for every system with a kept run (zeros filled). Columns: system, day,
    runs, share (of the system's kept runs), days (how many calendar days with that day-of-month lie between the
    system's first and last kept run), runs_per_day (runs / days: the average on that day of a month),
    vs_average_day (runs_per_day / the mean of the system's 31 runs_per_day: 1 = an average day).
    """
    k = kept_runs(con, f)
    sql = f"""
    WITH kept AS (SELECT system, run_local_date, {k.weight} AS w FROM ({k.source})),
    counts AS (SELECT system, day(run_local_date) AS day, CAST(sum(w) AS BIGINT) AS runs FROM kept GROUP BY ALL),
    spans AS (SELECT system, min(run_local_date) AS first, max(run_local_date) AS last FROM kept GROUP BY system),
    calendar AS (SELECT system, day(d) AS day, count(*) AS days
                 FROM (SELECT system, unnest(generate_series(first, last, INTERVAL 1 DAY)) AS d FROM spans)
                 GROUP BY ALL)
    SELECT k.system, CAST(k.day AS INTEGER) AS day, CAST(coalesce(c.runs, 0) AS BIGINT) AS runs,
           coalesce(c.runs, 0) / sum(coalesce(c.runs, 0)) OVER (PARTITION BY k.system) AS share,
           CAST(k.days AS BIGINT) AS days, coalesce(c.runs, 0) / k.days AS runs_per_day,
           (coalesce(c.runs, 0) / k.days) / avg(coalesce(c.runs, 0) / k.days) OVER (PARTITION BY k.system)
               AS vs_average_day
    FROM calendar k LEFT JOIN counts c ON c.system = k.system AND c.day = k.day
    ORDER BY k.system, k.day
    """
    return frame(con, sql)


def month_summary(profile: pd.DataFrame) -> dict[str, dict]:
    """From `day_of_month_profile`: per system, the busiest day of the month (by runs_per_day; ties: the earliest),
    its runs_per_day, the median day's runs_per_day and their ratio (0 when the median is 0):
    {system: {"busiest_day", "busiest_runs_per_day", "median_runs_per_day", "peak_ratio"}}."""
    out = {}
    for system, days in profile.groupby("system", sort=True):
        days = days.sort_values(["runs_per_day", "day"], ascending=[False, True])
        busiest, median = days.iloc[0], float(days["runs_per_day"].median())
        out[str(system)] = {"busiest_day": int(busiest["day"]),
                            "busiest_runs_per_day": float(busiest["runs_per_day"]),
                            "median_runs_per_day": median,
                            "peak_ratio": float(busiest["runs_per_day"]) / median if median else 0.0}
    return out


@per_view
def due_day_marks(con: duckdb.DuckDBPyConnection, f: StoryFilters) -> pd.DataFrame:
    """The days of the month on which BAS falls due (the rules' nominal dates, calendar_au) in the kept period.

    Grain: one row per day of the month. Columns: day, cadences (comma-separated calendar_au cadences), label
    (e.g. '21st monthly', '28th quarterly', '25th agent'). Empty when no run is kept.
    """
    columns = ["day", "cadences", "label"]
    span = frame(con, f"SELECT min(run_local_date) AS first, max(run_local_date) AS last "
                      f"FROM ({kept_runs(con, f).source})")
    if span.empty or pd.isna(span.loc[0, "first"]):
        return pd.DataFrame(columns=columns)
    first, last = pd.Timestamp(span.loc[0, "first"]).date(), pd.Timestamp(span.loc[0, "last"]).date()
    due = bas_due_dates(first, last)
    if due.empty:
        return pd.DataFrame(columns=columns)
    due["day"] = [d.day for d in due["nominal_date"]]
    rows = []
    for day, group in due.groupby("day", sort=True):
        cadences = [c for c in CADENCES if c in set(group["cadence"])]
        # a day that is both the self-lodged and an agent date (28 Feb for Q2) is named after the wider rule
        name = "monthly" if "monthly" in cadences else "quarterly" if "quarterly" in cadences else "agent"
        rows.append({"day": int(day), "cadences": ",".join(cadences), "label": f"{ordinal(int(day))} {name}"})
    return pd.DataFrame(rows, columns=columns)


# --- How close to the deadline --------------------------------------------------------------------------------------

def _due_dates_sql(con: duckdb.DuckDBPyConnection, f: StoryFilters) -> str | None:
    """A VALUES list of (cadence, due_date) rows covering every kept run's next due date; None when no run is
    kept."""
    span = frame(con, f"SELECT min(run_local_date) AS first, max(run_local_date) AS last "
                      f"FROM ({kept_runs(con, f).source})")
    if span.empty or pd.isna(span.loc[0, "first"]):
        return None
    first, last = pd.Timestamp(span.loc[0, "first"]).date(), pd.Timestamp(span.loc[0, "last"]).date()
    # the next due date of any cadence is at most about three months after a run
    due = bas_due_dates(first, last + timedelta(days=120))
    values = ", ".join(f"('{c}', DATE '{d.isoformat()}')"
                       for c, d in zip(due["cadence"], due["due_date"], strict=True))
    return f"(VALUES {values})"


def _runs_to_due_sql(con: duckdb.DuckDBPyConnection, f: StoryFilters) -> str | None:
    """SQL: one row per kept run whose org has a monthly or quarterly cadence: system, cadence, days_before (days from
    the run's Sydney date to the next due date of its cadence, 0 on the due date itself)."""
    due = _due_dates_sql(con, f)
    if due is None:
        return None
    return f"""
    SELECT r.system, r.cadence, CAST(d.due_date - r.run_local_date AS INTEGER) AS days_before
    FROM (SELECT system, run_local_date, {CADENCE_SQL} AS cadence FROM ({filtered_runs_sql(f)})) r
    ASOF JOIN {due} AS d(cadence, due_date) ON r.cadence = d.cadence AND r.run_local_date <= d.due_date
    """


@per_view
def days_before_due(con: duckdb.DuckDBPyConnection, f: StoryFilters) -> pd.DataFrame:
    """How many days before the next BAS due date runs happen, by the org's cadence.

    The cadence comes from the org's sales tax period: Monthly -> the 21st of the next month; Quarterly and managed by
    a practice -> the agent dates; other Quarterly -> the 28th (calendar_au.bas_due_dates, moved to business days).
    A run's days_before counts the days from its Sydney date to the next due date of its cadence (0 on the due date
    itself). Runs of annual or other lodgers, and of orgs not in the org table, are left out.

    Grain: one row per (system, cadence, days_before) with at least one run. Columns: system, cadence,
    days_before, runs.
    """
    columns = ["system", "cadence", "days_before", "runs"]
    if is_fast(con):
        df = frame(con, f"""
            SELECT system, cadence, CAST(days_before AS INTEGER) AS days_before, CAST(sum(runs) AS BIGINT) AS runs
            FROM slot_runs WHERE ({run_predicate(f)}) AND days_before IS NOT NULL
            GROUP BY system, cadence, days_before ORDER BY system, cadence, days_before""")
        return df if not df.empty else pd.DataFrame(columns=columns)
    runs_sql = _runs_to_due_sql(con, f)
    if runs_sql is None:
        return pd.DataFrame(columns=columns)
    return frame(con, f"""
        SELECT system, cadence, days_before, count(*) AS runs FROM ({runs_sql})
        GROUP BY system, cadence, days_before ORDER BY system, cadence, days_before""")


def weeks_before_due(days: pd.DataFrame) -> pd.DataFrame:
    """From `days_before_due`, by week: week 0 holds days 0-6 before the due date, week 1 days 7-13, and so on.

    Grain: one row per (system, cadence, weeks_before) with runs. Columns: system, cadence, cadence_label,
    weeks_before, days_label ('0–6'), runs, share (of the system's runs with that cadence).
    """
    columns = ["system", "cadence", "cadence_label", "weeks_before", "days_label", "runs", "share"]
    if days.empty:
        return pd.DataFrame(columns=columns)
    weeks = (days.assign(weeks_before=days["days_before"] // 7)
             .groupby(["system", "cadence", "weeks_before"], as_index=False)["runs"].sum())
    weeks["share"] = weeks["runs"] / weeks.groupby(["system", "cadence"])["runs"].transform("sum")
    weeks["cadence_label"] = weeks["cadence"].map(CADENCE_LABELS)
    weeks["days_label"] = [f"{7 * w}–{7 * w + 6}" for w in weeks["weeks_before"]]
    return weeks[columns]


def due_summary(days: pd.DataFrame) -> dict[str, dict]:
    """From `days_before_due`, per system and for 'all': {"runs", "median_days" (the lower median),
    "final_week_share" (runs 0-6 days before the due date), "due_day_share" (on the due date)}; {} when empty."""
    if days.empty:
        return {}
    out = {}
    for system, rows in pd.concat([days, days.assign(system="all")]).groupby("system", sort=False):
        per_day = rows.groupby("days_before")["runs"].sum().sort_index()
        runs = int(per_day.sum())
        # the lower median: the first day by which half of the runs have happened (quantile_disc(0.5))
        median = int(per_day.index[(per_day.cumsum() >= runs / 2).to_numpy().argmax()])
        out[str(system)] = {"runs": runs, "median_days": median,
                            "final_week_share": int(per_day[per_day.index <= 6].sum()) / runs,
                            "due_day_share": int(per_day[per_day.index == 0].sum()) / runs}
    return out


# --- Re-runs --------------------------------------------------------------------------------------------------------

def _sessions_sql(f: StoryFilters) -> str:
    """SQL: one row per kept run with system, is_repeat (the same user ran the same system for the same org at most
    REPEAT_MINUTES before) and session (a per-(system, user, org) number that a non-repeat run starts)."""
    return f"""
    WITH k AS (SELECT system, user_key, {ORG_ID_SQL} AS org, run_utc FROM ({filtered_runs_sql(f)})),
    g AS (SELECT *, run_utc - lag(run_utc) OVER w AS gap FROM k
          WINDOW w AS (PARTITION BY system, user_key, org ORDER BY run_utc)),
    m AS (SELECT *, coalesce(gap <= INTERVAL {REPEAT_MINUTES} MINUTE, false) AS is_repeat FROM g)
    SELECT system, user_key, org, is_repeat,
           sum(CAST(NOT is_repeat AS INTEGER)) OVER (PARTITION BY system, user_key, org ORDER BY run_utc
                                                     ROWS UNBOUNDED PRECEDING) AS session
    FROM m
    """


@per_view
def repeat_runs(con: duckdb.DuckDBPyConnection, f: StoryFilters) -> dict[str, dict]:
    """Re-runs per system with kept runs: {system: {"runs", "repeats", "sessions", "repeat_share",
    "multi_run_sessions", "multi_run_session_share"}}. A repeat is a run by the same user for the same org in the same
    system at most 30 minutes after the previous one; a session is a run that is not a repeat and its chain of
    repeats (so sessions = runs - repeats, and a session has several runs when its first run is followed by a
    repeat)."""
    if is_fast(con):
        # every day but the view's first and last from the slot cube's counts; on those two days a run's neighbour
        # may fall outside the view, so they are counted run by run
        edges = sorted({d.isoformat() for d in (f.start, f.end) if d is not None})
        edge_list = ", ".join(f"DATE '{d}'" for d in edges)
        inner = f"AND run_local_date NOT IN ({edge_list})" if edges else ""
        runs_on_edges = (f"""
            UNION ALL
            SELECT system, count(*), count(*) FILTER (WHERE r), count(*) FILTER (WHERE NOT r AND d)
            FROM (SELECT system, {_in_view_repeat_sql(f)} AS r, {_in_view_repeated_sql(f)} AS d
                  FROM ({filtered_runs_sql(f)}) WHERE run_local_date IN ({edge_list}))
            GROUP BY system""" if edges else "")
        df = frame(con, f"""
            WITH parts(system, runs, repeats, heads) AS (
                SELECT system, sum(runs), sum(repeats), sum(repeated_heads) FROM slot_runs
                WHERE ({run_predicate(f)}) {inner} GROUP BY system
                {runs_on_edges})
            SELECT system, CAST(sum(runs) AS BIGINT) AS runs, CAST(sum(repeats) AS BIGINT) AS repeats,
                   CAST(sum(heads) AS BIGINT) AS multi_run_sessions
            FROM parts GROUP BY system HAVING sum(runs) > 0 ORDER BY system""")
    else:
        df = _reference_repeat_counts(con, f)
    out = {}
    for r in df.itertuples(index=False):
        sessions = int(r.runs) - int(r.repeats)
        out[str(r.system)] = {"runs": int(r.runs), "repeats": int(r.repeats), "sessions": sessions,
                              "repeat_share": int(r.repeats) / int(r.runs),
                              "multi_run_sessions": int(r.multi_run_sessions),
                              "multi_run_session_share": int(r.multi_run_sessions) / sessions}
    return out


def _reference_repeat_counts(con: duckdb.DuckDBPyConnection, f: StoryFilters) -> pd.DataFrame:
    """repeat_runs' counts by window functions over the kept runs (the reference engine)."""
    return frame(con, f"""
        WITH k AS (SELECT system, user_key, {ORG_ID_SQL} AS org, run_utc FROM ({filtered_runs_sql(f)})),
        g AS (SELECT system,
                     coalesce(run_utc - lag(run_utc) OVER w <= INTERVAL {REPEAT_MINUTES} MINUTE, false) AS is_repeat,
                     coalesce(lead(run_utc) OVER w - run_utc <= INTERVAL {REPEAT_MINUTES} MINUTE, false) AS repeated
              FROM k WINDOW w AS (PARTITION BY system, user_key, org ORDER BY run_utc))
        SELECT system, count(*) AS runs, count(*) FILTER (WHERE is_repeat) AS repeats,
               count(*) FILTER (WHERE NOT is_repeat AND repeated) AS multi_run_sessions
        FROM g GROUP BY system ORDER BY system""")


def _in_view_repeat_sql(f: StoryFilters) -> str:
    """SQL over the fast `runs` view: the run is a repeat within the view. The previous run of its (system, user,
    org) is in the view unless the view starts on the run's date and that run came the day before."""
    if f.start is None:
        return "is_repeat"
    return f"(is_repeat AND NOT (repeat_crosses_day AND run_local_date = DATE '{f.start.isoformat()}'))"


def _in_view_repeated_sql(f: StoryFilters) -> str:
    """SQL over the fast `runs` view: the run's next run (of its system, user and org) is a repeat within the view."""
    if f.end is None:
        return "is_repeated"
    return f"(is_repeated AND NOT (repeated_crosses_day AND run_local_date = DATE '{f.end.isoformat()}'))"


def _chain_inside_view_sql(f: StoryFilters) -> str:
    """SQL over the `chain_runs` view (query.view): the whole chain lies inside the view's dates."""
    parts = []
    if f.start is not None:
        parts.append(f"first_date >= DATE '{f.start.isoformat()}'")
    if f.end is not None:
        parts.append(f"last_date <= DATE '{f.end.isoformat()}'")
    return " AND ".join(parts) or "true"


def repeat_runs_frame(repeats: dict[str, dict]) -> pd.DataFrame:
    """`repeat_runs` as a frame for charts. Grain: one row per system. Columns: system, runs, repeats, sessions,
    repeat_share, multi_run_sessions, multi_run_session_share."""
    columns = ["system", "runs", "repeats", "sessions", "repeat_share", "multi_run_sessions", "multi_run_session_share"]
    return pd.DataFrame([{"system": s, **v} for s, v in repeats.items()], columns=columns)


@per_view
def session_sizes(con: duckdb.DuckDBPyConnection, f: StoryFilters) -> pd.DataFrame:
    """How many runs a 30-minute session holds (see `repeat_runs`).

    Grain: one row per (system, bucket) with sessions; buckets are SESSION_BUCKETS ('1' … '6–9', '10+').
    Columns: system, runs_in_session (bucket label), bucket_order, sessions, share (of the system's sessions), runs.
    """
    label, order = _bucket_sql("size", SESSION_BUCKETS)
    if is_fast(con):
        # a chain wholly inside the view is one session of its full size (ingest.derive's chains); a chain cut by
        # the view's first or last date keeps its runs inside the view as one session
        inside = _chain_inside_view_sql(f)
        whole = run_predicate(f.with_(start=None, end=None))
        sizes = f"SELECT system, size, chains AS n FROM chain_cube_runs WHERE ({whole}) AND {inside}"
        if f.start is not None or f.end is not None:
            overlaps = " AND ".join([*([f"last_date >= DATE '{f.start.isoformat()}'"] if f.start else []),
                                     *([f"first_date <= DATE '{f.end.isoformat()}'"] if f.end else [])])
            sizes += f"""
            UNION ALL
            SELECT r.system, count(*) AS size, 1 AS n
            FROM ({filtered_runs_sql(f)}) r
            JOIN (SELECT system, user_id, org_id, chain_no FROM chain_runs
                  WHERE ({whole}) AND NOT ({inside}) AND {overlaps}) c
              ON r.system = c.system AND r.user_key = c.user_id AND r.org_id = c.org_id AND r.chain_no = c.chain_no
            GROUP BY r.system, r.user_key, r.org_id, r.chain_no"""
    else:
        sizes = (f"SELECT system, count(*) AS size, 1 AS n FROM ({_sessions_sql(f)}) "
                 f"GROUP BY system, user_key, org, session")
    return frame(con, f"""
        WITH sizes AS ({sizes})
        SELECT system, {label} AS runs_in_session, {order} AS bucket_order, CAST(sum(n) AS BIGINT) AS sessions,
               sum(n) / sum(sum(n)) OVER (PARTITION BY system) AS share, CAST(sum(size * n) AS BIGINT) AS runs
        FROM sizes GROUP BY system, runs_in_session, bucket_order HAVING sum(n) > 0
        ORDER BY system, bucket_order""")


# --- Simple BAS: which period a run is for --------------------------------------------------------------------------

@per_view
def statement_lag(con: duckdb.DuckDBPyConnection, f: StoryFilters) -> pd.DataFrame:
    """For Simple BAS runs: months from the statement period (statement_year, statement_month) to the run.

    lag_months counts calendar months from the period's month (whose last day ends the period) to the run's Sydney
    month: 0 = in the period's own month (before or on its last day), 1 = the month after, and so on; clipped to
    LAG_MIN..LAG_MAX (-1 = for a later period, 12 = a year or more after). Runs without a statement period are left
    out.

    Grain: one row per lag_months with runs. Columns: lag_months, lag_label, runs, share (of Simple BAS runs with a
    period).
    """
    if is_fast(con):      # the lag cube: Simple BAS runs per (org profile, Sydney date, lag)
        lags = f"SELECT lag, runs AS w FROM lag_runs WHERE {run_predicate(f)}"
    else:
        lags = f"""
            SELECT (year(run_local_date) * 12 + month(run_local_date))
                   - (statement_year * 12 + statement_month) AS lag, 1 AS w
            FROM ({filtered_runs_sql(f)})
            WHERE system = 'simple' AND statement_year IS NOT NULL AND statement_month IS NOT NULL"""
    df = frame(con, f"""
        WITH lags AS ({lags})
        SELECT CAST(least(greatest(lag, {LAG_MIN}), {LAG_MAX}) AS INTEGER) AS lag_months,
               CAST(sum(w) AS BIGINT) AS runs, sum(w) / sum(sum(w)) OVER () AS share
        FROM lags GROUP BY lag_months ORDER BY lag_months""")
    df.insert(1, "lag_label", [_lag_label(int(m)) for m in df["lag_months"]])
    return df


def statement_lag_summary(lags: pd.DataFrame) -> dict:
    """From `statement_lag`: {"runs", "modal_lag" (the commonest lag; ties: the smallest), "modal_share",
    "late_share" (3 months or more), "early_share" (0 or less: before the period's month was over)}; {} when empty."""
    if lags.empty:
        return {}
    runs = int(lags["runs"].sum())
    modal = lags.sort_values(["runs", "lag_months"], ascending=[False, True]).iloc[0]
    return {"runs": runs, "modal_lag": int(modal["lag_months"]), "modal_share": int(modal["runs"]) / runs,
            "late_share": int(lags.loc[lags["lag_months"] >= 3, "runs"].sum()) / runs,
            "early_share": int(lags.loc[lags["lag_months"] <= 0, "runs"].sum()) / runs}


def _lag_label(months: int) -> str:
    if months <= LAG_MIN:
        return "Later period"
    if months >= LAG_MAX:
        return f"{LAG_MAX}+"
    return str(months)


# --- Who runs the reports -------------------------------------------------------------------------------------------

def _user_orgs_sql(k: KeptRuns) -> str:
    """SQL: the kept rows with system, user_key, org, w (runs) and n_orgs (the user's orgs, both systems together)."""
    return f"""
    WITH k AS (SELECT system, user_key, {ORG_ID_SQL} AS org, {k.weight} AS w FROM ({k.source})),
    u AS (SELECT user_key, count(DISTINCT org) AS n_orgs FROM k GROUP BY user_key)
    SELECT k.system, k.user_key, k.org, k.w, u.n_orgs FROM k JOIN u USING (user_key)
    """


@per_view
def orgs_per_user(con: duckdb.DuckDBPyConnection, f: StoryFilters) -> pd.DataFrame:
    """Users by how many organisations they ran reports for (both systems together, the contract's count).

    Grain: one row per (system, bucket) with users; buckets are ORGS_PER_USER_BUCKETS. Columns: system, orgs_bucket,
    bucket_order, role ('adviser' when the bucket is ADVISER_MIN_ORGS or more, else 'owner'), users (who ran that
    system), runs (of that system), user_share and run_share (of the system's users and runs).
    """
    label, order = _bucket_sql("n_orgs", ORGS_PER_USER_BUCKETS)
    return frame(con, f"""
        SELECT system, {label} AS orgs_bucket, {order} AS bucket_order,
               CASE WHEN min(n_orgs) >= {ADVISER_MIN_ORGS} THEN 'adviser' ELSE 'owner' END AS role,
               count(DISTINCT user_key) AS users, CAST(sum(w) AS BIGINT) AS runs,
               count(DISTINCT user_key) / sum(count(DISTINCT user_key)) OVER (PARTITION BY system) AS user_share,
               sum(w) / sum(sum(w)) OVER (PARTITION BY system) AS run_share
        FROM ({_user_orgs_sql(kept_user_orgs(con, f))}) GROUP BY system, orgs_bucket, bucket_order
        ORDER BY system, bucket_order""")


@per_view
def user_roles(con: duckdb.DuckDBPyConnection, f: StoryFilters) -> dict[str, dict]:
    """Advisers (ADVISER_MIN_ORGS or more orgs) and owners, per system with kept runs and for 'all':
    {system: {"users", "advisers", "runs", "adviser_runs", "max_orgs"}}."""
    # one row per (system, user) first, so the counts need no DISTINCT
    df = frame(con, f"""
        WITH per_system AS (SELECT system, user_key, any_value(n_orgs) AS n_orgs, sum(w) AS w
                            FROM ({_user_orgs_sql(kept_user_orgs(con, f))}) GROUP BY system, user_key),
        both_systems AS (SELECT system, user_key, n_orgs, w FROM per_system
                         UNION ALL SELECT 'all', user_key, any_value(n_orgs), sum(w) FROM per_system GROUP BY user_key)
        SELECT system, count(*) AS users, count(*) FILTER (WHERE n_orgs >= {ADVISER_MIN_ORGS}) AS advisers,
               sum(w) AS runs, coalesce(sum(w) FILTER (WHERE n_orgs >= {ADVISER_MIN_ORGS}), 0) AS adviser_runs,
               max(n_orgs) AS max_orgs
        FROM both_systems GROUP BY system""")
    return {str(r.system): {"users": int(r.users), "advisers": int(r.advisers), "runs": int(r.runs),
                            "adviser_runs": int(r.adviser_runs), "max_orgs": int(r.max_orgs)}
            for r in df.itertuples(index=False)}


@per_view
def split_by_org_attribute(con: duckdb.DuckDBPyConnection, f: StoryFilters, attribute: str) -> pd.DataFrame:
    """Orgs and runs of each system split by one org attribute (ORG_ATTRIBUTES: plan_family, tax_period,
    channel_type, managed_by_practice).

    Grain: one row per (system, value) with runs. Columns: system, value, orgs (with a run of that system), runs,
    org_share and run_share (of the system's orgs and runs). Sorted by system, then most orgs first.
    """
    if attribute not in ORG_ATTRIBUTES:
        raise ValueError(f"unknown org attribute {attribute!r}; choose one of {sorted(ORG_ATTRIBUTES)}")
    k = kept_user_orgs(con, f)
    return frame(con, f"""
        SELECT system, {ORG_ATTRIBUTES[attribute]} AS value, count(DISTINCT {ORG_ID_SQL}) AS orgs,
               CAST(sum({k.weight}) AS BIGINT) AS runs,
               count(DISTINCT {ORG_ID_SQL}) / sum(count(DISTINCT {ORG_ID_SQL})) OVER (PARTITION BY system)
                   AS org_share,
               sum({k.weight}) / sum(sum({k.weight})) OVER (PARTITION BY system) AS run_share
        FROM ({k.source}) GROUP BY system, value ORDER BY system, orgs DESC, value""")


def split_summary(split: pd.DataFrame) -> dict[str, dict]:
    """From `split_by_org_attribute`: per system, the value with the most orgs (ties: by name) and its org_share:
    {system: {"value", "orgs", "org_share"}}."""
    out = {}
    for system, rows in split.groupby("system", sort=True):
        top = rows.sort_values(["orgs", "value"], ascending=[False, True]).iloc[0]
        out[str(system)] = {"value": str(top["value"]), "orgs": int(top["orgs"]), "org_share": float(top["org_share"])}
    return out
