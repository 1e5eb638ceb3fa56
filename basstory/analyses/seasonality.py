"""Chapter 3, seasonality: when in the year, the quarter and the month the runs come, per system.

Every function takes a connection from `tables.connect()` and the story's filters, aggregates in DuckDB and returns a
small frame (or a dict of small frames) whose grain and columns its docstring states. Months, days and weekdays are
Sydney wall-clock (the contract's zone), whatever zone the story shows times in.
"""
from __future__ import annotations

from datetime import date, timedelta

import duckdb
import pandas as pd

from basstory.analyses.kept import KeptRuns, kept_runs
from basstory.core.calendar_au import bas_due_dates
from basstory.core.text import WEEKDAYS
from basstory.query.filters import StoryFilters
from basstory.query.queries import frame
from basstory.query.view import per_view

#: The quarterly cycle is read over these days relative to each quarterly due date.
CYCLE_DAYS_BEFORE = 30
CYCLE_DAYS_AFTER = 5
#: The trend is a centred moving average over four whole weeks, so the weekly cycle cancels out of it.
TREND_DAYS = 28
QUARTERLY_CADENCES = ("quarterly", "quarterly_agent")
WEEKDAY_NAMES = WEEKDAYS
#: Seasonal factors are kept to this many decimals (they are averages of ratios, and the last bits of a float sum
#: depend on the order DuckDB's threads add them in); factors equal to them tie.
FACTOR_DECIMALS = 9
MONTH_OF_QUARTER_LABELS = {1: "1st month (Jan, Apr, Jul, Oct)", 2: "2nd month (Feb, May, Aug, Nov)",
                           3: "3rd month (Mar, Jun, Sep, Dec)"}


@per_view
def runs_per_month(con: duckdb.DuckDBPyConnection, f: StoryFilters) -> pd.DataFrame:
    """Kept runs per Sydney calendar month and system.

    Grain: one row per (month, system) with at least one kept run, oldest month first, Full BAS before Simple BAS.
    Columns: month ('YYYY-MM'), month_start (Timestamp, first day), system, runs, month_total (both systems),
    busiest (the month with most runs, both systems together; ties: the earliest), busiest_for_system (the month with
    the most runs of this row's system; ties: the earliest).
    """
    k = kept_runs(con, f)
    sql = f"""
        WITH m AS (
            SELECT strftime(run_local_date, '%Y-%m') AS month, system, {k.count} AS runs
            FROM ({k.source}) GROUP BY ALL),
        t AS (SELECT month, sum(runs) AS month_total FROM m GROUP BY month),
        b AS (SELECT month FROM t ORDER BY month_total DESC, month LIMIT 1)
        SELECT m.month, CAST(strptime(m.month || '-01', '%Y-%m-%d') AS TIMESTAMP) AS month_start, m.system, m.runs,
               t.month_total, m.month IN (SELECT month FROM b) AS busiest,
               row_number() OVER (PARTITION BY m.system ORDER BY m.runs DESC, m.month) = 1 AS busiest_for_system
        FROM m JOIN t USING (month)
        ORDER BY m.month, m.system
    """
    df = frame(con, sql)
    df["runs"] = df["runs"].astype("int64")
    df["month_total"] = df["month_total"].astype("int64")
    return df.reset_index(drop=True)


def _system_periods_sql(k: KeptRuns) -> str:
    return (f"SELECT system, min(run_local_date) AS first_date, max(run_local_date) AS last_date "
            f"FROM ({k.source}) GROUP BY system")


def quarterly_due_dates(first: date, last: date) -> list[date]:
    """The distinct quarterly BAS due dates (self-lodged and agent) whose cycle window, 30 days before to 5 days
    after, lies wholly inside [first, last]."""
    due = bas_due_dates(first, last)
    due = due[due["cadence"].isin(QUARTERLY_CADENCES)]
    dates = sorted(set(due["due_date"]))
    return [d for d in dates
            if d - timedelta(days=CYCLE_DAYS_BEFORE) >= first and d + timedelta(days=CYCLE_DAYS_AFTER) <= last]


@per_view
def quarterly_cycle(con: duckdb.DuckDBPyConnection, f: StoryFilters) -> pd.DataFrame:
    """Runs per day relative to each quarterly BAS due date (days -30 to +5), averaged over the due dates.

    Only due dates whose whole window lies inside the system's kept period count, so partial windows do not drag
    the average down; a day with no run counts as 0.
    Grain: one row per (system, offset_days) for each system with at least one such due date.
    Columns: system, offset_days (int, 0 = the due date), runs_mean (runs per day at that offset, mean over the due
    dates), vs_average (runs_mean over the system's mean runs_mean across the 36 days: 1 = an average day of the
    cycle), due_dates (how many due dates were averaged).
    """
    columns = ["system", "offset_days", "runs_mean", "vs_average", "due_dates"]
    k = kept_runs(con, f)
    periods = frame(con, _system_periods_sql(k))
    rows = [(system, d) for system, first, last in periods.itertuples(index=False)
            for d in quarterly_due_dates(pd.Timestamp(first).date(), pd.Timestamp(last).date())]
    if not rows:
        return pd.DataFrame(columns=columns)
    values = ", ".join(f"('{s}', DATE '{d.isoformat()}')" for s, d in rows)
    sql = f"""
        WITH due(system, due_date) AS (VALUES {values}),
        n AS (SELECT system, count(*) AS due_dates FROM due GROUP BY system),
        daily AS (SELECT system, run_local_date AS day, {k.count} AS runs FROM ({k.source}) GROUP BY ALL),
        offsets AS (SELECT unnest(range({-CYCLE_DAYS_BEFORE}, {CYCLE_DAYS_AFTER + 1})) AS offset_days),
        cells AS (SELECT due.system, due.due_date, o.offset_days,
                         due.due_date + CAST(o.offset_days AS INTEGER) AS day FROM due CROSS JOIN offsets o)
        SELECT c.system, c.offset_days, sum(coalesce(d.runs, 0)) / any_value(n.due_dates) AS runs_mean,
               any_value(n.due_dates) AS due_dates
        FROM cells c JOIN n USING (system) LEFT JOIN daily d ON d.system = c.system AND d.day = c.day
        GROUP BY c.system, c.offset_days ORDER BY c.system, c.offset_days
    """
    df = frame(con, sql)
    df["offset_days"] = df["offset_days"].astype("int64")
    df["due_dates"] = df["due_dates"].astype("int64")
    df["runs_mean"] = df["runs_mean"].astype("float64")
    average = df.groupby("system")["runs_mean"].transform("mean")
    df["vs_average"] = (df["runs_mean"] / average.where(average > 0)).fillna(0.0)
    return df[columns]


@per_view
def daily_decomposition(con: duckdb.DuckDBPyConnection, f: StoryFilters) -> dict[str, pd.DataFrame]:
    """A multiplicative decomposition of each system's daily runs: trend × weekly cycle × monthly cycle × rest.

    Method: days run from the system's first to its last kept run (a day without runs counts 0). The *trend* is the
    centred 28-day moving average (four whole weeks, so the weekly cycle cancels out of it); it is left undefined
    on the 14 days at either end. The *weekly cycle* is the mean of runs / trend per day of the week, scaled so the
    seven factors average 1. The *monthly cycle* is the mean of what is left, runs / (trend × weekly factor), per
    day of the month, scaled to average 1. The *quarterly cycle* is slower than the trend's four weeks, so it is read
    from whole calendar months: mean runs per day in the 1st, 2nd and 3rd month of each quarter over the mean runs
    per day of all whole months.

    Returns a dict of frames, each with one row per system that has enough data (none when the period is under 28
    days):
    - "daily": one row per (system, day); columns system, day (Timestamp), runs, trend (NaN near the ends).
    - "weekly": one row per (system, weekday); columns system, weekday (1 = Monday), weekday_name, factor.
    - "day_of_month": one row per (system, day_of_month 1-31); columns system, day_of_month, factor.
    - "month_of_quarter": one row per (system, month_of_quarter 1-3); columns system, month_of_quarter, label,
      factor, months (whole months averaged).
    """
    half = TREND_DAYS // 2
    k = kept_runs(con, f)
    sql = f"""
        WITH d AS (SELECT system, run_local_date AS day, {k.count} AS runs FROM ({k.source}) GROUP BY ALL),
        span AS (SELECT system, min(day) AS first, max(day) AS last FROM d GROUP BY system),
        grid AS (SELECT system, CAST(unnest(generate_series(first, last, INTERVAL 1 DAY)) AS DATE) AS day FROM span),
        s AS (SELECT g.system, g.day, coalesce(d.runs, 0) AS runs FROM grid g LEFT JOIN d USING (system, day))
        SELECT system, CAST(day AS TIMESTAMP) AS day, runs,
               CASE WHEN count(*) OVER w = {TREND_DAYS} THEN avg(runs) OVER w END AS trend
        FROM s
        WINDOW w AS (PARTITION BY system ORDER BY day ROWS BETWEEN {half} PRECEDING AND {half - 1} FOLLOWING)
        ORDER BY system, day
    """
    daily = frame(con, sql)
    daily["runs"] = daily["runs"].astype("int64")
    daily["trend"] = daily["trend"].astype("float64")
    empty = {
        "daily": pd.DataFrame(columns=["system", "day", "runs", "trend"]),
        "weekly": pd.DataFrame(columns=["system", "weekday", "weekday_name", "factor"]),
        "day_of_month": pd.DataFrame(columns=["system", "day_of_month", "factor"]),
        "month_of_quarter": pd.DataFrame(columns=["system", "month_of_quarter", "label", "factor", "months"]),
    }
    enough = daily.groupby("system")["trend"].transform(lambda t: t.notna().any())
    daily = daily[enough].reset_index(drop=True)
    if daily.empty:
        return empty
    con_local = duckdb.connect()
    try:
        con_local.register("daily", daily)
        weekly = con_local.execute("""
            WITH raw AS (SELECT system, isodow(day) AS weekday, avg(runs / trend) AS ratio
                         FROM daily WHERE trend > 0 GROUP BY ALL)
            SELECT system, weekday, ratio / avg(ratio) OVER (PARTITION BY system) AS factor FROM raw
            ORDER BY system, weekday""").df()
        con_local.register("weekly", weekly)
        day_of_month = con_local.execute("""
            WITH raw AS (SELECT d.system, day(d.day) AS day_of_month, avg(d.runs / (d.trend * w.factor)) AS ratio
                         FROM daily d JOIN weekly w ON w.system = d.system AND w.weekday = isodow(d.day)
                         WHERE d.trend > 0 AND w.factor > 0 GROUP BY ALL)
            SELECT system, day_of_month, ratio / avg(ratio) OVER (PARTITION BY system) AS factor FROM raw
            ORDER BY system, day_of_month""").df()
        month_of_quarter = con_local.execute("""
            WITH months AS (
                SELECT system, date_trunc('month', day) AS month, avg(runs) AS per_day, count(*) AS days
                FROM daily GROUP BY ALL
                HAVING count(*) = day(last_day(any_value(day)))),
            overall AS (SELECT system, avg(per_day) AS per_day FROM months GROUP BY system)
            SELECT m.system, (month(m.month) - 1) % 3 + 1 AS month_of_quarter,
                   avg(m.per_day) / any_value(o.per_day) AS factor, count(*) AS months
            FROM months m JOIN overall o USING (system) WHERE o.per_day > 0
            GROUP BY ALL ORDER BY m.system, month_of_quarter""").df()
    finally:
        con_local.close()
    weekly["weekday"] = weekly["weekday"].astype("int64")
    weekly["weekday_name"] = weekly["weekday"].map(lambda w: WEEKDAY_NAMES[w - 1])
    day_of_month["day_of_month"] = day_of_month["day_of_month"].astype("int64")
    month_of_quarter["month_of_quarter"] = month_of_quarter["month_of_quarter"].astype("int64")
    month_of_quarter["months"] = month_of_quarter["months"].astype("int64")
    month_of_quarter["label"] = month_of_quarter["month_of_quarter"].map(MONTH_OF_QUARTER_LABELS)
    for factors in (weekly, day_of_month, month_of_quarter):
        # the last bits of an average depend on the order threads add it up in: without them the factors, the
        # extremes named and the "16×" written from them are the same on every run
        factors["factor"] = factors["factor"].astype("float64").round(FACTOR_DECIMALS)
    return {
        "daily": daily,
        "weekly": weekly[empty["weekly"].columns],
        "day_of_month": day_of_month[empty["day_of_month"].columns],
        "month_of_quarter": month_of_quarter[empty["month_of_quarter"].columns],
    }


def first_by_factor(rows: pd.DataFrame, tie: str, highest: bool = True) -> pd.Series:
    """The row with the highest (or lowest) factor; factors equal to FACTOR_DECIMALS decimals tie, and ties go to
    the smallest `tie`."""
    ranked = rows.assign(_factor=rows["factor"].astype("float64").round(FACTOR_DECIMALS))
    return rows.loc[ranked.sort_values(["_factor", tie], ascending=[not highest, True]).index[0]]


@per_view
def seasonality_summary(con: duckdb.DuckDBPyConnection, f: StoryFilters) -> dict:
    """The chapter's headline numbers per system, for the narrative: {system: {...}} for each system with runs.

    Per system: busiest_month ('YYYY-MM'), busiest_runs, median_month_runs (median over its months with runs),
    peak_offset_days and peak_runs_mean (the day around a quarterly due date with the most runs on average, from
    `quarterly_cycle`; None without a whole cycle window), baseline_runs_mean (mean runs per day 30 to 15 days
    before a due date), peak_month_of_quarter and its factor, busiest_weekday and quietest_weekday with factors.
    """
    months = runs_per_month(con, f)
    cycle = quarterly_cycle(con, f)
    parts = daily_decomposition(con, f)
    summary: dict[str, dict] = {}
    for system, m in months.groupby("system", sort=False):
        top = m.sort_values(["runs", "month"], ascending=[False, True]).iloc[0]
        info: dict = {"busiest_month": str(top["month"]), "busiest_runs": int(top["runs"]),
                      "median_month_runs": float(m["runs"].median()), "months": int(len(m)),
                      "peak_offset_days": None, "peak_runs_mean": None, "baseline_runs_mean": None,
                      "due_dates": 0, "peak_month_of_quarter": None, "peak_month_of_quarter_factor": None,
                      "busiest_weekday": None, "busiest_weekday_factor": None, "quietest_weekday": None,
                      "quietest_weekday_factor": None}
        c = cycle[cycle["system"] == system]
        if not c.empty:
            peak = c.sort_values(["runs_mean", "offset_days"], ascending=[False, True]).iloc[0]
            early = c[(c["offset_days"] >= -30) & (c["offset_days"] <= -15)]
            info.update(peak_offset_days=int(peak["offset_days"]), peak_runs_mean=float(peak["runs_mean"]),
                        baseline_runs_mean=float(early["runs_mean"].mean()), due_dates=int(peak["due_dates"]))
        q = parts["month_of_quarter"]
        q = q[q["system"] == system]
        if not q.empty:
            top_q = first_by_factor(q, "month_of_quarter")
            info.update(peak_month_of_quarter=int(top_q["month_of_quarter"]),
                        peak_month_of_quarter_factor=float(top_q["factor"]))
        w = parts["weekly"]
        w = w[w["system"] == system]
        if not w.empty:
            hi, lo = first_by_factor(w, "weekday"), first_by_factor(w, "weekday", highest=False)
            info.update(busiest_weekday=str(hi["weekday_name"]), busiest_weekday_factor=float(hi["factor"]),
                        quietest_weekday=str(lo["weekday_name"]), quietest_weekday_factor=float(lo["factor"]))
        summary[str(system)] = info
    return summary


@per_view
def due_dates_in_view(con: duckdb.DuckDBPyConnection, f: StoryFilters, cadences: tuple[str, ...] = QUARTERLY_CADENCES
                      ) -> pd.DataFrame:
    """The BAS due dates inside the kept runs' period (Sydney dates), for annotating time charts.

    Grain: one row per distinct due date of the given cadences. Columns: due_date (Timestamp), label (the
    calendar's labels of that date joined with ' / ').
    """
    period = frame(con, f"SELECT min(run_local_date) AS first, max(run_local_date) AS last "
                        f"FROM ({kept_runs(con, f).source})").iloc[0]
    if pd.isna(period["first"]):
        return pd.DataFrame(columns=["due_date", "label"])
    due = bas_due_dates(pd.Timestamp(period["first"]).date(), pd.Timestamp(period["last"]).date())
    due = due[due["cadence"].isin(cadences)]
    out = due.groupby("due_date", as_index=False).agg(label=("label", " / ".join))
    out["due_date"] = pd.to_datetime(out["due_date"])
    return out.reset_index(drop=True)
