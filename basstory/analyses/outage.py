"""The two-hour outage window (the default method, docs/outage-window.md).

Candidate windows start every 30 minutes on days 1-28 of the month, Sydney wall-clock, and last 120 minutes (they may
run past midnight). A window's occurrences are its concrete instances in each calendar month that lie wholly inside
the period from the system's first to its last kept run. Its cost is the mean number of kept runs per occurrence;
the recommendation is the cheapest window (ties: the earliest day, then the earliest start).

Daylight saving: a start that does not exist on the night clocks go forward (02:00-02:59 on the first Sunday of
October) moves to the first wall-clock time that does (03:00); a start that occurs twice on the night clocks go back
takes the first (daylight-time) instance. A window always lasts 120 real minutes from its start.
"""
from __future__ import annotations

import functools

import duckdb
import numpy as np
import pandas as pd

from basstory.core.schema import CONTRACT_TZ
from basstory.query.filters import StoryFilters
from basstory.query.queries import filtered_runs_sql, frame
from basstory.query.tables import is_fast
from basstory.query.view import per_view, view_slots_sql

WINDOW_MINUTES = 120
STEP_MINUTES = 30
WINDOW_DAYS = tuple(range(1, 29))
#: Runs are counted in UTC buckets of this size; window starts fall on bucket edges because the contract zone's
#: offsets from UTC are whole half hours.
BUCKET_SECONDS = 30 * 60



def minutes_to_hhmm(minutes: int) -> str:
    minutes %= 24 * 60
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def window_occurrences(first_utc: pd.Timestamp, last_utc: pd.Timestamp, tz: str = CONTRACT_TZ) -> pd.DataFrame:
    """Concrete instances of every candidate window that lie wholly inside [first_utc, last_utc].

    Grain: one row per (month, day, start_minute). Columns: month (str 'YYYY-MM' of the local start), day,
    start_minute, start_utc, end_utc (naive UTC timestamps). The caller gets its own copy of a grid made once per
    period (a page asks for the same period's grid for each system and measure).
    """
    return _occurrence_grid(pd.Timestamp(first_utc), pd.Timestamp(last_utc), tz).copy()


@functools.lru_cache(maxsize=64)
def _occurrence_grid(first_utc: pd.Timestamp, last_utc: pd.Timestamp, tz: str) -> pd.DataFrame:
    first_local = first_utc.tz_localize("UTC").tz_convert(tz).tz_localize(None)
    last_local = last_utc.tz_localize("UTC").tz_convert(tz).tz_localize(None)
    months = pd.period_range(first_local.to_period("M"), last_local.to_period("M"), freq="M")
    starts = np.arange(0, 24 * 60, STEP_MINUTES)
    grid = pd.MultiIndex.from_product([months, WINDOW_DAYS, starts], names=["period", "day", "start_minute"])
    occ = grid.to_frame(index=False)
    local_start = (occ["period"].dt.start_time + pd.to_timedelta(occ["day"] - 1, unit="D")
                   + pd.to_timedelta(occ["start_minute"], unit="min"))
    start_utc = (pd.DatetimeIndex(local_start)
                 .tz_localize(tz, ambiguous=np.ones(len(occ), dtype=bool), nonexistent="shift_forward")
                 .tz_convert("UTC").tz_localize(None))
    occ["start_utc"] = start_utc.as_unit("us")
    occ["end_utc"] = occ["start_utc"] + pd.Timedelta(minutes=WINDOW_MINUTES)
    occ["month"] = occ["period"].astype(str)
    inside = (occ["start_utc"] >= first_utc) & (occ["end_utc"] <= last_utc)
    return occ.loc[inside, ["month", "day", "start_minute", "start_utc", "end_utc"]].reset_index(drop=True)


@per_view
def runs_per_bucket(con: duckdb.DuckDBPyConnection, f: StoryFilters, system: str) -> pd.DataFrame:
    """Kept runs of one system per UTC half-hour bucket. Grain: one row per non-empty bucket; columns bucket
    (epoch seconds // BUCKET_SECONDS), runs."""
    if is_fast(con):
        sql = (f"SELECT bucket, CAST(sum(runs) AS BIGINT) AS runs FROM ({view_slots_sql(con, f)}) "
               f"WHERE system = $system GROUP BY bucket ORDER BY bucket")
        return frame(con, sql, {"system": system})
    sql = (f"SELECT CAST(floor(epoch(run_utc) / {BUCKET_SECONDS}) AS BIGINT) AS bucket, count(*) AS runs "
           f"FROM ({filtered_runs_sql(f)}) WHERE system = $system GROUP BY bucket ORDER BY bucket")
    return frame(con, sql, {"system": system})


@per_view
def run_period(con: duckdb.DuckDBPyConnection, f: StoryFilters, system: str
               ) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    """First and last kept run (UTC) of one system, or None when it has none."""
    if is_fast(con):
        sql = (f"SELECT min(first_utc) AS first, max(last_utc) AS last FROM ({view_slots_sql(con, f)}) "
               f"WHERE system = $system")
    else:
        sql = (f"SELECT min(run_utc) AS first, max(run_utc) AS last FROM ({filtered_runs_sql(f)}) "
               f"WHERE system = $system")
    row = frame(con, sql, {"system": system}).iloc[0]
    if pd.isna(row["first"]):
        return None
    return pd.Timestamp(row["first"]), pd.Timestamp(row["last"])


def occurrence_runs(occurrences: pd.DataFrame, buckets: pd.DataFrame) -> np.ndarray:
    """Runs inside each occurrence, summed from the half-hour buckets it covers."""
    if occurrences.empty:
        return np.zeros(0, dtype=np.int64)
    start_bucket = (occurrences["start_utc"].astype("int64") // 1_000_000 // BUCKET_SECONDS).to_numpy()
    width = WINDOW_MINUTES * 60 // BUCKET_SECONDS
    keys = buckets["bucket"].to_numpy(dtype=np.int64)
    cumulative = np.concatenate([[0], np.cumsum(buckets["runs"].to_numpy(dtype=np.int64))])
    # runs in [start, start + width) = cumulative count before the end bucket minus before the start bucket
    before_start = cumulative[np.searchsorted(keys, start_bucket, side="left")]
    before_end = cumulative[np.searchsorted(keys, start_bucket + width, side="left")]
    return before_end - before_start


@per_view
def outage_window_costs(con: duckdb.DuckDBPyConnection, f: StoryFilters, system: str) -> pd.DataFrame:
    """The cost of every candidate window for one system.

    Grain: one row per (day, start_minute) window with at least one occurrence. Columns: day, start_minute, start,
    end ('HH:MM' Sydney wall-clock), occurrences, runs_mean (the cost), runs_max, worst_month (month of runs_max).
    Sorted cheapest first (ties: earliest day, then earliest start). Empty when the system has no kept runs or the
    period holds no complete occurrence.
    """
    columns = ["day", "start_minute", "start", "end", "occurrences", "runs_mean", "runs_max", "worst_month"]
    period = run_period(con, f, system)
    if period is None:
        return pd.DataFrame(columns=columns)
    occ = window_occurrences(*period)
    if occ.empty:
        return pd.DataFrame(columns=columns)
    occ["runs"] = occurrence_runs(occ, runs_per_bucket(con, f, system))
    # the worst month is the first month with the window's highest count
    worst = occ.sort_values(["day", "start_minute", "runs", "month"], ascending=[True, True, False, True])
    worst = worst.drop_duplicates(["day", "start_minute"])[["day", "start_minute", "month"]]
    costs = (occ.groupby(["day", "start_minute"], as_index=False)
             .agg(occurrences=("runs", "size"), runs_mean=("runs", "mean"), runs_max=("runs", "max"))
             .merge(worst.rename(columns={"month": "worst_month"}), on=["day", "start_minute"]))
    costs["start"] = costs["start_minute"].map(minutes_to_hhmm)
    costs["end"] = (costs["start_minute"] + WINDOW_MINUTES).map(minutes_to_hhmm)
    costs = costs.sort_values(["runs_mean", "day", "start_minute"], kind="stable").reset_index(drop=True)
    return costs[columns]


def best_window(costs: pd.DataFrame) -> dict | None:
    """The recommended window from `outage_window_costs`: day, start, end, runs_per_occurrence, occurrences."""
    if costs.empty:
        return None
    top = costs.iloc[0]
    return {"day": int(top["day"]), "start": top["start"], "end": top["end"],
            "runs_per_occurrence": round(float(top["runs_mean"]), 2), "occurrences": int(top["occurrences"])}
