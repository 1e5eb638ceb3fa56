"""A view's Full BAS intervals, read from the arrays derived at ingest (ingest.derive) instead of from every run.

The arrays are sorted by start and by end, and memory-mapped: a view's date range is a contiguous slice of the start
order (Sydney dates follow UTC instants), and its ends lie between its first start and its last start plus the
longest interval, so a view reads only that part of the files. The org-level filters are a condition on each run's
org profile. What comes back is in memory and sorted, so the load sweep (analyses.capacity) never sorts.
"""
from __future__ import annotations

import json
import weakref
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import numpy as np

from basstory.core.schema import CONTRACT_TZ
from basstory.ingest.derive import (
    FULL_ENDS,
    FULL_ENDS_BEFORE_START,
    FULL_INTERVALS_SUMMARY,
    FULL_STARTS,
    FULL_ZERO_LENGTH,
)
from basstory.query.filters import StoryFilters
from basstory.query.view import kept_profiles

_folders: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def attach(con: duckdb.DuckDBPyConnection, folder: Path) -> None:
    """Remember where `con`'s version keeps its derived arrays (query.tables calls this)."""
    _folders[con] = folder


@dataclass(frozen=True)
class FullBasIntervals:
    """A view's kept Full BAS runs with a positive runtime, in memory.

    - starts_us: each run's start (epoch microseconds UTC), ascending; runtimes_s is aligned with it (as staged);
    - live_starts_us: the starts of the intervals with a positive length (all of starts_us but the rare runtime under
      half a microsecond), ascending;
    - ends_us: the ends of those intervals, ascending;
    - ends_by_live_start: for each of live_starts_us, how many of ends_us are at or before it (so the concurrency
      just after that start, counting the starts at the same instant, is its position + 1 minus this).
    """
    starts_us: np.ndarray
    runtimes_s: np.ndarray
    live_starts_us: np.ndarray
    ends_us: np.ndarray
    ends_by_live_start: np.ndarray


def _day_start_us(day: date) -> int:
    """The first instant (epoch microseconds UTC) whose Sydney date is `day`."""
    local = datetime.combine(day, time(0), tzinfo=ZoneInfo(CONTRACT_TZ))
    return (local.astimezone(UTC) - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)


def _load(folder: Path, name: str) -> np.ndarray:
    return np.load(folder / f"{name}.npy", mmap_mode="r", allow_pickle=False)


def _empty() -> FullBasIntervals:
    return FullBasIntervals(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64), np.zeros(0, dtype=np.int64),
                            np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))


def kept_full_bas_intervals(con: duckdb.DuckDBPyConnection, f: StoryFilters) -> FullBasIntervals:
    """The view's Full BAS intervals (see FullBasIntervals), from the version's derived arrays."""
    folder = _folders[con]
    starts_us, runtimes, profiles = (_load(folder, name) for name in FULL_STARTS)
    if "full" not in f.systems or starts_us.size == 0:
        return _empty()
    lo = 0 if f.start is None else int(np.searchsorted(starts_us, _day_start_us(f.start), side="left"))
    hi = (starts_us.size if f.end is None
          else int(np.searchsorted(starts_us, _day_start_us(f.end + timedelta(days=1)), side="left")))
    if hi <= lo:
        return _empty()
    cursor = con.cursor()
    try:
        top = int(cursor.execute("SELECT max(profile_id) FROM profiles").fetchone()[0] or 0)
    finally:
        cursor.close()
    profile_ok = np.zeros(top + 1, dtype=bool)
    profile_ok[np.asarray(kept_profiles(con, f), dtype=np.int64)] = True
    keep = profile_ok[profiles[lo:hi]]
    if not keep.any():
        return _empty()
    all_kept = bool(keep.all())

    def pick(array: np.ndarray) -> np.ndarray:
        return np.array(array[lo:hi]) if all_kept else array[lo:hi][keep]

    starts, kept_runtimes = pick(starts_us), pick(runtimes)
    zero = _load(folder, FULL_ZERO_LENGTH)
    zero = zero[(zero >= lo) & (zero < hi)]
    zero = zero[keep[zero - lo]]
    ends_before = pick(_load(folder, FULL_ENDS_BEFORE_START))        # ends of every interval at or before each start
    if zero.size:
        live = np.ones(hi - lo, dtype=bool)
        live[zero - lo] = False
        live_kept = live[keep] if not all_kept else live
        live_starts, ends_before = starts[live_kept], ends_before[live_kept]
    else:
        live_starts = starts
    # the ends of runs starting in [lo, hi) lie after the first such start and at most `longest` after the last
    ends_us, ends_run = (_load(folder, name) for name in FULL_ENDS)
    longest = json.loads((folder / FULL_INTERVALS_SUMMARY).read_text(encoding="utf-8"))["longest_us"]
    first = int(np.searchsorted(ends_us, starts_us[lo], side="right"))
    last = int(np.searchsorted(ends_us, int(starts_us[hi - 1]) + longest, side="right"))
    run = ends_run[first:last]
    in_range = (run >= lo) & (run < hi)
    if not all_kept:
        in_range[in_range] = keep[run[in_range] - lo]
    ends = ends_us[first:last][in_range]
    # an end at or before a view's start lies at a position under `first` only if it ends before the view's first
    # start, so it is no view interval's: the view's ends at or before a start are the kept ones from `first` on
    kept_so_far = np.concatenate(([0], np.cumsum(in_range, dtype=np.int64)))
    ends_by_live_start = kept_so_far[np.clip(ends_before.astype(np.int64) - first, 0, last - first)]
    return FullBasIntervals(starts, kept_runtimes, live_starts, ends, ends_by_live_start)
