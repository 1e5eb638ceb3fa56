"""Chapter 4, the outage window: who a two-hour window would disturb, measured several ways.

The windows, their occurrences and their cost in runs are outage.py's (the default method,
docs/outage-window.md); this module adds
what the PM asks next: how many distinct users and organisations an occurrence touches, how much runtime
(compute-seconds) it holds, what the windows look like in UTC and in another zone, which windows cross a daylight
saving change, and what the windows in the week before a BAS due date cost.
"""
from __future__ import annotations

from datetime import date, timedelta

import duckdb
import numpy as np
import pandas as pd

from basstory.analyses.outage import (
    BUCKET_SECONDS,
    WINDOW_MINUTES,
    minutes_to_hhmm,
    occurrence_runs,
    outage_window_costs,
    run_period,
    runs_per_bucket,
    window_occurrences,
)
from basstory.core.calendar_au import bas_due_dates
from basstory.core.schema import CONTRACT_TZ
from basstory.query.cursors import open_cursor
from basstory.query.filters import StoryFilters
from basstory.query.queries import filtered_runs_sql, frame, frame_with
from basstory.query.tables import is_fast
from basstory.query.view import derived_run_predicate, per_view, view_slots_sql

#: What a window's cost can be measured in: column prefix -> label.
METRICS: dict[str, str] = {"runs": "runs", "users": "users", "orgs": "organisations", "compute_s": "compute-seconds"}
#: The days up to and including a due date that count as its due week.
DUE_WEEK_DAYS = 7
DUE_WEEK_GROUPS: dict[str, str] = {
    "monthly": "Monthly BAS (due the 21st)",
    "quarterly": "Quarterly BAS (due the 28th)",
    "quarterly_agent": "Quarterly BAS through an agent (due 25 Nov, 28 Feb, 26 May, 25 Aug)",
}
OUTSIDE_DUE_WEEKS = "Outside due weeks"
#: Systems whose extract records a runtime (Simple BAS's does not), so compute-seconds can be measured.
RUNTIME_SYSTEMS = ("full",)


def available_metrics(system: str) -> dict[str, str]:
    """The METRICS a system's windows can be measured in (compute-seconds only where runtime is recorded)."""
    return {m: label for m, label in METRICS.items() if m != "compute_s" or system in RUNTIME_SYSTEMS}



@per_view
def system_occurrences(con: duckdb.DuckDBPyConnection, f: StoryFilters, system: str) -> pd.DataFrame:
    """Every candidate window's occurrences for one system (outage.window_occurrences over its kept period), with
    the runs in each (outage.occurrence_runs). Grain: one row per (month, day, start_minute); columns month, day,
    start_minute, start_utc, end_utc, runs. Empty when the system has no kept run."""
    period = run_period(con, f, system)
    if period is None:
        return pd.DataFrame(columns=["month", "day", "start_minute", "start_utc", "end_utc", "runs"])
    occ = window_occurrences(*period)
    occ["runs"] = occurrence_runs(occ, runs_per_bucket(con, f, system)) if not occ.empty else []
    return occ


#: The UTC half-hour buckets an occurrence covers (its start is always on a bucket edge).
WINDOW_BUCKETS = WINDOW_MINUTES * 60 // BUCKET_SECONDS


@per_view
def occurrence_metrics(con: duckdb.DuckDBPyConnection, f: StoryFilters, system: str,
                       windows: tuple[tuple[int, int], ...] | None = None, distinct: bool = True) -> pd.DataFrame:
    """What each occurrence of the windows holds.

    `windows` limits the answer to those (day, start_minute) windows; None means all 1,344. With `distinct` False
    the users and orgs columns are left out (they need the runs themselves; the rest comes from the slots). An
    occurrence covers WINDOW_BUCKETS UTC half-hour buckets (its start is always on a bucket edge). On the fast
    engine runs and compute-seconds are the view's slots summed over those buckets and distinct users and orgs come
    from `distinct_per_window` over the kept runs (`_fast_counts`); the reference engine joins the occurrences to
    the kept runs in one DuckDB query.
    Grain: one row per occurrence. Columns: month, day, start_minute, start_utc, end_utc, runs, users (distinct),
    orgs (distinct organisations; a run whose org is not in the org table counts by its reference), compute_s (sum
    of runtime; 0 for Simple BAS, which has none).
    """
    columns = ["month", "day", "start_minute", "start_utc", "end_utc", "runs", "users", "orgs", "compute_s"]
    if not distinct:
        columns = [c for c in columns if c not in DISTINCT_METRICS]
    period = run_period(con, f, system)
    if period is None:
        return pd.DataFrame(columns=columns)
    occ = window_occurrences(*period)
    if windows is not None:
        wanted = pd.DataFrame(list(windows), columns=["day", "start_minute"])
        occ = occ.merge(wanted, on=["day", "start_minute"])
    if occ.empty:
        return pd.DataFrame(columns=columns)
    occ = occ.reset_index(drop=True)
    occ["occurrence"] = np.arange(len(occ))
    occ["first_bucket"] = occ["start_utc"].astype("int64") // 1_000_000 // BUCKET_SECONDS
    if is_fast(con):
        counts = _fast_counts(con, f, system, occ["first_bucket"].to_numpy(dtype=np.int64), distinct)
        return occ.assign(**counts)[columns]
    width = WINDOW_BUCKETS
    sql = f"""
        WITH ob AS (SELECT occurrence, first_bucket + unnest(range({width})) AS bucket
                    FROM occ_table),
        r AS (SELECT bucket, user_key, org, count(*) AS runs, coalesce(sum(runtime_s), 0) AS runtime_s
              FROM (SELECT CAST(floor(epoch(run_utc) / {BUCKET_SECONDS}) AS BIGINT) AS bucket, user_key,
                           org_id AS org, runtime_s
                    FROM ({filtered_runs_sql(f)}) WHERE system = $system)
              {"" if windows is None else "WHERE bucket IN (SELECT bucket FROM ob)"}
              GROUP BY ALL)
        SELECT ob.occurrence, coalesce(sum(r.runs), 0) AS runs, count(DISTINCT r.user_key) AS users,
               count(DISTINCT r.org) AS orgs, coalesce(sum(r.runtime_s), 0) AS compute_s
        FROM ob JOIN r USING (bucket) GROUP BY ob.occurrence
    """
    counts = frame_with(con, sql, {"occ_table": occ[["occurrence", "first_bucket"]]}, {"system": system})
    out = occ.merge(counts, on="occurrence", how="left")
    for column in ("runs", "users", "orgs"):
        out[column] = out[column].fillna(0).astype("int64")
    out["compute_s"] = out["compute_s"].fillna(0.0).astype("float64")
    return out[columns]


def _fast_counts(con: duckdb.DuckDBPyConnection, f: StoryFilters, system: str,
                 first_bucket: np.ndarray, distinct: bool = True) -> dict[str, np.ndarray]:
    """runs, users, orgs and compute_s of the occurrences starting at `first_bucket` (epoch // BUCKET_SECONDS), on
    the fast engine. Runs and runtime are the view's slots summed over each occurrence's buckets; distinct users and
    orgs come from `distinct_per_window` over the kept runs' (bucket, user, org), read from `runs_derived` in its
    time order: only those columns, and only the half hours the occurrences cover."""
    low = int(first_bucket.min())
    n_buckets = int(first_bucket.max()) - low + WINDOW_BUCKETS
    start = first_bucket - low

    slots = frame(con, f"SELECT bucket - {low} AS bucket, CAST(sum(runs) AS BIGINT) AS runs, "
                       f"coalesce(sum(runtime_s), 0) AS runtime_s FROM ({view_slots_sql(con, f)}) "
                       f"WHERE system = $system AND bucket BETWEEN {low} AND {low + n_buckets - 1} GROUP BY bucket",
                  {"system": system})
    runs = np.zeros(n_buckets, dtype=np.int64)
    runtime = np.zeros(n_buckets, dtype=np.float64)
    runs[slots["bucket"].to_numpy(dtype=np.int64)] = slots["runs"].to_numpy(dtype=np.int64)
    runtime[slots["bucket"].to_numpy(dtype=np.int64)] = slots["runtime_s"].to_numpy(dtype=np.float64)
    counts = {"runs": sum(runs[start + k] for k in range(WINDOW_BUCKETS)),
              "compute_s": sum(runtime[start + k] for k in range(WINDOW_BUCKETS))}
    if not distinct:
        return counts

    # the half hours the occurrences cover, as ranges of run_utc (the scan skips the row groups outside them)
    covered = np.zeros(n_buckets + 2, dtype=np.int8)
    for k in range(WINDOW_BUCKETS):
        covered[start + k + 1] = 1
    edges = np.flatnonzero(np.diff(covered))        # alternately the first bucket of a range and one past its last

    def instant(offset: int) -> str:
        return f"TIMESTAMP '{pd.Timestamp((low + int(offset)) * BUCKET_SECONDS, unit='s')}'"

    ranges = [f"(run_utc >= {instant(a)} AND run_utc < {instant(b)})" for a, b in zip(edges[0::2], edges[1::2],
                                                                                      strict=True)]
    conditions = [derived_run_predicate(con, f.with_(systems=(system,))), "(" + " OR ".join(ranges) + ")"]
    # a plain filtered scan keeps the file's time order, so the runs come grouped by bucket
    sql = (f"SELECT CAST(epoch_us(run_utc) // {BUCKET_SECONDS * 1_000_000} - {low} AS INTEGER) AS bucket, user_id, "
           f"org_id FROM runs_derived WHERE {' AND '.join(conditions)}")
    cursor = open_cursor(con)
    try:
        kept = cursor.execute(sql).fetchnumpy()
    finally:
        cursor.close()
    return counts | {"users": distinct_per_window(kept["bucket"], kept["user_id"], n_buckets)[start],
                     "orgs": distinct_per_window(kept["bucket"], kept["org_id"], n_buckets)[start]}


def distinct_per_window(buckets: np.ndarray, ids: np.ndarray, n_buckets: int) -> np.ndarray:
    """How many distinct ids the rows of each window hold, for a window (WINDOW_BUCKETS buckets) starting at every
    bucket 0 .. n_buckets - 1.

    `buckets` (offsets in [0, n_buckets)) and `ids` (non-negative integers) are one row each, in any order (in
    bucket order is fastest: no sort). A distinct (bucket t, id) pair whose id was last seen in bucket p < t (or
    never) holds the first of that id in exactly the windows starting at b with max(p + 1, t - WINDOW_BUCKETS + 1)
    <= b <= t; a difference array over the buckets (+1 at the low end, -1 after t) summed cumulatively counts them.
    Returns an int64 array of length n_buckets.
    """
    width = WINDOW_BUCKETS
    buckets = np.asarray(buckets)
    ids = np.asarray(ids)
    if len(buckets) == 0:
        return np.zeros(n_buckets, dtype=np.int64)
    if np.any(buckets[1:] < buckets[:-1]):
        order = np.argsort(buckets, kind="stable")
        buckets, ids = buckets[order], ids[order]
    per_bucket = np.bincount(buckets, minlength=n_buckets)
    occupied = np.flatnonzero(per_bucket)
    ends = np.cumsum(per_bucket)[occupied]
    starts = ends - per_bucket[occupied]
    last = np.full(int(ids.max()) + 1, -width, dtype=np.int32)     # never seen: every gap is at least `width`
    mark = np.zeros(len(last), dtype=np.int32)
    positions = np.arange(int(per_bucket.max()), dtype=np.int32)
    gaps = np.empty(len(ids), dtype=np.int32)
    distinct = np.empty(len(occupied), dtype=np.int64)
    done = 0
    for i, (s, e, t) in enumerate(zip(starts.tolist(), ends.tolist(), occupied.tolist(), strict=True)):
        x = ids[s:e]
        # one row per distinct id of the bucket: the row whose position its mark kept
        here = positions[:e - s]
        mark[x] = here
        first = x[mark[x] == here]
        n = len(first)
        np.subtract(t, last[first], out=gaps[done:done + n])
        last[first] = t
        distinct[i] = n
        done += n
    gaps = np.minimum(gaps[:done], width)
    # pairs per (bucket, gap): a pair of gap g adds 1 to the windows starting at t - g + 1 .. t
    pairs = np.bincount(np.repeat(occupied * width - 1, distinct) + gaps,
                        minlength=n_buckets * width).reshape(n_buckets, width)
    change = np.zeros(n_buckets + width, dtype=np.int64)           # index b + width - 1 is window start b
    for g in range(1, width + 1):
        change[width - g:width - g + n_buckets] += pairs[:, g - 1]
    change[width:width + n_buckets] -= pairs.sum(axis=1)
    return np.cumsum(change)[width - 1:width - 1 + n_buckets]


def _per_window(occ: pd.DataFrame, metric: str) -> pd.DataFrame:
    """Mean and max of one metric per window, with the first month holding the max."""
    worst = occ.sort_values(["day", "start_minute", metric, "month"], ascending=[True, True, False, True])
    worst = worst.drop_duplicates(["day", "start_minute"])[["day", "start_minute", "month"]]
    agg = (occ.groupby(["day", "start_minute"], as_index=False)
           .agg(**{f"{metric}_mean": (metric, "mean"), f"{metric}_max": (metric, "max")}))
    return agg.merge(worst.rename(columns={"month": f"{metric}_worst_month"}), on=["day", "start_minute"])


#: The measures that count distinct people, the costly part of measuring every window.
DISTINCT_METRICS = ("users", "orgs")


@per_view
def window_metrics(con: duckdb.DuckDBPyConnection, f: StoryFilters, system: str,
                   distinct: bool = True) -> pd.DataFrame:
    """Every candidate window's cost measured four ways: runs (outage_window_costs, the default method), distinct
    users, distinct organisations and compute-seconds per occurrence; with `distinct` False, without the distinct
    users and organisations (their columns are left out: counting them for every window is the costly part).

    Grain: one row per (day, start_minute) window, in outage_window_costs' order (cheapest in runs first).
    Columns: day, start_minute, start, end, occurrences, runs_mean, runs_max, worst_month, users_mean, users_max,
    orgs_mean, orgs_max, compute_s_mean, compute_s_max, and rank_<metric> for each measure (1 = the window that
    metric would recommend; ties: the earliest day, then the earliest start). The compute-seconds columns are NaN
    and their rank 0 for a system without runtimes (`available_metrics`). Empty without kept runs.
    """
    measured = [m for m in METRICS if distinct or m not in DISTINCT_METRICS]
    costs = outage_window_costs(con, f, system)
    if costs.empty:
        return costs.assign(**{c: pd.Series(dtype="float64") for m in measured if m != "runs"
                               for c in (f"{m}_mean", f"{m}_max")}
                            | {f"rank_{m}": pd.Series(dtype="float64") for m in measured})
    occ = occurrence_metrics(con, f, system, distinct=distinct)
    out = costs
    for metric in [m for m in measured if m != "runs"]:
        out = out.merge(_per_window(occ, metric).drop(columns=f"{metric}_worst_month"), on=["day", "start_minute"],
                        how="left")
    if "compute_s" not in available_metrics(system):
        out["compute_s_mean"] = np.nan
        out["compute_s_max"] = np.nan
    for metric in measured:
        out[f"rank_{metric}"] = 0
        if metric in available_metrics(system):
            order = out.sort_values([f"{metric}_mean", "day", "start_minute"], kind="stable").index
            out.loc[order, f"rank_{metric}"] = np.arange(1, len(out) + 1)
        out[f"rank_{metric}"] = out[f"rank_{metric}"].astype("int64")
    return out.reset_index(drop=True)


def choice_by_metric(metrics: pd.DataFrame) -> pd.DataFrame:
    """The window each measure would recommend, from `window_metrics`.

    Grain: one row per metric of METRICS (in that order) that the windows were measured in. Columns: metric, label,
    day, start_minute, start, end,
    runs_mean, users_mean, orgs_mean, compute_s_mean (that window's cost in every measure), rank_runs (its place
    by the default measure), same_as_runs (it is the default method's window).
    """
    columns = ["metric", "label", "day", "start_minute", "start", "end", "runs_mean", "users_mean", "orgs_mean",
               "compute_s_mean", "rank_runs", "same_as_runs"]
    if metrics.empty:
        return pd.DataFrame(columns=columns)
    rows = []
    for metric, label in METRICS.items():
        if not (metrics[f"rank_{metric}"] == 1).any():
            continue
        top = metrics[metrics[f"rank_{metric}"] == 1].iloc[0]
        rows.append({"metric": metric, "label": label, **{c: top[c] for c in columns[2:-1]},
                     "same_as_runs": int(top["rank_runs"]) == 1})
    return pd.DataFrame(rows, columns=columns)


def clock_changes(first_utc: pd.Timestamp, last_utc: pd.Timestamp, tz: str = CONTRACT_TZ) -> pd.DataFrame:
    """The daylight-saving changes of `tz` inside [first_utc, last_utc].

    Grain: one row per change. Columns: at_utc (naive UTC instant of the change), local_date (the night's date in
    tz), kind ('forward': an hour of wall-clock time is skipped; 'back': an hour is repeated).
    """
    columns = ["at_utc", "local_date", "kind"]
    hours = pd.date_range(pd.Timestamp(first_utc).floor("h"), pd.Timestamp(last_utc).ceil("h"), freq="h", tz="UTC")
    if len(hours) < 2:
        return pd.DataFrame(columns=columns)
    offsets = (hours.tz_convert(tz).tz_localize(None) - hours.tz_localize(None)).total_seconds().to_numpy()
    change = np.flatnonzero(np.diff(offsets) != 0) + 1
    rows = []
    for i in change:
        at = hours[i]
        rows.append({"at_utc": at.tz_localize(None), "local_date": at.tz_convert(tz).date(),
                     "kind": "forward" if offsets[i] > offsets[i - 1] else "back"})
    return pd.DataFrame(rows, columns=columns)


def _zone_times(occ: pd.DataFrame, tz: str) -> str:
    """How a Sydney window's occurrences read on the clock of `tz`: the distinct 'HH:MM–HH:MM' spans, most frequent
    first, marked '(day before)' or '(day after)' when the date differs from the Sydney date. Occurrences on a
    night the clocks change are left out (they are reported apart); if that leaves none, all are used."""
    if "clock_change" in occ and not occ["clock_change"].all():
        occ = occ[~occ["clock_change"]]
    if occ.empty:
        return ""
    start = pd.DatetimeIndex(occ["start_utc"]).tz_localize("UTC")
    local = start.tz_convert(tz).tz_localize(None)
    sydney = start.tz_convert(CONTRACT_TZ).tz_localize(None)
    shift = (local.normalize() - sydney.normalize()).days
    labels = []
    for t, s in zip(local, shift, strict=True):
        span = f"{t:%H:%M}–{(t + pd.Timedelta(minutes=WINDOW_MINUTES)):%H:%M}"
        labels.append(span + (" (day before)" if s < 0 else " (day after)" if s > 0 else ""))
    counts = pd.Series(labels).value_counts(sort=False)
    order = sorted(counts.index, key=lambda k: (-counts[k], k))
    return " or ".join(order)


@per_view
def window_impact(con: duckdb.DuckDBPyConnection, f: StoryFilters, system: str,
                  windows: tuple[tuple[int, int], ...]) -> pd.DataFrame:
    """Who the given windows would disturb, and when they are on other clocks.

    One DuckDB query over the windows' occurrences (`occurrence_metrics`). Grain: one row per window, in the order
    given (windows without a complete occurrence are left out). Columns: day, start_minute, start, end ('HH:MM'
    Sydney), occurrences, runs_mean, runs_max, runs_worst_month, users_mean, users_max, users_worst_month,
    orgs_mean, orgs_max, orgs_worst_month, compute_s_mean, compute_s_max, utc_times and zone_times (see
    `_zone_times`; zone = f.tz), clock_change_nights (occurrences that contain a daylight-saving change).
    """
    columns = ["day", "start_minute", "start", "end", "occurrences", "runs_mean", "runs_max", "runs_worst_month",
               "users_mean", "users_max", "users_worst_month", "orgs_mean", "orgs_max", "orgs_worst_month",
               "compute_s_mean", "compute_s_max", "utc_times", "zone_times", "clock_change_nights"]
    if not windows:
        return pd.DataFrame(columns=columns)
    occ = occurrence_metrics(con, f, system, windows)
    if occ.empty:
        return pd.DataFrame(columns=columns)
    period = run_period(con, f, system)
    changes = clock_changes(*period)["at_utc"].to_numpy() if period else np.array([], dtype="datetime64[us]")
    rows = []
    for day, start_minute in windows:
        w = occ[(occ["day"] == day) & (occ["start_minute"] == start_minute)]
        if w.empty:
            continue
        row = {"day": int(day), "start_minute": int(start_minute), "start": minutes_to_hhmm(start_minute),
               "end": minutes_to_hhmm(start_minute + WINDOW_MINUTES), "occurrences": int(len(w))}
        for metric in ("runs", "users", "orgs", "compute_s"):
            worst = w.sort_values([metric, "month"], ascending=[False, True]).iloc[0]
            row[f"{metric}_mean"] = float(w[metric].mean())
            row[f"{metric}_max"] = worst[metric]
            if metric != "compute_s":
                row[f"{metric}_worst_month"] = str(worst["month"])
        starts, ends = w["start_utc"].to_numpy(), w["end_utc"].to_numpy()
        crossing = np.zeros(len(w), dtype=bool)
        for change in changes:
            crossing |= (starts <= change) & (change < ends)
        w = w.assign(clock_change=crossing)
        row["utc_times"] = _zone_times(w, "UTC")
        row["zone_times"] = _zone_times(w, f.tz)
        row["clock_change_nights"] = int(crossing.sum())
        rows.append(row)
    return pd.DataFrame(rows, columns=columns)


@per_view
def best_windows(con: duckdb.DuckDBPyConnection, f: StoryFilters, system: str, n: int = 5) -> pd.DataFrame:
    """The `n` cheapest windows of the default method (outage_window_costs), with `window_impact`'s columns and a
    rank (1 = the recommendation). Empty without kept runs."""
    costs = outage_window_costs(con, f, system).head(n)
    windows = tuple(zip(costs["day"].astype(int), costs["start_minute"].astype(int), strict=True))
    impact = window_impact(con, f, system, windows)
    impact.insert(0, "rank", np.arange(1, len(impact) + 1))
    return impact


def due_week_days(first: date, last: date, cadence: str) -> list[date]:
    """The Sydney dates in [first, last] that lie in the DUE_WEEK_DAYS days up to and including a due date of one
    cadence (calendar_au.bas_due_dates)."""
    due = bas_due_dates(first, last + timedelta(days=DUE_WEEK_DAYS))
    days = {d - timedelta(days=k) for d in due.loc[due["cadence"] == cadence, "due_date"]
            for k in range(DUE_WEEK_DAYS)}
    return sorted(d for d in days if first <= d <= last)


@per_view
def due_week_costs(con: duckdb.DuckDBPyConnection, f: StoryFilters, system: str) -> pd.DataFrame:
    """What windows cost when they fall in the week before a BAS due date, against the rest.

    An occurrence is in a cadence's due week when its Sydney start date is one of the seven days up to and including
    a due date of that cadence (monthly 21st; quarterly 28th; quarterly through an agent); one occurrence can be in
    several. Grain: one row per group (DUE_WEEK_GROUPS that hold an occurrence, then OUTSIDE_DUE_WEEKS).
    Columns: group, cadence ('' for outside), occurrences, runs_mean (mean runs per occurrence), days (the days of
    the month where at least half of the group's due weeks fall, as 'd–d' ranges), worst_day, worst_start,
    worst_end, worst_window ('day 27, 10:00–12:00'), worst_runs_mean (the window whose occurrences in the group
    cost most on average).
    """
    columns = ["group", "cadence", "occurrences", "runs_mean", "days", "worst_day", "worst_start", "worst_end",
               "worst_window", "worst_runs_mean"]
    occ = system_occurrences(con, f, system)
    if occ.empty:
        return pd.DataFrame(columns=columns)
    # the Sydney date the occurrence is named for (a start moved by a daylight-saving change keeps its date)
    occ["date"] = pd.to_datetime(occ["month"] + "-01") + pd.to_timedelta(occ["day"] - 1, unit="D")
    first, last = occ["date"].min().date(), occ["date"].max().date()
    in_any = np.zeros(len(occ), dtype=bool)
    rows = []
    for cadence, group in DUE_WEEK_GROUPS.items():
        days = due_week_days(first, last, cadence)
        mask = occ["date"].dt.date.isin(set(days)).to_numpy()
        in_any |= mask
        if mask.any():
            rows.append(_group_row(occ[mask], group, cadence, _typical_days(days)))
    if (~in_any).any():
        rows.append(_group_row(occ[~in_any], OUTSIDE_DUE_WEEKS, "", ""))
    return pd.DataFrame(rows, columns=columns)


def _group_row(occ: pd.DataFrame, group: str, cadence: str, days: str) -> dict:
    per_window = (occ.groupby(["day", "start_minute"], as_index=False)["runs"].mean()
                  .sort_values(["runs", "day", "start_minute"], ascending=[False, True, True]))
    worst = per_window.iloc[0]
    first = int(worst["start_minute"])
    start, end = minutes_to_hhmm(first), minutes_to_hhmm(first + WINDOW_MINUTES)
    return {"group": group, "cadence": cadence, "occurrences": int(len(occ)), "runs_mean": float(occ["runs"].mean()),
            "days": days, "worst_day": int(worst["day"]), "worst_start": start,
            "worst_end": end, "worst_window": f"day {int(worst['day'])}, {start}–{end}",
            "worst_runs_mean": float(worst["runs"])}


def _typical_days(days: list[date]) -> str:
    """The days of the month (1-28) that at least half of the due weeks cover, as ranges: '15–21' or '19–28'."""
    if not days:
        return ""
    weeks = max(1, round(len(days) / DUE_WEEK_DAYS))
    counts = pd.Series([d.day for d in days if d.day <= 28]).value_counts()
    typical = sorted(int(d) for d, n in counts.items() if n >= weeks / 2)
    ranges, start = [], None
    for i, d in enumerate(typical):
        if start is None:
            start = d
        if i + 1 == len(typical) or typical[i + 1] != d + 1:
            ranges.append(f"{start}" if start == d else f"{start}–{d}")
            start = None
    return ", ".join(ranges)
