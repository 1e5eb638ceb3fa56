"""Comparing the two systems like for like: over the months both extracts cover, switching only where both were
observed before and after, one outage window for both, and capacity as a rule that repeats.

The two extracts cover different periods (on the bundled sample, Full BAS twelve months and Simple BAS thirty-one),
so a total over each one's own period compares unlike things. Everything here is picked from analyses the chapters
already run (memoised per view), so it reads the same rows on either engine.
"""
from __future__ import annotations

from datetime import date, timedelta

import duckdb
import pandas as pd

from basstory.analyses import comparison, seasonality
from basstory.analyses.outage import outage_window_costs
from basstory.analyses.recommendation import data_caveats
from basstory.core.schema import SYSTEMS
from basstory.query.filters import StoryFilters
from basstory.query.view import per_view

#: A window is "near zero" when it interrupts fewer runs than this a month on average.
NEAR_ZERO_RUNS = 1.0
#: Windows starting before this minute of the day are night windows.
NIGHT_ENDS_MINUTE = 6 * 60


def _whole_months(first: date, last: date) -> tuple[date, date] | None:
    """The first days of the first and last calendar months lying wholly inside [first, last], or None."""
    start = first if first.day == 1 else (first.replace(day=1) + timedelta(days=32)).replace(day=1)
    whole_last = (last + timedelta(days=1)).day == 1
    end = last.replace(day=1) if whole_last else (last.replace(day=1) - timedelta(days=1)).replace(day=1)
    return (start, end) if start <= end else None


@per_view
def common_months(con: duckdb.DuckDBPyConnection, f: StoryFilters) -> dict | None:
    """The whole calendar months (Sydney) that lie inside both systems' kept periods, and the runs of each system in
    them: {"first", "last" ('YYYY-MM'), "months", "runs": {system: runs}, "share": {system: share of both}}; None when
    a system has no kept run or the periods share no whole month."""
    systems = data_caveats(con, f)["systems"]
    if not all(s in systems for s in SYSTEMS):
        return None
    first = max(systems[s]["first_date"] for s in SYSTEMS)
    last = min(systems[s]["last_date"] for s in SYSTEMS)
    span = _whole_months(first, last) if first <= last else None
    if span is None:
        return None
    months = seasonality.runs_per_month(con, f)
    lo, hi = f"{span[0]:%Y-%m}", f"{span[1]:%Y-%m}"
    inside = months[(months["month"] >= lo) & (months["month"] <= hi)]
    runs = {s: int(inside.loc[inside["system"] == s, "runs"].sum()) for s in SYSTEMS}
    total = sum(runs.values())
    n = (span[1].year - span[0].year) * 12 + span[1].month - span[0].month + 1
    return {"first": lo, "last": hi, "months": n, "runs": runs,
            "share": {s: runs[s] / total if total else 0.0 for s in SYSTEMS}}


def observed_switches(con: duckdb.DuckDBPyConnection, f: StoryFilters) -> dict | None:
    """Orgs that took up one report after using the other, counted only where it can be seen
    (comparison.system_take_up, comparison.switch_window).

    Returns {"window": (first, last) dates or None, "full_to_simple", "simple_to_full" (observed take-ups),
    "unobservable" (take-ups outside the window: whether they switched, added the report or had always used both
    cannot be told), "same_time" (orgs whose first runs of both came in the same instant), "orgs_both"}; None without
    both systems in view.
    """
    if not all(s in data_caveats(con, f)["systems"] for s in SYSTEMS):
        return None
    take_up = comparison.system_take_up(con, f)
    moved = {d: take_up.loc[take_up["direction"] == d, ["orgs", "observed"]].sum() for d in comparison.TAKE_UP}
    orgs_both = comparison.usage_summary(comparison.system_usage_split(con, f))["orgs"]["both"]["count"]
    moves = sum(int(m["orgs"]) for m in moved.values())
    return {"window": comparison.switch_window(con, f),
            "full_to_simple": int(moved["full_to_simple"]["observed"]),
            "simple_to_full": int(moved["simple_to_full"]["observed"]),
            "unobservable": moves - sum(int(m["observed"]) for m in moved.values()),
            "same_time": orgs_both - moves, "orgs_both": orgs_both}


@per_view
def shared_window(con: duckdb.DuckDBPyConnection, f: StoryFilters) -> dict | None:
    """Whether one two-hour window serves both systems: the window whose costs (outage.outage_window_costs) add up
    to the least (ties: earliest day, then start), what it costs each system, what each system's own best window
    costs the other, and how many night windows (starting before 06:00) cost each system under NEAR_ZERO_RUNS runs a
    month. None unless both systems have windows."""
    costs = {s: outage_window_costs(con, f, s) for s in SYSTEMS}
    if any(c.empty for c in costs.values()):
        return None
    both = costs["full"][["day", "start_minute", "start", "end", "runs_mean"]].merge(
        costs["simple"][["day", "start_minute", "runs_mean"]], on=["day", "start_minute"],
        suffixes=("_full", "_simple"))
    if both.empty:
        return None
    both["runs_both"] = both["runs_mean_full"] + both["runs_mean_simple"]
    both = both.sort_values(["runs_both", "day", "start_minute"], kind="stable").reset_index(drop=True)
    top = both.iloc[0]
    own = {}
    for s in SYSTEMS:
        best = costs[s].iloc[0]
        row = both[(both["day"] == best["day"]) & (both["start_minute"] == best["start_minute"])]
        other = next(o for o in SYSTEMS if o != s)
        own[s] = {"day": int(best["day"]), "start": str(best["start"]), "end": str(best["end"]),
                  "runs_mean": float(best["runs_mean"]),
                  "other_runs_mean": float(row[f"runs_mean_{other}"].iloc[0]) if not row.empty else None}
    night = both[both["start_minute"] < NIGHT_ENDS_MINUTE]
    near_zero = night[(night["runs_mean_full"] < NEAR_ZERO_RUNS) & (night["runs_mean_simple"] < NEAR_ZERO_RUNS)]
    return {
        "window": {"day": int(top["day"]), "start": str(top["start"]), "end": str(top["end"]),
                   "runs_mean": {"full": float(top["runs_mean_full"]), "simple": float(top["runs_mean_simple"])}},
        "own": own,
        "night_windows": int(len(night)),
        "night_near_zero": int(len(near_zero)),
        "near_zero_runs": NEAR_ZERO_RUNS,
    }


def _ratio(value: float, median: float) -> float | None:
    return value / median if median > 0 else None


def capacity_rule(load: dict | None) -> pd.DataFrame:
    """Full BAS capacity as a rule that repeats, from `capacity.full_bas_load`'s frames: how many runs overlap at
    once (the peak) on the days of the month, in the months of the quarter and at the hours of the day that recur,
    as a ratio to the median.

    Grain: one row per (dimension, bucket). Columns: dimension ('day of the month' | 'month of the quarter' | 'hour
    of the day'), bucket (label), order, peak (days of the month: the mean of their days' peak concurrency; months
    of the quarter: the mean of their whole months' peak concurrency; hours of the day (Sydney): the mean of their
    hours' peak concurrency), ratio (peak over the median day's / whole month's / hour of the day's). Empty without
    `load`.
    """
    columns = ["dimension", "bucket", "order", "peak", "ratio"]
    if load is None:
        return pd.DataFrame(columns=columns)
    rows = []
    daily = load["daily"]
    median_day = float(daily["peak_concurrency"].median())
    bands = (("days 1–14", 1, 14), ("days 15–21 (monthly BAS due the 21st)", 15, 21),
             ("days 22–28 (quarterly BAS due the 25th–28th)", 22, 28), ("days 29–31", 29, 31))
    dom = daily["day"].dt.day
    for i, (label, lo, hi) in enumerate(bands):
        days = daily[(dom >= lo) & (dom <= hi)]
        if not days.empty:
            peak = float(days["peak_concurrency"].mean())
            rows.append(("day of the month", label, i, peak, _ratio(peak, median_day)))
    monthly = load["monthly"][load["monthly"]["complete"]]
    if not monthly.empty:
        median_month = float(monthly["peak_concurrency"].median())
        moq = (pd.to_datetime(monthly["month_start"]).dt.month - 1) % 3 + 1
        for m, label in ((1, "1st month (Jan, Apr, Jul, Oct)"), (2, "2nd month (Feb, May, Aug, Nov)"),
                         (3, "3rd month (Mar, Jun, Sep, Dec)")):
            months = monthly[moq == m]
            if not months.empty:
                peak = float(months["peak_concurrency"].mean())
                rows.append(("month of the quarter", label, m, peak, _ratio(peak, median_month)))
    hours = load["hour_of_day"].set_index("hour")["peak_concurrency_mean"]
    if not hours.empty and hours.sum():
        median_hour = float(hours.median())
        for hour, peak in hours.items():
            rows.append(("hour of the day", f"{int(hour):02d}:00–{(int(hour) + 1) % 24:02d}:00", int(hour),
                         float(peak), _ratio(float(peak), median_hour)))
    return pd.DataFrame(rows, columns=columns)
