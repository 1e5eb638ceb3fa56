"""A view's Full BAS intervals, read from the arrays derived at ingest (ingest.derive) instead of from every run.

The arrays are sorted by start and by end, and memory-mapped: a view's date range is a contiguous slice of the start
order (Sydney dates follow UTC instants), and its ends lie between its first start and its last start plus the
longest interval, so a view reads only that part of the files. The org-level filters are a condition on each run's
org profile. What comes back is in memory and sorted, so the load sweep (analyses.capacity) never sorts.
"""
from __future__ import annotations

import json
import mmap
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

    - live_starts_us: the starts of the intervals with a positive length (every kept run's start but the rare
      runtime under half a microsecond), ascending;
    - ends_us: the ends of those intervals, ascending;
    - ends_by_live_start: for each of live_starts_us, how many of ends_us are at or before it (so the concurrency
      just after that start, counting the starts at the same instant, is its position + 1 minus this).
    """
    live_starts_us: np.ndarray
    ends_us: np.ndarray
    ends_by_live_start: np.ndarray


def _day_start_us(day: date) -> int:
    """The first instant (epoch microseconds UTC) whose Sydney date is `day`."""
    local = datetime.combine(day, time(0), tzinfo=ZoneInfo(CONTRACT_TZ))
    return (local.astimezone(UTC) - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)


def _load(folder: Path, name: str) -> np.ndarray:
    """The whole array, memory-mapped (for a binary search: it touches a few pages)."""
    return np.load(folder / f"{name}.npy", mmap_mode="r", allow_pickle=False)


def _load_range(folder: Path, name: str, lo: int, hi: int) -> np.ndarray:
    """Elements lo..hi-1 of the array, memory-mapped with their pages loaded in one call (MAP_POPULATE where the
    system has it): a view reads most of its range, and taking it page by page on first touch costs far more, on
    a virtual machine most of all."""
    whole = _load(folder, name)
    if hi <= lo:
        return whole[0:0]
    itemsize = whole.dtype.itemsize
    start = whole.offset + lo * itemsize
    aligned = start - start % mmap.ALLOCATIONGRANULARITY
    with open(folder / f"{name}.npy", "rb") as handle:
        mapped = mmap.mmap(handle.fileno(), start - aligned + (hi - lo) * itemsize, offset=aligned,
                           flags=mmap.MAP_SHARED | getattr(mmap, "MAP_POPULATE", 0), prot=mmap.PROT_READ)
    return np.frombuffer(mapped, dtype=whole.dtype, count=hi - lo, offset=start - aligned)


def _empty() -> FullBasIntervals:
    return FullBasIntervals(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))


@dataclass(frozen=True)
class _Slice:
    """The view's part of the start order: positions lo..hi-1, and which of them the org filters keep."""
    folder: Path
    lo: int
    hi: int
    keep: np.ndarray
    all_kept: bool

    def pick(self, name: str) -> np.ndarray:
        """The kept values of array `name` (one of the start-ordered arrays) in the slice, in memory."""
        part = _load_range(self.folder, name, self.lo, self.hi)
        return np.array(part) if self.all_kept else part[self.keep]


def _view_slice(con: duckdb.DuckDBPyConnection, f: StoryFilters) -> _Slice | None:
    """Where the view's Full BAS runs lie in the start order; None when it keeps none."""
    folder = _folders[con]
    starts_us = _load(folder, FULL_STARTS[0])
    if "full" not in f.systems or starts_us.size == 0:
        return None
    lo = 0 if f.start is None else int(np.searchsorted(starts_us, _day_start_us(f.start), side="left"))
    hi = (starts_us.size if f.end is None
          else int(np.searchsorted(starts_us, _day_start_us(f.end + timedelta(days=1)), side="left")))
    if hi <= lo:
        return None
    cursor = con.cursor()
    try:
        top = int(cursor.execute("SELECT max(profile_id) FROM profiles").fetchone()[0] or 0)
    finally:
        cursor.close()
    profile_ok = np.zeros(top + 1, dtype=bool)
    profile_ok[np.asarray(kept_profiles(con, f), dtype=np.int64)] = True
    keep = profile_ok[_load_range(folder, FULL_STARTS[2], lo, hi)]
    if not keep.any():
        return None
    return _Slice(folder, lo, hi, keep, bool(keep.all()))


def kept_full_bas_runtimes(con: duckdb.DuckDBPyConnection, f: StoryFilters) -> tuple[np.ndarray, np.ndarray]:
    """The view's kept Full BAS runs with a positive runtime: their starts (epoch microseconds UTC, ascending) and
    runtimes (seconds, aligned), from the version's derived arrays."""
    view = _view_slice(con, f)
    if view is None:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)
    return view.pick(FULL_STARTS[0]), view.pick(FULL_STARTS[1])


def kept_full_bas_intervals(con: duckdb.DuckDBPyConnection, f: StoryFilters) -> FullBasIntervals:
    """The view's Full BAS intervals (see FullBasIntervals), from the version's derived arrays."""
    view = _view_slice(con, f)
    if view is None:
        return _empty()
    folder, lo, hi, keep, all_kept, pick = view.folder, view.lo, view.hi, view.keep, view.all_kept, view.pick
    starts = pick(FULL_STARTS[0])
    zero = _load(folder, FULL_ZERO_LENGTH)
    zero = zero[(zero >= lo) & (zero < hi)]
    zero = zero[keep[zero - lo]]
    ends_before = pick(FULL_ENDS_BEFORE_START)        # ends of every interval at or before each start
    if zero.size:
        live = np.ones(hi - lo, dtype=bool)
        live[zero - lo] = False
        live_kept = live[keep] if not all_kept else live
        live_starts, ends_before = starts[live_kept], ends_before[live_kept]
    else:
        live_starts = starts
    # the ends of runs starting in [lo, hi) lie after the first such start and at most `longest` after the last
    ends_us = _load(folder, FULL_ENDS[0])
    longest = json.loads((folder / FULL_INTERVALS_SUMMARY).read_text(encoding="utf-8"))["longest_us"]
    first = int(np.searchsorted(ends_us, starts[0], side="right"))
    last = int(np.searchsorted(ends_us, int(starts[-1]) + longest, side="right"))
    # positions fit in int32 (the arrays hold one row per run), which halves the memory each step touches
    offset = np.subtract(_load_range(folder, FULL_ENDS[1], first, last), np.int32(lo), dtype=np.int32)
    in_range = offset.view(np.uint32) < np.uint32(hi - lo)                     # one compare: negatives wrap above
    if not all_kept:
        in_range[in_range] = keep[offset[in_range]]
    del offset
    ends = _load_range(folder, FULL_ENDS[0], first, last)[in_range]
    # an end at or before a view's start lies at a position under `first` only if it ends before the view's first
    # start, so it is no view interval's: the view's ends at or before a start are the kept ones from `first` on
    kept_so_far = np.empty(last - first + 1, dtype=np.int32)
    kept_so_far[0] = 0
    np.cumsum(in_range, dtype=np.int32, out=kept_so_far[1:])
    del in_range
    at = np.subtract(ends_before, np.int32(first), dtype=np.int32)
    np.clip(at, 0, last - first, out=at)
    return FullBasIntervals(live_starts, ends, kept_so_far[at])
