"""Chapter 3, capacity: Full BAS load weighted by runtime, how many runs overlap at the peaks, and a forecast.

Each Full BAS run occupies the half-open interval [run_utc, run_utc + runtime_s). *Concurrency* at an instant is the
number of intervals that hold it; a minute's (an hour's) *peak concurrency* is its maximum over the minute (hour). A
sweep over the intervals' start (+1) and end (-1) events gives it exactly: at equal times ends come before starts,
so a run that ends as another starts does not overlap it. *Compute-seconds* in an hour are the seconds of runtime
that fall inside the hour (the integral of concurrency over it), so compute-seconds / 3600 is the hour's mean
concurrency, which Little's law predicts as L = λ·W (arrivals per second × mean runtime).

Simple BAS has no runtime in its extract, so only Full BAS is measured here. Times are UTC minutes and hours (the
contract zone's offsets are whole hours, so they are Sydney hours too); days and months are Sydney.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

import duckdb
import numpy as np
import pandas as pd

from basstory.analyses.concurrency import MinuteProfile, on_grid, view_minute_profile
from basstory.core.calendar_au import bas_due_dates
from basstory.core.schema import CONTRACT_TZ
from basstory.query.cursors import open_cursor
from basstory.query.filters import StoryFilters, run_predicate
from basstory.query.intervals import kept_full_bas_runtimes
from basstory.query.queries import filtered_runs_sql, frame
from basstory.query.tables import is_fast
from basstory.query.view import per_view

MINUTE_US = 60 * 1_000_000
HOUR_US = 60 * MINUTE_US
#: The forecast's season: the BAS quarter, in months (peaks recur every three months).
SEASON_MONTHS = 3
#: Two-sided coverage of the forecast interval.
INTERVAL_LEVEL = 0.80
#: Headroom added on top of the forecast interval's upper end when sizing capacity.
HEADROOM = 0.25
#: The busiest hours checked against Little's law.
LITTLE_HOURS = 10


# --- The sweep (pure numpy) -----------------------------------------------------------------------------------------

def concurrency_steps(starts_us: np.ndarray, ends_us: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Concurrency as a step function: (times, level) where level[i] holds on [times[i], times[i+1]).

    Times are the distinct start/end instants (int64 microseconds), ascending; all events at one instant are applied
    together, so a run ending exactly when another starts never counts as overlapping it.
    """
    starts_us = np.asarray(starts_us, dtype=np.int64)
    ends_us = np.asarray(ends_us, dtype=np.int64)
    keep = ends_us > starts_us
    if not keep.any():
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    # each event is one integer, its time doubled plus 1 for a start; both halves are sorted first (runs come sorted
    # by start, and their ends nearly so), so sorting the two together is a single merge, not a full sort
    events = np.concatenate([np.sort(starts_us[keep], kind="stable") * 2 + 1,
                             np.sort(ends_us[keep], kind="stable") * 2])
    events.sort(kind="stable")
    times = events >> 1
    deltas = (events & 1) * 2 - 1
    first = np.concatenate([[0], np.flatnonzero(np.diff(times)) + 1])
    return times[first], np.cumsum(np.add.reduceat(deltas, first))


def peak_per_bucket(times: np.ndarray, level: np.ndarray, origin_us: int, bucket_us: int, n_buckets: int
                    ) -> np.ndarray:
    """The maximum concurrency in each bucket [origin + k·bucket, origin + (k+1)·bucket), k = 0..n_buckets-1.

    A bucket's maximum is the level at its start (carried over from the last event at or before it) or the level
    after any event inside it, whichever is higher.
    """
    peaks = np.zeros(n_buckets, dtype=np.int64)
    if times.size == 0 or n_buckets == 0:
        return peaks
    edges = origin_us + bucket_us * np.arange(n_buckets, dtype=np.int64)
    at_start = np.searchsorted(times, edges, side="right") - 1      # last event at or before each bucket's start
    peaks = np.where(at_start >= 0, level[np.clip(at_start, 0, None)], 0)
    bucket = (times - origin_us) // bucket_us
    inside = (bucket >= 0) & (bucket < n_buckets)
    np.maximum.at(peaks, bucket[inside], level[inside])
    return peaks


def integral_per_bucket(times: np.ndarray, level: np.ndarray, origin_us: int, bucket_us: int, n_buckets: int
                        ) -> np.ndarray:
    """Seconds of runtime (the integral of concurrency) inside each bucket, as floats."""
    if times.size == 0 or n_buckets == 0:
        return np.zeros(n_buckets)
    cumulative = np.concatenate([[0.0], np.cumsum(level[:-1] * np.diff(times).astype(np.float64))])

    def integral_to(t: np.ndarray) -> np.ndarray:
        i = np.searchsorted(times, t, side="right") - 1
        before = i < 0
        i = np.clip(i, 0, None)
        value = cumulative[i] + level[i] * (t - times[i]).astype(np.float64)
        return np.where(before, 0.0, value)

    edges = origin_us + bucket_us * np.arange(n_buckets + 1, dtype=np.int64)
    return np.diff(integral_to(edges)) / 1_000_000


@dataclass(frozen=True)
class Steps:
    """What the load needs from the concurrency step function of a set of intervals (times in epoch microseconds).

    runs / first_start / last_start / last_end / mean_runtime_s: over every interval (zero-length ones too);
    peak_runs and peak_at_us: the highest concurrency and the first instant it is reached (0 and first_start when no
    interval has a length); minute_peaks / hour_peaks: peak concurrency per minute / hour from first_minute /
    first_hour to last_end; hour_compute_s: seconds of runtime inside each of those hours.
    """
    runs: int
    first_start: int
    last_start: int
    last_end: int
    mean_runtime_s: float
    peak_runs: int
    peak_at_us: int
    first_minute: int
    minute_peaks: np.ndarray
    first_hour: int
    hour_peaks: np.ndarray
    hour_compute_s: np.ndarray


def _grid(first_start: int, last_end: int, bucket_us: int) -> tuple[int, int]:
    """The first bucket's start and how many buckets cover [first_start, last_end)."""
    origin = first_start // bucket_us * bucket_us
    return origin, int(-(-(last_end - origin) // bucket_us))


def steps_by_sweep(starts_us: np.ndarray, ends_us: np.ndarray) -> Steps:
    """Steps from intervals in any order, by one sweep over their start and end events (concurrency_steps)."""
    times, level = concurrency_steps(starts_us, ends_us)
    first_start, last_end = int(starts_us.min()), int(ends_us.max())
    first_minute, n_minutes = _grid(first_start, last_end, MINUTE_US)
    first_hour, n_hours = _grid(first_start, last_end, HOUR_US)
    peak_i = int(np.argmax(level)) if level.size else None
    return Steps(
        runs=int(starts_us.size), first_start=first_start, last_start=int(starts_us.max()), last_end=last_end,
        mean_runtime_s=float((ends_us - starts_us).mean() / 1_000_000),
        peak_runs=int(level[peak_i]) if peak_i is not None else 0,
        peak_at_us=int(times[peak_i]) if peak_i is not None else first_start,
        first_minute=first_minute, minute_peaks=peak_per_bucket(times, level, first_minute, MINUTE_US, n_minutes),
        first_hour=first_hour, hour_peaks=peak_per_bucket(times, level, first_hour, HOUR_US, n_hours),
        hour_compute_s=integral_per_bucket(times, level, first_hour, HOUR_US, n_hours))


def steps_from_minutes(profile: MinuteProfile, hours: pd.DataFrame, spill: pd.DataFrame) -> Steps:
    """Steps from a view's concurrency per minute (analyses.concurrency) and from what is additive per hour
    (`_timed_hours`, `_hour_spill`), without a sweep over the runs.

    An hour's peak is the highest of its minutes'; the view's peak is first reached at the first instant of the first
    minute that reaches it. The runtime inside an hour is, in whole microseconds, the part of each interval inside
    the hour it starts in (summed at ingest) plus what the intervals that run past that hour put into the hours after
    it.
    """
    runs = int(hours["runs"].sum())
    first_start, last_start = int(hours["timed_first_us"].min()), int(hours["timed_last_us"].max())
    last_end = int(hours["timed_last_end_us"].max())
    first_minute, n_minutes = _grid(first_start, last_end, MINUTE_US)
    first_hour, n_hours = _grid(first_start, last_end, HOUR_US)
    minutes = on_grid(profile, first_minute, n_minutes)
    lead = (first_minute - first_hour) // MINUTE_US                   # minutes of the first hour before the grid
    padded = np.zeros(n_hours * 60, dtype=np.int64)
    padded[lead:lead + n_minutes] = minutes.peaks
    peak_i = int(np.argmax(minutes.peaks)) if n_minutes else 0
    peak_runs = int(minutes.peaks[peak_i]) if n_minutes else 0
    compute_us = np.zeros(n_hours, dtype=np.int64)
    np.add.at(compute_us, (hours["hour_us"].to_numpy(np.int64) - first_hour) // HOUR_US,
              hours["compute_us"].to_numpy(np.int64))
    if not spill.empty:
        start, end = spill["start_us"].to_numpy(np.int64), spill["end_us"].to_numpy(np.int64)
        after = (start - first_hour) // HOUR_US + 1                      # the hour after the one it starts in
        last = (end - 1 - first_hour) // HOUR_US                          # the hour it ends in
        np.add.at(compute_us, last, end - (first_hour + last * HOUR_US))
        whole = np.zeros(n_hours + 1, dtype=np.int64)                     # hours in between, wholly covered
        np.add.at(whole, after, 1)
        np.add.at(whole, last, -1)
        compute_us += np.cumsum(whole[:n_hours]) * HOUR_US
    return Steps(
        runs=runs, first_start=first_start, last_start=last_start, last_end=last_end,
        mean_runtime_s=int(hours["length_us"].sum()) / runs / 1_000_000,
        peak_runs=peak_runs, peak_at_us=int(minutes.first_at_us[peak_i]) if peak_runs else first_start,
        first_minute=first_minute, minute_peaks=minutes.peaks.astype(np.int64),
        first_hour=first_hour, hour_peaks=padded.reshape(n_hours, 60).max(axis=1),
        hour_compute_s=compute_us / 1_000_000)


# --- From the data --------------------------------------------------------------------------------------------------

def _full_bas_runs(con: duckdb.DuckDBPyConnection, f: StoryFilters) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Start and end (int64 epoch microseconds, UTC) of every kept Full BAS run with a positive runtime, and its
    runtime_s, from the runs themselves (the reference engine's way)."""
    sql = (f"SELECT epoch_us(run_utc) AS s, epoch_us(run_utc) + CAST(round(runtime_s * 1e6) AS BIGINT) AS e, "
           f"runtime_s AS r FROM ({filtered_runs_sql(f)}) WHERE system = 'full' AND runtime_s > 0")
    cursor = open_cursor(con)
    try:
        arrays = cursor.execute(sql).fetchnumpy()
    finally:
        cursor.close()
    return (np.asarray(arrays["s"], dtype=np.int64), np.asarray(arrays["e"], dtype=np.int64),
            np.asarray(arrays["r"], dtype=np.float64))


@per_view
def peak_concurrency(con: duckdb.DuckDBPyConnection, f: StoryFilters) -> dict | None:
    """The most Full BAS runs that overlapped at any instant: {"runs", "at_utc"} (the first instant it was
    reached, a naive UTC Timestamp); None without a kept Full BAS run with a runtime."""
    load = full_bas_load(con, f)
    if load is None:
        return None
    return {"runs": load["summary"]["peak_concurrency"], "at_utc": load["summary"]["peak_at_utc"]}


def _hour_stats(con: duckdb.DuckDBPyConnection, f: StoryFilters) -> pd.DataFrame:
    """Full BAS runs with a positive runtime starting in each UTC hour, and their summed runtime, from the runs."""
    sql = f"""
        SELECT epoch_us(date_trunc('hour', run_utc)) AS hour_us, count(*) AS runs, sum(runtime_s) AS runtime_sum
        FROM ({filtered_runs_sql(f)}) WHERE system = 'full' AND runtime_s > 0 GROUP BY ALL
    """
    return frame(con, sql)


def _timed_hours(con: duckdb.DuckDBPyConnection, f: StoryFilters) -> pd.DataFrame:
    """From the view's half-hour slots (two make an hour): per UTC hour with a kept Full BAS run with a positive
    runtime, those runs (runs), their summed runtime_s (runtime_sum) and interval lengths (length_us), the part of
    their intervals inside the hour (compute_us), their earliest and latest start and latest end
    (timed_first_us, timed_last_us, timed_last_end_us)."""
    return frame(con, f"""
        SELECT (bucket // 2) * {HOUR_US} AS hour_us, CAST(sum(runs - runtime_missing) AS BIGINT) AS runs,
               sum(runtime_s) AS runtime_sum, CAST(sum(length_us) AS BIGINT) AS length_us,
               CAST(sum(compute_us) AS BIGINT) AS compute_us, min(timed_first_us) AS timed_first_us,
               max(timed_last_us) AS timed_last_us, max(timed_last_end_us) AS timed_last_end_us
        FROM slot_runs WHERE ({run_predicate(f)}) AND system = 'full'
        GROUP BY ALL HAVING sum(runs - runtime_missing) > 0 ORDER BY hour_us""")


def _hour_spill(con: duckdb.DuckDBPyConnection, f: StoryFilters) -> pd.DataFrame:
    """The view's Full BAS intervals that run past the end of the UTC hour they start in: start_us, end_us."""
    return frame(con, f"SELECT start_us, end_us FROM spill_runs WHERE {run_predicate(f)}")


def _local(utc: pd.Series | pd.DatetimeIndex) -> pd.DatetimeIndex:
    return pd.DatetimeIndex(utc).tz_localize("UTC").tz_convert(CONTRACT_TZ).tz_localize(None)


def _quantile_of_counts(values: np.ndarray, q: float) -> float:
    return float(np.quantile(values, q)) if values.size else 0.0


def _quantile_per_month(values: np.ndarray, months: np.ndarray, wanted: pd.Series, q: float) -> list[float]:
    """The q-quantile of `values` for each month in `wanted` (`months` gives each value's month), 0 when none."""
    order = np.argsort(months, kind="stable")
    ordered_months, ordered = months[order], values[order]
    lo = np.searchsorted(ordered_months, wanted.to_numpy(), side="left")
    hi = np.searchsorted(ordered_months, wanted.to_numpy(), side="right")
    return [_quantile_of_counts(ordered[a:b], q) for a, b in zip(lo, hi, strict=True)]


@per_view
def full_bas_load(con: duckdb.DuckDBPyConnection, f: StoryFilters) -> dict | None:
    """Full BAS load weighted by runtime, from one sweep over the kept runs' intervals; None without such runs.

    Returns a dict:
    - "summary": peak_concurrency and peak_at_utc / peak_at_local (first instant of the peak); minute_p50/p95/p99
      (percentiles of per-minute peak concurrency over every minute from the first run to the last);
      busy_minute_p95/p99 (the same over minutes with at least one run under way); peak_hour_compute_s,
      peak_hour_local, median_hour_compute_s (over every hour of the period), peak_to_median_hour (their ratio, None
      when the median is 0); peak_day_runs, median_day_runs, peak_to_median_day; mean_runtime_s; runs;
      little_max_error (largest relative gap between measured mean concurrency and λ·W over the busiest hours).
    - "daily": one row per Sydney day; columns day (Timestamp), runs, compute_s, peak_hour_compute_s,
      peak_concurrency.
    - "monthly": one row per Sydney month; columns month ('YYYY-MM'), month_start, runs, compute_s,
      peak_concurrency, minute_p99, peak_hour_compute_s, complete (the month lies wholly inside the period).
    - "busiest_hours": the LITTLE_HOURS hours with the most runs starting; columns hour_utc, hour_local, runs,
      mean_runtime_s, arrivals_per_s (λ), littles_l (λ·W), measured_l (compute-seconds / 3600),
      relative_error ((measured - λW) / λW), peak_concurrency.
    - "hour_of_day": one row per Sydney hour of the day (0–23) in the period; columns hour, peak_concurrency_mean
      (the mean over the period's hours at that hour of the day of their peak concurrency).
    """
    if is_fast(con):
        stats = _timed_hours(con, f)
        if stats.empty:
            return None
        steps = steps_from_minutes(view_minute_profile(con, f), stats, _hour_spill(con, f))
        stats = stats[["hour_us", "runs", "runtime_sum"]]
    else:
        starts, ends, _ = _full_bas_runs(con, f)
        if starts.size == 0:
            return None
        steps = steps_by_sweep(starts, ends)
        stats = _hour_stats(con, f)
    first_hour, hour_peaks, hour_compute = steps.first_hour, steps.hour_peaks, steps.hour_compute_s
    n_hours, n_minutes, minute_peaks = hour_peaks.size, steps.minute_peaks.size, steps.minute_peaks
    hours = pd.DataFrame({"hour_us": first_hour + HOUR_US * np.arange(n_hours, dtype=np.int64),
                          "peak_concurrency": hour_peaks, "compute_s": hour_compute})
    hours = hours.merge(stats, on="hour_us", how="left")
    hours["runs"] = hours["runs"].fillna(0).astype("int64")
    hours["runtime_sum"] = hours["runtime_sum"].fillna(0.0).astype("float64")
    hours["hour_utc"] = pd.to_datetime(hours["hour_us"], unit="us")
    hours["hour_local"] = _local(hours["hour_utc"])
    hours["day"] = hours["hour_local"].dt.normalize()
    hours["month"] = hours["hour_local"].dt.strftime("%Y-%m")

    # minute percentiles per Sydney month: each minute takes its hour's month
    minute_month = hours["month"].to_numpy()[np.arange(n_minutes) // 60]

    daily = (hours.groupby("day", as_index=False)
             .agg(runs=("runs", "sum"), compute_s=("compute_s", "sum"), peak_hour_compute_s=("compute_s", "max"),
                  peak_concurrency=("peak_concurrency", "max")))
    monthly = (hours.groupby("month", as_index=False)
               .agg(runs=("runs", "sum"), compute_s=("compute_s", "sum"), peak_concurrency=("peak_concurrency", "max"),
                    peak_hour_compute_s=("compute_s", "max")))
    monthly["minute_p99"] = _quantile_per_month(minute_peaks, minute_month, monthly["month"], 0.99)
    monthly["month_start"] = pd.to_datetime(monthly["month"] + "-01")
    first_day, last_day = _local(pd.DatetimeIndex([pd.Timestamp(steps.first_start, unit="us"),
                                                   pd.Timestamp(steps.last_start, unit="us")])).normalize()
    month_end = monthly["month_start"] + pd.offsets.MonthEnd(0)
    monthly["complete"] = (monthly["month_start"] >= first_day) & (month_end <= last_day)
    monthly = monthly[["month", "month_start", "runs", "compute_s", "peak_concurrency", "minute_p99",
                       "peak_hour_compute_s", "complete"]]

    hour_of_day = (hours.assign(hour=hours["hour_local"].dt.hour).groupby("hour", as_index=False)
                   .agg(peak_concurrency_mean=("peak_concurrency", "mean")))

    busy = hours[hours["runs"] > 0].copy()
    top = busy.sort_values(["runs", "hour_us"], ascending=[False, True]).head(LITTLE_HOURS).copy()
    top["mean_runtime_s"] = top["runtime_sum"] / top["runs"]
    top["arrivals_per_s"] = top["runs"] / 3600
    top["littles_l"] = top["arrivals_per_s"] * top["mean_runtime_s"]
    top["measured_l"] = top["compute_s"] / 3600
    top["relative_error"] = (top["measured_l"] - top["littles_l"]) / top["littles_l"]
    busiest_hours = top[["hour_utc", "hour_local", "runs", "mean_runtime_s", "arrivals_per_s", "littles_l",
                         "measured_l", "relative_error", "peak_concurrency"]].reset_index(drop=True)

    peak_at = pd.Timestamp(steps.peak_at_us, unit="us")
    peak_hour = hours.loc[hours["compute_s"].idxmax()]
    median_hour = float(np.median(hours["compute_s"]))
    busy_minutes = minute_peaks[minute_peaks > 0]
    median_day = float(daily["runs"].median())
    summary = {
        "runs": steps.runs,
        "mean_runtime_s": steps.mean_runtime_s,
        "peak_concurrency": steps.peak_runs,
        "peak_at_utc": peak_at,
        "peak_at_local": _local(pd.DatetimeIndex([peak_at]))[0],
        "minutes": int(n_minutes),
        "minute_p50": _quantile_of_counts(minute_peaks, 0.50),
        "minute_p95": _quantile_of_counts(minute_peaks, 0.95),
        "minute_p99": _quantile_of_counts(minute_peaks, 0.99),
        "busy_minute_p95": _quantile_of_counts(busy_minutes, 0.95),
        "busy_minute_p99": _quantile_of_counts(busy_minutes, 0.99),
        "peak_hour_compute_s": float(peak_hour["compute_s"]),
        "peak_hour_local": peak_hour["hour_local"],
        "median_hour_compute_s": median_hour,
        "peak_to_median_hour": float(peak_hour["compute_s"]) / median_hour if median_hour > 0 else None,
        "peak_day_runs": int(daily["runs"].max()),
        "median_day_runs": median_day,
        "peak_to_median_day": float(daily["runs"].max()) / median_day if median_day > 0 else None,
        "little_max_error": float(busiest_hours["relative_error"].abs().max()) if not busiest_hours.empty else None,
    }
    return {"summary": summary, "daily": daily, "monthly": monthly, "busiest_hours": busiest_hours,
            "hour_of_day": hour_of_day}


DECILE_COLUMNS = ["decile", "hours", "runs_per_hour_min", "runs_per_hour_max", "runs", "runtime_median_s",
                  "runtime_p95_s"]


def runtime_by_load_from_runs(starts_us: np.ndarray, runtimes_s: np.ndarray) -> pd.DataFrame:
    """`runtime_by_load_decile` from the runs themselves (start in epoch microseconds, runtime in seconds): hours
    ranked by (runs starting, hour) and cut as SQL's ntile(10) cuts them (the first groups one larger when the hours
    do not divide evenly), with each decile's median and 95th percentile runtime (linear interpolation)."""
    if starts_us.size == 0:
        return pd.DataFrame(columns=DECILE_COLUMNS)
    hour_of_run = np.asarray(starts_us, dtype=np.int64) // HOUR_US
    if hour_of_run.size > 1 and bool((hour_of_run[1:] >= hour_of_run[:-1]).all()):   # sorted: runs of equal hours
        first = np.concatenate([[0], np.flatnonzero(hour_of_run[1:] != hour_of_run[:-1]) + 1])
        hours, per_hour = hour_of_run[first], np.diff(np.append(first, hour_of_run.size))
        run_hour_index = None
    else:
        hours, run_hour_index, per_hour = np.unique(hour_of_run, return_inverse=True, return_counts=True)
    rank = np.empty(hours.size, dtype=np.int64)
    rank[np.lexsort((hours, per_hour))] = np.arange(hours.size)
    groups = min(10, hours.size)
    size, larger = divmod(hours.size, groups)
    # rank r falls in group g: the first `larger` groups hold size + 1 ranks, the rest `size`
    cut = larger * (size + 1)
    group = np.where(rank < cut, rank // (size + 1), larger + (rank - cut) // max(size, 1))
    decile_of_hour = (group + 1).astype(np.int8)
    decile_of_run = (np.repeat(decile_of_hour, per_hour) if run_hour_index is None
                     else decile_of_hour[run_hour_index])
    runtimes_s = np.asarray(runtimes_s, dtype=np.float64)
    rows = []
    for decile in range(1, groups + 1):
        in_hours = decile_of_hour == decile
        values = runtimes_s[decile_of_run == decile]        # np.quantile partitions: no sort of all the runs
        low, high = np.quantile(values, [0.5, 0.95])
        rows.append({"decile": decile, "hours": int(in_hours.sum()), "runs_per_hour_min": int(per_hour[in_hours].min()),
                     "runs_per_hour_max": int(per_hour[in_hours].max()), "runs": int(values.size),
                     "runtime_median_s": float(low), "runtime_p95_s": float(high)})
    return pd.DataFrame(rows, columns=DECILE_COLUMNS).astype(
        {c: "int64" for c in DECILE_COLUMNS[:5]})


@per_view
def runtime_by_load_decile(con: duckdb.DuckDBPyConnection, f: StoryFilters) -> pd.DataFrame:
    """How Full BAS runtime changes with load: hours with at least one run are ranked by runs starting in them and
    cut into ten equal groups (deciles; fewer when there are fewer than ten such hours).

    Grain: one row per decile, quietest first. Columns: decile, hours, runs_per_hour_min, runs_per_hour_max, runs,
    runtime_median_s, runtime_p95_s (over the runs starting in those hours). The fast engine cuts the runs read from
    the version's interval arrays (`runtime_by_load_from_runs`).
    """
    if is_fast(con):
        return runtime_by_load_from_runs(*kept_full_bas_runtimes(con, f))
    sql = f"""
        WITH r AS (SELECT date_trunc('hour', run_utc) AS hour, runtime_s FROM ({filtered_runs_sql(f)})
                   WHERE system = 'full' AND runtime_s > 0),
        h AS (SELECT hour, count(*) AS runs FROM r GROUP BY hour),
        d AS (SELECT hour, runs, ntile(10) OVER (ORDER BY runs, hour) AS decile FROM h)
        SELECT d.decile, count(DISTINCT d.hour) AS hours, min(d.runs) AS runs_per_hour_min,
               max(d.runs) AS runs_per_hour_max, count(*) AS runs, median(r.runtime_s) AS runtime_median_s,
               quantile_cont(r.runtime_s, 0.95) AS runtime_p95_s
        FROM r JOIN d USING (hour) GROUP BY d.decile ORDER BY d.decile
    """
    df = frame(con, sql)
    for column in ("decile", "hours", "runs_per_hour_min", "runs_per_hour_max", "runs"):
        df[column] = df[column].astype("int64")
    return df


# --- Forecast and capacity ------------------------------------------------------------------------------------------

def normal_quantile(level: float) -> float:
    """The standard normal quantile for a two-sided interval of coverage `level` (bisection on erf)."""
    target = 0.5 + level / 2
    lo, hi = 0.0, 10.0
    for _ in range(80):
        mid = (lo + hi) / 2
        if 0.5 * (1 + math.erf(mid / math.sqrt(2))) < target:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def seasonal_naive_forecast(values: list[float] | np.ndarray, season: int = SEASON_MONTHS, horizon: int = SEASON_MONTHS,
                            level: float = INTERVAL_LEVEL) -> pd.DataFrame | None:
    """Seasonal-naive forecast with an interval from the spread of its own past errors.

    The forecast for step T+h is the value one season earlier (y[T+h-season], repeating the last season). Past
    errors are the log-ratios e_t = ln(y_t / y_{t-season}) for every t with both values positive; their root mean
    square σ sets a multiplicative interval forecast × exp(±z·σ), z the normal quantile of `level`. Needs at least
    two past errors; None otherwise.

    Grain: one row per step ahead. Columns: step (1..horizon), forecast, lower, upper, sigma, errors (how many past
    errors σ rests on).
    """
    y = np.asarray(values, dtype=float)
    if y.size < season + 2:
        return None
    now, before = y[season:], y[:-season]
    ok = (now > 0) & (before > 0)
    if ok.sum() < 2:
        return None
    errors = np.log(now[ok] / before[ok])
    sigma = float(np.sqrt(np.mean(errors ** 2)))
    z = normal_quantile(level)
    steps = np.arange(1, horizon + 1)
    base = y[y.size - season + (steps - 1) % season]
    return pd.DataFrame({"step": steps, "forecast": base, "lower": base * math.exp(-z * sigma),
                         "upper": base * math.exp(z * sigma), "sigma": sigma, "errors": int(ok.sum())})


def peak_due_date(year: int, month: int) -> tuple[date, str] | None:
    """The due date a month's peak builds up to: its latest quarterly due date (self-lodged or agent), else its
    monthly one. (date, label) or None."""
    start = date(year, month, 1)
    end = (pd.Timestamp(start) + pd.offsets.MonthEnd(0)).date()
    due = bas_due_dates(start, end)
    if due.empty:
        return None
    quarterly = due[due["cadence"] != "monthly"]
    row = (quarterly if not quarterly.empty else due).sort_values("due_date").iloc[-1]
    return row["due_date"], str(row["label"])


def capacity_plan(monthly: pd.DataFrame, headroom: float = HEADROOM, level: float = INTERVAL_LEVEL) -> dict | None:
    """The next peak period's Full BAS concurrency, forecast from the whole months of `full_bas_load()["monthly"]`,
    and the capacity to provision; None when fewer than five whole months are available.

    Method: seasonal-naive on monthly peak concurrency with a season of one BAS quarter (three months); the next
    peak period is the month of the coming quarter with the highest forecast (ties: the most runs forecast, on
    the same method, then the earliest); provision = the interval's upper end
    × (1 + headroom), rounded up.

    Keys: method, season_months, level, headroom; history (frame: month, month_start, peak_concurrency, runs);
    forecasts (frame: step, month, month_start, peak_concurrency_forecast, lower, upper, runs_forecast); peak_month
    ('YYYY-MM'), due_date, due_label, forecast, lower, upper, sigma, errors, provision (int), last_peak (the same
    month one season earlier: month and peak_concurrency).
    """
    history = monthly[monthly["complete"]].sort_values("month_start").reset_index(drop=True)
    concurrency = seasonal_naive_forecast(history["peak_concurrency"].to_numpy(), level=level)
    if concurrency is None:
        return None
    runs = seasonal_naive_forecast(history["runs"].to_numpy(), level=level)
    last = history["month_start"].iloc[-1]
    months = [last + pd.DateOffset(months=int(s)) for s in concurrency["step"]]
    forecasts = pd.DataFrame({
        "step": concurrency["step"], "month": [m.strftime("%Y-%m") for m in months], "month_start": months,
        "peak_concurrency_forecast": concurrency["forecast"], "lower": concurrency["lower"],
        "upper": concurrency["upper"], "runs_forecast": runs["forecast"] if runs is not None else np.nan})
    top = forecasts.sort_values(["peak_concurrency_forecast", "runs_forecast", "month_start"],
                                ascending=[False, False, True]).iloc[0]
    due = peak_due_date(top["month_start"].year, top["month_start"].month)
    source = history.iloc[len(history) - SEASON_MONTHS + (int(top["step"]) - 1) % SEASON_MONTHS]
    return {
        "method": "seasonal-naive", "season_months": SEASON_MONTHS, "level": level, "headroom": headroom,
        "z": normal_quantile(level),
        "history": history[["month", "month_start", "peak_concurrency", "runs"]],
        "forecasts": forecasts,
        "peak_month": str(top["month"]),
        "due_date": due[0] if due else None,
        "due_label": due[1] if due else None,
        "forecast": float(top["peak_concurrency_forecast"]),
        "lower": float(top["lower"]),
        "upper": float(top["upper"]),
        "sigma": float(concurrency["sigma"].iloc[0]),
        "errors": int(concurrency["errors"].iloc[0]),
        "provision": int(math.ceil(float(top["upper"]) * (1 + headroom) - 1e-9)),
        "last_peak": {"month": str(source["month"]), "peak_concurrency": int(source["peak_concurrency"])},
    }


@per_view
def capacity_outlook(con: duckdb.DuckDBPyConnection, f: StoryFilters) -> dict:
    """The chapter's capacity answer for the pages: {"load": full_bas_load(...), "plan": capacity_plan(...)}; either
    may be None (no Full BAS runs with a runtime; too few whole months to forecast)."""
    load = full_bas_load(con, f)
    plan = capacity_plan(load["monthly"]) if load else None
    return {"load": load, "plan": plan}
