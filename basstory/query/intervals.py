"""A view's Full BAS intervals, read from the arrays derived at ingest (ingest.derive) instead of from every run.

The arrays are sorted by start and by end, and memory-mapped: a view's date range is a contiguous slice of the start
order (Sydney dates follow UTC instants), and its ends lie between its first start and its last start plus the
longest interval, so a view reads only that part of the files. The org-level filters are a condition on each run's
org profile. What comes back is in memory and sorted, so the load sweep (analyses.capacity) never sorts.
"""
from __future__ import annotations

import json
import mmap
import os
import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
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
from basstory.query.cursors import open_cursor
from basstory.query.filters import StoryFilters
from basstory.query.view import kept_profiles

_folders: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def attach(con: duckdb.DuckDBPyConnection, folder: Path) -> None:
    """Remember where `con`'s version keeps its derived arrays (query.tables calls this), and ask the system to
    read them into its file cache now, in the background: the first view's load sweep then finds them there."""
    _folders[con] = folder
    for path in sorted(folder.glob("full_*.npy")):
        _read_ahead(path)
    if (folder / f"{FULL_STARTS[0]}.npy").exists():
        threading.Thread(target=_reserve_scratch, args=(int(_load(folder, FULL_STARTS[0]).size),),
                         name="scratch-reserve", daemon=True).start()


#: What the load sweep writes per interval, by buffer (Scratch.get's names in kept_full_bas_intervals and
#: analyses.capacity.steps_from_sorted): reserved when a version is opened.
SWEEP_BUFFERS = {"keep": bool, FULL_STARTS[0]: np.int64, FULL_ENDS_BEFORE_START: np.int32, "at": np.int32,
                 "ends_by_live_start": np.int32, "offset": np.int32, "in_range": bool, "end_kept": bool,
                 "ends": np.int64, "kept_so_far": np.int32}


def _reserve_scratch(intervals: int) -> None:
    """Take and touch the sweep's buffers for a view of every interval now, in the background, so that no
    reader's first view pays for fresh memory (`Scratch`): about 43 bytes per Full BAS run."""
    with sweep_scratch() as scratch:
        for name, dtype in SWEEP_BUFFERS.items():
            scratch.get(name, intervals + 1, dtype).fill(0)
        scratch.ramp(intervals + 1)


def _read_ahead(path: Path) -> None:
    """Start reading `path` into the system's file cache and return at once (where the system offers it)."""
    if not hasattr(os, "posix_fadvise"):
        return
    try:
        descriptor = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.posix_fadvise(descriptor, 0, 0, os.POSIX_FADV_WILLNEED)
    except OSError:
        pass                      # only a hint
    finally:
        os.close(descriptor)


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


def compact(values: np.ndarray, keep: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """values[keep], written into `out` when given (its size: keep's count). Not `np.compress(..., out=)`: that takes
    in numpy's checked mode, which fills a temporary array of the whole result first and copies it into `out`, so a
    buffer kept to avoid fresh memory (`Scratch`) would not avoid it: up to ten times slower on a first sweep."""
    if out is None:
        return values[keep]
    return np.take(values, np.flatnonzero(keep), out=out, mode="clip")


def _empty() -> FullBasIntervals:
    return FullBasIntervals(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))


class Scratch:
    """Working arrays kept from one view's load sweep to the next, grown when a view needs more.

    A sweep over a 100× extract works on arrays of tens of millions of values. Memory freshly taken from the system
    costs far more on first touch than memory used before, on a virtual machine most of all (the host hands out
    pages the guest gave back), so the sweep writes into these buffers (`out=`) instead of new arrays; what it
    returns are views into them, valid until the next sweep with the same scratch (`sweep_scratch` keeps one
    sweep at a time). The buffers stay with the process: about 43 bytes per Full BAS run of the largest view.
    """

    def __init__(self) -> None:
        self._buffers: dict[str, np.ndarray] = {}

    def get(self, name: str, size: int, dtype) -> np.ndarray:
        """Buffer `name`, `size` values of `dtype` (contents undefined)."""
        buffer = self._buffers.get(name)
        if buffer is None or buffer.dtype != np.dtype(dtype) or buffer.size < size:
            buffer = np.empty(size + size // 8, dtype=dtype)            # room for a slightly larger view
            self._buffers[name] = buffer
        return buffer[:size]

    def ramp(self, size: int) -> np.ndarray:
        """0, 1, ..., size - 1 as int32 (made once, reused)."""
        buffer = self._buffers.get("ramp")
        if buffer is None or buffer.size < size:
            buffer = np.arange(size + size // 8, dtype=np.int32)
            self._buffers["ramp"] = buffer
        return buffer[:size]


_scratch = Scratch()
_scratch_lock = threading.Lock()


@contextmanager
def sweep_scratch() -> Iterator[Scratch]:
    """The process's load-sweep scratch, for one sweep at a time (a second waits: both would share two cores)."""
    with _scratch_lock:
        yield _scratch


@dataclass(frozen=True)
class _Slice:
    """The view's part of the start order: positions lo..hi-1, which of them the org filters keep, and how many."""
    folder: Path
    lo: int
    hi: int
    keep: np.ndarray
    kept: int

    @property
    def all_kept(self) -> bool:
        return self.kept == self.hi - self.lo

    def pick(self, name: str, scratch: Scratch | None = None) -> np.ndarray:
        """The kept values of array `name` (one of the start-ordered arrays) in the slice: the mapped file itself
        when every run is kept (read-only), else copied into `scratch` (or a new array)."""
        part = _load_range(self.folder, name, self.lo, self.hi)
        if self.all_kept:
            return part
        return compact(part, self.keep, scratch.get(name, self.kept, part.dtype) if scratch is not None else None)


def _view_slice(con: duckdb.DuckDBPyConnection, f: StoryFilters, scratch: Scratch | None = None) -> _Slice | None:
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
    cursor = open_cursor(con)
    try:
        top = int(cursor.execute("SELECT max(profile_id) FROM profiles").fetchone()[0] or 0)
    finally:
        cursor.close()
    profile_ok = np.zeros(top + 1, dtype=bool)
    profile_ok[np.asarray(kept_profiles(con, f), dtype=np.int64)] = True
    out = scratch.get("keep", hi - lo, bool) if scratch is not None else None
    keep = np.take(profile_ok, _load_range(folder, FULL_STARTS[2], lo, hi), out=out, mode="clip")
    kept = int(np.count_nonzero(keep))
    return _Slice(folder, lo, hi, keep, kept) if kept else None


def kept_full_bas_runtimes(con: duckdb.DuckDBPyConnection, f: StoryFilters) -> tuple[np.ndarray, np.ndarray]:
    """The view's kept Full BAS runs with a positive runtime: their starts (epoch microseconds UTC, ascending) and
    runtimes (seconds, aligned), from the version's derived arrays."""
    view = _view_slice(con, f)
    if view is None:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)
    return view.pick(FULL_STARTS[0]), view.pick(FULL_STARTS[1])


def kept_full_bas_intervals(con: duckdb.DuckDBPyConnection, f: StoryFilters,
                            scratch: Scratch | None = None) -> FullBasIntervals:
    """The view's Full BAS intervals (see FullBasIntervals), from the version's derived arrays; with `scratch`,
    written into its buffers (see Scratch), else into new arrays."""
    scratch = scratch if scratch is not None else Scratch()
    view = _view_slice(con, f, scratch)
    if view is None:
        return _empty()
    folder, lo, hi, keep = view.folder, view.lo, view.hi, view.keep
    starts = view.pick(FULL_STARTS[0], scratch)                   # buffer names: SWEEP_BUFFERS
    ends_before = view.pick(FULL_ENDS_BEFORE_START, scratch)      # ends of every interval at or before each start
    zero = _load(folder, FULL_ZERO_LENGTH)
    zero = zero[(zero >= lo) & (zero < hi)]
    zero = zero[keep[zero - lo]]
    if zero.size:                                                   # rare: a runtime under half a microsecond
        live = np.ones(hi - lo, dtype=bool)
        live[zero - lo] = False
        live_kept = live if view.all_kept else live[keep]
        live_starts, ends_before = starts[live_kept], ends_before[live_kept]
    else:
        live_starts = starts
    # the ends of runs starting in [lo, hi) lie after the first such start and at most `longest` after the last
    ends_us = _load(folder, FULL_ENDS[0])
    longest = json.loads((folder / FULL_INTERVALS_SUMMARY).read_text(encoding="utf-8"))["longest_us"]
    first = int(np.searchsorted(ends_us, starts[0], side="right"))
    last = int(np.searchsorted(ends_us, int(starts[-1]) + longest, side="right"))
    span = last - first
    # positions fit in int32 (the arrays hold one row per run), which halves the memory each step touches
    offset = np.subtract(_load_range(folder, FULL_ENDS[1], first, last), np.int32(lo), dtype=np.int32,
                         out=scratch.get("offset", span, np.int32))              # the run's place in [lo, hi)
    in_range = np.less(offset.view(np.uint32), np.uint32(hi - lo),               # negatives wrap above
                       out=scratch.get("in_range", span, bool))
    if not view.all_kept:
        np.clip(offset, 0, hi - lo - 1, out=offset)                               # out of range: already false
        np.logical_and(in_range, np.take(keep, offset, out=scratch.get("end_kept", span, bool), mode="clip"),
                       out=in_range)
    ends = compact(_load_range(folder, FULL_ENDS[0], first, last), in_range,
                   scratch.get("ends", int(np.count_nonzero(in_range)), np.int64))
    # an end at or before a view's start lies at a position under `first` only if it ends before the view's first
    # start, so it is no view interval's: the view's ends at or before a start are the kept ones from `first` on
    kept_so_far = scratch.get("kept_so_far", span + 1, np.int32)
    kept_so_far[0] = 0
    np.cumsum(in_range, dtype=np.int32, out=kept_so_far[1:])
    at = np.subtract(ends_before, np.int32(first), dtype=np.int32, out=scratch.get("at", live_starts.size, np.int32))
    np.clip(at, 0, span, out=at)
    ends_by_live_start = np.take(kept_so_far, at, out=scratch.get("ends_by_live_start", at.size, np.int32),
                                 mode="clip")
    return FullBasIntervals(live_starts, ends, ends_by_live_start)
